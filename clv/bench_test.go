package clv_test

import (
	"testing"

	"github.com/shopmind/shopmind/clv"
)

// Benchmarks on the CDNOW sample (2,357 customers; 946 with repeat spend).

func benchCustomers(b *testing.B) []clv.Customer {
	b.Helper()
	return cdnowFile(b, "cdnow_customers_summary_with_transactions.csv").Customers
}

func BenchmarkFitBGNBD(b *testing.B) {
	cs := benchCustomers(b)
	for b.Loop() {
		if _, _, err := clv.FitBGNBD(cs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitParetoNBD(b *testing.B) {
	cs := benchCustomers(b)
	for b.Loop() {
		if _, _, err := clv.FitParetoNBD(cs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitGammaGamma(b *testing.B) {
	cs := benchCustomers(b)
	for b.Loop() {
		if _, _, err := clv.FitGammaGamma(cs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitMasterBGNBD fits the full cohort (23,570 customers).
func BenchmarkFitMasterBGNBD(b *testing.B) {
	s, err := cdnowFile(b, "CDNOW_master.txt").Summary()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := clv.FitBGNBD(s.Customers, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Per-customer predictions, cycling through the sample's customers; ns/op
// is per customer.
func BenchmarkPredict(b *testing.B) {
	cs := benchCustomers(b)
	bg := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	pn := clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669}
	gg := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	for _, m := range []clv.CountModel{bg, pn} {
		b.Run(m.Name()+"/ConditionalExpected39w", func(b *testing.B) {
			i := 0
			for b.Loop() {
				m.ConditionalExpectedPurchases(cs[i%len(cs)], 39)
				i++
			}
		})
		b.Run(m.Name()+"/ProbAlive", func(b *testing.B) {
			i := 0
			for b.Loop() {
				m.ProbAlive(cs[i%len(cs)])
				i++
			}
		})
		b.Run(m.Name()+"/CLV52wMonthly", func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := clv.CustomerValue(m, gg, cs[i%len(cs)], clv.DefaultValueOptions); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
