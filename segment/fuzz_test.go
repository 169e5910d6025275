package segment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/segment"
)

// FuzzCompile checks that no source makes Compile panic or return anything
// but a positioned *Error, and that the canonical form of a compiled
// expression compiles again to the same canonical form and the same answers
// on random records.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`count("purchase") >= 1`,
		`count("view", 7d) > 3 and not count("purchase", 30d) > 0`,
		`affinity("Beauty") > 0.2 or monetary >= 100`,
		`lifecycle in ["at_risk", "lapsed"]`,
		`recency_days <= 30 and affinity("shoes") > 0.2`,
		`days_since("purchase") > 30 || !has_consent_ads && city == "北京\"\\"`,
		`-(monetary / frequency) * 2 - -1 >= 1e-7 and frequency not in [-1, 2.5, 3,]`,
		`(has_consent_ads == (frequency > 1)) != not has_consent_sms`,
		"COUNT(\"view\",\n\t4w) > 0 AND Days_Since(\"view\") - days_since(\"purchase\") != 0",
		`1 / 0 == 0 or 1e308 * 10 > 1`,
		`((((frequency))))> - - 1`,
		`lifecycle == 3`,
		`count("veiw", 12h)`,
		`"unterminated`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := segment.Compile(src, testSchema)
		if err != nil {
			var se *segment.Error
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) error %v is a %T, not a *segment.Error", src, err, err)
			}
			if se.Line < 1 || se.Col < 1 || se.Msg == "" {
				t.Fatalf("Compile(%q) error without a position or message: %+v", src, se)
			}
			if lines := strings.Count(src, "\n") + 1; se.Line > lines {
				t.Fatalf("Compile(%q) error on line %d of %d", src, se.Line, lines)
			}
			return
		}
		canon := e.String()
		if len(canon) > segment.MaxSourceLen {
			return // the canonical form may be longer than the source
		}
		e2, err := segment.Compile(canon, testSchema)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not compile: %v", canon, src, err)
		}
		if e2.String() != canon {
			t.Fatalf("canonical form is not stable: %q gives %q", canon, e2.String())
		}
		for i := range 16 {
			r := hashRecord(uint64(i)*7919 + uint64(len(src)))
			if a, b := e.Eval(r), e2.Eval(r); a != b {
				t.Fatalf("%q and its canonical form %q disagree on record %d: %v, %v", src, canon, i, a, b)
			}
		}
	})
}
