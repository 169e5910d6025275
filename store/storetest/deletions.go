package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func testDeletions(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RemovesUserAndEvents", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if err := s.PutItems(ctx, []shop.Item{{ID: "sku-1"}, {ID: "sku-2"}}); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		if err := s.PutUsers(ctx, []shop.User{fullUser("gone"), fullUser("kept")}); err != nil {
			t.Fatalf("PutUsers: %v", err)
		}
		ev := func(id, user string, min int) shop.Event {
			return shop.Event{ID: id, Type: shop.View, UserID: user, ItemID: "sku-1", Timestamp: t0.Add(time.Duration(min) * time.Minute)}
		}
		// The deleted user's events come first, in between and last, so
		// that the newest event of the store is one of theirs.
		in := []shop.Event{ev("g1", "gone", 0), ev("k1", "kept", 1), ev("g2", "gone", 2), ev("o1", "other", 3),
			ev("k2", "kept", 4), ev("g3", "gone", 5)}
		if _, err := s.AppendEvents(ctx, in); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		all := eventsSince(t, s, 0, 100)
		before, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		keptBefore, err := s.GetUser(ctx, "kept")
		if err != nil {
			t.Fatalf("GetUser(kept): %v", err)
		}

		d, err := s.DeleteUser(ctx, "gone")
		if err != nil {
			t.Fatalf("DeleteUser(gone): %v", err)
		}
		if d.Seq <= 0 || d.UserID != "gone" || d.Events != 3 || !d.User || d.EventSeq != all[len(all)-1].Seq {
			t.Errorf("DeleteUser(gone) = %+v, want Seq > 0, 3 events, the user row and EventSeq %d (the last event's)",
				d, all[len(all)-1].Seq)
		}
		checkSet(t, "Deletion.At", d.At)

		if got := userEvents(t, s, store.EventQuery{UserID: "gone"}); len(got) != 0 {
			t.Errorf("UserEvents(gone) after DeleteUser = %v, want none", ids(got, eventID))
		}
		var rest []shop.Event
		for _, e := range all {
			if e.UserID != "gone" {
				rest = append(rest, e)
			}
		}
		got := eventsSince(t, s, 0, 100)
		if !slices.Equal(ids(got, eventID), ids(rest, eventID)) || !slices.Equal(seqs(got), seqs(rest)) {
			t.Errorf("EventsSince(0) after DeleteUser = %v (seqs %v), want %v (seqs %v)",
				ids(got, eventID), seqs(got), ids(rest, eventID), seqs(rest))
		}
		if _, err := s.GetUser(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(gone) after DeleteUser: error = %v, want ErrNotFound", err)
		}
		keptAfter, err := s.GetUser(ctx, "kept")
		if err != nil {
			t.Fatalf("GetUser(kept) after deleting another user: %v", err)
		}
		sameUser(t, keptBefore, keptAfter)
		if !keptAfter.CreatedAt.Equal(keptBefore.CreatedAt) || !keptAfter.UpdatedAt.Equal(keptBefore.UpdatedAt) {
			t.Errorf("deleting another user changed kept's times: %+v, then %+v", keptBefore, keptAfter)
		}
		if got := userEvents(t, s, store.EventQuery{UserID: "kept"}); !slices.Equal(ids(got, eventID), []string{"k2", "k1"}) {
			t.Errorf("UserEvents(kept) after deleting another user = %v, want [k2 k1]", ids(got, eventID))
		}
		after, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		// LastSeq must cover what is stored and cannot exceed the feed
		// position; whether it stays at the removed newest event is left open.
		if after.Items != before.Items || after.Users != before.Users-1 || after.Events != before.Events-3 ||
			after.LastSeq < rest[len(rest)-1].Seq || after.LastSeq > d.EventSeq {
			t.Errorf("Stats after DeleteUser = %+v, want one user and 3 events fewer than %+v, LastSeq in [%d, %d]",
				after, before, rest[len(rest)-1].Seq, d.EventSeq)
		}

		if _, err := s.DeleteUser(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteUser(gone): error = %v, want ErrNotFound", err)
		}
		if _, err := s.DeleteUser(ctx, "never-seen"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteUser(never-seen): error = %v, want ErrNotFound", err)
		}
		feed := deletionsSince(t, s, 0, 100)
		if len(feed) != 1 {
			t.Fatalf("DeletionsSince(0) = %+v, want the one deletion", feed)
		}
		sameDeletion(t, d, feed[0])
		if more := deletionsSince(t, s, d.Seq, 100); len(more) != 0 {
			t.Errorf("DeletionsSince(%d) = %+v, want none", d.Seq, more)
		}
	})

	t.Run("UserWithoutEvents", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if err := s.PutUsers(ctx, []shop.User{{ID: "quiet"}}); err != nil {
			t.Fatalf("PutUsers: %v", err)
		}
		d, err := s.DeleteUser(ctx, "quiet")
		if err != nil {
			t.Fatalf("DeleteUser(quiet): %v", err)
		}
		if d.Events != 0 || !d.User || d.UserID != "quiet" || d.EventSeq != 0 {
			t.Errorf("DeleteUser of a user without events = %+v, want 0 events, the row, EventSeq 0", d)
		}
		if _, err := s.GetUser(ctx, "quiet"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(quiet) after DeleteUser: error = %v, want ErrNotFound", err)
		}
		if st, err := s.Stats(ctx); err != nil || st != (store.Stats{}) {
			t.Errorf("Stats after deleting the only user = %+v, %v; want zeros", st, err)
		}
		feed := deletionsSince(t, s, 0, 0)
		if len(feed) != 1 {
			t.Fatalf("DeletionsSince(0) = %+v, want one deletion", feed)
		}
		sameDeletion(t, d, feed[0])
	})

	t.Run("NewLife", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		ev := func(id, user string) shop.Event {
			return shop.Event{ID: id, Type: shop.Click, UserID: user, ItemID: "sku", Timestamp: t0}
		}
		// Appending twice makes sure a backend that remembers users has
		// this one in mind when it is deleted.
		for _, batch := range [][]shop.Event{{ev("a1", "phoenix"), ev("x1", "bystander")}, {ev("a2", "phoenix")}} {
			if _, err := s.AppendEvents(ctx, batch); err != nil {
				t.Fatalf("AppendEvents: %v", err)
			}
		}
		first, err := s.DeleteUser(ctx, "phoenix")
		if err != nil || first.Events != 2 {
			t.Fatalf("DeleteUser(phoenix) = %+v, %v; want 2 events", first, err)
		}
		time.Sleep(2 * time.Millisecond)
		res, err := s.AppendEvents(ctx, []shop.Event{ev("x2", "bystander"), ev("b1", "phoenix"), ev("b2", "phoenix")})
		if err != nil {
			t.Fatalf("AppendEvents after DeleteUser: %v", err)
		}
		checkInserted(t, res, []bool{true, true, true})
		u, err := s.GetUser(ctx, "phoenix")
		if err != nil {
			t.Fatalf("GetUser(phoenix), created again by events: %v", err)
		}
		sameUser(t, shop.User{ID: "phoenix"}, u)
		if u.CreatedAt.Before(first.At) {
			t.Errorf("the user created again has CreatedAt %s, before the deletion at %s", u.CreatedAt, first.At)
		}
		life := userEvents(t, s, store.EventQuery{UserID: "phoenix"})
		if !slices.Equal(ids(life, eventID), []string{"b2", "b1"}) {
			t.Fatalf("UserEvents(phoenix) after the new events = %v, want [b2 b1]", ids(life, eventID))
		}
		for _, e := range life {
			if e.Seq <= first.EventSeq {
				t.Errorf("event %q appended after the deletion has Seq %d, not above the deletion's EventSeq %d", e.ID, e.Seq, first.EventSeq)
			}
		}
		if got := eventsSince(t, s, first.EventSeq, 100); !slices.Equal(ids(got, eventID), []string{"x2", "b1", "b2"}) {
			t.Errorf("EventsSince(EventSeq %d) = %v, want [x2 b1 b2]", first.EventSeq, ids(got, eventID))
		}
		if st, err := s.Stats(ctx); err != nil || st.Users != 2 || st.Events != 4 {
			t.Errorf("Stats = %+v, %v; want 2 users and 4 events", st, err)
		}

		second, err := s.DeleteUser(ctx, "phoenix")
		if err != nil {
			t.Fatalf("second DeleteUser(phoenix): %v", err)
		}
		if second.Events != 2 || !second.User || second.Seq <= first.Seq || second.EventSeq != life[0].Seq {
			t.Errorf("second DeleteUser(phoenix) = %+v, want 2 events, Seq above %d, EventSeq %d", second, first.Seq, life[0].Seq)
		}
		// The newest events were phoenix's and are gone; the feed position
		// recorded by the next deletion still does not go back.
		third, err := s.DeleteUser(ctx, "bystander")
		if err != nil {
			t.Fatalf("DeleteUser(bystander): %v", err)
		}
		if third.EventSeq != second.EventSeq || third.Events != 2 {
			t.Errorf("DeleteUser(bystander) = %+v, want 2 events and EventSeq %d (no event appended since the last deletion)", third, second.EventSeq)
		}
		feed := deletionsSince(t, s, 0, 100)
		if len(feed) != 3 {
			t.Fatalf("DeletionsSince(0) = %+v, want three deletions", feed)
		}
		for i, want := range []store.Deletion{first, second, third} {
			sameDeletion(t, want, feed[i])
		}
		if st, err := s.Stats(ctx); err != nil || st.Users != 0 || st.Events != 0 {
			t.Errorf("Stats after deleting everyone = %+v, %v; want no users and no events", st, err)
		}
		// A user named again after the deletions starts a third life.
		if _, err := s.AppendEvents(ctx, []shop.Event{ev("c1", "phoenix")}); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		if got := userEvents(t, s, store.EventQuery{UserID: "phoenix"}); !slices.Equal(ids(got, eventID), []string{"c1"}) {
			t.Errorf("UserEvents(phoenix) in its third life = %v, want [c1]", ids(got, eventID))
		}
	})

	t.Run("InvalidID", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		for _, id := range []string{"", "nul\x00byte", "bad\xffutf8"} {
			_, err := s.DeleteUser(ctx, id)
			if !errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUnavailable) {
				t.Errorf("DeleteUser(%q): error = %v, want ErrInvalid only", id, err)
			}
		}
		if feed := deletionsSince(t, s, 0, 100); len(feed) != 0 {
			t.Errorf("refused deletions were recorded: %+v", feed)
		}
	})

	t.Run("FeedPaging", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if got, err := s.DeletionsSince(ctx, 0, 10); err != nil || len(got) != 0 {
			t.Errorf("DeletionsSince(0) on an empty store = %+v, %v; want nothing", got, err)
		}
		var users []shop.User
		for i := range 7 {
			users = append(users, shop.User{ID: fmt.Sprintf("u%d", i)})
		}
		if err := s.PutUsers(ctx, users); err != nil {
			t.Fatalf("PutUsers: %v", err)
		}
		var want []string
		for _, i := range []int{3, 0, 6, 1, 5} {
			d, err := s.DeleteUser(ctx, users[i].ID)
			if err != nil {
				t.Fatalf("DeleteUser(%s): %v", users[i].ID, err)
			}
			want = append(want, d.UserID)
		}
		var followed []string
		for after, steps := int64(0), 0; ; steps++ {
			if steps > 10 {
				t.Fatal("following DeletionsSince with limit 2 did not end")
			}
			page := deletionsSince(t, s, after, 2)
			if len(page) > 2 {
				t.Fatalf("DeletionsSince(%d, 2) returned %d deletions", after, len(page))
			}
			if len(page) == 0 {
				break
			}
			for _, d := range page {
				followed = append(followed, d.UserID)
			}
			after = page[len(page)-1].Seq
		}
		if !slices.Equal(followed, want) {
			t.Errorf("following the deletion feed saw %v, want %v", followed, want)
		}
		if got := deletionsSince(t, s, 0, 3); len(got) == 0 || len(got) > 3 || got[0].UserID != want[0] {
			t.Errorf("DeletionsSince(0, 3) = %+v, want up to 3 deletions starting with %s", got, want[0])
		}
	})

	// Appends for other users, and for the deleted user, run while the user
	// is deleted: nothing of the others is lost, and the deleted user's
	// events split at EventSeq into removed and kept.
	t.Run("ConcurrentAppends", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		const (
			writers = 3
			batches = 8
			batch   = 6
		)
		seed := []shop.Event{{ID: "seed", Type: shop.View, UserID: "victim", ItemID: "sku", Timestamp: t0}}
		if _, err := s.AppendEvents(ctx, seed); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		var (
			wg            sync.WaitGroup
			mu            sync.Mutex
			victimEvents  = 1 // stored for the victim, the seed included
			othersEvents  int
			deletions     []store.Deletion // in call order
			deletionsDone = make(chan struct{})
		)
		start := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for b := range batches {
					evs := make([]shop.Event, batch)
					victim := 0
					for i := range evs {
						user := fmt.Sprintf("other-%d", (w+i)%4)
						if i == 0 && w == 0 {
							user, victim = "victim", 1
						}
						evs[i] = shop.Event{ID: fmt.Sprintf("w%d-b%d-%d", w, b, i), Type: shop.View, UserID: user, ItemID: "sku", Timestamp: t0}
					}
					res, err := s.AppendEvents(ctx, evs)
					if err != nil {
						t.Errorf("writer %d: AppendEvents: %v", w, err)
						return
					}
					if slices.Contains(res, false) {
						t.Errorf("writer %d: AppendEvents = %v, want every event stored", w, res)
					}
					mu.Lock()
					victimEvents += victim
					othersEvents += len(evs) - victim
					mu.Unlock()
				}
			}()
		}
		writersDone := make(chan struct{})
		go func() {
			defer close(deletionsDone)
			<-start
			// Delete the victim again and again while the writers run.
			for {
				d, err := s.DeleteUser(ctx, "victim")
				switch {
				case errors.Is(err, store.ErrNotFound):
					// no victim events since the last deletion
				case err != nil:
					t.Errorf("DeleteUser(victim): %v", err)
					return
				default:
					deletions = append(deletions, d) // read after deletionsDone
				}
				select {
				case <-writersDone:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		close(start)
		wg.Wait()
		close(writersDone)
		<-deletionsDone
		if t.Failed() {
			return
		}

		t.Logf("deleted the victim %d times while the writers ran", len(deletions))
		var removed int64
		for i, d := range deletions {
			removed += d.Events
			if i > 0 && (d.Seq <= deletions[i-1].Seq || d.EventSeq < deletions[i-1].EventSeq) {
				t.Errorf("deletion %+v follows %+v: Seq must increase and EventSeq must not go back", d, deletions[i-1])
			}
		}
		if len(deletions) == 0 || deletions[0].Events < 1 {
			t.Fatalf("deletions = %+v, want at least the first, which removes the seed", deletions)
		}
		feed := deletionsSince(t, s, 0, 100)
		if len(feed) != len(deletions) {
			t.Fatalf("DeletionsSince(0) lists %d deletions, want %d", len(feed), len(deletions))
		}
		for i := range feed {
			sameDeletion(t, deletions[i], feed[i])
		}

		others := 0
		seen := map[string]bool{}
		for after := int64(0); ; {
			page := eventsSince(t, s, after, 25)
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				if seen[e.ID] {
					t.Fatalf("event %q seen twice in the feed", e.ID)
				}
				seen[e.ID] = true
				if e.UserID != "victim" {
					others++
				}
			}
			after = page[len(page)-1].Seq
		}
		if others != othersEvents {
			t.Errorf("the feed holds %d events of other users, want all %d appended", others, othersEvents)
		}
		kept := userEvents(t, s, store.EventQuery{UserID: "victim"})
		last := deletions[len(deletions)-1]
		for _, e := range kept {
			if e.Seq <= last.EventSeq {
				t.Errorf("victim's event %q (Seq %d) survived the deletion at EventSeq %d", e.ID, e.Seq, last.EventSeq)
			}
		}
		if got := int64(len(kept)) + removed; got != int64(victimEvents) {
			t.Errorf("victim: %d events kept + %d removed = %d, want the %d stored", len(kept), removed, got, victimEvents)
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if want := int64(othersEvents + len(kept)); st.Events != want {
			t.Errorf("Stats.Events = %d, want %d", st.Events, want)
		}
		wantUsers := int64(4)
		if len(kept) > 0 {
			wantUsers++
		}
		if st.Users != wantUsers {
			t.Errorf("Stats.Users = %d, want %d", st.Users, wantUsers)
		}
	})
}

