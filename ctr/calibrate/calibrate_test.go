package calibrate

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/internal/binfmt/binfmttest"
)

// platted draws n predictions σ(z), z ~ N(0, 1.5²), whose true click
// probabilities are σ(a·z + b), and labels sampled from those.
func platted(seed uint64, n int, a, b float64) ([]float64, []float32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	probs := make([]float64, n)
	labels := make([]float32, n)
	for i := range probs {
		z := rng.NormFloat64() * 1.5
		probs[i] = ctr.Sigmoid(z)
		if rng.Float64() < ctr.Sigmoid(a*z+b) {
			labels[i] = 1
		}
	}
	return probs, labels
}

// squashed draws n predictions q², q ~ U(0, 1), whose true probabilities
// are q: a monotone but badly calibrated model (it underestimates).
func squashed(seed uint64, n int) ([]float64, []float32) {
	rng := rand.New(rand.NewPCG(seed, 2))
	probs := make([]float64, n)
	labels := make([]float32, n)
	for i := range probs {
		q := rng.Float64()
		probs[i] = q * q
		if rng.Float64() < q {
			labels[i] = 1
		}
	}
	return probs, labels
}

func applyAll(c Calibrator, probs []float64) []float64 {
	out := make([]float64, len(probs))
	for i, p := range probs {
		out[i] = c.Apply(p)
	}
	return out
}

func TestPlattRecovers(t *testing.T) {
	for _, c := range []struct{ a, b float64 }{{1.7, -0.8}, {0.5, 0.3}, {1, 0}, {-1, 0.5}} {
		probs, labels := platted(1, 100000, c.a, c.b)
		var p Platt
		if err := p.Fit(probs, labels); err != nil {
			t.Fatal(err)
		}
		a, b := p.Params()
		if math.Abs(a-c.a) > 0.05 || math.Abs(b-c.b) > 0.05 {
			t.Errorf("fitted a = %.4f, b = %.4f; want %v, %v", a, b, c.a, c.b)
		}
		if got, want := p.Apply(0.3), ctr.Sigmoid(a*math.Log(0.3/0.7)+b); math.Abs(got-want) > 1e-12 {
			t.Errorf("Apply(0.3) = %v, want %v", got, want)
		}
	}
	// The optimum: the gradient of the smoothed likelihood vanishes.
	probs, labels := platted(2, 2000, 2, 1)
	var p Platt
	if err := p.Fit(probs, labels); err != nil {
		t.Fatal(err)
	}
	a, b := p.Params()
	pos := 0
	for _, y := range labels {
		if y > 0.5 {
			pos++
		}
	}
	hi, lo := (float64(pos)+1)/(float64(pos)+2), 1/(float64(len(labels)-pos)+2)
	var ga, gb float64
	for i, pr := range probs {
		tgt := lo
		if labels[i] > 0.5 {
			tgt = hi
		}
		z := math.Log(pr / (1 - pr))
		d := ctr.Sigmoid(a*z+b) - tgt
		ga, gb = ga+d*z, gb+d
	}
	if math.Abs(ga) > 1e-5 || math.Abs(gb) > 1e-5 {
		t.Errorf("gradient at the fit (%v, %v), want 0", ga, gb)
	}
}

// TestPlattSeparable: on perfectly separated data the smoothed targets keep
// a and b finite.
func TestPlattSeparable(t *testing.T) {
	probs := []float64{0.1, 0.2, 0.3, 0.7, 0.8, 0.9}
	labels := []float32{0, 0, 0, 1, 1, 1}
	var p Platt
	if err := p.Fit(probs, labels); err != nil {
		t.Fatal(err)
	}
	a, b := p.Params()
	if math.IsNaN(a) || math.IsInf(a, 0) || a <= 0 || math.Abs(a) > 100 || math.IsNaN(b) {
		t.Errorf("a = %v, b = %v", a, b)
	}
	if lo, hi := p.Apply(0.1), p.Apply(0.9); !(lo < 0.5 && hi > 0.5 && lo > 1/5.0-0.1 && hi < 4/5.0+0.1) {
		t.Errorf("Apply(0.1) = %v, Apply(0.9) = %v: not towards the smoothed targets 1/5, 4/5", lo, hi)
	}
}

