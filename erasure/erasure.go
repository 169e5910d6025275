// Package erasure owns deleting a user everywhere (the right to be
// forgotten): the store's deletion of their events, record and consent
// rows, every other part's erasure of what it keeps of them (copy job
// results and member lists, online ad model weights, assistant
// conversations), this node's profile sync, and the audit record that
// counts what went without naming them.
//
// The JSON API (DELETE /v1/users/{id}) and the dashboard both call
// Service.DeleteUser, so a deletion leaves the same traces whichever way it
// was asked for.
package erasure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/store"
)

// AuditKind is the store object kind of audit records.
const AuditKind = "audit"

// Audit records one user deletion without personal data: not the user's
// id, only when, by which key (a fingerprint) and how many rows.
type Audit struct {
	Kind        string    `json:"kind"` // "user_deletion"
	At          time.Time `json:"at"`
	Key         string    `json:"key"` // KeyFingerprint of the caller's key, or "loopback" without keys
	Events      int64     `json:"events"`
	UserRow     bool      `json:"user_row"`
	DeletionSeq int64     `json:"deletion_seq"` // position in the store's deletion feed
	// Via is where the deletion was asked: "dashboard", or empty for the
	// JSON API.
	Via string `json:"via,omitempty"`
	// Erased counts what other parts removed or rewrote ("copy_jobs":
	// results and member lists, ...).
	Erased map[string]int64 `json:"erased,omitempty"`
}

// KeyFingerprint names an API key without revealing it.
func KeyFingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// Deps are the parts that keep per-user data. Store is required; a nil
// part is not served by this process and has nothing to erase.
type Deps struct {
	Store    store.Store
	Profiles *profile.Service
	CopyJobs *copyserve.Jobs
	Ads      *ads.Service
	Assist   *assist.Service
	Logger   *slog.Logger
}

// eraser removes what one part of the system keeps of a user beyond the
// store's users, events and consent rows.
type eraser struct {
	name  string
	erase func(ctx context.Context, user string) (int64, error)
}

// Service deletes users.
type Service struct {
	st       store.Store
	profiles *profile.Service
	erasers  []eraser
	log      *slog.Logger
}

// New returns a Service over d.
func New(d Deps) *Service {
	s := &Service{st: d.Store, profiles: d.Profiles, log: d.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	if d.CopyJobs != nil {
		s.erasers = append(s.erasers, eraser{"copy_jobs", d.CopyJobs.EraseUser})
	}
	if d.Ads != nil {
		s.erasers = append(s.erasers, eraser{"ad_model_weights", d.Ads.EraseUser})
	}
	if d.Assist != nil {
		s.erasers = append(s.erasers, eraser{"assistant_conversations", d.Assist.EraseUser})
	}
	return s
}

// Result is what one deletion removed.
type Result struct {
	Events  int64            // events deleted from the store
	UserRow bool             // the user's record was deleted
	Erased  map[string]int64 // by part: what it removed or rewrote
	// AuditID is the audit record's id; empty when the store had nothing
	// of the user and only other parts erased something (a retry of a
	// deletion that stopped half-way).
	AuditID string
	Seq     int64 // position in the store's deletion feed (0 without AuditID)
}

// ErrNotFound means neither the store nor any other part had anything of
// the user: nothing was deleted.
var ErrNotFound = errors.New("the user has neither a record nor events; nothing was deleted")

// AuditError means the user was deleted but the audit record could not be
// written. The deletion stands: the store's deletion feed keeps the facts.
type AuditError struct {
	Result Result // AuditID is the id that was not written
	Err    error
}

func (e *AuditError) Error() string {
	return fmt.Sprintf("the user was deleted (deletion %d: %d events) but the audit record could not be written; the deletion feed keeps the facts: %v",
		e.Result.Seq, e.Result.Events, e.Err)
}

func (e *AuditError) Unwrap() error { return e.Err }

// IncompleteError means the user's events and record were deleted (and
// audited) but some parts could not erase what they hold of the user;
// deleting the user again finishes the job.
type IncompleteError struct {
	Result Result
	Parts  []string
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("the user's events and record were deleted (audit %s) but %s could not erase what they hold of the user; see the logs and delete again",
		e.Result.AuditID, strings.Join(e.Parts, ", "))
}

// DeleteUser removes the user's events and row at once (profiles on every
// node drop them from the store's deletion feed), asks every other part to
// erase what it keeps, and writes an audit record naming the caller by key
// (KeyFingerprint, or "loopback") and via ("" for the API, "dashboard").
//
// Errors: ErrNotFound when nothing of the user was anywhere; an
// *AuditError or *IncompleteError when the deletion stands but its audit or
// an erasure failed; otherwise the store's error (nothing was deleted).
func (s *Service) DeleteUser(ctx context.Context, user, key, via string) (Result, error) {
	d, err := s.st.DeleteUser(ctx, user)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// A deletion whose erasure stopped half-way is finished by
		// deleting again: the other parts are asked even so.
		res := Result{Erased: map[string]int64{}}
		var total int64
		for _, e := range s.erasers {
			n, err := e.erase(ctx, user)
			if err != nil {
				return res, fmt.Errorf("erasing what %s holds: %w", e.name, err)
			}
			res.Erased[e.name], total = n, total+n
		}
		if total == 0 {
			return res, ErrNotFound
		}
		return res, nil
	case err != nil:
		return Result{}, fmt.Errorf("deleting the user from the store: %w", err)
	}
	if s.profiles != nil {
		// This node forgets the profile before answering; others follow the
		// deletion feed.
		if err := s.profiles.Sync(ctx); err != nil {
			s.log.Warn("deleted a user but the profiles did not sync yet; they will at the next poll", "err", err)
		}
	}
	res := Result{Events: d.Events, UserRow: d.User, Erased: map[string]int64{}, Seq: d.Seq,
		AuditID: fmt.Sprintf("deletion-%020d", d.Seq)}
	audit := Audit{Kind: "user_deletion", At: d.At.UTC(), Key: key, Events: d.Events, UserRow: d.User, DeletionSeq: d.Seq,
		Via: via, Erased: res.Erased}
	var incomplete []string
	for _, e := range s.erasers {
		n, err := e.erase(ctx, user)
		res.Erased[e.name] = n
		if err != nil {
			s.log.Error("user deleted but a part could not erase what it holds of them", "part", e.name, "deletion_seq", d.Seq, "err", err)
			incomplete = append(incomplete, e.name)
		}
	}
	raw, err := json.Marshal(audit)
	if err == nil {
		_, err = s.st.PutObject(ctx, AuditKind, res.AuditID, raw)
	}
	if err != nil {
		s.log.Error("user deleted but the audit record was not written", "deletion_seq", d.Seq, "err", err)
		return res, &AuditError{Result: res, Err: err}
	}
	if len(incomplete) > 0 {
		return res, &IncompleteError{Result: res, Parts: incomplete}
	}
	return res, nil
}
