package llm

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrCircuitOpen is returned, wrapped with the provider's name, while the
// circuit breaker is open: calls fail fast without reaching the endpoint.
var ErrCircuitOpen = errors.New("circuit breaker open")

// State is the circuit breaker's state.
type State int

// The breaker states.
const (
	Closed   State = iota // calls go through; failures are counted
	Open                  // calls fail fast until the cool-down ends
	HalfOpen              // one trial call goes through; its outcome decides
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// breaker is a consecutive-failure circuit breaker. threshold consecutive
// failed calls open it; after coolDown one trial call is let through
// (half-open): success closes it, failure opens it for another cool-down.
type breaker struct {
	threshold int
	coolDown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    State
	failures int
	openedAt time.Time
	trial    bool // a half-open trial call is in flight
}

// allow reports whether a call may go through and, if not, how long until
// the cool-down ends.
func (b *breaker) allow() (bool, time.Duration) {
	if b.threshold <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Open:
		if wait := b.coolDown - b.now().Sub(b.openedAt); wait > 0 {
			return false, wait
		}
		b.state = HalfOpen
		b.trial = true
		return true, 0
	case HalfOpen:
		if b.trial {
			return false, 0
		}
		b.trial = true
		return true, 0
	}
	return true, 0
}

// success records a call that reached a healthy endpoint.
func (b *breaker) success() {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state, b.failures, b.trial = Closed, 0, false
}

// failure records a call that failed because the endpoint is unavailable.
func (b *breaker) failure() {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.state == HalfOpen || b.failures >= b.threshold {
		b.state, b.openedAt, b.trial = Open, b.now(), false
	}
}

// neutral records a call whose outcome says nothing about the endpoint's
// health (the caller cancelled, the model wrote something unusable): a
// half-open trial slot is released without changing the state.
func (b *breaker) neutral() {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
}

func (b *breaker) current() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && b.now().Sub(b.openedAt) >= b.coolDown {
		return HalfOpen
	}
	return b.state
}