// deletionsSince returns one DeletionsSince call's deletions, checking Seq
// order.
func deletionsSince(t *testing.T, s store.Store, after int64, limit int) []store.Deletion {
	t.Helper()
	got, err := s.DeletionsSince(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("DeletionsSince(%d, %d): %v", after, limit, err)
	}
	for i, d := range got {
		if d.Seq <= after || (i > 0 && d.Seq <= got[i-1].Seq) {
			t.Fatalf("DeletionsSince(%d, %d) is not in Seq order after %d: %+v", after, limit, after, got)
		}
	}
	return got
}

// sameDeletion compares a deletion as DeleteUser returned it with the feed's.
func sameDeletion(t *testing.T, want, got store.Deletion) {
	t.Helper()
	checkTime(t, fmt.Sprintf("deletion %d At", want.Seq), want.At, got.At)
	want.At, got.At = time.Time{}, time.Time{}
	if want != got {
		t.Errorf("deletion feed entry = %+v, want %+v as DeleteUser returned it", got, want)
	}
}

func testScrubDeletions(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	if _, err := s.AppendEvents(ctx, []shop.Event{{ID: "e1", Type: shop.Search, UserID: "scrubbed", Query: "tea", Timestamp: t0}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.DeleteUser(ctx, "scrubbed")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.ScrubDeletions(ctx, d.At.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("ScrubDeletions before the deletion = %d, %v; want 0", n, err)
	}
	if n, err := s.ScrubDeletions(ctx, d.At.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("ScrubDeletions after the deletion = %d, %v; want 1", n, err)
	}
	ds, err := s.DeletionsSince(ctx, 0, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("DeletionsSince = %v, %v", ds, err)
	}
	if ds[0].UserID != "" || ds[0].Events != 1 || ds[0].Seq != d.Seq || ds[0].EventSeq != d.EventSeq {
		t.Errorf("scrubbed deletion = %+v; want no user id, the counts kept", ds[0])
	}
	if n, err := s.ScrubDeletions(ctx, d.At.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second ScrubDeletions = %d, %v; want 0", n, err)
	}
}
