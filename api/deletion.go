package api

import (
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
	audit := DeletionAudit{Kind: "user_deletion", At: d.At.UTC(), Key: keyFingerprint(r), Events: d.Events, UserRow: d.User, DeletionSeq: d.Seq}
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
	writeJSON(w, http.StatusOK, map[string]any{"deleted": map[string]any{"events": d.Events, "user_row": d.User}, "audit_id": auditID})
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
