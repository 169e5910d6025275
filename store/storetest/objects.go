package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// maxObjectKey is the longest kind or id a backend must accept, in bytes.
const maxObjectKey = 256

func testObjects(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		every := make([]byte, 256)
		for i := range every {
			every[i] = byte(i)
		}
		large := make([]byte, 1<<20)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range large {
			large[i] = byte(rng.Uint32())
		}
		cases := []struct {
			id   string
			data []byte
		}{
			{"json", []byte(`{"name":"VIP 客户","rule":"rfm.r >= 4 && spend > 1000","tags":["a\u0000b"]}`)},
			{"every-byte", every},
			{"not-utf8", []byte("\xff\xfe\xfd\x80\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80")},
			{"nul-bytes", []byte{0, 0, 0}},
			{"trailing-space", []byte("text \n\t ")},
			{"empty", []byte{}},
			{"nil", nil},
			{"large", large},
		}
		for _, c := range cases {
			v, err := s.PutObject(ctx, "blob", c.id, c.data)
			if err != nil {
				t.Fatalf("PutObject(blob, %s): %v", c.id, err)
			}
			if v != 1 {
				t.Errorf("PutObject(blob, %s) of a new object = version %d, want 1", c.id, v)
			}
		}
		want := map[string][]byte{}
		for _, c := range cases {
			want[c.id] = c.data
			t.Run(c.id, func(t *testing.T) {
				got, err := s.GetObject(ctx, "blob", c.id)
				if err != nil {
					t.Fatalf("GetObject(blob, %s): %v", c.id, err)
				}
				sameObject(t, store.Object{Kind: "blob", ID: c.id, Data: c.data, Version: 1}, got)
			})
		}
		listed := listObjects(t, s, "blob", 3)
		if len(listed) != len(cases) {
			t.Fatalf("ListObjects(blob) returned %d objects, want %d", len(listed), len(cases))
		}
		for _, o := range listed {
			sameObject(t, store.Object{Kind: "blob", ID: o.ID, Data: want[o.ID], Version: 1}, o)
		}
	})

	t.Run("Versions", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		put := func(id, data string, want int64) {
			t.Helper()
			v, err := s.PutObject(ctx, "campaign", id, []byte(data))
			if err != nil {
				t.Fatalf("PutObject(campaign, %s, %q): %v", id, data, err)
			}
			if v != want {
				t.Errorf("PutObject(campaign, %s, %q) = version %d, want %d", id, data, v, want)
			}
		}
		get := func(id string) store.Object {
			t.Helper()
			o, err := s.GetObject(ctx, "campaign", id)
			if err != nil {
				t.Fatalf("GetObject(campaign, %s): %v", id, err)
			}
			return o
		}
		put("spring", "v1", 1)
		first := get("spring")
		time.Sleep(2 * time.Millisecond)
		put("spring", "v2", 2)
		put("other", "x", 1) // versions are per object
		put("spring", "version three", 3)
		got := get("spring")
		sameObject(t, store.Object{Kind: "campaign", ID: "spring", Data: []byte("version three"), Version: 3}, got)
		if got.UpdatedAt.Before(first.UpdatedAt) {
			t.Errorf("UpdatedAt went back on replace: %s, then %s", first.UpdatedAt, got.UpdatedAt)
		}
		sameObject(t, store.Object{Kind: "campaign", ID: "other", Data: []byte("x"), Version: 1}, get("other"))

		if err := s.DeleteObject(ctx, "campaign", "spring"); err != nil {
			t.Fatalf("DeleteObject(campaign, spring): %v", err)
		}
		if _, err := s.GetObject(ctx, "campaign", "spring"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetObject after DeleteObject: error = %v, want ErrNotFound", err)
		}
		put("spring", "reborn", 1) // a deleted object starts again
		put("spring", "reborn 2", 2)
		sameObject(t, store.Object{Kind: "campaign", ID: "spring", Data: []byte("reborn 2"), Version: 2}, get("spring"))
		sameObject(t, store.Object{Kind: "campaign", ID: "other", Data: []byte("x"), Version: 1}, get("other"))
	})

	t.Run("KindsIsolated", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		// "segment" and "segments": one kind a prefix of the other.
		kinds := []string{"segment", "campaign", "segments"}
		for i, k := range kinds {
			for range i + 1 {
				if _, err := s.PutObject(ctx, k, "vip", []byte("vip of "+k)); err != nil {
					t.Fatalf("PutObject(%s, vip): %v", k, err)
				}
			}
		}
		for i, k := range kinds {
			o, err := s.GetObject(ctx, k, "vip")
			if err != nil {
				t.Fatalf("GetObject(%s, vip): %v", k, err)
			}
			sameObject(t, store.Object{Kind: k, ID: "vip", Data: []byte("vip of " + k), Version: int64(i + 1)}, o)
			if got := listObjects(t, s, k, 10); len(got) != 1 || got[0].Kind != k || got[0].ID != "vip" {
				t.Errorf("ListObjects(%s) = %v, want just vip", k, objectKeys(got))
			}
		}
		if err := s.DeleteObject(ctx, "segment", "vip"); err != nil {
			t.Fatalf("DeleteObject(segment, vip): %v", err)
		}
		if _, err := s.GetObject(ctx, "segment", "vip"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetObject(segment, vip) after deleting it: error = %v, want ErrNotFound", err)
		}
		for i, k := range kinds[1:] {
			if o, err := s.GetObject(ctx, k, "vip"); err != nil || o.Version != int64(i+2) {
				t.Errorf("GetObject(%s, vip) after deleting segment/vip = version %d, %v; want version %d", k, o.Version, err, i+2)
			}
		}
		if got := listObjects(t, s, "segment", 10); len(got) != 0 {
			t.Errorf("ListObjects(segment) after deleting its only object = %v, want none", objectKeys(got))
		}
		if got := listObjects(t, s, "Segment", 10); len(got) != 0 {
			t.Errorf("ListObjects(Segment) = %v; kinds are case-sensitive, want none", objectKeys(got))
		}
	})

	t.Run("List", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		// Byte order (as Go compares strings), not a locale's collation.
		ids := []string{"a", "B", "b", "Z", "a-1", "a_1", "a.1", "a 1", "a1", "10", "9", "é", "e", "f", "ä",
			"\u00ff", "中文", "~", "🎉", "a/b", "A", "aa", "ab", "a\u0301", strings.Repeat("z", maxObjectKey)}
		rng := rand.New(rand.NewPCG(3, 4))
		shuffled := slices.Clone(ids)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for _, id := range shuffled {
			if _, err := s.PutObject(ctx, "experiment", id, []byte("data "+id)); err != nil {
				t.Fatalf("PutObject(experiment, %q): %v", id, err)
			}
			// The same ids in neighbouring kinds must not show up.
			for _, k := range []string{"experimen", "experiments", "Experiment"} {
				if _, err := s.PutObject(ctx, k, id, []byte("other")); err != nil {
					t.Fatalf("PutObject(%s, %q): %v", k, id, err)
				}
			}
		}
		if _, err := s.PutObject(ctx, "experiment", "a", []byte("data a")); err != nil {
			t.Fatalf("PutObject(experiment, a) again: %v", err)
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		for _, limit := range []int{1, 2, 3, 7, len(ids) - 1, len(ids), len(ids) + 1, 0} {
			t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
				got := listObjects(t, s, "experiment", limit)
				if keys := objectKeys(got); !slices.Equal(keys, want) {
					t.Fatalf("ListObjects(experiment, limit %d) = %q, want %q", limit, keys, want)
				}
				for _, o := range got {
					v := int64(1)
					if o.ID == "a" {
						v = 2
					}
					sameObject(t, store.Object{Kind: "experiment", ID: o.ID, Data: []byte("data " + o.ID), Version: v}, o)
				}
			})
		}
		t.Run("empty kind", func(t *testing.T) {
			page, next, err := s.ListObjects(ctx, "manifest", "", 0)
			if err != nil || len(page) != 0 || next != "" {
				t.Errorf("ListObjects of a kind with no objects = %v, next %q, err %v; want nothing", objectKeys(page), next, err)
			}
		})
		t.Run("cursor after a deleted object", func(t *testing.T) {
			page, next, err := s.ListObjects(ctx, "experiment", "", 3)
			if err != nil || len(page) != 3 || next == "" {
				t.Fatalf("ListObjects(experiment, limit 3) = %v, next %q, err %v; want 3 objects and a cursor", objectKeys(page), next, err)
			}
			if err := s.DeleteObject(ctx, "experiment", page[2].ID); err != nil {
				t.Fatalf("DeleteObject(experiment, %q): %v", page[2].ID, err)
			}
			rest, _, err := s.ListObjects(ctx, "experiment", next, 1)
			if err != nil {
				t.Fatalf("ListObjects with a cursor whose last object was deleted since: %v", err)
			}
			if len(rest) != 1 || rest[0].ID != want[3] {
				t.Errorf("ListObjects after the deleted %q = %v, want [%q]", page[2].ID, objectKeys(rest), want[3])
			}
		})
	})

	t.Run("ListLimits", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		for i := range store.DefaultLimit + 1 {
			if _, err := s.PutObject(ctx, "segment", fmt.Sprintf("s%04d", i), []byte("{}")); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
		}
		for _, limit := range []int{0, -3} {
			page, next, err := s.ListObjects(ctx, "segment", "", limit)
			if err != nil {
				t.Fatalf("ListObjects(limit %d): %v", limit, err)
			}
			if len(page) != store.DefaultLimit || next == "" {
				t.Errorf("ListObjects(limit %d) = %d objects, next %q; want %d and a next cursor", limit, len(page), next, store.DefaultLimit)
			}
		}
		page, next, err := s.ListObjects(ctx, "segment", "", store.MaxLimit*5)
		if err != nil || len(page) != store.DefaultLimit+1 || next != "" {
			t.Errorf("ListObjects(limit %d) = %d objects, next %q, err %v; want all %d", store.MaxLimit*5, len(page), next, err, store.DefaultLimit+1)
		}
	})

	t.Run("Cursors", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		for _, k := range []string{"seg", "segment", "campaign"} {
			for _, id := range []string{"a", "b", "c"} {
				if _, err := s.PutObject(ctx, k, id, []byte(id)); err != nil {
					t.Fatalf("PutObject(%s, %s): %v", k, id, err)
				}
			}
		}
		if err := s.PutItems(ctx, []shop.Item{{ID: "a"}, {ID: "b"}}); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		cursorOf := func(kind string) string {
			t.Helper()
			_, next, err := s.ListObjects(ctx, kind, "", 1)
			if err != nil || next == "" {
				t.Fatalf("ListObjects(%s, limit 1) = next %q, err %v; want a cursor", kind, next, err)
			}
			return next
		}
		seg, segment := cursorOf("seg"), cursorOf("segment")
		_, itemCursor, err := s.ListItems(ctx, store.ItemQuery{Limit: 1})
		if err != nil || itemCursor == "" {
			t.Fatalf("ListItems(limit 1) = next %q, err %v; want a cursor", itemCursor, err)
		}
		refused := []struct {
			name, kind, cursor string
		}{
			{"a cursor of another kind", "campaign", segment},
			{"a cursor of a kind that is a prefix", "segment", seg},
			{"a cursor of a kind the prefix of which this is", "seg", segment},
			{"a ListItems cursor", "segment", itemCursor},
			{"a made-up cursor", "segment", "!!not a cursor!!"},
			{"a damaged cursor", "segment", segment[1:]},
		}
		for _, c := range refused {
			if page, _, err := s.ListObjects(ctx, c.kind, c.cursor, 10); !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("ListObjects(%s) with %s: %v, error = %v; want ErrInvalidCursor", c.kind, c.name, objectKeys(page), err)
			}
		}
		if _, _, err := s.ListItems(ctx, store.ItemQuery{Cursor: segment}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("ListItems with a ListObjects cursor: error = %v, want ErrInvalidCursor", err)
		}
		if _, _, err := s.UserEvents(ctx, store.EventQuery{UserID: "u", Cursor: segment}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("UserEvents with a ListObjects cursor: error = %v, want ErrInvalidCursor", err)
		}
		// The cursor still works where it belongs.
		if page, _, err := s.ListObjects(ctx, "segment", segment, 10); err != nil || !slices.Equal(objectKeys(page), []string{"b", "c"}) {
			t.Errorf("ListObjects(segment) with its own cursor = %v, %v; want [b c]", objectKeys(page), err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if _, err := s.PutObject(ctx, "segment", "exists", []byte("x")); err != nil {
			t.Fatalf("PutObject: %v", err)
		}
		missing := []struct{ kind, id string }{
			{"segment", "nobody"},
			{"campaign", "exists"}, // the id exists in another kind
			{"nokind", "exists"},
			{"segment", "Exists"},
			{"segment", "exists "},
		}
		for _, m := range missing {
			if _, err := s.GetObject(ctx, m.kind, m.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetObject(%s, %q) error = %v, want ErrNotFound", m.kind, m.id, err)
			}
			if err := s.DeleteObject(ctx, m.kind, m.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteObject(%s, %q) error = %v, want ErrNotFound", m.kind, m.id, err)
			}
		}
		if err := s.DeleteObject(ctx, "segment", "exists"); err != nil {
			t.Fatalf("DeleteObject(segment, exists): %v", err)
		}
		if err := s.DeleteObject(ctx, "segment", "exists"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteObject of an object deleted before: error = %v, want ErrNotFound", err)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		long := strings.Repeat("k", maxObjectKey)
		// The longest kind and id are accepted, and page with cursors.
		for _, id := range []string{long, long[:maxObjectKey-1] + "l"} {
			if v, err := s.PutObject(ctx, long, id, []byte("ok")); err != nil || v != 1 {
				t.Fatalf("PutObject with a %d-byte kind and id = %d, %v; want version 1", maxObjectKey, v, err)
			}
		}
		if o, err := s.GetObject(ctx, long, long); err != nil || o.Kind != long || o.ID != long {
			t.Errorf("GetObject with a %d-byte kind and id: %v", maxObjectKey, err)
		}
		if got := listObjects(t, s, long, 1); len(got) != 2 {
			t.Errorf("ListObjects of a %d-byte kind = %d objects, want 2", maxObjectKey, len(got))
		}

		bad := []struct {
			name, value, says string
		}{
			{"empty", "", "empty"},
			{"too long", long + "k", fmt.Sprint(maxObjectKey)},
			{"NUL byte", "a\x00b", "NUL"},
			{"not UTF-8", "a\xffb", "UTF-8"},
		}
		check := func(call, what, says string, err error) {
			t.Helper()
			switch {
			case err == nil:
				t.Errorf("%s succeeded, want an error", call)
			case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrInvalidCursor):
				t.Errorf("%s: error = %v; a refused %s is neither missing nor unavailable", call, err, what)
			case !errors.Is(err, store.ErrInvalid):
				t.Errorf("%s: error = %v does not wrap store.ErrInvalid", call, err)
			case !regexp.MustCompile(`\b`+what+`\b`).MatchString(err.Error()) || !strings.Contains(err.Error(), says):
				t.Errorf("%s: error %q does not say the %s is wrong (%q)", call, err, what, says)
			}
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				_, err := s.PutObject(ctx, b.value, "id", []byte("x"))
				check("PutObject with a kind that is "+b.name, "kind", b.says, err)
				_, err = s.PutObject(ctx, "segment", b.value, []byte("x"))
				check("PutObject with an id that is "+b.name, "id", b.says, err)
				_, err = s.GetObject(ctx, b.value, "id")
				check("GetObject with a kind that is "+b.name, "kind", b.says, err)
				_, err = s.GetObject(ctx, "segment", b.value)
				check("GetObject with an id that is "+b.name, "id", b.says, err)
				err = s.DeleteObject(ctx, b.value, "id")
				check("DeleteObject with a kind that is "+b.name, "kind", b.says, err)
				err = s.DeleteObject(ctx, "segment", b.value)
				check("DeleteObject with an id that is "+b.name, "id", b.says, err)
				_, _, err = s.ListObjects(ctx, b.value, "", 10)
				check("ListObjects with a kind that is "+b.name, "kind", b.says, err)
			})
		}
		if got := listObjects(t, s, "segment", 10); len(got) != 0 {
			t.Errorf("refused puts stored %v", objectKeys(got))
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		const writers = 8
		// The first round races to create the object, the second to replace it.
		for round := range 2 {
			versions := make([]int64, writers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					v, err := s.PutObject(ctx, "manifest", "model", []byte(fmt.Sprintf("round %d writer %d", round, w)))
					if err != nil {
						t.Errorf("round %d writer %d: PutObject: %v", round, w, err)
					}
					versions[w] = v
				}()
			}
			close(start)
			wg.Wait()
			if t.Failed() {
				return
			}
			want := make([]int64, writers)
			for i := range want {
				want[i] = int64(round*writers + i + 1)
			}
			sorted := slices.Clone(versions)
			slices.Sort(sorted)
			if !slices.Equal(sorted, want) {
				t.Fatalf("round %d: %d concurrent puts of one object returned versions %v, want each of %v once", round, writers, versions, want)
			}
			o, err := s.GetObject(ctx, "manifest", "model")
			if err != nil {
				t.Fatalf("GetObject after round %d: %v", round, err)
			}
			last := slices.Index(versions, want[writers-1])
			sameObject(t, store.Object{Kind: "manifest", ID: "model", Version: want[writers-1],
				Data: []byte(fmt.Sprintf("round %d writer %d", round, last))}, o)
		}
	})
}

