// Package audience owns saved segments: their definitions (a name and an
// expression in the segment language) kept in the store, and everything
// asked of them — size, members, a preview of members with the fields the
// expression reads, export as CSV or JSONL, and each user's memberships.
//
// Membership is evaluated against the live in-memory profiles at the moment
// of asking, so it moves with every event and needs no batch job; every node
// answers the same because every node builds the same profiles.
//
// It imports segment (the language), profile (the profiles) and store (the
// definitions); the API and the CLI import it.
package audience

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/store"
)

// Kind is the store object kind of segment definitions.
const Kind = "segment"

// Definition is a saved segment.
type Definition struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Expression  string    `json:"expression"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// Input is what a caller sends to create or replace a segment.
type Input struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Expression  string `json:"expression"`
	Description string `json:"description,omitempty"`
}

// InvalidError is a definition the caller must fix: a missing name or an
// expression that does not compile (Pos then says where).
type InvalidError struct {
	Field string
	Msg   string
	Pos   *segment.Error
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Msg }

// ErrNotFound means no segment has that id.
var ErrNotFound = errors.New("segment not found")

// Service answers questions about segments.
type Service struct {
	st       store.Store
	profiles *profile.Service
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]compiled // by id, tagged with the version compiled
	list  []string            // ids, refreshed with the cache
	at    time.Time           // when list was read
}

type compiled struct {
	def  Definition
	expr *segment.Expr
}

// New returns a Service.
func New(st store.Store, profiles *profile.Service) *Service {
	return &Service{st: st, profiles: profiles, now: time.Now, cache: map[string]compiled{}}
}

// Validate compiles an expression against the profile schema.
func Validate(expr string) (*segment.Expr, error) {
	e, err := segment.Compile(expr, profile.Schema)
	if err != nil {
		var se *segment.Error
		if errors.As(err, &se) {
			return nil, &InvalidError{Field: "expression", Msg: se.Error(), Pos: se}
		}
		return nil, &InvalidError{Field: "expression", Msg: err.Error()}
	}
	return e, nil
}

func check(in *Input) error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return &InvalidError{Field: "name", Msg: "is missing"}
	case utf8.RuneCountInString(in.Name) > 200:
		return &InvalidError{Field: "name", Msg: "is longer than 200 characters"}
	case len(in.Description) > 4096:
		return &InvalidError{Field: "description", Msg: "is longer than 4096 bytes"}
	case strings.TrimSpace(in.Expression) == "":
		return &InvalidError{Field: "expression", Msg: "is missing; for example count(\"purchase\") >= 1"}
	}
	if in.ID != "" && (len(in.ID) > 64 || strings.ContainsAny(in.ID, "/?#% \t\n")) {
		return &InvalidError{Field: "id", Msg: "must be at most 64 characters without spaces, slashes, ?, # or %"}
	}
	_, err := Validate(in.Expression)
	return err
}

// Create saves a new segment. Without an id one is generated.
func (s *Service) Create(ctx context.Context, in Input) (Definition, error) {
	if err := check(&in); err != nil {
		return Definition{}, err
	}
	if in.ID == "" {
		in.ID = newID()
	} else if _, err := s.st.GetObject(ctx, Kind, in.ID); err == nil {
		return Definition{}, &InvalidError{Field: "id", Msg: fmt.Sprintf("segment %q exists; use PUT to replace it", in.ID)}
	}
	now := s.now().UTC()
	return s.save(ctx, Definition{ID: in.ID, Name: in.Name, Expression: in.Expression, Description: in.Description, CreatedAt: now, UpdatedAt: now})
}

// Replace updates an existing segment's name, expression and description.
func (s *Service) Replace(ctx context.Context, id string, in Input) (Definition, error) {
	if in.ID != "" && in.ID != id {
		return Definition{}, &InvalidError{Field: "id", Msg: fmt.Sprintf("%q differs from the path's %q", in.ID, id)}
	}
	in.ID = id
	if err := check(&in); err != nil {
		return Definition{}, err
	}
	old, err := s.Get(ctx, id)
	if err != nil {
		return Definition{}, err
	}
	old.Name, old.Expression, old.Description, old.UpdatedAt = in.Name, in.Expression, in.Description, s.now().UTC()
	return s.save(ctx, old)
}

func (s *Service) save(ctx context.Context, d Definition) (Definition, error) {
	data, err := json.Marshal(d)
	if err != nil {
		return Definition{}, err
	}
	v, err := s.st.PutObject(ctx, Kind, d.ID, data)
	if err != nil {
		return Definition{}, fmt.Errorf("saving segment %q: %w", d.ID, err)
	}
	d.Version = v
	s.forget()
	return d, nil
}

// Get returns one definition.
func (s *Service) Get(ctx context.Context, id string) (Definition, error) {
	o, err := s.st.GetObject(ctx, Kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return Definition{}, fmt.Errorf("segment %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Definition{}, err
	}
	return decode(o)
}

func decode(o store.Object) (Definition, error) {
	var d Definition
	if err := json.Unmarshal(o.Data, &d); err != nil {
		return Definition{}, fmt.Errorf("segment %q is stored damaged: %w", o.ID, err)
	}
	d.Version = o.Version
	return d, nil
}

// List pages through definitions by id.
func (s *Service) List(ctx context.Context, cursor string, limit int) ([]Definition, string, error) {
	objs, next, err := s.st.ListObjects(ctx, Kind, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Definition, 0, len(objs))
	for _, o := range objs {
		d, err := decode(o)
		if err != nil {
			return nil, "", err
		}
		out = append(out, d)
	}
	return out, next, nil
}

// Delete removes a segment.
func (s *Service) Delete(ctx context.Context, id string) error {
	err := s.st.DeleteObject(ctx, Kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("segment %q: %w", id, ErrNotFound)
	}
	s.forget()
	return err
}

func (s *Service) forget() {
	s.mu.Lock()
	s.at = time.Time{}
	s.mu.Unlock()
}

// compiledByID returns the compiled expression of the current version.
func (s *Service) compiledByID(ctx context.Context, id string) (compiled, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return compiled{}, err
	}
	s.mu.Lock()
	c, ok := s.cache[id]
	s.mu.Unlock()
	if ok && c.def.Version == d.Version {
		return c, nil
	}
	e, err := Validate(d.Expression)
	if err != nil {
		return compiled{}, fmt.Errorf("segment %q no longer compiles (%v); replace its expression", id, err)
	}
	c = compiled{def: d, expr: e}
	s.mu.Lock()
	s.cache[id] = c
	s.mu.Unlock()
	return c, nil
}

// all returns every segment compiled, re-reading the list at most every few
// seconds (so other nodes' changes show within that time).
func (s *Service) all(ctx context.Context) ([]compiled, error) {
	s.mu.Lock()
	fresh := time.Since(s.at) < 5*time.Second
	ids := s.list
	s.mu.Unlock()
	if !fresh {
		ids = ids[:0:0]
		cursor := ""
		for {
			defs, next, err := s.List(ctx, cursor, store.MaxLimit)
			if err != nil {
				return nil, err
			}
			for _, d := range defs {
				ids = append(ids, d.ID)
				s.mu.Lock()
				if c, ok := s.cache[d.ID]; !ok || c.def.Version != d.Version {
					if e, err := Validate(d.Expression); err == nil {
						s.cache[d.ID] = compiled{def: d, expr: e}
					}
				}
				s.mu.Unlock()
			}
			if next == "" {
				break
			}
			cursor = next
		}
		s.mu.Lock()
		s.list, s.at = ids, time.Now()
		s.mu.Unlock()
	}
	out := make([]compiled, 0, len(ids))
	s.mu.Lock()
	for _, id := range ids {
		if c, ok := s.cache[id]; ok {
			out = append(out, c)
		}
	}
	s.mu.Unlock()
	return out, nil
}

func newID() string {
	var b [6]byte
	rand.Read(b[:])
	return "seg-" + hex.EncodeToString(b[:])
}
