package copywriting

import (
	"context"
	"errors"
	"fmt"
)

// Checker runs every guardrail on one text written for b.
type Checker func(text string, b Brief) []Violation

// Variant is a draft with the outcome of its checks. Only variants with OK
// set are usable copy.
type Variant struct {
	Draft
	OK         bool        `json:"ok"`
	Violations []Violation `json:"violations,omitempty"`
	Repairs    int         `json:"repairs"` // rounds of repair it took
}

// ErrNoUsableCopy means every draft failed its checks after the allowed
// repairs; the returned variants say why.
var ErrNoUsableCopy = errors.New("no draft passed the checks")

// Generate asks w for n drafts of b, checks each, and sends the failing ones
// back to w with their reasons, up to maxRepairs rounds. It returns the
// passing variants first (at most n), then the last round's rejected ones
// with their reasons, the usage of every call (rejected drafts cost too),
// and ErrNoUsableCopy when none passed. Nothing that failed a check is ever
// marked OK.
func Generate(ctx context.Context, w Writer, check Checker, b Brief, n, maxRepairs int) ([]Variant, Usage, error) {
	var total Usage
	if n < 1 {
		return nil, total, fmt.Errorf("copywriting: ask for at least one variant, got %d", n)
	}
	var good, bad []Variant
	need := n
	var repair []Violation
	for round := 0; round <= maxRepairs && need > 0; round++ {
		drafts, err := w.Write(ctx, b, need, repair)
		if err != nil {
			if len(good) > 0 {
				break // keep what passed; the writer gave up on the rest
			}
			return nil, total, fmt.Errorf("copywriting: %s: %w", w.Name(), err)
		}
		for _, d := range drafts {
			total.PromptTokens += d.Usage.PromptTokens
			total.CompletionTokens += d.Usage.CompletionTokens
		}
		repair = repair[:0]
		bad = bad[:0]
		for _, d := range drafts {
			v := Variant{Draft: d, Repairs: round}
			v.Violations = check(d.Text, b)
			v.OK = len(v.Violations) == 0
			if v.OK && need > 0 && !dup(good, d.Text) {
				good = append(good, v)
				need--
				continue
			}
			if !v.OK {
				bad = append(bad, v)
				repair = append(repair, v.Violations...)
			}
		}
		if len(drafts) == 0 {
			break
		}
	}
	out := append(good, bad...)
	if len(good) == 0 {
		return out, total, ErrNoUsableCopy
	}
	return out, total, nil
}

func dup(vs []Variant, text string) bool {
	for _, v := range vs {
		if v.Text == text {
			return true
		}
	}
	return false
}
