package segment_test

import (
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/segment"
)

func mustCompile(t testing.TB, src string) *segment.Expr {
	t.Helper()
	e, err := segment.Compile(src, testSchema)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return e
}

type evalCase struct {
	rec  vals
	want bool
}

// TestBriefExamples checks that the expressions marketers are shown first
// mean what they say.
func TestBriefExamples(t *testing.T) {
	for _, tc := range []struct {
		src   string
		cases []evalCase
	}{
		{`count("purchase") >= 1`, []evalCase{
			{vals{}, false},
			{vals{`count("purchase")`: 1}, true},
			{vals{`count("purchase")`: 7}, true},
			{vals{`count("purchase", 30d)`: 3}, false}, // a window count is not the lifetime count
		}},
		{`count("view", 7d) > 3 and not count("purchase", 30d) > 0`, []evalCase{
			{vals{`count("view", 7d)`: 4}, true},
			{vals{`count("view", 7d)`: 3}, false},
			{vals{`count("view", 7d)`: 10, `count("purchase", 30d)`: 1}, false},
			{vals{`count("view", 7d)`: 10, `count("purchase")`: 5}, true}, // bought, but not in 30 days
			{vals{`count("view")`: 10}, false},                            // viewed, but not this week
		}},
		{`affinity("Beauty") > 0.2 or monetary >= 100`, []evalCase{
			{vals{}, false},
			{vals{`affinity("Beauty")`: 0.21}, true},
			{vals{`affinity("Beauty")`: 0.2}, false},
			{vals{`affinity("beauty")`: 0.9}, false}, // names are passed as written
			{vals{"monetary": 100}, true},
			{vals{"monetary": 99.99}, false},
		}},
		{`lifecycle in ["at_risk", "lapsed"]`, []evalCase{
			{vals{"lifecycle": "at_risk"}, true},
			{vals{"lifecycle": "lapsed"}, true},
			{vals{"lifecycle": "active"}, false},
			{vals{"lifecycle": "At_Risk"}, false},
			{vals{}, false},
		}},
		{`recency_days <= 30 and affinity("shoes") > 0.2`, []evalCase{
			{vals{"recency_days": 30, `affinity("shoes")`: 0.5}, true},
			{vals{"recency_days": 31, `affinity("shoes")`: 0.5}, false},
			{vals{"recency_days": 3, `affinity("shoes")`: 0.1}, false},
		}},
	} {
		e := mustCompile(t, tc.src)
		for _, c := range tc.cases {
			if got := e.Eval(c.rec); got != c.want {
				t.Errorf("%s on %v = %v, want %v", tc.src, c.rec, got, c.want)
			}
		}
		if e.String() != tc.src {
			t.Errorf("String() = %q, want the source %q back", e.String(), tc.src)
		}
	}
}

