package fm

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/ftrl"
)

// interacting is the fixture of the learning tests: users and items (200
// values each) whose clicks depend on a rank-2 user × item interaction of
// standard deviation 1, a context field and a field of 1000 values, all
// with linear weights too, hashed into 1<<16.
func interacting() *synth {
	return newSynth(1, []int{200, 200, 20, 1000}, 0.5, -1.5, 2, 1, 1<<16)
}

func fit(t testing.TB, cfg Config, train, valid []ctr.Example) *Model {
	t.Helper()
	m := New(cfg)
	if err := m.Fit(context.Background(), train, valid); err != nil {
		t.Fatal(err)
	}
	return m
}

// randomModel is a model over a small space with every parameter random.
func randomModel(seed uint64, cfg Config) *Model {
	m := New(cfg)
	m.reset()
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range m.params {
		m.params[i] = float32(rng.NormFloat64() * 0.5)
	}
	m.w0 = 0.3
	return m
}

// TestPredictByHand compares the sum-square form with the pairwise sum it
// stands for.
func TestPredictByHand(t *testing.T) {
	m := randomModel(1, Config{K: 5, Space: 64})
	x := ctr.Example{Features: []ctr.Feature{{Index: 3, Value: 1}, {Index: 17, Value: 0.5}, {Index: 40, Value: -1.5}, {Index: 3, Value: 2}, {Index: 99, Value: 1}}}
	r := m.cfg.K + 1
	row := func(i uint32) []float32 { return m.params[int(i)*r : int(i)*r+r] }
	want := m.w0
	fs := x.Features[:4] // index 99 is outside the space: ignored
	for a, fa := range fs {
		want += float64(row(fa.Index)[0]) * float64(fa.Value)
		for _, fb := range fs[a+1:] {
			var dot float64
			for j := 1; j < r; j++ {
				dot += float64(row(fa.Index)[j]) * float64(row(fb.Index)[j])
			}
			want += dot * float64(fa.Value) * float64(fb.Value)
		}
	}
	if got := m.logit(&x); math.Abs(got-want) > 1e-9 {
		t.Fatalf("logit %v, want %v", got, want)
	}
	if p := m.Predict(&x); math.Abs(p-ctr.Sigmoid(want)) > 1e-12 {
		t.Fatalf("Predict %v, want %v", p, ctr.Sigmoid(want))
	}
	if p := New(Config{}).Predict(&x); p != 0.5 {
		t.Errorf("an unfitted model predicts %v, want 0.5", p)
	}
}

// TestGradient checks the analytic gradient that training follows against
// central finite differences of the loss, for both labels, with a repeated
// feature (whose gradient is the sum of its occurrences') and one outside
// the space.
func TestGradient(t *testing.T) {
	for _, click := range []float32{0, 1} {
		m := randomModel(2, Config{K: 4, L2: 0.05, Space: 64})
		x := ctr.Example{Click: click, Features: []ctr.Feature{
			{Index: 3, Value: 1}, {Index: 17, Value: 0.5}, {Index: 40, Value: -1.5}, {Index: 9, Value: 2}, {Index: 17, Value: 1}, {Index: 70, Value: 1},
		}}
		r := m.cfg.K + 1
		loss := func() float64 {
			p := m.Predict(&x)
			l := -math.Log(1 - p)
			if click == 1 {
				l = -math.Log(p)
			}
			for _, f := range x.Features {
				if f.Index < m.cfg.Space {
					for _, v := range m.params[int(f.Index)*r : int(f.Index)*r+r] {
						l += 0.5 * m.cfg.L2 * float64(v) * float64(v)
					}
				}
			}
			return l
		}
		g0 := m.gradient(&x)
		analytic := map[int]float64{} // parameter position → summed gradient
		for n, f := range x.Features {
			for j := range r {
				if f.Index < m.cfg.Space {
					analytic[int(f.Index)*r+j] += m.grad[n*r+j]
				} else if m.grad[n*r+j] != 0 {
					t.Fatalf("a feature outside the space has gradient %v", m.grad[n*r+j])
				}
			}
		}
		const h = 1e-3
		for pos, want := range analytic {
			orig := m.params[pos]
			m.params[pos] = orig + h
			up, hi := loss(), float64(m.params[pos])
			m.params[pos] = orig - h
			down, lo := loss(), float64(m.params[pos])
			m.params[pos] = orig
			got := (up - down) / (hi - lo)
			if math.Abs(got-want) > 1e-4+1e-3*math.Abs(want) {
				t.Errorf("click %v: ∂loss/∂θ[%d] = %v by finite differences, %v by the formula", click, pos, got, want)
			}
		}
		w0 := m.w0
		m.w0 = w0 + 1e-6
		up := loss()
		m.w0 = w0 - 1e-6
		down := loss()
		m.w0 = w0
		if got := (up - down) / 2e-6; math.Abs(got-g0) > 1e-6 {
			t.Errorf("click %v: ∂loss/∂w₀ = %v by finite differences, %v by the formula", click, got, g0)
		}
	}
}

