package erasure

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

func newStore(t *testing.T, users ...string) store.Store {
	t.Helper()
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Now().UTC().Add(-time.Hour)
	for _, u := range users {
		if err := st.PutUsers(t.Context(), []shop.User{{ID: u}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AppendEvents(t.Context(), []shop.Event{
			{ID: u + "-1", Type: shop.View, UserID: u, ItemID: "i1", Timestamp: at},
			{ID: u + "-2", Type: shop.View, UserID: u, ItemID: "i2", Timestamp: at},
			{ID: u + "-3", Type: shop.View, UserID: u, ItemID: "i3", Timestamp: at},
		}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// part is an eraser that holds n rows of every user and may fail.
func part(name string, n int64, fail error) eraser {
	return eraser{name, func(context.Context, string) (int64, error) { return n, fail }}
}

func audits(t *testing.T, st store.Store) []Audit {
	t.Helper()
	objs, _, err := st.ListObjects(t.Context(), AuditKind, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []Audit
	for _, o := range objs {
		if strings.Contains(string(o.Data), "alice") {
			t.Errorf("audit record %s names the user", o.Data)
		}
		var a Audit
		if err := json.Unmarshal(o.Data, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestDeleteUserAuditsWhatWentWithoutTheUser(t *testing.T) {
	st := newStore(t, "alice", "bob")
	s := New(Deps{Store: st, Logger: slog.New(slog.DiscardHandler)})
	s.erasers = []eraser{part("copy_jobs", 2, nil)}
	res, err := s.DeleteUser(t.Context(), "alice", KeyFingerprint("k"), "dashboard")
	if err != nil || res.Events != 3 || !res.UserRow || res.Erased["copy_jobs"] != 2 || res.AuditID == "" {
		t.Fatalf("DeleteUser = %+v, %v", res, err)
	}
	if evs, _, _ := st.UserEvents(t.Context(), store.EventQuery{UserID: "bob"}); len(evs) != 3 {
		t.Errorf("another user's events: %d, want 3", len(evs))
	}
	as := audits(t, st)
	if len(as) != 1 || as[0].Events != 3 || as[0].Key != KeyFingerprint("k") || as[0].Via != "dashboard" || as[0].Erased["copy_jobs"] != 2 || as[0].DeletionSeq != res.Seq {
		t.Errorf("audit records %+v", as)
	}
	// Again: the store has nothing, but a part still held something (a
	// retry after a half-finished deletion) — no new audit record.
	res, err = s.DeleteUser(t.Context(), "alice", "loopback", "")
	if err != nil || res.AuditID != "" || res.Erased["copy_jobs"] != 2 {
		t.Errorf("retry = %+v, %v; want the part's erasure without an audit", res, err)
	}
	// Nothing anywhere: ErrNotFound.
	s.erasers = []eraser{part("copy_jobs", 0, nil)}
	if _, err := s.DeleteUser(t.Context(), "alice", "loopback", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("third deletion: %v, want ErrNotFound", err)
	}
	if n := len(audits(t, st)); n != 1 {
		t.Errorf("%d audit records, want still 1", n)
	}
}

func TestDeleteUserReportsAPartThatFailed(t *testing.T) {
	st := newStore(t, "alice")
	s := New(Deps{Store: st, Logger: slog.New(slog.DiscardHandler)})
	broken := errors.New("disk full")
	s.erasers = []eraser{part("copy_jobs", 0, broken), part("assistant_conversations", 2, nil)}
	res, err := s.DeleteUser(t.Context(), "alice", "loopback", "")
	var inc *IncompleteError
	if !errors.As(err, &inc) || !strings.Contains(err.Error(), "copy_jobs") || inc.Result.AuditID == "" {
		t.Fatalf("DeleteUser = %+v, %v; want an *IncompleteError naming copy_jobs", res, err)
	}
	// The deletion stands and is audited, with what the others erased.
	if as := audits(t, st); len(as) != 1 || as[0].Erased["assistant_conversations"] != 2 {
		t.Errorf("audit records %+v", as)
	}
	if _, err := st.GetUser(t.Context(), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the user row after a partial erasure: %v", err)
	}
	// In the retry (store has nothing), a failing part is an error.
	if _, err := s.DeleteUser(t.Context(), "alice", "loopback", ""); !errors.Is(err, broken) || !strings.Contains(err.Error(), "copy_jobs") {
		t.Errorf("retry with a failing part: %v", err)
	}
}

func TestKeyFingerprintHidesTheKey(t *testing.T) {
	fp := KeyFingerprint("a-secret-key-0123456789")
	if !strings.HasPrefix(fp, "sha256:") || len(fp) != len("sha256:")+12 || strings.Contains(fp, "secret") {
		t.Errorf("fingerprint %q", fp)
	}
	if fp == KeyFingerprint("another-key-0123456789") {
		t.Error("two keys share a fingerprint")
	}
}
