package ftrl

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/ctr"
)

// linear is the fixture of the learning tests: seven fields, the last one
// pure noise with 3000 values, hashed into 1<<16.
func linear() *synth {
	return newSynth(1, []int{50, 100, 20, 200, 10, 500, 3000}, 0.8, -1.5, 1<<16, 6)
}

func fit(t testing.TB, cfg Config, train, valid []ctr.Example) *Model {
	t.Helper()
	m := New(cfg)
	if err := m.Fit(context.Background(), train, valid); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestByHand checks one update from the empty state against the formulas
// of the package documentation.
func TestByHand(t *testing.T) {
	m := New(Config{Alpha: 0.5, Beta: 2, L1: 0.1, L2: 3, Space: 8})
	if p := m.Predict(&ctr.Example{Features: []ctr.Feature{{Index: 1, Value: 1}}}); p != 0.5 {
		t.Fatalf("an untrained model predicts %v, want 0.5", p)
	}
	// All weights 0: p = 0.5, y = 1, g = −0.5·x. Feature 1 (x = 1):
	// s = 0.5, z = −0.5; feature 3 (x = 2): s = 1, z = −1; bias like 1.
	x := ctr.Example{Features: []ctr.Feature{{Index: 1, Value: 1}, {Index: 3, Value: 2}, {Index: 9, Value: 1}}, Click: 1}
	m.Update(&x)
	w := func(z, s float64) float64 { return -(z + 0.1) / ((2+s)/0.5 + 3) }
	for _, c := range []struct {
		i    uint32
		want float64
	}{{1, w(-0.5, 0.5)}, {3, w(-1, 1)}, {0, 0}, {9, 0}} {
		if got := m.Weight(c.i); math.Abs(got-c.want) > 1e-7 {
			t.Errorf("weight %d = %v, want %v", c.i, got, c.want)
		}
	}
	if b, want := m.Bias(), 0.5*0.5/(2+0.5); math.Abs(b-want) > 1e-7 {
		t.Errorf("bias %v, want %v", b, want)
	}
	want := ctr.Sigmoid(m.Bias() + m.Weight(1) + 2*m.Weight(3))
	if p := m.Predict(&x); math.Abs(p-want) > 1e-12 {
		t.Errorf("prediction %v, want %v", p, want)
	}
	// A second update: g = (p − 1)·x and σ = (s' − s)/α with the weight
	// before the update.
	w1, g := m.Weight(1), want-1
	s2 := math.Sqrt(0.25 + g*g)
	m.Update(&x)
	z := -0.5 + g - (s2-0.5)/0.5*w1
	if got := m.Weight(1); math.Abs(got-w(z, s2)) > 1e-6 {
		t.Errorf("after two updates weight 1 = %v, want %v", got, w(z, s2))
	}
	// |z| ≤ L1 gives weight 0.
	m2 := New(Config{L1: 10, Space: 8})
	m2.Update(&x)
	if m2.Weight(1) != 0 || m2.Bias() == 0 {
		t.Errorf("L1 10: weight %v (want 0), bias %v (want non-zero: the bias has no L1)", m2.Weight(1), m2.Bias())
	}
}

// TestLearnsLinear: on a logistic click function FTRL comes close to the
// oracle, the true probability.
func TestLearnsLinear(t *testing.T) {
	s := linear()
	train, _ := s.draw(2, 200000)
	test, oracle := s.draw(3, 20000)
	y := labels(test)
	m := fit(t, Config{Space: 1 << 16}, train, nil)
	p := predictAll(m, test)
	auc, oAUC := ctr.AUC(p, y), ctr.AUC(oracle, y)
	ll, oLL := ctr.LogLoss(p, y), ctr.LogLoss(oracle, y)
	t.Logf("AUC %.4f (oracle %.4f), log loss %.4f (oracle %.4f)", auc, oAUC, ll, oLL)
	if auc < oAUC-0.01 || ll > oLL+0.01 {
		t.Errorf("AUC %.4f, log loss %.4f: more than 0.01 off the oracle's %.4f, %.4f", auc, ll, oAUC, oLL)
	}
	if e := ctr.ECE(p, y, 10); e > 0.02 {
		t.Errorf("ECE %.4f, want at most 0.02", e)
	}
	// The learned weights follow the true ones: the correlation over the
	// values of field 0 is high.
	var sxy, sxx, syy float64
	for v, w := range s.w[0] {
		got := m.Weight(s.index[0][v])
		sxy, sxx, syy = sxy+got*w, sxx+got*got, syy+w*w
	}
	if r := sxy / math.Sqrt(sxx*syy); r < 0.9 {
		t.Errorf("learned and true weights of field 0 correlate %.3f, want at least 0.9", r)
	}
}

// TestL1Sparsity: L1 keeps most coordinates at exactly zero, the noise
// field's above all; without L1 every coordinate learned has a weight.
func TestL1Sparsity(t *testing.T) {
	s := linear()
	train, _ := s.draw(2, 60000)
	test, _ := s.draw(3, 10000)
	y := labels(test)
	dense := fit(t, Config{L1: -1, Space: 1 << 16}, train, nil)
	sparse := fit(t, Config{L1: 3, Space: 1 << 16}, train, nil)
	ds, ss := dense.Stats(), sparse.Stats()
	t.Logf("no L1: %+v; L1 3: %+v", ds, ss)
	if ds.Active == 0 || ds.NonZero != ds.Active {
		t.Errorf("without L1 %d of %d active coordinates are non-zero, want all", ds.NonZero, ds.Active)
	}
	if ss.Active != ds.Active || float64(ss.NonZero) > 0.6*float64(ss.Active) {
		t.Errorf("L1 3: %d of %d active coordinates are non-zero, want at most 60%%", ss.NonZero, ss.Active)
	}
	zero, seen := 0, 0
	for _, i := range s.index[6] {
		if sparse.cells[i] != (cell{}) {
			seen++
			if sparse.Weight(i) == 0 {
				zero++
			}
		}
	}
	if seen == 0 || float64(zero) < 0.8*float64(seen) {
		t.Errorf("L1 3: %d of the %d noise values seen have weight 0, want at least 80%%", zero, seen)
	}
	if a, b := ctr.AUC(predictAll(sparse, test), y), ctr.AUC(predictAll(dense, test), y); a < b-0.01 {
		t.Errorf("sparsity cost too much: AUC %.4f with L1, %.4f without", a, b)
	}
}

// TestFitEpochs: with a validation set Fit keeps the best pass, so it is
// never worse on it than one pass (the first pass is the same: same seed);
// the same seed gives the same model, another seed another one.
func TestFitEpochs(t *testing.T) {
	s := linear()
	train, _ := s.draw(2, 20000)
	valid, _ := s.draw(4, 5000)
	y := labels(valid)
	one := fit(t, Config{Space: 1 << 16, Seed: 7}, train, valid)
	many := fit(t, Config{Space: 1 << 16, Seed: 7, Epochs: 6, Alpha: 1}, train, valid)
	oneAlpha1 := fit(t, Config{Space: 1 << 16, Seed: 7, Alpha: 1}, train, valid)
	if one.Epochs() != 1 || many.Epochs() < 1 || many.Epochs() > 6 {
		t.Fatalf("epochs kept %d and %d", one.Epochs(), many.Epochs())
	}
	llMany, llOne := ctr.LogLoss(predictAll(many, valid), y), ctr.LogLoss(predictAll(oneAlpha1, valid), y)
	t.Logf("6 passes at most, %d kept: valid log loss %.4f; 1 pass %.4f", many.Epochs(), llMany, llOne)
	if llMany > llOne {
		t.Errorf("the kept passes have validation log loss %.5f, worse than one pass's %.5f", llMany, llOne)
	}
	// Alpha 1 over six passes overfits 20000 examples: the validation set
	// stops it early.
	if many.Epochs() == 6 {
		t.Error("the validation set did not stop six passes at Alpha 1")
	}
	again := fit(t, Config{Space: 1 << 16, Seed: 7}, train, valid)
	other := fit(t, Config{Space: 1 << 16, Seed: 8}, train, valid)
	same, diff := true, false
	for i := range valid[:200] {
		same = same && again.Predict(&valid[i]) == one.Predict(&valid[i])
		diff = diff || other.Predict(&valid[i]) != one.Predict(&valid[i])
	}
	if !same || !diff {
		t.Errorf("same seed same model: %v; other seed other model: %v", same, diff)
	}
	// Ordered learns in train's order: exactly what Update does.
	ordered := fit(t, Config{Space: 1 << 16, Ordered: true}, train, nil)
	online := New(Config{Space: 1 << 16})
	for i := range train {
		online.Update(&train[i])
	}
	for i := range valid[:200] {
		if ordered.Predict(&valid[i]) != online.Predict(&valid[i]) {
			t.Fatal("an ordered pass differs from the same updates online")
		}
	}
}

func TestFitRefuses(t *testing.T) {
	ok := ctr.Example{Features: []ctr.Feature{{Index: 3, Value: 1}}, Click: 1}
	for _, c := range []struct {
		name         string
		train, valid []ctr.Example
		want         string
	}{
		{"empty", nil, nil, "no training examples"},
		{"index", []ctr.Example{ok, {Features: []ctr.Feature{{Index: 16, Value: 1}}}}, nil, "training example 1 has feature index 16 outside the space of 16"},
		{"valid index", []ctr.Example{ok}, []ctr.Example{{Features: []ctr.Feature{{Index: 99, Value: 1}}}}, "validation example 0 has feature index 99"},
		{"value", []ctr.Example{{Features: []ctr.Feature{{Index: 1, Value: float32(math.NaN())}}}}, nil, "feature value NaN"},
		{"inf", []ctr.Example{{Features: []ctr.Feature{{Index: 1, Value: float32(math.Inf(1))}}}}, nil, "feature value +Inf"},
		{"label", []ctr.Example{{Click: 2}}, nil, "click label 2 outside [0, 1]"},
		{"NaN label", []ctr.Example{{Click: float32(math.NaN())}}, nil, "click label NaN"},
	} {
		err := New(Config{Space: 16}).Fit(context.Background(), c.train, c.valid)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := New(Config{Space: 16}).Fit(ctx, []ctr.Example{ok}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Update ignores what it cannot use rather than failing.
	m := New(Config{Space: 16, L1: -1})
	m.Update(&ctr.Example{Features: []ctr.Feature{{Index: 99, Value: 1}, {Index: 2, Value: 1}}, Click: 1})
	w2 := m.Weight(2)
	m.Update(&ctr.Example{Features: []ctr.Feature{{Index: 2, Value: float32(math.NaN())}}, Click: 1})
	m.Update(&ctr.Example{Features: []ctr.Feature{{Index: 2, Value: float32(math.Inf(1))}}, Click: 1})
	m.Update(&ctr.Example{Features: []ctr.Feature{{Index: 2, Value: 1}}, Click: float32(math.NaN())})
	if m.Weight(2) != w2 {
		t.Errorf("an unusable example changed weight 2 from %v to %v", w2, m.Weight(2))
	}
	if m.Weight(99) != 0 || m.Weight(2) == 0 || math.IsNaN(m.Weight(2)) || math.IsNaN(m.Bias()) {
		t.Errorf("weights %v %v, bias %v", m.Weight(99), m.Weight(2), m.Bias())
	}
}

func TestDefaults(t *testing.T) {
	if c := New(Config{}).Config(); c != DefaultConfig() {
		t.Errorf("zero config %+v, want the defaults %+v", c, DefaultConfig())
	}
	if c := New(Config{L1: -1, L2: -2}).Config(); c.L1 != 0 || c.L2 != 0 {
		t.Errorf("negative L1, L2 give %v, %v, want none", c.L1, c.L2)
	}
	if New(Config{}).Name() != "ftrl" {
		t.Error("name")
	}
	var _ ctr.Model = New(Config{})
}

func TestPredictDoesNotAllocate(t *testing.T) {
	s := linear()
	train, _ := s.draw(2, 2000)
	m := fit(t, Config{Space: 1 << 16}, train, nil)
	out := make([]float64, 100)
	if a := testing.AllocsPerRun(100, func() { m.Predict(&train[0]) }); a != 0 {
		t.Errorf("Predict allocates %v times", a)
	}
	if a := testing.AllocsPerRun(100, func() { m.PredictBatch(train[:100], out) }); a != 0 {
		t.Errorf("PredictBatch allocates %v times", a)
	}
	if a := testing.AllocsPerRun(100, func() { m.Update(&train[1]) }); a != 0 {
		t.Errorf("Update allocates %v times", a)
	}
	m.PredictBatch(train[:100], out)
	for i, p := range out {
		if p != m.Predict(&train[i]) {
			t.Fatalf("PredictBatch %d: %v, Predict %v", i, p, m.Predict(&train[i]))
		}
	}
}

// TestConcurrent runs Predict, PredictBatch, Update, Stats and
// MarshalBinary together: run it with -race.
func TestConcurrent(t *testing.T) {
	s := linear()
	train, _ := s.draw(2, 4000)
	m := fit(t, Config{Space: 1 << 16}, train[:1000], nil)
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			out := make([]float64, 50)
			for i := range 1000 {
				x := &train[(i*7+g)%len(train)]
				if p := m.Predict(x); !(p > 0 && p < 1) {
					t.Errorf("prediction %v", p)
					return
				}
				if i%100 == 0 {
					m.PredictBatch(train[:50], out)
				}
			}
		})
	}
	for g := range 2 {
		wg.Go(func() {
			for i := 1000 + g; i < len(train); i += 2 {
				m.Update(&train[i])
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			m.Stats()
			if _, err := m.MarshalBinary(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}
