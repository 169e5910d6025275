package store

import (
	"context"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// ConsentState is what a user said about one purpose.
type ConsentState string

// The consent states. Unset means the purpose was removed from the user's
// consent map (it is then treated as never asked).
const (
	ConsentGranted ConsentState = "granted"
	ConsentRefused ConsentState = "refused"
	ConsentUnset   ConsentState = "unset"
)

// ConsentChange is one change of one user's consent to one purpose: the
// entry of the consent feed (ConsentSince) that nodes follow to enforce
// consent from memory, and of a user's consent history.
type ConsentChange struct {
	// Seq is the change's position in the consent feed: strictly
	// increasing, never reused, independent of event and deletion Seq.
	Seq     int64        `json:"seq"`
	UserID  string       `json:"user_id"`
	Purpose shop.Purpose `json:"purpose"`
	State   ConsentState `json:"state"`
	// At is when the change was stored (the store's clock, UTC).
	At time.Time `json:"at"`
}

// StateOf gives the consent state of a purpose in a consent map.
func StateOf(consent map[shop.Purpose]bool, p shop.Purpose) ConsentState {
	v, ok := consent[p]
	switch {
	case !ok:
		return ConsentUnset
	case v:
		return ConsentGranted
	}
	return ConsentRefused
}

// ConsentDiff lists the purposes whose state differs between two consent
// maps, with the new state, in the order of shop.Purposes.
func ConsentDiff(old, new map[shop.Purpose]bool) []ConsentChange {
	var out []ConsentChange
	for _, p := range shop.Purposes {
		if s := StateOf(new, p); s != StateOf(old, p) {
			out = append(out, ConsentChange{Purpose: p, State: s})
		}
	}
	return out
}

// ConsentLog is the history of consent. PutUsers records a change for every
// purpose whose state differs from the stored user's (a new user's
// purposes count as changed from unset), in the same transaction; changes
// become visible in Seq order. DeleteUser removes the user's history.
type ConsentLog interface {
	// ConsentSince returns up to limit changes with Seq > after, in Seq
	// order, paged like EventsSince.
	ConsentSince(ctx context.Context, after int64, limit int) ([]ConsentChange, error)
	// ConsentHistory returns one user's changes, oldest first.
	ConsentHistory(ctx context.Context, userID string) ([]ConsentChange, error)
}
