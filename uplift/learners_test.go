package uplift

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLogisticRecoversCoefficients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	X := make([][]float64, n)
	y := make([]float64, n)
	truth := func(x []float64) float64 { return sigmoid(-0.5 + 1.5*x[0] - 1.0*x[1]) }
	for i := range X {
		X[i] = []float64{rng.NormFloat64(), rng.NormFloat64(), 3} // constant column is ignored
		if rng.Float64() < truth(X[i]) {
			y[i] = 1
		}
	}
	m := NewLogistic(LogisticOptions{L2: 0.01})
	if err := m.Fit(X, y, nil); err != nil {
		t.Fatal(err)
	}
	for _, x := range [][]float64{{0, 0, 3}, {1, 0, 3}, {-1, 1, 3}, {2, -1, 3}} {
		if got, want := m.Predict(x), truth(x); math.Abs(got-want) > 0.03 {
			t.Errorf("P(y|%v) = %.3f, want %.3f", x, got, want)
		}
	}
	// Continuous targets: ridge regression.
	r := NewLogistic(LogisticOptions{L2: 1e-6})
	yr := make([]float64, n)
	for i, x := range X {
		yr[i] = 2 + 3*x[0] - x[1]
	}
	if err := r.Fit(X, yr, nil); err != nil {
		t.Fatal(err)
	}
	if got := r.Predict([]float64{1, 1, 3}); math.Abs(got-4) > 1e-3 {
		t.Errorf("ridge prediction = %v, want 4", got)
	}
}

func TestGBTSplitsAtStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 4000
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		X[i] = []float64{rng.Float64(), rng.Float64(), rng.Float64()}
		if X[i][1] > 0.5 { // the step is in feature 1
			y[i] = 5
		}
		y[i] += 0.1 * rng.NormFloat64()
	}
	m := NewGBT(GBTOptions{Trees: 50, Depth: 2, Shrinkage: 0.3, Seed: 1}).(*gbt)
	if err := m.Fit(X, y, nil); err != nil {
		t.Fatal(err)
	}
	if m.logloss {
		t.Fatal("continuous targets chose logloss")
	}
	root := m.trees[0][0]
	if root.feature != 1 || math.Abs(root.threshold-0.5) > 0.02 {
		t.Errorf("first split = feature %d at %.3f, want feature 1 at 0.5", root.feature, root.threshold)
	}
	if got := m.Predict([]float64{0.5, 0.9, 0.5}); math.Abs(got-5) > 0.2 {
		t.Errorf("prediction above the step = %.3f, want 5", got)
	}
	if got := m.Predict([]float64{0.5, 0.1, 0.5}); math.Abs(got) > 0.2 {
		t.Errorf("prediction below the step = %.3f, want 0", got)
	}

	// Binary targets: logloss; probabilities follow the step.
	yb := make([]float64, n)
	for i, x := range X {
		p := 0.1
		if x[0] > 0.3 {
			p = 0.8
		}
		if rng.Float64() < p {
			yb[i] = 1
		}
	}
	c := NewGBT(GBTOptions{Trees: 80, Depth: 2, Subsample: 0.7, Seed: 2}).(*gbt)
	if err := c.Fit(X, yb, nil); err != nil {
		t.Fatal(err)
	}
	if !c.logloss {
		t.Fatal("0/1 targets did not choose logloss")
	}
	if r := c.trees[0][0]; r.feature != 0 || math.Abs(r.threshold-0.3) > 0.03 {
		t.Errorf("first classification split = feature %d at %.3f, want feature 0 at 0.3", r.feature, r.threshold)
	}
	if lo, hi := c.Predict([]float64{0.1, 0.5, 0.5}), c.Predict([]float64{0.8, 0.5, 0.5}); math.Abs(lo-0.1) > 0.05 || math.Abs(hi-0.8) > 0.05 {
		t.Errorf("P(y) = %.3f / %.3f, want 0.1 / 0.8", lo, hi)
	}
	// Same seed, same model.
	c2 := NewGBT(GBTOptions{Trees: 80, Depth: 2, Subsample: 0.7, Seed: 2})
	if err := c2.Fit(X, yb, nil); err != nil {
		t.Fatal(err)
	}
	if a, b := c.Predict(X[7]), c2.Predict(X[7]); a != b {
		t.Errorf("GBT with the same seed predicts %v and %v", a, b)
	}
}