func TestIsotonicByHand(t *testing.T) {
	var c Isotonic
	// 0.2 (1) and 0.3 (0) violate the order: they pool to rate 1/2 at 0.25;
	// the two predictions 0.5 pool first (one click in two).
	probs := []float64{0.4, 0.1, 0.3, 0.2, 0.5, 0.5, 0.9}
	labels := []float32{1, 0, 0, 1, 1, 0, 1}
	if err := c.Fit(probs, labels); err != nil {
		t.Fatal(err)
	}
	// Blocks: 0.1 → 0; {0.2, 0.3} → ½; then 0.4 → 1 violates {0.5, 0.5} → ½:
	// they pool to 2/3 at 0.4667; 0.9 → 1.
	wantX := []float64{0.1, 0.25, 1.4 / 3, 0.9}
	wantY := []float64{0, 0.5, 2.0 / 3, 1}
	if len(c.x) != len(wantX) {
		t.Fatalf("blocks %v → %v, want %v → %v", c.x, c.y, wantX, wantY)
	}
	for i := range wantX {
		if math.Abs(c.x[i]-wantX[i]) > 1e-12 || math.Abs(c.y[i]-wantY[i]) > 1e-12 {
			t.Fatalf("blocks %v → %v, want %v → %v", c.x, c.y, wantX, wantY)
		}
	}
	for _, tc := range []struct{ p, want float64 }{
		{0, 0}, {0.1, 0}, {0.175, 0.25}, {0.25, 0.5}, {1.4 / 3, 2.0 / 3}, {0.9, 1}, {1, 1},
		{(0.25 + 1.4/3) / 2, (0.5 + 2.0/3) / 2},
	} {
		if got := c.Apply(tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Apply(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if c.Blocks() != 4 {
		t.Errorf("%d blocks", c.Blocks())
	}
}

// TestIsotonicCalibrates: on a monotone, miscalibrated model the isotonic
// map is non-decreasing, and on fresh data it cuts the calibration error
// far down, as does Platt scaling less well.
func TestIsotonicCalibrates(t *testing.T) {
	fitP, fitL := squashed(1, 20000)
	testP, testL := squashed(2, 20000)
	var iso Isotonic
	if err := iso.Fit(fitP, fitL); err != nil {
		t.Fatal(err)
	}
	prev := -1.0
	for k := 0; k <= 1000; k++ {
		p := float64(k) / 1000
		v := iso.Apply(p)
		if v < prev || v < 0 || v > 1 {
			t.Fatalf("Apply(%v) = %v after %v: not monotone in [0, 1]", p, v, prev)
		}
		prev = v
	}
	var platt Platt
	if err := platt.Fit(fitP, fitL); err != nil {
		t.Fatal(err)
	}
	before := ctr.ECE(testP, testL, 10)
	afterIso := ctr.ECE(applyAll(&iso, testP), testL, 10)
	afterPlatt := ctr.ECE(applyAll(&platt, testP), testL, 10)
	t.Logf("ECE %.4f before, %.4f isotonic (%d blocks), %.4f Platt", before, afterIso, iso.Blocks(), afterPlatt)
	if before < 0.1 || afterIso > 0.02 || afterIso > before/5 {
		t.Errorf("isotonic: ECE %.4f → %.4f, want below 0.02 and a fifth", before, afterIso)
	}
	if afterPlatt > before/2 {
		t.Errorf("Platt: ECE %.4f → %.4f, want halved", before, afterPlatt)
	}
	// Calibration keeps the ranking: the AUC does not drop (ties pooled by
	// isotonic may cost a little).
	if a, b := ctr.AUC(applyAll(&iso, testP), testL), ctr.AUC(testP, testL); a < b-0.005 {
		t.Errorf("AUC %.4f after isotonic, %.4f before", a, b)
	}
}

func TestDegenerate(t *testing.T) {
	for _, c := range []struct {
		name   string
		probs  []float64
		labels []float32
		is     error
		want   string
	}{
		{"one class", []float64{0.1, 0.5, 0.9}, []float32{1, 1, 1}, ErrOneClass, "one class"},
		{"no clicks", []float64{0.1, 0.5, 0.9}, []float32{0, 0, 0.4}, ErrOneClass, "one class"},
		{"constant", []float64{0.3, 0.3, 0.3}, []float32{0, 1, 0}, ErrConstant, "all equal"},
		{"empty", nil, nil, nil, "no predictions"},
		{"mismatch", []float64{0.1, 0.2}, []float32{1}, nil, "2 predictions and 1 labels"},
		{"NaN prediction", []float64{0.1, math.NaN()}, []float32{0, 1}, nil, "prediction 1 is NaN"},
		{"not a probability", []float64{1.5, 0.2}, []float32{0, 1}, nil, "prediction 0 is 1.5"},
		{"NaN label", []float64{0.1, 0.2}, []float32{0, float32(math.NaN())}, nil, "label 1 is NaN"},
	} {
		for _, cal := range []Calibrator{&Platt{}, &Isotonic{}} {
			err := cal.Fit(c.probs, c.labels)
			if err == nil || !strings.HasPrefix(err.Error(), "calibrate: ") || !strings.Contains(err.Error(), c.want) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Errorf("%T %s: error %v, want %q", cal, c.name, err, c.want)
			}
			// A calibrator that could not fit is the identity.
			for _, p := range []float64{0, 0.2, 0.77, 1} {
				if got := cal.Apply(p); got != p {
					t.Errorf("%T after %s: Apply(%v) = %v, want the identity", cal, c.name, p, got)
				}
			}
		}
	}
	// A failed Fit leaves a fitted calibrator as it was.
	probs, labels := squashed(3, 500)
	for _, cal := range []Calibrator{&Platt{}, &Isotonic{}} {
		if err := cal.Fit(probs, labels); err != nil {
			t.Fatal(err)
		}
		before := cal.Apply(0.3)
		if cal.Fit([]float64{0.5, 0.5}, []float32{0, 1}) == nil || cal.Apply(0.3) != before {
			t.Errorf("%T: a failed Fit changed the calibrator", cal)
		}
	}
	// Two predictions are enough.
	var iso Isotonic
	if err := iso.Fit([]float64{0.2, 0.6}, []float32{0, 1}); err != nil || math.Abs(iso.Apply(0.4)-0.5) > 1e-12 {
		t.Errorf("two points: %v, Apply(0.4) = %v", err, iso.Apply(0.4))
	}
}

func TestApplyDoesNotAllocate(t *testing.T) {
	probs, labels := squashed(4, 1000)
	for _, cal := range []Calibrator{&Platt{}, &Isotonic{}} {
		if err := cal.Fit(probs, labels); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(100, func() { cal.Apply(0.37) }); a != 0 {
			t.Errorf("%T.Apply allocates %v times", cal, a)
		}
	}
}

func TestMarshal(t *testing.T) {
	probs, labels := squashed(5, 3000)
	var p Platt
	var iso Isotonic
	if _, err := p.MarshalBinary(); err == nil {
		t.Error("an unfitted Platt calibrator marshalled")
	}
	if _, err := iso.MarshalBinary(); err == nil {
		t.Error("an unfitted isotonic calibrator marshalled")
	}
	if p.Fit(probs, labels) != nil || iso.Fit(probs, labels) != nil {
		t.Fatal("fit")
	}
	pd, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	id, err := iso.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var p2 Platt
	var iso2 Isotonic
	if err := p2.UnmarshalBinary(pd); err != nil {
		t.Fatal(err)
	}
	if err := iso2.UnmarshalBinary(id); err != nil {
		t.Fatal(err)
	}
	for k := 0; k <= 100; k++ {
		x := float64(k) / 100
		if p2.Apply(x) != p.Apply(x) || iso2.Apply(x) != iso.Apply(x) {
			t.Fatalf("Apply(%v) changed in the round trip", x)
		}
	}
	f64 := func(data []byte, at int, v float64) []byte {
		return binfmttest.Patch64(data, at, math.Float64bits(v))
	}
	n := int(binary.LittleEndian.Uint64(id[5:]))
	for _, c := range []struct {
		name string
		u    interface{ UnmarshalBinary([]byte) error }
		data []byte
		want string
	}{
		{"Platt from isotonic", &p2, id, "not a Platt calibrator artefact"},
		{"isotonic from Platt", &iso2, pd, "not a monotone (isotonic) calibrator artefact"},
		{"Platt truncated", &p2, pd[:len(pd)-1], "checksum"},
		{"Platt NaN", &p2, f64(pd, 5, math.NaN()), "a = NaN"},
		{"isotonic flipped", &iso2, append(slices.Clone(id[:20]), id[21:]...), "checksum"},
		{"isotonic out of order", &iso2, f64(id, 13, 0.99), "block 1 at"},
		{"isotonic rate", &iso2, f64(id, 13+8*n+8, 1.5), "rate 1.5"},
	} {
		err := c.u.UnmarshalBinary(c.data)
		if err == nil || !strings.HasPrefix(err.Error(), "calibrate: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	binfmttest.Corruptions(t, pd, p2.UnmarshalBinary)
	binfmttest.Corruptions(t, id, iso2.UnmarshalBinary)
	if p2.Apply(0.3) != p.Apply(0.3) || iso2.Apply(0.3) != iso.Apply(0.3) {
		t.Error("a refused artefact changed a calibrator")
	}
	if a, b := NewPlatt(2, 1).Params(); a != 2 || b != 1 {
		t.Errorf("NewPlatt: %v, %v", a, b)
	}
	if a, b := (&Platt{}).Params(); a != 1 || b != 0 {
		t.Errorf("unfitted Params: %v, %v, want the identity 1, 0", a, b)
	}
}