func TestEval(t *testing.T) {
	for _, tc := range []struct {
		src  string
		rec  vals
		want bool
	}{
		// Literals and constant folding.
		{`true`, nil, true},
		{`false`, nil, false},
		{`1 < 2`, nil, true},
		{`1 + 2 * 3 == 7`, nil, true},
		{`(1 + 2) * 3 == 9`, nil, true},
		{`10 - 2 - 3 == 5`, nil, true},
		{`8 / 4 / 2 == 1`, nil, true},
		{`-2 * 3 == -6`, nil, true},
		{`- -2 == 2`, nil, true},
		{`-(2 + 3) == -5`, nil, true},
		{`2 - -3 == 5`, nil, true},
		{`1.5e2 == 150`, nil, true},
		{`0.1 + 0.2 == 0.3`, nil, false}, // floating point, like everywhere
		{`"a" == "a"`, nil, true},
		{`"a" != "a"`, nil, false},
		{`true == false`, nil, false},
		{`true != false`, nil, true},
		{`3 in [1, 2, 3]`, nil, true},
		{`"x" not in ["x"]`, nil, false},
		// Division by zero gives 0.
		{`1 / 0 == 0`, nil, true},
		{`monetary / frequency == 0`, vals{"monetary": 50}, true},
		{`monetary / frequency == 25`, vals{"monetary": 50, "frequency": 2}, true},
		{`monetary / (frequency - 2) > 0`, vals{"monetary": 50, "frequency": 2}, false},
		{`monetary / 0 == 0`, vals{"monetary": 50}, true},
		// Fields of each kind.
		{`frequency >= 2`, vals{"frequency": 2}, true},
		{`frequency > 2`, vals{"frequency": 2}, false},
		{`frequency != 2`, vals{"frequency": 2}, false},
		{`frequency == 2`, vals{"frequency": 2}, true},
		{`2 < frequency`, vals{"frequency": 3}, true},
		{`2 >= frequency`, vals{"frequency": 3}, false},
		{`monetary > frequency * 10`, vals{"monetary": 101, "frequency": 10}, true},
		{`monetary - avg_basket * frequency == 0`, vals{"monetary": 100, "avg_basket": 25, "frequency": 4}, true},
		{`lifecycle == "new"`, vals{"lifecycle": "new"}, true},
		{`"new" == lifecycle`, vals{"lifecycle": "new"}, true},
		{`lifecycle != "new"`, vals{"lifecycle": "new"}, false},
		{`lifecycle == price_band`, vals{"lifecycle": "x", "price_band": "x"}, true},
		{`lifecycle != price_band`, vals{"lifecycle": "x", "price_band": "x"}, false},
		{`city == "北京"`, vals{"city": "北京"}, true},
		{`city == "北京"`, vals{"city": "上海"}, false},
		{`city == "say \"hi\" \\ bye"`, vals{"city": `say "hi" \ bye`}, true},
		{`has_consent_ads`, vals{"has_consent_ads": true}, true},
		{`has_consent_ads`, vals{}, false},
		{`not has_consent_ads`, vals{}, true},
		{`!has_consent_ads`, vals{}, true},
		{`has_consent_ads == true`, vals{"has_consent_ads": true}, true},
		{`has_consent_ads == false`, vals{"has_consent_ads": true}, false},
		{`has_consent_ads != true`, vals{"has_consent_ads": true}, false},
		{`has_consent_ads != false`, vals{"has_consent_ads": true}, true},
		{`false == has_consent_ads`, vals{}, true},
		{`has_consent_ads == has_consent_sms`, vals{}, true},
		{`has_consent_ads != has_consent_sms`, vals{"has_consent_sms": true}, true},
		// Lists.
		{`lifecycle not in ["at_risk", "lapsed"]`, vals{"lifecycle": "new"}, true},
		{`lifecycle not in ["at_risk", "lapsed"]`, vals{"lifecycle": "lapsed"}, false},
		{`frequency in [1, 2, 3]`, vals{"frequency": 2}, true},
		{`frequency in [1, 2, 3]`, vals{"frequency": 2.5}, false},
		{`frequency in [-1, 0]`, vals{"frequency": -1}, true},
		{`frequency + 1 in [3]`, vals{"frequency": 2}, true},
		{`frequency in []`, vals{}, false},
		{`frequency not in []`, vals{}, true},
		{`lifecycle in ["a", "a", "b",]`, vals{"lifecycle": "b"}, true},
		{`lifecycle in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]`, vals{"lifecycle": "j"}, true}, // map lookup
		{`lifecycle in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]`, vals{"lifecycle": "k"}, false},
		{`lifecycle not in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]`, vals{"lifecycle": "k"}, true},
		{`frequency in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]`, vals{"frequency": 10}, true},
		{`frequency not in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]`, vals{"frequency": 0}, true},
		{`frequency in [0]`, vals{"frequency": math.Copysign(0, -1)}, true},
		// Functions.
		{`count("view") > 0`, vals{`count("view")`: 1}, true},
		{`count("view", 1w) == count("view", 7d)`, vals{`count("view", 7d)`: 4}, true},
		{`count("view", 48h) == 2`, vals{`count("view", 2d)`: 2}, true},
		{`COUNT("view", 365d) == 5`, vals{`count("view", 365d)`: 5}, true},
		{`days_since("purchase") > 30`, vals{}, true}, // never bought: +Inf
		{`days_since("purchase") <= 30`, vals{}, false},
		{`days_since("purchase") > 30`, vals{`days_since("purchase")`: 10}, false},
		{`days_since("purchase") == days_since("purchase")`, vals{}, true},
		{`days_since("purchase") - days_since("view") != 0`, vals{}, true}, // NaN
		{`days_since("purchase") - days_since("view") > 0`, vals{}, false}, // NaN
		{`count("purchase") > 0 and days_since("purchase") > 30`, vals{}, false},
		{`affinity("美妆") >= 0.5`, vals{`affinity("美妆")`: 0.5}, true},
		// Logic, precedence and keywords in any case.
		{`not frequency > 2`, vals{"frequency": 1}, true},
		{`not frequency > 2`, vals{"frequency": 3}, false},
		{`not not has_consent_ads`, vals{"has_consent_ads": true}, true},
		{`not has_consent_ads == true`, vals{"has_consent_ads": true}, false},
		{`has_consent_ads or has_consent_sms and false`, vals{"has_consent_ads": true}, true},
		{`(has_consent_ads or has_consent_sms) and false`, vals{"has_consent_ads": true}, false},
		{`not has_consent_ads and has_consent_sms`, vals{"has_consent_sms": true}, true},
		{`not (has_consent_ads and has_consent_sms)`, vals{"has_consent_ads": true, "has_consent_sms": true}, false},
		{`has_consent_ads AND has_consent_sms`, vals{"has_consent_ads": true, "has_consent_sms": true}, true},
		{`has_consent_ads && has_consent_sms`, vals{"has_consent_ads": true}, false},
		{`has_consent_ads Or has_consent_sms`, vals{"has_consent_sms": true}, true},
		{`has_consent_ads || has_consent_sms`, vals{}, false},
		{`NOT has_consent_ads`, vals{}, true},
		{`lifecycle NOT IN ["x"]`, vals{}, true},
		{`has_consent_ads == TRUE`, vals{"has_consent_ads": true}, true},
		{`frequency > 1 and frequency < 5 and monetary > 0 and lifecycle != "lapsed"`, vals{"frequency": 2, "monetary": 1}, true},
		{`frequency > 1 and frequency < 5 and monetary > 0 and lifecycle != "lapsed"`, vals{"frequency": 2, "monetary": 1, "lifecycle": "lapsed"}, false},
		{`frequency > 5 or monetary > 5 or recency_days > 5 or city == "x"`, vals{"city": "x"}, true},
		{`frequency > 5 or monetary > 5 or recency_days > 5 or city == "x"`, vals{}, false},
		{"recency_days <= 30\n  and (lifecycle == \"at_risk\"\n       or lifecycle == \"lapsed\")", vals{"recency_days": 3, "lifecycle": "lapsed"}, true},
		// Constant parts fold away but do not change the answer.
		{`frequency > 1 or true`, vals{}, true},
		{`frequency > 1 and false`, vals{"frequency": 9}, false},
		{`frequency > 1 and true`, vals{"frequency": 9}, true},
		{`frequency > 1 + 1`, vals{"frequency": 3}, true},
		{`has_consent_ads == (1 > 0)`, vals{"has_consent_ads": true}, true},
	} {
		e := mustCompile(t, tc.src)
		if got := e.Eval(tc.rec); got != tc.want {
			t.Errorf("%s on %v = %v, want %v", tc.src, tc.rec, got, tc.want)
		}
		// The canonical form means the same.
		if got := mustCompile(t, e.String()).Eval(tc.rec); got != tc.want {
			t.Errorf("String() %s on %v = %v, want %v", e.String(), tc.rec, got, tc.want)
		}
	}
}