// sameObject compares everything except UpdatedAt, which the store assigns
// and must be set, in UTC, to the microsecond. Empty and nil Data are alike.
func sameObject(t *testing.T, want, got store.Object) {
	t.Helper()
	if got.Kind != want.Kind || got.ID != want.ID || got.Version != want.Version || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("object %q of kind %q:\n got kind %q id %q version %d data %s\nwant kind %q id %q version %d data %s",
			want.ID, want.Kind, got.Kind, got.ID, got.Version, short(got.Data), want.Kind, want.ID, want.Version, short(want.Data))
	}
	what := fmt.Sprintf("UpdatedAt of object %q of kind %q", want.ID, want.Kind)
	checkSet(t, what, got.UpdatedAt)
	if got.UpdatedAt.Nanosecond()%1000 != 0 {
		t.Errorf("%s = %s, finer than a microsecond", what, got.UpdatedAt.Format(time.RFC3339Nano))
	}
}

// short shows data for an error message, cut down when long.
func short(data []byte) string {
	if len(data) > 64 {
		return fmt.Sprintf("%q... (%d bytes)", data[:64], len(data))
	}
	return fmt.Sprintf("%q", data)
}

func objectKeys(objs []store.Object) []string {
	return ids(objs, func(o store.Object) string { return o.ID })
}

