package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/store"
)

func testCounters(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("AddUnderLimits", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		day := store.Counter{Key: "spend:a:2025-03-01", Limit: 1000, Expires: time.Now().Add(time.Hour)}
		total := store.Counter{Key: "spend:a:total", Limit: 2500}
		steps := []struct {
			delta, want int64
			cs          []store.Counter
		}{
			{300, 300, []store.Counter{day, total}},
			{600, 600, []store.Counter{day, total}},
			{300, 100, []store.Counter{day, total}}, // cut to the first limit
			{300, 0, []store.Counter{day, total}},   // nothing left
			{5000, 1500, []store.Counter{total}},    // cut to the second
			{7, 7, []store.Counter{{Key: "free"}}},  // no limit
			{0, 0, []store.Counter{{Key: "free"}}},
			{5, 0, nil},
		}
		for i, st := range steps {
			got, err := s.AddCounters(ctx, st.delta, st.cs)
			if err != nil || got != st.want {
				t.Errorf("step %d: AddCounters(%d) = %d, %v; want %d", i, st.delta, got, err, st.want)
			}
		}
		got, err := s.GetCounters(ctx, []string{day.Key, total.Key, "free", "absent"})
		want := map[string]int64{day.Key: 1000, total.Key: 2500, "free": 7}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GetCounters = %v, %v; want %v", got, err, want)
		}
		if got, err := s.GetCounters(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("GetCounters(nil) = %v, %v", got, err)
		}
		// A limit below the value refuses every add and changes nothing.
		if n, err := s.AddCounters(ctx, 1, []store.Counter{{Key: "free", Limit: 3}}); err != nil || n != 0 {
			t.Errorf("add over a lowered limit = %d, %v; want 0", n, err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		bad := []struct {
			delta int64
			cs    []store.Counter
		}{
			{-1, []store.Counter{{Key: "k"}}},
			{1, []store.Counter{{Key: ""}}},
			{1, []store.Counter{{Key: "a\x00b"}}},
			{1, []store.Counter{{Key: "\xff"}}},
			{1, []store.Counter{{Key: string(make([]byte, store.MaxKey+1))}}},
			{1, []store.Counter{{Key: "k"}, {Key: "k"}}},
		}
		for i, b := range bad {
			if _, err := s.AddCounters(ctx, b.delta, b.cs); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("case %d: AddCounters = %v, want ErrInvalid", i, err)
			}
		}
		if _, err := s.GetCounters(ctx, []string{"ok", ""}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("GetCounters with an empty key = %v, want ErrInvalid", err)
		}
		if _, err := s.PutValue(ctx, "", nil, time.Time{}, false); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutValue with an empty key = %v, want ErrInvalid", err)
		}
		if _, err := s.GetValue(ctx, "a\x00"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("GetValue with a NUL byte = %v, want ErrInvalid", err)
		}
		long := string(bytes.Repeat([]byte("k"), store.MaxKey))
		if n, err := s.AddCounters(ctx, 1, []store.Counter{{Key: long}}); err != nil || n != 1 {
			t.Errorf("AddCounters with a key of MaxKey bytes = %d, %v", n, err)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if n, err := s.AddCounters(ctx, 5, []store.Counter{{Key: "lapsed", Limit: 8, Expires: past}, {Key: "live", Expires: future}}); err != nil || n != 5 {
			t.Fatalf("AddCounters = %d, %v", n, err)
		}
		got, err := s.GetCounters(ctx, []string{"lapsed", "live"})
		if err != nil || fmt.Sprint(got) != "map[live:5]" {
			t.Errorf("GetCounters = %v, %v; want only live:5", got, err)
		}
		// A lapsed counter starts again from zero, under its limit.
		if n, err := s.AddCounters(ctx, 6, []store.Counter{{Key: "lapsed", Limit: 8, Expires: future}}); err != nil || n != 6 {
			t.Errorf("add to a lapsed counter = %d, %v; want 6", n, err)
		}
		if _, err := s.AddCounters(ctx, 1, []store.Counter{{Key: "gone", Expires: past}}); err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			key     string
			expires time.Time
		}{{"v-lapsed", past}, {"v-live", future}, {"v-forever", time.Time{}}} {
			if ok, err := s.PutValue(ctx, v.key, []byte(v.key), v.expires, false); err != nil || !ok {
				t.Fatalf("PutValue(%s) = %v, %v", v.key, ok, err)
			}
		}
		if _, err := s.GetValue(ctx, "v-lapsed"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetValue of a lapsed value = %v, want ErrNotFound", err)
		}
		n, err := s.DeleteExpired(ctx)
		if err != nil || n != 2 {
			t.Errorf("DeleteExpired = %d, %v; want 2 (one counter, one value)", n, err)
		}
		got, err = s.GetCounters(ctx, []string{"lapsed", "live", "gone"})
		if err != nil || fmt.Sprint(got) != "map[lapsed:6 live:5]" {
			t.Errorf("GetCounters after DeleteExpired = %v, %v", got, err)
		}
		for _, k := range []string{"v-live", "v-forever"} {
			if b, err := s.GetValue(ctx, k); err != nil || string(b) != k {
				t.Errorf("GetValue(%s) after DeleteExpired = %q, %v", k, b, err)
			}
		}
		if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
			t.Errorf("second DeleteExpired = %d, %v; want 0", n, err)
		}
	})

	t.Run("Values", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		hour := time.Now().Add(time.Hour)
		raw := []byte{0, 1, 2, 0xff, '"', '\\'}
		if ok, err := s.PutValue(ctx, "dec:1", raw, hour, false); err != nil || !ok {
			t.Fatalf("PutValue = %v, %v", ok, err)
		}
		if b, err := s.GetValue(ctx, "dec:1"); err != nil || !bytes.Equal(b, raw) {
			t.Errorf("GetValue = %q, %v; want %q", b, err, raw)
		}
		if _, err := s.GetValue(ctx, "dec:none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetValue of a missing key = %v, want ErrNotFound", err)
		}
		if ok, err := s.PutValue(ctx, "dec:1", []byte("x"), hour, true); err != nil || ok {
			t.Errorf("PutValue ifAbsent over a live value = %v, %v; want false", ok, err)
		}
		if b, _ := s.GetValue(ctx, "dec:1"); !bytes.Equal(b, raw) {
			t.Errorf("a refused PutValue changed the value to %q", b)
		}
		if ok, err := s.PutValue(ctx, "dec:1", []byte("y"), hour, false); err != nil || !ok {
			t.Errorf("PutValue replacing = %v, %v; want true", ok, err)
		}
		if b, _ := s.GetValue(ctx, "dec:1"); string(b) != "y" {
			t.Errorf("after replacing: %q", b)
		}
		if ok, err := s.PutValue(ctx, "seen:1", nil, time.Now().Add(-time.Second), true); err != nil || !ok {
			t.Fatalf("PutValue ifAbsent of a new key = %v, %v", ok, err)
		}
		if ok, err := s.PutValue(ctx, "seen:1", nil, hour, true); err != nil || !ok {
			t.Errorf("PutValue ifAbsent over a lapsed value = %v, %v; want true", ok, err)
		}
		if b, err := s.GetValue(ctx, "seen:1"); err != nil || len(b) != 0 {
			t.Errorf("GetValue of an empty value = %q, %v", b, err)
		}
	})

	t.Run("ConcurrentAddsNeverExceed", func(t *testing.T) {
		s := open(t)
		const workers, each, dayLimit, totalLimit = 8, 40, 5000, 4000
		day := store.Counter{Key: "c:day", Limit: dayLimit, Expires: time.Now().Add(time.Hour)}
		total := store.Counter{Key: "c:total", Limit: totalLimit}
		var added atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					n, err := s.AddCounters(t.Context(), int64(13+w+i%7), []store.Counter{day, total})
					if err != nil {
						t.Errorf("worker %d: %v", w, err)
						return
					}
					added.Add(n)
				}
			})
		}
		wg.Wait()
		got, err := s.GetCounters(t.Context(), []string{day.Key, total.Key})
		if err != nil {
			t.Fatal(err)
		}
		if got[day.Key] != totalLimit || got[total.Key] != totalLimit || added.Load() != totalLimit {
			t.Errorf("after racing adds: %v, added %d; want both counters and the sum of adds at %d", got, added.Load(), totalLimit)
		}
	})

	t.Run("ConcurrentPutIfAbsent", func(t *testing.T) {
		s := open(t)
		var won atomic.Int64
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 5 {
					ok, err := s.PutValue(t.Context(), fmt.Sprint("seen:", i), []byte{byte(w)}, time.Now().Add(time.Hour), true)
					if err != nil {
						t.Errorf("worker %d: %v", w, err)
						return
					}
					if ok {
						won.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if won.Load() != 5 {
			t.Errorf("%d puts won for 5 keys, want one each", won.Load())
		}
	})
}