// TestShortCircuit checks that and and or stop at the first deciding operand.
func TestShortCircuit(t *testing.T) {
	for _, tc := range []struct {
		src   string
		calls []string
	}{
		{`has_consent_ads and has_consent_sms`, []string{"has_consent_ads"}},
		{`has_consent_sms or has_consent_ads`, []string{"has_consent_sms", "has_consent_ads"}},
		{`has_consent_sms or has_consent_ads or frequency > 1`, []string{"has_consent_sms", "has_consent_ads", "frequency"}},
		{`not has_consent_ads or frequency > 1`, []string{"has_consent_ads"}},
		{`frequency > 0 and (has_consent_ads or monetary > 1) and recency_days < 3 and lifecycle == "x"`, []string{"frequency"}},
	} {
		rec := &spy{}
		mustCompile(t, tc.src).Eval(rec)
		if !slices.Equal(rec.calls, tc.calls) {
			t.Errorf("%s read %v, want %v", tc.src, rec.calls, tc.calls)
		}
	}
}

// spy records the fields read; every flag is false, every number 0.
type spy struct {
	vals
	calls []string
}

func (s *spy) Number(i int) float64 {
	s.calls = append(s.calls, testSchema[i].Name)
	return 0
}

func (s *spy) Flag(i int) bool {
	s.calls = append(s.calls, testSchema[i].Name)
	return false
}

