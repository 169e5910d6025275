package template

import (
	"context"
	"testing"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
)

// TestGoldenPassesGuard: every draft the writer gives for a golden brief
// passes every guardrail with the default configuration.
func TestGoldenPassesGuard(t *testing.T) {
	w := New()
	cfg := guard.DefaultConfig()
	for _, g := range loadGolden(t) {
		ds, err := w.Write(context.Background(), g.Brief, 3, nil)
		if err != nil {
			t.Errorf("%s: %v", g.Name, err)
			continue
		}
		facts := copywriting.FactsOf(g.Brief)
		for _, d := range ds {
			for _, v := range guard.Check(d.Text, g.Brief.Language, g.Brief.Channel, facts, cfg) {
				t.Errorf("%s: %s (%s) at %q in %q", g.Name, v.Code, v.Message, span(d.Text, v.Span), d.Text)
			}
		}
	}
}

// TestManyVariantsPassGuard: deeper into the library, 12 variants per golden
// brief, and the drafts of repairs, pass the guard and the test's own checks.
func TestManyVariantsPassGuard(t *testing.T) {
	w := New()
	cfg := guard.DefaultConfig()
	repairs := [][]copywriting.Violation{nil, {{Code: "too_long"}}, {{Code: "missing_item"}}}
	for _, g := range loadGolden(t) {
		facts := copywriting.FactsOf(g.Brief)
		for _, rep := range repairs {
			n := 12
			if rep != nil {
				n = 3
			}
			ds, err := w.Write(context.Background(), g.Brief, n, rep)
			if err != nil {
				t.Errorf("%s %v: %v", g.Name, rep, err)
				continue
			}
			for _, d := range ds {
				for _, v := range guard.Check(d.Text, g.Brief.Language, g.Brief.Channel, facts, cfg) {
					t.Errorf("%s: %s (%s) at %q in %q", g.Name, v.Code, v.Message, span(d.Text, v.Span), d.Text)
				}
				for _, p := range problems(g.Brief, d.Text) {
					t.Errorf("%s: %s: %q", g.Name, p, d.Text)
				}
			}
		}
	}
}

// TestWriterLimitsWithinGuard: the writer's own limits are no looser than
// the guard's defaults.
func TestWriterLimitsWithinGuard(t *testing.T) {
	def := guard.DefaultMaxRunes()
	for _, lang := range []copywriting.Language{copywriting.Chinese, copywriting.English} {
		for _, ch := range copywriting.Channels() {
			if g, m := def[lang][ch], Limit(lang, ch); g > 0 && m > g {
				t.Errorf("%s %s: writer limit %d > guard limit %d", lang, ch, m, g)
			}
		}
	}
}

func span(text string, s [2]int) string {
	if s[0] >= s[1] || s[1] > len(text) {
		return ""
	}
	return text[s[0]:s[1]]
}
