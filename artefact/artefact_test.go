package artefact_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/artefact"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

func open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestPublishLoadPrune(t *testing.T) {
	ctx := t.Context()
	st := open(t)
	if _, err := artefact.Current(ctx, st, "rec"); !errors.Is(err, artefact.ErrNone) {
		t.Fatalf("Current before any publish: %v, want ErrNone", err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var last artefact.Manifest
	sizes := []int{0, 10, artefact.ChunkSize, artefact.ChunkSize*2 + 17}
	for i, n := range sizes {
		data := bytes.Repeat([]byte{byte(i + 1)}, n)
		m, err := artefact.Publish(ctx, st, "rec", data, map[string]int{"n": n}, 2, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatalf("Publish %d bytes: %v", n, err)
		}
		cur, err := artefact.Current(ctx, st, "rec")
		if err != nil || cur.Version != m.Version {
			t.Fatalf("Current = %v, %v; want %s", cur.Version, err, m.Version)
		}
		got, err := artefact.Load(ctx, st, cur)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Load of %d bytes = %d bytes, %v", n, len(got), err)
		}
		if want := max(1, (n+artefact.ChunkSize-1)/artefact.ChunkSize); m.Chunks != want {
			t.Errorf("%d bytes in %d chunks, want %d", n, m.Chunks, want)
		}
		if last.Version != "" && m.Version <= last.Version {
			t.Errorf("version %s does not sort after %s", m.Version, last.Version)
		}
		last = m
	}
	all, err := artefact.List(ctx, st, "rec")
	if err != nil || len(all) != 2 || all[0].Version != last.Version {
		t.Fatalf("List after pruning to 2 = %d versions (%v), newest %v; want 2, newest %s", len(all), err, all, last.Version)
	}
	// Pruned chunks are gone, not just their manifests.
	objs, _, err := st.ListObjects(ctx, "artefact-chunk", "", store.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if want := all[0].Chunks + all[1].Chunks; len(objs) != want {
		t.Errorf("%d chunks stored, want %d (those of the two kept versions)", len(objs), want)
	}
	// Another kind is independent.
	if _, err := artefact.Current(ctx, st, "ads"); !errors.Is(err, artefact.ErrNone) {
		t.Errorf("Current of another kind: %v, want ErrNone", err)
	}
}

func TestLoadDetectsCorruption(t *testing.T) {
	ctx := t.Context()
	st := open(t)
	m, err := artefact.Publish(ctx, st, "rec", []byte("hello world"), nil, 3, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutObject(ctx, "artefact-chunk", "rec/"+m.Version+"/0", []byte("hello wOrld")); err != nil {
		t.Fatal(err)
	}
	if _, err := artefact.Load(ctx, st, m); err == nil {
		t.Fatal("Load of a tampered chunk succeeded")
	}
	if _, err := artefact.Publish(ctx, st, "a/b", nil, nil, 1, time.Now()); err == nil {
		t.Error("Publish accepted a kind with '/'")
	}
}
