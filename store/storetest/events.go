package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// t0 is the base time of event fixtures: a past instant with microseconds.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

var fullContext = shop.Context{
	Channel: "app", Device: "mobile", Page: "product_detail", Referrer: "https://example.com/?q=茶&x=1",
	Placement: "pdp_recs_1", CampaignID: "cmp-11", AdID: "ad-7", CreativeID: "cr-3",
	MessageID: "msg-9", CouponID: "cp-20", Experiment: "ranker", Variant: "B", DecisionID: "dec-1",
}

func eventFixtures() []shop.Event {
	return []shop.Event{
		{ID: "ev-purchase", Type: shop.Purchase, UserID: "u-1", ItemID: "sku-1", Timestamp: t0,
			SessionID: "s-1", Quantity: 2.5, Revenue: 199.99, Currency: "CNY", OrderID: "o-1", Context: fullContext},
		{ID: "ev-review", Type: shop.Review, UserID: "u-1", ItemID: "sku-1", Timestamp: t0.Add(time.Second),
			Rating: 4.5, Text: "好用！\n\"Great\" — 5/5 \\o/ 🎉"},
		{ID: "ev-search", Type: shop.Search, UserID: "u-2", Timestamp: t0.Add(-time.Hour), Query: "green tea 绿茶",
			Context: shop.Context{Channel: "web"}},
		{ID: "ev-zone", Type: shop.View, UserID: "u-2", ItemID: "sku-2",
			Timestamp: time.Date(2026, 3, 14, 18, 0, 0, 1000, time.FixedZone("CST", 8*3600))},
		{ID: "ev-micros", Type: shop.AdClick, UserID: "u-3", Timestamp: time.Date(2025, 12, 31, 23, 59, 59, 999999000, time.UTC),
			Context: shop.Context{AdID: "ad-1", Placement: "banner"}},
		{ID: "ev-epoch", Type: shop.MessageOpen, UserID: "u-3", Timestamp: time.Unix(0, 1000).UTC(),
			Context: shop.Context{MessageID: "m-1"}},
		{ID: "ev-assigned", Type: shop.CouponRedeem, UserID: "u-3", Timestamp: t0,
			Context: shop.Context{CouponID: "c-1"},
			// The store assigns these two; input values are ignored.
			Seq: 987654321, ReceivedAt: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "ev-tiny", Type: shop.Rating, UserID: "u-4", ItemID: "sku-3", Timestamp: t0, Rating: 0.1, Quantity: 1e-7},
	}
}