// listObjects pages through every object of kind, checking the paging rules
// (see listItems) and that every object is of kind.
func listObjects(t *testing.T, s store.Store, kind string, limit int) []store.Object {
	t.Helper()
	pageMax := store.PageLimit(limit)
	var all []store.Object
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("ListObjects(%s, limit %d) did not end after %d pages", kind, limit, pages)
		}
		page, next, err := s.ListObjects(t.Context(), kind, cursor, limit)
		if err != nil {
			t.Fatalf("ListObjects(%s, cursor %q, limit %d): %v", kind, cursor, limit, err)
		}
		if len(page) > pageMax {
			t.Fatalf("ListObjects(%s) returned %d objects, more than the limit %d", kind, len(page), pageMax)
		}
		if next != "" && len(page) < pageMax {
			t.Fatalf("ListObjects(%s) returned a short page (%d of %d) with a next cursor", kind, len(page), pageMax)
		}
		if next != "" && next == cursor {
			t.Fatalf("ListObjects(%s) returned its own cursor as next", kind)
		}
		for _, o := range page {
			if o.Kind != kind {
				t.Fatalf("ListObjects(%s) returned object %q of kind %q", kind, o.ID, o.Kind)
			}
			if seen[o.ID] {
				t.Fatalf("ListObjects(%s) returned object %q twice while paging with limit %d", kind, o.ID, limit)
			}
			seen[o.ID] = true
		}
		all = append(all, page...)
		if next == "" {
			if len(page) == 0 && pages > 0 {
				t.Errorf("ListObjects(%s, limit %d) ended with an empty page; the last non-empty page should carry an empty next cursor", kind, limit)
			}
			return all
		}
		cursor = next
	}
}
