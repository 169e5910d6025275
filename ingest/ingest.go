// Package ingest owns the write path: it validates events, items and users
// against the data model, stores the valid ones through the store, and answers
// for every row whether it was accepted, absorbed as a duplicate, or refused
// and why. The HTTP API and the importers both write through it, so a row is
// judged the same way whichever door it came in by.
//
// It imports shop and store; it must not import api, importer or anything
// that serves requests.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Status is the outcome of one row.
type Status string

// Row outcomes.
const (
	Accepted  Status = "accepted"
	Duplicate Status = "duplicate"
	Refused   Status = "refused"
)

// Result is the outcome of one row of a batch.
type Result struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Status Status `json:"status"`
	Field  string `json:"field,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Summary counts the outcomes of a batch and lists them row by row.
type Summary struct {
	Accepted  int      `json:"accepted"`
	Duplicate int      `json:"duplicate"`
	Refused   int      `json:"refused"`
	Results   []Result `json:"results"`
}

func (s *Summary) add(r Result) {
	switch r.Status {
	case Accepted:
		s.Accepted++
	case Duplicate:
		s.Duplicate++
	case Refused:
		s.Refused++
	}
	s.Results = append(s.Results, r)
}

// Row is one incoming entity, or the error met while decoding it (the row is
// then refused with that error and nothing else is looked at).
type Row[T any] struct {
	Value     T
	DecodeErr error
}

// Observer is told what each batch did; metrics hang off it. It may be nil.
type Observer interface {
	EventsIngested(t shop.EventType, s Status, n int)
}

// Service validates and writes. It is safe for concurrent use.
type Service struct {
	store   store.Store
	now     func() time.Time
	obs     Observer
	onItems func([]shop.Item)
	onEvent func(context.Context, []shop.Event)
	pii     *pii.Policy
}

// UsePII seals the personal attributes of every user written (see package
// privacy/pii); nil stores them as given. Call it before serving.
func (s *Service) UsePII(p *pii.Policy) { s.pii = p }

// OnEvents registers fn to be told of the events of each batch that were
// newly stored (not duplicates), after the store acknowledged them; ad
// events update budgets this way. fn runs before the batch is answered.
// Call it before serving.
func (s *Service) OnEvents(fn func(context.Context, []shop.Event)) { s.onEvent = fn }

// OnItems registers fn to be told of every batch of items stored (after the
// store acknowledged it), so in-memory catalogue views see this node's
// writes at once. Call it before serving.
func (s *Service) OnItems(fn func([]shop.Item)) { s.onItems = fn }

// New returns a Service writing to st. now may be nil (time.Now); obs may be nil.
func New(st store.Store, now func() time.Time, obs Observer) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now, obs: obs}
}

// Events validates every row, stores the valid ones in one atomic call and
// returns one Result per row in input order. A refused row writes nothing and
// does not stop the others. The error is non-nil only when the store failed;
// then nothing of the batch is acknowledged.
func (s *Service) Events(ctx context.Context, rows []Row[shop.Event]) (Summary, error) {
	now := s.now()
	results := make([]Result, len(rows))
	valid := make([]shop.Event, 0, len(rows))
	validIdx := make([]int, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		e := &r.Value
		results[i] = Result{Index: i, ID: e.ID}
		if r.DecodeErr != nil {
			refuse(&results[i], r.DecodeErr)
			continue
		}
		e.Normalize(now)
		if err := e.Validate(now); err != nil {
			refuse(&results[i], err)
			continue
		}
		valid = append(valid, *e)
		validIdx = append(validIdx, i)
	}
	if len(valid) > 0 {
		inserted, err := s.store.AppendEvents(ctx, valid)
		if err != nil {
			return Summary{}, fmt.Errorf("storing %d events: %w", len(valid), err)
		}
		if len(inserted) != len(valid) {
			return Summary{}, fmt.Errorf("store answered for %d of %d events", len(inserted), len(valid))
		}
		var fresh []shop.Event
		for k, i := range validIdx {
			if inserted[k] {
				results[i].Status = Accepted
				if s.onEvent != nil {
					fresh = append(fresh, valid[k])
				}
			} else {
				results[i].Status = Duplicate
			}
		}
		if len(fresh) > 0 {
			s.onEvent(ctx, fresh)
		}
	}
	var sum Summary
	sum.Results = make([]Result, 0, len(results))
	for _, r := range results {
		sum.add(r)
	}
	if s.obs != nil {
		s.observe(rows, results)
	}
	return sum, nil
}

func (s *Service) observe(rows []Row[shop.Event], results []Result) {
	type key struct {
		t shop.EventType
		s Status
	}
	counts := map[key]int{}
	for i, r := range results {
		t := rows[i].Value.Type
		if !t.Valid() {
			t = "unknown"
		}
		counts[key{t, r.Status}]++
	}
	for k, n := range counts {
		s.obs.EventsIngested(k.t, k.s, n)
	}
}

// Items validates every row and stores the valid ones (insert or replace).
func (s *Service) Items(ctx context.Context, rows []Row[shop.Item]) (Summary, error) {
	return putAll(ctx, rows, "items", func(it *shop.Item) (string, error) {
		it.Normalize()
		return it.ID, it.Validate()
	}, func(ctx context.Context, items []shop.Item) error {
		if err := s.store.PutItems(ctx, items); err != nil {
			return err
		}
		if s.onItems != nil {
			s.onItems(items)
		}
		return nil
	})
}

// Users validates every row and stores the valid ones (insert or replace).
func (s *Service) Users(ctx context.Context, rows []Row[shop.User]) (Summary, error) {
	return putAll(ctx, rows, "users", func(u *shop.User) (string, error) {
		if err := u.Validate(); err != nil || s.pii == nil {
			return u.ID, err
		}
		// The row's attributes are sealed in a copy: the caller's map is
		// left as it was.
		u.Attributes = maps.Clone(u.Attributes)
		return u.ID, s.pii.SealUser(u)
	}, s.store.PutUsers)
}

// putAll is the shared shape of entity writes: check each row, store the good
// ones in one call, answer per row.
func putAll[T any](ctx context.Context, rows []Row[T], what string, check func(*T) (string, error),
	put func(context.Context, []T) error) (Summary, error) {
	var sum Summary
	valid := make([]T, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		id, err := check(&r.Value)
		res := Result{Index: i, ID: id, Status: Accepted}
		if r.DecodeErr != nil {
			err = r.DecodeErr
		}
		if err != nil {
			refuse(&res, err)
		} else {
			valid = append(valid, r.Value)
		}
		sum.add(res)
	}
	if len(valid) > 0 {
		if err := put(ctx, valid); err != nil {
			return Summary{}, fmt.Errorf("storing %d %s: %w", len(valid), what, err)
		}
	}
	return sum, nil
}

func refuse(r *Result, err error) {
	r.Status = Refused
	r.Error = err.Error()
	var fe *shop.FieldError
	if errors.As(err, &fe) {
		r.Field = fe.Field
		r.Error = fe.Error()
	}
}