func testEvents(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		in := eventFixtures()
		res, err := s.AppendEvents(ctx, in)
		if err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		checkInserted(t, res, []bool{true, true, true, true, true, true, true, true})
		got := eventsSince(t, s, 0, 100)
		if !slices.Equal(ids(got, eventID), ids(in, eventID)) {
			t.Fatalf("EventsSince(0) = %v, want %v", ids(got, eventID), ids(in, eventID))
		}
		for i, e := range got {
			sameEvent(t, in[i], e)
			checkSet(t, fmt.Sprintf("event %q ReceivedAt", e.ID), e.ReceivedAt)
			if e.Seq <= 0 {
				t.Errorf("event %q Seq = %d, want > 0", e.ID, e.Seq)
			}
			if i > 0 && e.Seq <= got[i-1].Seq {
				t.Errorf("Seq not strictly increasing in input order: %q has %d after %q with %d", e.ID, e.Seq, got[i-1].ID, got[i-1].Seq)
			}
			if e.ID == "ev-assigned" && (e.Seq == 987654321 || e.ReceivedAt.Year() == 2000) {
				t.Errorf("event %q kept the Seq or ReceivedAt it was sent with: %d, %s", e.ID, e.Seq, e.ReceivedAt)
			}
		}
		// UserEvents returns the same events, with the same store-assigned fields.
		bySeq := map[string]shop.Event{}
		for _, e := range got {
			bySeq[e.ID] = e
		}
		for _, user := range []string{"u-1", "u-2", "u-3", "u-4"} {
			for _, e := range userEvents(t, s, store.EventQuery{UserID: user}) {
				want := bySeq[e.ID]
				sameEvent(t, want, e)
				if e.Seq != want.Seq || !e.ReceivedAt.Equal(want.ReceivedAt) {
					t.Errorf("UserEvents gives event %q Seq %d ReceivedAt %s; EventsSince gives %d %s", e.ID, e.Seq, e.ReceivedAt, want.Seq, want.ReceivedAt)
				}
				if e.UserID != user {
					t.Errorf("UserEvents(%q) returned event %q of user %q", user, e.ID, e.UserID)
				}
			}
		}
	})

	t.Run("Duplicates", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		ev := func(id, user string, q float64) shop.Event {
			return shop.Event{ID: id, Type: shop.AddToCart, UserID: user, ItemID: "sku-" + id, Timestamp: t0, Quantity: q}
		}
		calls := []struct {
			name string
			in   []shop.Event
			want []bool
		}{
			{"within one call, the first wins", []shop.Event{ev("a", "u-1", 1), ev("b", "u-1", 1), ev("a", "u-2", 9)}, []bool{true, true, false}},
			{"across calls", []shop.Event{ev("a", "u-3", 7), ev("c", "u-1", 1), ev("b", "u-1", 1)}, []bool{false, true, false}},
			{"stored and repeated in the same call", []shop.Event{ev("c", "u-1", 5), ev("c", "u-1", 6), ev("d", "u-1", 1), ev("d", "u-1", 2)}, []bool{false, false, true, false}},
			{"only duplicates", []shop.Event{ev("d", "u-1", 3), ev("a", "u-1", 3)}, []bool{false, false}},
		}
		for _, c := range calls {
			res, err := s.AppendEvents(ctx, c.in)
			if err != nil {
				t.Fatalf("AppendEvents (%s): %v", c.name, err)
			}
			t.Run(c.name, func(t *testing.T) { checkInserted(t, res, c.want) })
		}
		got := eventsSince(t, s, 0, 100)
		want := []shop.Event{ev("a", "u-1", 1), ev("b", "u-1", 1), ev("c", "u-1", 1), ev("d", "u-1", 1)}
		if !slices.Equal(ids(got, eventID), ids(want, eventID)) {
			t.Fatalf("EventsSince(0) = %v, want %v", ids(got, eventID), ids(want, eventID))
		}
		for i := range want {
			sameEvent(t, want[i], got[i])
		}
		if evs := userEvents(t, s, store.EventQuery{UserID: "u-2"}); len(evs) != 0 {
			t.Errorf("UserEvents(u-2) = %v; its only event was a duplicate and should not be stored", ids(evs, eventID))
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Events != 4 || st.LastSeq != got[3].Seq {
			t.Errorf("Stats = %+v, want Events 4 and LastSeq %d", st, got[3].Seq)
		}
	})

	t.Run("SeqFollowsInputOrder", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		// Timestamps run backwards so that ordering by time would be wrong.
		var want []string
		for call := range 3 {
			var batch []shop.Event
			for i := range 5 {
				id := fmt.Sprintf("e-%d-%d", call, i)
				batch = append(batch, shop.Event{ID: id, Type: shop.View, UserID: fmt.Sprintf("u-%d", i%2), ItemID: "sku",
					Timestamp: t0.Add(-time.Duration(call*5+i) * time.Minute)})
				want = append(want, id)
				if i == 2 && call > 0 {
					batch = append(batch, shop.Event{ID: "e-0-0", Type: shop.View, UserID: "u-0", ItemID: "sku", Timestamp: t0})
				}
			}
			if _, err := s.AppendEvents(ctx, batch); err != nil {
				t.Fatalf("AppendEvents call %d: %v", call, err)
			}
		}
		got := eventsSince(t, s, 0, 100)
		if !slices.Equal(ids(got, eventID), want) {
			t.Fatalf("EventsSince(0) = %v, want insertion order %v", ids(got, eventID), want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Seq <= got[i-1].Seq {
				t.Errorf("Seq of %q is %d, not above %d of %q inserted before it", got[i].ID, got[i].Seq, got[i-1].Seq, got[i-1].ID)
			}
		}
	})

	t.Run("UsersCreated", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		known := fullUser("known")
		if err := s.PutUsers(ctx, []shop.User{known}); err != nil {
			t.Fatalf("PutUsers: %v", err)
		}
		before, err := s.GetUser(ctx, "known")
		if err != nil {
			t.Fatalf("GetUser(known): %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		in := []shop.Event{
			{ID: "1", Type: shop.View, UserID: "known", ItemID: "sku", Timestamp: t0},
			{ID: "2", Type: shop.View, UserID: "ghost-1", ItemID: "sku", Timestamp: t0},
			{ID: "3", Type: shop.Search, UserID: "ghost-2", Query: "tea", Timestamp: t0},
			{ID: "4", Type: shop.View, UserID: "ghost-1", ItemID: "sku", Timestamp: t0},
		}
		if _, err := s.AppendEvents(ctx, in); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		for _, id := range []string{"ghost-1", "ghost-2"} {
			u, err := s.GetUser(ctx, id)
			if err != nil {
				t.Errorf("GetUser(%q), a user named only by events: %v", id, err)
				continue
			}
			sameUser(t, shop.User{ID: id}, u)
			checkSet(t, "CreatedAt of a user created by an event", u.CreatedAt)
		}
		after, err := s.GetUser(ctx, "known")
		if err != nil {
			t.Fatalf("GetUser(known) after events: %v", err)
		}
		sameUser(t, known, after)
		if !after.CreatedAt.Equal(before.CreatedAt) {
			t.Errorf("events changed CreatedAt of an existing user: %s, then %s", before.CreatedAt, after.CreatedAt)
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Users != 3 {
			t.Errorf("Stats.Users = %d, want 3 (one put, two created by events)", st.Users)
		}

		// A user created by events can then be described; CreatedAt stays.
		ghost, err := s.GetUser(ctx, "ghost-1")
		if err != nil {
			t.Fatalf("GetUser(ghost-1): %v", err)
		}
		desc := shop.User{ID: "ghost-1", Attributes: map[string]any{"city": "Shanghai"}}
		if err := s.PutUsers(ctx, []shop.User{desc}); err != nil {
			t.Fatalf("PutUsers(ghost-1): %v", err)
		}
		got, err := s.GetUser(ctx, "ghost-1")
		if err != nil {
			t.Fatalf("GetUser(ghost-1) after PutUsers: %v", err)
		}
		sameUser(t, desc, got)
		if !got.CreatedAt.Equal(ghost.CreatedAt) {
			t.Errorf("PutUsers changed CreatedAt of a user created by events: %s, then %s", ghost.CreatedAt, got.CreatedAt)
		}
	})

	t.Run("UserEvents", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
		first := []shop.Event{
			{ID: "v-old", Type: shop.View, UserID: "me", ItemID: "a", Timestamp: at(0)},
			{ID: "other-1", Type: shop.View, UserID: "you", ItemID: "a", Timestamp: at(5)},
			{ID: "v-tie-1", Type: shop.View, UserID: "me", ItemID: "b", Timestamp: at(3)},
			{ID: "c-mid", Type: shop.Click, UserID: "me", ItemID: "b", Timestamp: at(2)},
			{ID: "v-tie-2", Type: shop.View, UserID: "me", ItemID: "c", Timestamp: at(3)},
		}
		second := []shop.Event{
			{ID: "p-new", Type: shop.Purchase, UserID: "me", ItemID: "c", Timestamp: at(10), Quantity: 1},
			{ID: "v-late", Type: shop.View, UserID: "me", ItemID: "d", Timestamp: at(1)}, // arrives late
			{ID: "v-tie-3", Type: shop.View, UserID: "me", ItemID: "e", Timestamp: at(3)},
			{ID: "other-2", Type: shop.View, UserID: "me-too", ItemID: "a", Timestamp: at(4)},
			{ID: "c-tie", Type: shop.Click, UserID: "me", ItemID: "e", Timestamp: at(3)},
		}
		for _, batch := range [][]shop.Event{first, second} {
			if _, err := s.AppendEvents(ctx, batch); err != nil {
				t.Fatalf("AppendEvents: %v", err)
			}
		}
		// Newest first; equal timestamps latest-inserted first.
		all := []string{"p-new", "c-tie", "v-tie-3", "v-tie-2", "v-tie-1", "c-mid", "v-late", "v-old"}
		views := []string{"v-tie-3", "v-tie-2", "v-tie-1", "v-late", "v-old"}
		cases := []struct {
			typ  shop.EventType
			want []string
		}{
			{"", all},
			{shop.View, views},
			{shop.Click, []string{"c-tie", "c-mid"}},
			{shop.Purchase, []string{"p-new"}},
			{shop.Rating, nil},
		}
		for _, c := range cases {
			for _, limit := range []int{1, 2, 3, 5, 8, 0} {
				t.Run(fmt.Sprintf("type=%q/limit=%d", c.typ, limit), func(t *testing.T) {
					got := userEvents(t, s, store.EventQuery{UserID: "me", Type: c.typ, Limit: limit})
					if !slices.Equal(nilIfEmpty(ids(got, eventID)), c.want) {
						t.Errorf("UserEvents(me, %q) = %v, want %v", c.typ, ids(got, eventID), c.want)
					}
				})
			}
		}
		if got := userEvents(t, s, store.EventQuery{UserID: "nobody"}); len(got) != 0 {
			t.Errorf("UserEvents(nobody) = %v, want none", ids(got, eventID))
		}
		for _, c := range []string{"!!not a cursor!!", "aGVsbG8"} {
			if _, _, err := s.UserEvents(ctx, store.EventQuery{UserID: "me", Cursor: c}); !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("UserEvents with made-up cursor %q: error = %v, want ErrInvalidCursor", c, err)
			}
		}
		// A cursor from one list is not a cursor of the other.
		if err := s.PutItems(ctx, []shop.Item{{ID: "a"}, {ID: "b"}}); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		_, itemNext, err := s.ListItems(ctx, store.ItemQuery{Limit: 1})
		if err != nil || itemNext == "" {
			t.Fatalf("ListItems(limit 1) = next %q, %v; want a next cursor", itemNext, err)
		}
		if _, _, err := s.UserEvents(ctx, store.EventQuery{UserID: "me", Cursor: itemNext}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("UserEvents with an item cursor: error = %v, want ErrInvalidCursor", err)
		}
	})

	t.Run("EventsSince", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if got, err := s.EventsSince(ctx, 0, 10); err != nil || len(got) != 0 {
			t.Errorf("EventsSince(0) on an empty store = %v, %v; want nothing", ids(got, eventID), err)
		}
		var in []shop.Event
		for i := range 10 {
			in = append(in, shop.Event{ID: fmt.Sprintf("e%02d", i), Type: shop.View, UserID: "u", ItemID: "i",
				Timestamp: t0.Add(-time.Duration(i) * time.Second)})
		}
		for _, batch := range [][]shop.Event{in[:4], in[4:]} {
			if _, err := s.AppendEvents(ctx, batch); err != nil {
				t.Fatalf("AppendEvents: %v", err)
			}
		}
		all := eventsSince(t, s, 0, 1000)
		if !slices.Equal(ids(all, eventID), ids(in, eventID)) {
			t.Fatalf("EventsSince(0) = %v, want %v", ids(all, eventID), ids(in, eventID))
		}
		last := all[len(all)-1].Seq

		got, err := s.EventsSince(ctx, 0, 3)
		if err != nil {
			t.Fatalf("EventsSince(0, 3): %v", err)
		}
		if !slices.Equal(ids(got, eventID), ids(in[:3], eventID)) {
			t.Errorf("EventsSince(0, 3) = %v, want %v", ids(got, eventID), ids(in[:3], eventID))
		}
		got, err = s.EventsSince(ctx, all[4].Seq, 1000)
		if err != nil {
			t.Fatalf("EventsSince(seq of 5th): %v", err)
		}
		if !slices.Equal(ids(got, eventID), ids(in[5:], eventID)) {
			t.Errorf("EventsSince(seq of e04) = %v, want %v", ids(got, eventID), ids(in[5:], eventID))
		}
		got, err = s.EventsSince(ctx, last, 1000)
		if err != nil || len(got) != 0 {
			t.Errorf("EventsSince(last seq %d) = %v, %v; want nothing", last, ids(got, eventID), err)
		}
		// Following the feed in small steps sees every event once.
		var followed []string
		for after, steps := int64(0), 0; ; steps++ {
			if steps > 20 {
				t.Fatal("following EventsSince with limit 3 did not end")
			}
			page, err := s.EventsSince(ctx, after, 3)
			if err != nil {
				t.Fatalf("EventsSince(%d, 3): %v", after, err)
			}
			if len(page) > 3 {
				t.Fatalf("EventsSince(%d, 3) returned %d events", after, len(page))
			}
			if len(page) == 0 {
				break
			}
			followed = append(followed, ids(page, eventID)...)
			after = page[len(page)-1].Seq
		}
		if !slices.Equal(followed, ids(in, eventID)) {
			t.Errorf("following the feed saw %v, want %v", followed, ids(in, eventID))
		}
	})

	t.Run("EmptyAppend", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		for _, in := range [][]shop.Event{nil, {}} {
			res, err := s.AppendEvents(ctx, in)
			if err != nil {
				t.Errorf("AppendEvents(%d events): %v", len(in), err)
			}
			if len(res) != 0 {
				t.Errorf("AppendEvents(no events) = %v, want no results", res)
			}
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Events != 0 || st.LastSeq != 0 {
			t.Errorf("Stats after empty appends = %+v, want no events", st)
		}
	})
}

