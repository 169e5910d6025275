package experiment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// peekRun simulates one experiment with conversion rates pA and pB, looked
// at after every batch, and reports whether the sequential test and a naive
// two-sided z-test at 0.05 ever rejected. At each look the mSPRT's mixing
// variance comes from the pooled variance estimated so far, as in Analyze.
func peekRun(rng *rand.Rand, pA, pB float64, batches, perBatch int) (seqRejected, naiveRejected bool) {
	var a, b moments
	seq := Sequential{Alpha: 0.05}
	for range batches {
		for range perBatch {
			a.add(bernoulli(rng, pA), 0)
			b.add(bernoulli(rng, pB), 0)
		}
		diff := b.meanY - a.meanY
		v := a.varY()/a.n + b.varY()/b.n
		if v <= 0 {
			continue
		}
		pooled := ((a.n-1)*a.varY() + (b.n-1)*b.varY()) / (a.n + b.n - 2)
		seq.Tau2 = DefaultTau * DefaultTau * pooled
		seq.Look(diff, v)
		if 2*normalSF(math.Abs(diff)/math.Sqrt(v)) < 0.05 {
			naiveRejected = true
		}
	}
	return seq.Reject(), naiveRejected
}

func bernoulli(rng *rand.Rand, p float64) float64 {
	if rng.Float64() < p {
		return 1
	}
	return 0
}

// TestAAFalsePositives runs 1,000 A/A experiments checked after each of 20
// batches: the always-valid test keeps its false-positive rate at or below
// 5%, while stopping at the first significant naive t-test exceeds it.
func TestAAFalsePositives(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2026))
	const runs = 1000
	seqFP, naiveFP := 0, 0
	for range runs {
		s, n := peekRun(rng, 0.1, 0.1, 20, 100)
		if s {
			seqFP++
		}
		if n {
			naiveFP++
		}
	}
	seqRate, naiveRate := float64(seqFP)/runs, float64(naiveFP)/runs
	t.Logf("A/A, 20 looks: mSPRT false positives %.3f, naive repeated tests %.3f", seqRate, naiveRate)
	if seqRate > 0.05 {
		t.Errorf("mSPRT false-positive rate %.3f > 0.05", seqRate)
	}
	if naiveRate <= 0.10 {
		t.Errorf("naive peeking false-positive rate %.3f; expected well above 0.05 (about 0.2)", naiveRate)
	}
}

// TestSequentialPower: with a real lift (10% → 13%) and 20 looks of 250
// users per arm, the mSPRT rejects in most runs.
func TestSequentialPower(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2026))
	const runs = 200
	rejected := 0
	for range runs {
		if s, _ := peekRun(rng, 0.10, 0.13, 20, 250); s {
			rejected++
		}
	}
	power := float64(rejected) / runs
	t.Logf("power at +3 points with 5,000 users per arm: %.3f", power)
	if power < 0.8 {
		t.Errorf("power %.3f < 0.8", power)
	}
}

// TestConfidenceSequenceCoversTruth: the running interval holds the true
// difference at the end in at least 95% of runs with a real effect.
func TestConfidenceSequenceCoversTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 2026))
	const runs = 300
	covered := 0
	for range runs {
		var a, b moments
		seq := Sequential{}
		for range 10 {
			for range 200 {
				a.add(bernoulli(rng, 0.2), 0)
				b.add(bernoulli(rng, 0.25), 0)
			}
			pooled := ((a.n-1)*a.varY() + (b.n-1)*b.varY()) / (a.n + b.n - 2)
			seq.Tau2 = DefaultTau * DefaultTau * pooled
			seq.Look(b.meanY-a.meanY, a.varY()/a.n+b.varY()/b.n)
		}
		if lo, hi := seq.Interval(); lo <= 0.05 && 0.05 <= hi {
			covered++
		}
	}
	if rate := float64(covered) / runs; rate < 0.95 {
		t.Fatalf("confidence sequence covered the truth in %.3f of runs; want ≥ 0.95", rate)
	}
}

func TestMSPRTFormula(t *testing.T) {
	// With no observed difference the evidence is against the effect:
	// Λ = sqrt(v/(v+τ²)) < 1, so p = 1.
	if p, _, _ := msprt(0, 0.01, 0.01, 0.05); p != 1 {
		t.Fatalf("p at diff 0: %v", p)
	}
	// Λ by hand for diff 0.3, v 0.01, τ² 0.04: sqrt(0.2)·exp(0.09·0.04/(2·0.01·0.05)).
	want := 1 / (math.Sqrt(0.2) * math.Exp(0.09*0.04/(2*0.01*0.05)))
	p, lo, hi := msprt(0.3, 0.01, 0.04, 0.05)
	if math.Abs(p-want) > 1e-12 {
		t.Fatalf("p %v, want %v", p, want)
	}
	// The interval's edges are where the test is exactly at alpha.
	for _, edge := range []float64{lo, hi} {
		if pe, _, _ := msprt(0.3-edge, 0.01, 0.04, 0.05); math.Abs(pe-0.05) > 1e-9 {
			t.Fatalf("p at the interval's edge %v is %v, want 0.05", edge, pe)
		}
	}
}
