package report

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/clv"
)

// shop makes a year of purchases by 400 customers with heterogeneous
// purchase rates, dropout and spend, as the models assume.
func shop() []clv.Transaction {
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var txs []clv.Transaction
	for c := 0; c < 400; c++ {
		id := fmt.Sprintf("c%03d", c)
		day := rng.IntN(60)
		e := rng.ExpFloat64()
		rate := 0.005 + 0.05*e*e                 // purchases a day, widely spread
		drop := 0.4 * math.Pow(rng.Float64(), 2) // dropout chance after each purchase
		mean := 20 * math.Exp(rng.NormFloat64()/2)
		for day < 365 {
			txs = append(txs, clv.Transaction{Customer: id, Time: start.AddDate(0, 0, day), Amount: mean * (0.5 + rng.Float64())})
			if rng.Float64() < drop {
				break
			}
			day += 1 + int(rng.ExpFloat64()/rate)
		}
	}
	return txs
}

func analysis(t *testing.T, withTransactions bool) *clv.Analysis {
	t.Helper()
	txs := shop()
	cfg := clv.SummaryConfig{CalibrationEnd: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), HoldoutEnd: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	s, err := clv.Summarize(txs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !withTransactions {
		s = clv.SummaryOf(s.Customers)
	}
	a, err := clv.Analyze(context.Background(), s, clv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		withTx   bool
		svgs     int
		contains []string
		absent   []string
	}{
		{"from transactions", true, 4,
			[]string{"Tracking cumulative repeat transactions", "Conditional expectations in the holdout period", "Mean holdout repeat purchases", "Gamma-Gamma", "7+"},
			[]string{"cannot be drawn"}},
		{"from summaries", false, 1,
			[]string{"cannot be drawn", "CDNOW_sample.txt", "Customer value"},
			[]string{"Tracking cumulative"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, analysis(t, tc.withTx), Source{Name: "shop <test>", Shape: "synthetic"}); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			if n := strings.Count(page, "<svg"); n != tc.svgs {
				t.Errorf("%d charts, want %d", n, tc.svgs)
			}
			for _, s := range tc.contains {
				if !strings.Contains(page, s) {
					t.Errorf("report lacks %q", s)
				}
			}
			for _, s := range append(tc.absent, "<script", "shop <test>", "http://", "https://") {
				if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), s) {
					t.Errorf("report contains %q", s)
				}
			}
			if strings.Count(page, "<svg") != strings.Count(page, "</svg>") {
				t.Error("unbalanced <svg> elements")
			}
		})
	}
}