func checkInserted(t *testing.T, got, want []bool) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("AppendEvents inserted = %v, want %v", got, want)
	}
}

// eventsSince returns one EventsSince call's events, checking Seq order.
func eventsSince(t *testing.T, s store.Store, after int64, limit int) []shop.Event {
	t.Helper()
	got, err := s.EventsSince(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("EventsSince(%d, %d): %v", after, limit, err)
	}
	for i, e := range got {
		if e.Seq <= after || (i > 0 && e.Seq <= got[i-1].Seq) {
			t.Fatalf("EventsSince(%d, %d) is not in Seq order after %d: %v", after, limit, after, seqs(got))
		}
	}
	return got
}

func seqs(evs []shop.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

// userEvents pages through every event q selects, checking the paging rules
// (see listItems) and the order: newest timestamp first, then highest Seq.
func userEvents(t *testing.T, s store.Store, q store.EventQuery) []shop.Event {
	t.Helper()
	limit := store.PageLimit(q.Limit)
	var all []shop.Event
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("UserEvents(%+v) did not end after %d pages", q, pages)
		}
		page, next, err := s.UserEvents(t.Context(), q)
		if err != nil {
			t.Fatalf("UserEvents(%+v): %v", q, err)
		}
		if len(page) > limit {
			t.Fatalf("UserEvents(%+v) returned %d events, more than the limit %d", q, len(page), limit)
		}
		if next != "" && len(page) < limit {
			t.Fatalf("UserEvents(%+v) returned a short page (%d of %d) with a next cursor", q, len(page), limit)
		}
		for _, e := range page {
			if seen[e.ID] {
				t.Fatalf("UserEvents returned event %q twice while paging with limit %d", e.ID, limit)
			}
			seen[e.ID] = true
			if e.UserID != q.UserID {
				t.Errorf("UserEvents(%q) returned event %q of user %q", q.UserID, e.ID, e.UserID)
			}
			if q.Type != "" && e.Type != q.Type {
				t.Errorf("UserEvents(type %q) returned event %q of type %q", q.Type, e.ID, e.Type)
			}
		}
		all = append(all, page...)
		if next == "" {
			if len(page) == 0 && pages > 0 {
				t.Errorf("UserEvents(%+v) ended with an empty page; the last non-empty page should carry an empty next cursor", q)
			}
			break
		}
		q.Cursor = next
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Timestamp.Before(b.Timestamp) || (a.Timestamp.Equal(b.Timestamp) && a.Seq <= b.Seq) {
			t.Errorf("UserEvents order: %q (%s, seq %d) before %q (%s, seq %d); want newest first, then highest seq",
				a.ID, a.Timestamp, a.Seq, b.ID, b.Timestamp, b.Seq)
		}
	}
	return all
}
