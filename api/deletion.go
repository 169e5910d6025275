package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/store"
)

// auditKind is the store object kind of audit records.
const auditKind = "audit"

// DeletionAudit records one user deletion without personal data: not the
// user's id, only when, by which key (a fingerprint) and how many rows.
type DeletionAudit struct {
	Kind        string    `json:"kind"` // "user_deletion"
	At          time.Time `json:"at"`
	Key         string    `json:"key"` // SHA-256 fingerprint of the API key, or "loopback" without keys
	Events      int64     `json:"events"`
	UserRow     bool      `json:"user_row"`
	DeletionSeq int64     `json:"deletion_seq"` // position in the store's deletion feed
	// Erased counts what other parts removed or rewrote ("copy_jobs":
	// results and member lists, ...).
	Erased map[string]int64 `json:"erased,omitempty"`
}

// eraser removes what one part of the system keeps of a user beyond the
// store's users, events and consent rows.
type eraser struct {
	name  string
	erase func(ctx context.Context, user string) (int64, error)
}

// erasers lists the parts that keep per-user data of their own.
func (s *Server) erasers() []eraser {
	var out []eraser
	if s.copyJobs != nil {
		out = append(out, eraser{"copy_jobs", s.copyJobs.EraseUser})
	}
	if s.ads != nil {
		out = append(out, eraser{"ad_model_weights", s.ads.EraseUser})
	}
	if s.assist != nil {
		out = append(out, eraser{"assistant_conversations", s.assist.EraseUser})
	}
	return out
}

// keyFingerprint names the caller's key without revealing it.
func keyFingerprint(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return "loopback"
	}
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// deleteUser removes the user's events and row at once (profiles on every
// node drop them from the store's deletion feed) and writes an audit record.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := s.store.DeleteUser(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// A deletion whose erasure stopped half-way is finished by
		// deleting again: the other parts are asked even so.
		erased := map[string]int64{}
		var total int64
		for _, e := range s.erasers() {
			n, err := e.erase(r.Context(), id)
			if err != nil {
				s.storeError(w, r, "erasing what "+e.name+" holds", err)
				return
			}
			erased[e.name], total = n, total+n
		}
		if total > 0 {
			writeJSON(w, http.StatusOK, map[string]any{"deleted": map[string]any{"events": 0, "user_row": false}, "erased": erased})
			return
		}
		writeProblem(w, http.StatusNotFound, "not-found", "user "+strconv.Quote(id)+" has neither a record nor events; nothing was deleted")
		return
	case err != nil:
		s.storeError(w, r, "the deletion", err)
		return
	}
	if s.profiles != nil {
		// This node forgets the profile before answering; others follow the
		// deletion feed.
		if err := s.profiles.Sync(r.Context()); err != nil {
			s.log.Warn("deleted a user but the profiles did not sync yet; they will at the next poll", "err", err)
		}
	}
	audit := DeletionAudit{Kind: "user_deletion", At: d.At.UTC(), Key: keyFingerprint(r), Events: d.Events, UserRow: d.User, DeletionSeq: d.Seq,
		Erased: map[string]int64{}}
	var incomplete []string
	for _, e := range s.erasers() {
		n, err := e.erase(r.Context(), id)
		audit.Erased[e.name] = n
		if err != nil {
			s.log.Error("user deleted but a part could not erase what it holds of them", "part", e.name, "deletion_seq", d.Seq, "err", err)
			incomplete = append(incomplete, e.name)
		}
	}
	raw, _ := json.Marshal(audit)
	auditID := fmt.Sprintf("deletion-%020d", d.Seq)
	if _, err := s.store.PutObject(r.Context(), auditKind, auditID, raw); err != nil {
		// The deletion stands (it is in the store's deletion feed, which
		// also counts what went); say so rather than pretending it failed.
		s.log.Error("user deleted but the audit record was not written", "deletion_seq", d.Seq, "err", err)
		writeProblem(w, http.StatusInternalServerError, "audit-failed",
			fmt.Sprintf("the user was deleted (deletion %d: %d events) but the audit record could not be written; the deletion feed keeps the facts", d.Seq, d.Events))
		return
	}
	if len(incomplete) > 0 {
		// The user's rows are gone; what failed can be erased by deleting
		// again (an unknown user answers 404, so say it here).
		writeProblem(w, http.StatusInternalServerError, "erasure-incomplete",
			fmt.Sprintf("the user's events and record were deleted (audit %s) but %s could not erase what they hold of the user; see the logs and retry DELETE", auditID, strings.Join(incomplete, ", ")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": map[string]any{"events": d.Events, "user_row": d.User}, "erased": audit.Erased, "audit_id": auditID})
}

// listAudit lists audit records, oldest first.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	objs, next, err := s.store.ListObjects(r.Context(), auditKind, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.storeError(w, r, "the audit records", err)
		return
	}
	out := struct {
		Records    []json.RawMessage `json:"records"`
		NextCursor string            `json:"next_cursor,omitempty"`
	}{Records: []json.RawMessage{}, NextCursor: next}
	for _, o := range objs {
		out.Records = append(out.Records, o.Data)
	}
	writeJSON(w, http.StatusOK, out)
}
