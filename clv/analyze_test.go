package clv

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestAnalyze(t *testing.T) {
	rng := newRand()
	cs := simBGNBD(rng, BGNBD{0.5, 6, 1.2, 3}, 1500, 20, 52)
	for i := range cs {
		if cs[i].X > 0 { // Gamma-Gamma spend over the customer's own purchases
			nu := gammaVariate(rng, 4, 15)
			for j := 0; j < cs[i].X; j++ {
				cs[i].Zbar += gammaVariate(rng, 6, nu) / float64(cs[i].X)
			}
		}
	}
	a, err := Analyze(context.Background(), SummaryOf(cs), Options{Top: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Models) != 2 || a.Spend == nil || a.SpendErr != nil {
		t.Fatalf("%d models, spend %v (%v)", len(a.Models), a.Spend, a.SpendErr)
	}
	if a.HasHoldout() || a.HasTracking() {
		t.Error("summaries alone claim a holdout or tracking")
	}
	for _, m := range a.Models {
		if len(m.TopCustomers) != 5 || !slices.IsSortedFunc(m.Values, func(x, y Value) int {
			switch {
			case x.CLV > y.CLV:
				return -1
			case x.CLV < y.CLV:
				return 1
			}
			return 0
		}) {
			t.Errorf("%s: values not sorted by CLV or top list of %d", m.Fit.Model, len(m.TopCustomers))
		}
		if !(m.TotalCLV > 0 && m.MedianCLV <= m.P90CLV && m.MeanAlive > 0 && m.MeanAlive <= 1) {
			t.Errorf("%s: total %v, median %v, p90 %v, mean P(alive) %v", m.Fit.Model, m.TotalCLV, m.MedianCLV, m.P90CLV, m.MeanAlive)
		}
	}
	if a.Models[0].CalibrationExpected == nil || a.Models[1].CalibrationExpected != nil {
		t.Error("the calibration histogram belongs to BG/NBD only")
	}

	// Spend without heterogeneity: Gamma-Gamma has no finite maximum, and the
	// analysis goes on in purchases.
	for i := range cs {
		if cs[i].X > 0 {
			cs[i].Zbar = 30
		}
	}
	a, err = Analyze(context.Background(), SummaryOf(cs), Options{Models: []string{ModelBGNBD}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Spend != nil || a.SpendErr == nil || !errors.Is(a.SpendErr, ErrNotConverged) || !strings.Contains(a.SpendErr.Error(), "no finite maximum") {
		t.Errorf("spend %v, error %v; want a divergence error", a.Spend, a.SpendErr)
	}
	if v := a.Models[0].Values[0]; v.CLV != 0 || v.Purchases <= 0 {
		t.Errorf("value without spend model: %+v", v)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	cs := []Customer{{X: 1, Tx: 1, T: 2}, {T: 3}}
	if _, err := Analyze(context.Background(), SummaryOf(nil), Options{}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Analyze(context.Background(), SummaryOf(cs), Options{Models: []string{"markov"}}); err == nil {
		t.Error("unknown model accepted")
	}
	if _, err := Analyze(context.Background(), SummaryOf(cs), Options{Value: ValueOptions{Horizon: -1}}); err == nil {
		t.Error("negative horizon accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Analyze(ctx, SummaryOf(cs), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestParseModels(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", []string{ModelBGNBD, ModelParetoNBD}, false},
		{"all", []string{ModelBGNBD, ModelParetoNBD}, false},
		{"bgnbd", []string{ModelBGNBD}, false},
		{"ParetoNBD", []string{ModelParetoNBD}, false},
		{"pareto/nbd, bg/nbd, bgnbd", []string{ModelParetoNBD, ModelBGNBD}, false},
		{"mbgnbd", nil, true},
	}
	for _, tc := range tests {
		got, err := ParseModels(tc.in)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseModels(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}