func (s *spy) Str(i int) string {
	s.calls = append(s.calls, testSchema[i].Name)
	return ""
}

func TestString(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`count("purchase")>=1`, `count("purchase") >= 1`},
		{`COUNT( "view" , 1w )>3 AND NOT count("purchase",30d)>0`, `count("view", 7d) > 3 and not count("purchase", 30d) > 0`},
		{`count("view", 48h) > 0`, `count("view", 2d) > 0`},
		{`count("view", 007d) > 0`, `count("view", 7d) > 0`},
		{`has_consent_ads && has_consent_sms || !has_consent_ads`, `has_consent_ads and has_consent_sms or not has_consent_ads`},
		{`(has_consent_ads or has_consent_sms) and has_consent_ads`, `(has_consent_ads or has_consent_sms) and has_consent_ads`},
		{`((has_consent_ads))`, `has_consent_ads`},
		{`(has_consent_ads and has_consent_sms) and (frequency > 1 and monetary > 1)`, `has_consent_ads and has_consent_sms and frequency > 1 and monetary > 1`},
		{`has_consent_ads or (has_consent_sms or false)`, `has_consent_ads or has_consent_sms or false`},
		{`not (frequency > 1)`, `not frequency > 1`},
		{`not (has_consent_ads or has_consent_sms)`, `not (has_consent_ads or has_consent_sms)`},
		{`!!has_consent_ads`, `not not has_consent_ads`},
		{`(not has_consent_ads) == has_consent_sms`, `(not has_consent_ads) == has_consent_sms`},
		{`has_consent_ads == (frequency > 1)`, `has_consent_ads == (frequency > 1)`},
		{`1 + 2 * 3 > 0`, `1 + 2 * 3 > 0`},
		{`(1 + 2) * 3 > 0`, `(1 + 2) * 3 > 0`},
		{`1 - (2 - 3) > 0`, `1 - (2 - 3) > 0`},
		{`(1 - 2) - 3 > 0`, `1 - 2 - 3 > 0`},
		{`1 + (2 + 3) > 0`, `1 + (2 + 3) > 0`}, // floating-point addition does not reassociate
		{`8 / (4 / 2) > 0`, `8 / (4 / 2) > 0`},
		{`8 / (4 * 2) > 0`, `8 / (4 * 2) > 0`},
		{`-(frequency) > -(3)`, `-frequency > -3`},
		{`- - frequency > 0`, `- -frequency > 0`},
		{`-(frequency + 1) > 0`, `-(frequency + 1) > 0`},
		{`2 * -frequency > 0`, `2 * -frequency > 0`},
		{`frequency - -1 > 0`, `frequency - -1 > 0`},
		{`- 0 == 0`, `-0 == 0`},
		{`1.50 > 1e0`, `1.5 > 1`},
		{`1e21 > 1e-7`, `1e+21 > 1e-07`},
		{`123456789012 > 0.0001`, `123456789012 > 0.0001`},
		{`lifecycle IN ["a","b",]`, `lifecycle in ["a", "b"]`},
		{`frequency not in [ -1 , 2.0 ]`, `frequency not in [-1, 2]`},
		{`frequency in []`, `frequency in []`},
		{`city == "北京\"\\"`, `city == "北京\"\\"`},
		{"recency_days <= 30\n\tand\taffinity(\"shoes\") > 0.2", `recency_days <= 30 and affinity("shoes") > 0.2`},
		{`Days_Since("purchase") > 30`, `days_since("purchase") > 30`},
	} {
		e := mustCompile(t, tc.src)
		if got := e.String(); got != tc.want {
			t.Errorf("String() of %s = %s, want %s", tc.src, got, tc.want)
		}
		if again := mustCompile(t, e.String()).String(); again != e.String() {
			t.Errorf("String() is not stable: %s then %s", e.String(), again)
		}
	}
}

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`true`, nil},
		{`count("purchase") >= 1`, []string{`count("purchase")`}},
		{`count("view", 1w) > 3 and not count("purchase", 30d) > 0 and count("view", 7d) < 100`,
			[]string{`count("view", 7d)`, `count("purchase", 30d)`}},
		{`affinity("Beauty") > 0.2 or monetary >= 100 or monetary / frequency > 3`,
			[]string{`affinity("Beauty")`, "monetary", "frequency"}},
		{`lifecycle in ["at_risk"] and days_since("purchase") > 3 and has_consent_ads`,
			[]string{"lifecycle", `days_since("purchase")`, "has_consent_ads"}},
		{`frequency > 1 or true`, []string{"frequency"}},
	} {
		e := mustCompile(t, tc.src)
		got := e.Fields()
		if !slices.Equal(got, tc.want) {
			t.Errorf("Fields() of %s = %q, want %q", tc.src, got, tc.want)
		}
		if len(got) > 0 {
			got[0] = "changed"
			if e.Fields()[0] == "changed" {
				t.Errorf("Fields() returned the Expr's own slice")
			}
		}
	}
}

