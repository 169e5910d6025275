package copywriting

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// scripted writes the next texts of its script on each call.
type scripted struct {
	rounds [][]string
	calls  int
	seen   [][]Violation
}

func (s *scripted) Name() string { return "scripted" }

func (s *scripted) Write(_ context.Context, _ Brief, n int, repair []Violation) ([]Draft, error) {
	s.seen = append(s.seen, append([]Violation(nil), repair...))
	if s.calls >= len(s.rounds) {
		return nil, errors.New("out of ideas")
	}
	r := s.rounds[s.calls]
	s.calls++
	var out []Draft
	for _, t := range r[:min(n, len(r))] {
		out = append(out, Draft{Text: t, Provider: "scripted"})
	}
	return out, nil
}

// noWorst flags any text containing "best".
func noWorst(text string, _ Brief) []Violation {
	if i := strings.Index(text, "best"); i >= 0 {
		return []Violation{{Code: "banned_term", Message: "absolute term", Span: [2]int{i, i + 4}}}
	}
	return nil
}

func TestGenerateRepairsAndNeverPassesFailures(t *testing.T) {
	w := &scripted{rounds: [][]string{{"the best shoes", "good shoes"}, {"fine shoes"}}}
	vs, _, err := Generate(context.Background(), w, noWorst, Brief{}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || !vs[0].OK || !vs[1].OK || vs[0].Text != "good shoes" || vs[1].Text != "fine shoes" || vs[1].Repairs != 1 {
		t.Fatalf("variants %+v; want good shoes, then fine shoes after one repair", vs)
	}
	if len(w.seen) != 2 || len(w.seen[1]) != 1 || w.seen[1][0].Code != "banned_term" {
		t.Errorf("the repair round was told %+v; want the banned_term reason", w.seen)
	}

	w = &scripted{rounds: [][]string{{"best"}, {"the best"}, {"best again"}}}
	vs, _, err = Generate(context.Background(), w, noWorst, Brief{}, 1, 2)
	if !errors.Is(err, ErrNoUsableCopy) {
		t.Fatalf("err = %v, want ErrNoUsableCopy", err)
	}
	for _, v := range vs {
		if v.OK || len(v.Violations) == 0 {
			t.Errorf("a failing draft came back as usable: %+v", v)
		}
	}
	if _, _, err := Generate(context.Background(), w, noWorst, Brief{}, 0, 1); err == nil {
		t.Error("n = 0 accepted")
	}
}
