package experiment

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

func TestAnalyzeSmallByHand(t *testing.T) {
	e := Experiment{Salt: "x", Variants: []Variant{{"control", 1}, {"treat", 1}}}
	e.Normalize()
	units := []Unit{
		{Arm: "control", Conversions: 1, Revenue: 10}, {Arm: "control"}, {Arm: "control"}, {Arm: "control"},
		{Arm: "treat", Conversions: 2, Revenue: 30}, {Arm: "treat", Conversions: 1, Revenue: 10}, {Arm: "treat"}, {Arm: "treat"},
		{Arm: "gone", Conversions: 5}, // not an arm: ignored
	}
	a := Analyze(&e, units, Options{})
	if a.Units != 8 || a.Arms[0].Units != 4 || a.Arms[1].Converters != 2 || a.Arms[1].Conversions != 3 {
		t.Fatalf("counts: %+v", a.Arms)
	}
	if a.Arms[0].ConversionRate != 0.25 || a.Arms[1].ConversionRate != 0.5 {
		t.Fatalf("rates %v %v", a.Arms[0].ConversionRate, a.Arms[1].ConversionRate)
	}
	// Treatment revenue 30, 10, 0, 0: mean 10, sample variance 600/3.
	if a.Arms[1].RevenuePerUser != 10 || math.Abs(a.Arms[1].RevenueVariance-200) > 1e-9 {
		t.Fatalf("revenue %v var %v", a.Arms[1].RevenuePerUser, a.Arms[1].RevenueVariance)
	}
	c := a.Comparisons[0]
	if c.Arm != "treat" || c.Control != "control" || c.Conversion.Diff != 0.25 || c.Revenue.Diff != 7.5 {
		t.Fatalf("comparison %+v", c)
	}
	// Welch normal interval: var = 200/4 + 25/4 (control 10, 0, 0, 0).
	half := z95 * math.Sqrt(200.0/4+25.0/4)
	if iv := c.Revenue.Interval; math.Abs(iv.Lo-(7.5-half)) > 1e-9 || math.Abs(iv.Hi-(7.5+half)) > 1e-9 {
		t.Fatalf("revenue interval %+v, want 7.5 ± %v", iv, half)
	}
	if *c.Revenue.RelativeLift != 3 {
		t.Fatalf("relative lift %v", *c.Revenue.RelativeLift)
	}
	if _, err := json.Marshal(a); err != nil {
		t.Fatalf("analysis does not encode: %v", err)
	}
}

// plant builds units in arms with conversion rate and revenue that depend
// on a pre-period spend, the treatment adding lift to revenue.
func plant(rng *rand.Rand, e *Experiment, n int, lift float64) []Unit {
	units := make([]Unit, 0, n)
	for i := range n {
		u := Unit{User: userID(i)}
		u.Arm = Assign(e, u.User)
		u.PreSpend = rng.ExpFloat64() * 100
		mean := 20 + 0.5*u.PreSpend
		if u.Arm == "treat" {
			mean += lift
		}
		u.Revenue = math.Max(0, mean+rng.NormFloat64()*15)
		if u.Revenue > 30 {
			u.Conversions = 1
		}
		units = append(units, u)
	}
	return units
}

func TestAnalyzeCUPEDAndCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := Experiment{Salt: "cuped", Holdout: 0.1, Variants: []Variant{{"control", 1}, {"treat", 1}}}
	e.Normalize()
	a := Analyze(&e, plant(rng, &e, 20000, 5), Options{})
	if len(a.Comparisons) != 2 || a.Comparisons[0].Arm != HoldoutArm {
		t.Fatalf("comparisons %+v; want holdout and treat against control", a.Comparisons)
	}
	c := a.Comparisons[1]
	t.Logf("revenue diff %.2f %+v, CUPED %.2f %+v, reduction %.2f", c.Revenue.Diff, *c.Revenue.Interval, c.Revenue.CUPEDDiff, *c.Revenue.CUPED, a.CUPED.VarianceReductionRevenue)
	if a.CUPED.VarianceReductionRevenue < 0.5 {
		t.Errorf("CUPED removed %.2f of the variance; pre-spend explains most of it", a.CUPED.VarianceReductionRevenue)
	}
	if math.Abs(a.CUPED.ThetaRevenue-0.5) > 0.05 {
		t.Errorf("theta %.3f, want about 0.5", a.CUPED.ThetaRevenue)
	}
	raw, cup := c.Revenue.Interval, c.Revenue.CUPED
	if cup.Hi-cup.Lo >= 0.8*(raw.Hi-raw.Lo) {
		t.Errorf("CUPED interval %v not narrower than %v", cup, raw)
	}
	if cup.Lo > 5 || cup.Hi < 5 {
		t.Errorf("CUPED interval %+v misses the planted lift 5", cup)
	}
	if !c.Revenue.Sequential.CanStop || a.SRM.Alarm {
		t.Errorf("sequential %+v, SRM %+v", c.Revenue.Sequential, a.SRM)
	}
}

func TestSRMAlarm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := Experiment{Salt: "srm", Holdout: 0.1, Variants: []Variant{{"control", 1}, {"treat", 1}}}
	e.Normalize()
	units := plant(rng, &e, 10000, 0)
	if a := Analyze(&e, units, Options{}); a.SRM.Alarm || a.SRM.DF != 2 {
		t.Fatalf("balanced units alarm: %+v", a.SRM)
	}
	// Lose 10% of treatment units (e.g. exposure logging broken there).
	var skewed []Unit
	for i, u := range units {
		if u.Arm == "treat" && i%10 == 0 {
			continue
		}
		skewed = append(skewed, u)
	}
	a := Analyze(&e, skewed, Options{})
	if !a.SRM.Alarm || a.SRM.P >= SRMAlpha {
		t.Fatalf("skewed units: %+v", a.SRM)
	}
	if v := a.Comparisons[1].Verdict; v == "" || v[:9] != "do not tr" {
		t.Fatalf("verdict %q does not warn about the mismatch", v)
	}
}