func TestEvalDoesNotAllocate(t *testing.T) {
	ps := randomProfiles(64, 1)
	for _, src := range []string{
		benchExpr,
		`lifecycle in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "at_risk"] or frequency in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]`,
		`monetary / frequency > 20 and (city == "北京" or affinity("美妆") > 0.2) and days_since("purchase") > 30`,
		`has_consent_ads != has_consent_sms or -recency_days * 2 + 1 < -3 or frequency in [1, 2]`,
		`frequency > 1 and monetary > 1 and recency_days > 1 and avg_basket > 1 and has_consent_ads`,
	} {
		e := mustCompile(t, src)
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			e.Eval(&ps[i%len(ps)])
			i++
		})
		if allocs != 0 {
			t.Errorf("Eval of %s allocates %v times per call", src, allocs)
		}
	}
}

func TestConcurrentEval(t *testing.T) {
	e := mustCompile(t, benchExpr)
	ps := randomProfiles(2000, 2)
	want := 0
	for i := range ps {
		if e.Eval(&ps[i]) {
			want++
		}
	}
	if want == 0 || want == len(ps) {
		t.Fatalf("benchmark expression selects %d of %d profiles; pick one that discriminates", want, len(ps))
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got := 0
			for i := range ps {
				if e.Eval(&ps[i]) {
					got++
				}
			}
			if got != want {
				t.Errorf("concurrent Eval selected %d, want %d", got, want)
			}
		})
	}
	wg.Wait()
}

func TestErrorType(t *testing.T) {
	_, err := segment.Compile(`lifecycle == 3`, testSchema)
	var se *segment.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *segment.Error", err, err)
	}
	want := `line 1, column 11: cannot compare string "lifecycle" with number 3`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestSchemaEdgeCases(t *testing.T) {
	// A duplicate name reads the first field of that name.
	s := segment.Schema{{Name: "x", Kind: segment.Number}, {Name: "x", Kind: segment.String}}
	e, err := segment.Compile(`x > 1`, s)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Eval(vals{"recency_days": 2}) { // vals reads testSchema names by index: index 0
		t.Errorf("duplicate field did not read index 0")
	}
	// A field of an unknown kind is refused where it is used.
	_, err = segment.Compile(`y > 1`, segment.Schema{{Name: "y"}})
	if err == nil {
		t.Errorf("field without a kind compiled")
	}
	// No schema at all: only constants and functions.
	if _, err := segment.Compile(`count("view") > 1`, nil); err != nil {
		t.Error(err)
	}
	if _, err := segment.Compile(`frequency > 1`, nil); err == nil {
		t.Error("unknown field compiled against an empty schema")
	}
}