// plantedData draws a randomised experiment with baseline P(y) = sigmoid(-1 +
// x1) and a treatment effect that grows with x0 (none for x0 < 0). trueUplift
// returns the exact uplift.
func plantedData(seed uint64, n int, share float64) (Dataset, func(x []float64) float64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	p := func(x []float64, t bool) float64 {
		eta := -1 + x[1]
		if t {
			eta += 2 * math.Max(x[0], 0)
		}
		return sigmoid(eta)
	}
	d := Dataset{}
	for i := 0; i < n; i++ {
		x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		tr := rng.Float64() < share
		y := 0.0
		if rng.Float64() < p(x, tr) {
			y = 1
		}
		d.X, d.Treated, d.Y = append(d.X, x), append(d.Treated, tr), append(d.Y, y)
	}
	return d, func(x []float64) float64 { return p(x, true) - p(x, false) }
}

func correlation(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

func TestMetaLearnersRecoverPlantedEffect(t *testing.T) {
	train, truth := plantedData(5, 16000, 0.5)
	test, _ := plantedData(6, 8000, 0.5)
	trueScore := make([]float64, len(test.X))
	for i, x := range test.X {
		trueScore[i] = truth(x)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	randomScore := make([]float64, len(test.X))
	for i := range randomScore {
		randomScore[i] = rng.Float64()
	}
	qTrue := QiniAUCScore(test.Y, test.Treated, trueScore)
	qRandom := QiniAUCScore(test.Y, test.Treated, randomScore)
	if qTrue <= qRandom+0.05 {
		t.Fatalf("Qini of the true uplift %.3f is not clearly above a random score's %.3f", qTrue, qRandom)
	}
	lr := func() Learner { return NewLogistic(LogisticOptions{}) }
	gb := func() Learner { return NewGBT(GBTOptions{Trees: 60, Depth: 3, Seed: 1}) }
	models := []struct {
		m       Model
		minCorr float64
	}{
		// Linear learners cannot bend at x0 = 0, so they only approximate
		// the effect; the tree learners should follow it closely.
		{NewTLearner(lr), 0.8},
		{NewTLearner(gb), 0.9},
		{NewXLearner(lr, lr, nil), 0.8},
		{NewXLearner(gb, gb, lr), 0.9},
		{NewClassTransform(gb), 0.9},
		{NewUpliftForest(ForestOptions{Trees: 20, Tree: TreeOptions{Criterion: "ed", MaxDepth: 5, MinLeaf: 100}, Seed: 3}), 0.9},
	}
	for _, c := range models {
		if err := c.m.Fit(train); err != nil {
			t.Fatalf("%s: %v", c.m.Name(), err)
		}
		score := Predict(c.m, test.X)
		corr := correlation(score, trueScore)
		q := QiniAUCScore(test.Y, test.Treated, score)
		t.Logf("%-22s corr %.3f qini %.3f (true %.3f, random %.3f)", c.m.Name(), corr, q, qTrue, qRandom)
		if corr < c.minCorr {
			t.Errorf("%s: correlation with the planted uplift %.3f < %.2f", c.m.Name(), corr, c.minCorr)
		}
		if q < qRandom+0.5*(qTrue-qRandom) {
			t.Errorf("%s: Qini %.3f not at least halfway from random %.3f to true %.3f", c.m.Name(), q, qRandom, qTrue)
		}
	}
	// The response model ignores treatment: it ranks by baseline x1, not by x0.
	resp := NewResponse(lr)
	if err := resp.Fit(train); err != nil {
		t.Fatal(err)
	}
	if c := correlation(Predict(resp, test.X), trueScore); c > 0.6 {
		t.Errorf("response model correlates %.3f with the uplift; the test data should separate them", c)
	}
}

func TestClassTransformUnbalancedCorrection(t *testing.T) {
	// With 20% treated the uncorrected 2P(Z=1)-1 is biased; the weighted fit
	// recovers the average uplift.
	train, truth := plantedData(9, 20000, 0.2)
	m := NewClassTransform(func() Learner { return NewLogistic(LogisticOptions{}) })
	if err := m.Fit(train); err != nil {
		t.Fatal(err)
	}
	var got, want float64
	for _, x := range train.X {
		got += m.Uplift(x)
		want += truth(x)
	}
	got /= float64(len(train.X))
	want /= float64(len(train.X))
	if math.Abs(got-want) > 0.02 {
		t.Errorf("mean predicted uplift %.4f, true %.4f", got, want)
	}
}

func TestUpliftTreeFindsEffectRegion(t *testing.T) {
	// Uplift exists only for x0 > 0.5; x1 shifts the baseline response (a
	// response split, not an uplift split); x2 is noise.
	rng := rand.New(rand.NewPCG(11, 12))
	d := Dataset{}
	for i := 0; i < 20000; i++ {
		x := []float64{rng.Float64(), rng.Float64(), rng.Float64()}
		tr := rng.IntN(2) == 1
		p := 0.1 + 0.4*x[1]
		if tr && x[0] > 0.5 {
			p += 0.3
		}
		y := 0.0
		if rng.Float64() < p {
			y = 1
		}
		d.X, d.Treated, d.Y = append(d.X, x), append(d.Treated, tr), append(d.Y, y)
	}
	for _, crit := range []string{"kl", "ed"} {
		m := NewUpliftTree(TreeOptions{Criterion: crit, MaxDepth: 3, MinLeaf: 200}).(*upliftTree)
		if err := m.Fit(d); err != nil {
			t.Fatal(err)
		}
		root := m.nodes[0]
		if root.feature != 0 || math.Abs(root.threshold-0.5) > 0.04 {
			t.Errorf("%s: first split = feature %d at %.3f, want feature 0 at 0.5", crit, root.feature, root.threshold)
		}
		if hi, lo := m.Uplift([]float64{0.9, 0.5, 0.5}), m.Uplift([]float64{0.1, 0.5, 0.5}); math.Abs(hi-0.3) > 0.06 || math.Abs(lo) > 0.06 {
			t.Errorf("%s: uplift above/below the step = %.3f / %.3f, want 0.3 / 0", crit, hi, lo)
		}
	}
	if err := NewUpliftTree(TreeOptions{Criterion: "gini"}).Fit(d); err == nil {
		t.Error("unknown criterion accepted")
	}
	// A forest gives the same predictions whatever the number of workers.
	f1 := NewUpliftForest(ForestOptions{Trees: 8, Seed: 4, Workers: 1})
	f2 := NewUpliftForest(ForestOptions{Trees: 8, Seed: 4, Workers: 3})
	if err := f1.Fit(d); err != nil {
		t.Fatal(err)
	}
	if err := f2.Fit(d); err != nil {
		t.Fatal(err)
	}
	for _, x := range d.X[:50] {
		if f1.Uplift(x) != f2.Uplift(x) {
			t.Fatal("forest predictions depend on the number of workers")
		}
	}
}

func TestDatasetValidate(t *testing.T) {
	bad := []Dataset{
		{},
		{X: [][]float64{{1}, {2}}, Treated: []bool{true}, Y: []float64{0, 1}},
		{X: [][]float64{{1}, {2}}, Treated: []bool{true, true}, Y: []float64{0, 1}},
		{X: [][]float64{{1}, {math.NaN()}}, Treated: []bool{true, false}, Y: []float64{0, 1}},
		{X: [][]float64{{1}, {2, 3}}, Treated: []bool{true, false}, Y: []float64{0, 1}},
	}
	for i, d := range bad {
		if err := d.Validate(); err == nil {
			t.Errorf("case %d: invalid dataset accepted", i)
		}
		if err := NewTLearner(func() Learner { return NewLogistic(LogisticOptions{}) }).Fit(d); err == nil {
			t.Errorf("case %d: T-learner fitted an invalid dataset", i)
		}
	}
}