// TestBeatsFTRLOnInteraction: when clicks depend on a user × item
// interaction, the factorisation machine learns it and logistic regression
// without the cross cannot.
func TestBeatsFTRLOnInteraction(t *testing.T) {
	s := interacting()
	train, _ := s.draw(2, 100000)
	valid, _ := s.draw(4, 10000)
	test, oracle := s.draw(3, 20000)
	y := labels(test)
	lr := ftrl.New(ftrl.Config{Space: 1 << 16, Epochs: 3})
	if err := lr.Fit(context.Background(), train, valid); err != nil {
		t.Fatal(err)
	}
	m := fit(t, Config{Space: 1 << 16, Epochs: 6}, train, valid)
	pf, pl := predictAll(m, test), predictAll(lr, test)
	aucFM, aucLR, aucO := ctr.AUC(pf, y), ctr.AUC(pl, y), ctr.AUC(oracle, y)
	llFM, llLR, llO := ctr.LogLoss(pf, y), ctr.LogLoss(pl, y), ctr.LogLoss(oracle, y)
	t.Logf("AUC: FM %.4f (%d passes), FTRL %.4f, oracle %.4f; log loss: %.4f, %.4f, %.4f", aucFM, m.Epochs(), aucLR, aucO, llFM, llLR, llO)
	if aucFM < aucLR+0.03 || llFM > llLR-0.01 {
		t.Errorf("FM does not beat FTRL by 0.03 AUC and 0.01 log loss: AUC %.4f vs %.4f, log loss %.4f vs %.4f", aucFM, aucLR, llFM, llLR)
	}
	if aucFM > aucO+0.005 {
		t.Errorf("FM AUC %.4f beats the oracle's %.4f: the test leaks", aucFM, aucO)
	}
	if e := ctr.ECE(pf, y, 10); e > 0.03 {
		t.Errorf("ECE %.4f, want at most 0.03", e)
	}
}

// TestEarlyStopping: with a validation set Fit keeps the best pass, never
// worse on it than the first (the same with the same seed); a learning rate
// that overfits is stopped early; the same seed gives the same model.
func TestEarlyStopping(t *testing.T) {
	s := interacting()
	train, _ := s.draw(2, 10000)
	valid, _ := s.draw(4, 5000)
	y := labels(valid)
	cfg := Config{Space: 1 << 16, L2: -1, Epochs: 8, Patience: 1, Seed: 3}
	many := fit(t, cfg, train, valid)
	cfg.Epochs = 1
	one := fit(t, cfg, train, valid)
	llMany, llOne := ctr.LogLoss(predictAll(many, valid), y), ctr.LogLoss(predictAll(one, valid), y)
	t.Logf("kept %d of at most 8 passes: validation log loss %.4f; one pass %.4f", many.Epochs(), llMany, llOne)
	if many.Epochs() < 1 || many.Epochs() >= 8 || one.Epochs() != 1 {
		t.Errorf("passes kept: %d of 8 (want early stopping), %d of 1", many.Epochs(), one.Epochs())
	}
	if llMany > llOne {
		t.Errorf("the kept pass has validation log loss %.5f, worse than the first pass's %.5f", llMany, llOne)
	}
	again := fit(t, cfg, train, valid)
	cfg.Seed++
	other := fit(t, cfg, train, valid)
	same, diff := true, false
	for i := range valid[:200] {
		same = same && again.Predict(&valid[i]) == one.Predict(&valid[i])
		diff = diff || other.Predict(&valid[i]) != one.Predict(&valid[i])
	}
	if !same || !diff {
		t.Errorf("same seed same model: %v; other seed other model: %v", same, diff)
	}
	// Without a validation set every pass is made.
	if m := fit(t, Config{Space: 1 << 16, Epochs: 2}, train[:2000], nil); m.Epochs() != 2 {
		t.Errorf("no validation set: %d passes kept of 2", m.Epochs())
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
		{"label", []ctr.Example{{Click: -1}}, nil, "click label -1 outside [0, 1]"},
	} {
		err := New(Config{Space: 16}).Fit(context.Background(), c.train, c.valid)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := New(Config{Space: 16})
	if err := m.Fit(ctx, []ctr.Example{ok}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if p := m.Predict(&ok); p != 0.5 {
		t.Errorf("a cancelled Fit leaves a model predicting %v, want 0.5 (unfitted)", p)
	}
}

func TestDefaults(t *testing.T) {
	if c := New(Config{}).Config(); c != DefaultConfig() {
		t.Errorf("zero config %+v, want the defaults %+v", c, DefaultConfig())
	}
	if c := New(Config{L2: -1, K: 1000}).Config(); c.L2 != 0 || c.K != MaxK {
		t.Errorf("L2 %v, K %d: want 0 and MaxK", c.L2, c.K)
	}
	if New(Config{}).Name() != "fm" {
		t.Error("name")
	}
	var _ ctr.Model = New(Config{})
}

func TestPredictDoesNotAllocate(t *testing.T) {
	s := interacting()
	train, _ := s.draw(2, 2000)
	m := fit(t, Config{Space: 1 << 16, Epochs: 1}, train, nil)
	if a := testing.AllocsPerRun(100, func() { m.Predict(&train[0]) }); a != 0 {
		t.Errorf("Predict allocates %v times", a)
	}
	big := fit(t, Config{Space: 1 << 10, K: MaxK, Epochs: 1}, []ctr.Example{{Features: []ctr.Feature{{Index: 1, Value: 1}}}}, nil)
	if a := testing.AllocsPerRun(100, func() { big.Predict(&train[0]) }); a != 0 {
		t.Errorf("Predict with MaxK factors allocates %v times", a)
	}
}

// TestConcurrentPredict: Predict only reads; run it with -race.
func TestConcurrentPredict(t *testing.T) {
	s := interacting()
	train, _ := s.draw(2, 3000)
	m := fit(t, Config{Space: 1 << 16, Epochs: 1}, train, nil)
	want := predictAll(m, train)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(train); i += 4 {
				if p := m.Predict(&train[i]); p != want[i] {
					t.Errorf("example %d: %v concurrently, %v alone", i, p, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
