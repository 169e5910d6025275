package store

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Deletion records one DeleteUser call: the entry of the deletion feed
// (DeletionsSince) that nodes follow to forget what they derived from the
// user's data.
type Deletion struct {
	// Seq is the deletion's position in the deletion feed: strictly
	// increasing, never reused, independent of event Seq values.
	Seq int64 `json:"seq"`
	// UserID is the deleted user.
	UserID string `json:"user_id"`
	// At is when the deletion was stored (the store's clock, UTC,
	// microseconds).
	At time.Time `json:"at"`
	// Events is how many events were removed.
	Events int64 `json:"events"`
	// User reports whether the user's row existed and was removed.
	User bool `json:"user"`
	// EventSeq is the event feed's position at the deletion: the highest
	// Seq of any event stored before it, removed ones included (0 when
	// none), so it never goes back from one deletion to the next. Every
	// event with a Seq up to EventSeq was appended before the deletion, and
	// those of the user are gone; every event with a larger Seq, the user's
	// included, was appended after it. A reader that has applied events
	// beyond EventSeq before it sees the deletion uses it to tell the
	// user's old life from the new one.
	EventSeq int64 `json:"event_seq"`
}

// CheckUserID refuses user ids that no backend can look up: empty, with a
// NUL byte, or not UTF-8 (PostgreSQL cannot hold either, so every backend
// refuses them alike). The error wraps ErrInvalid. Other ids are simply
// looked up; one that was never stored is not found.
func CheckUserID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("user id is empty; give the id of the user: %w", ErrInvalid)
	case strings.IndexByte(id, 0) >= 0:
		return fmt.Errorf("user id %q contains a NUL byte, which is not allowed: %w", id, ErrInvalid)
	case !utf8.ValidString(id):
		return fmt.Errorf("user id %q is not valid UTF-8: %w", id, ErrInvalid)
	}
	return nil
}
