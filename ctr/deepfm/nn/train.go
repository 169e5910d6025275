package nn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/shopmind/shopmind/ctr"
)

// Shards is the number of fixed slices a mini-batch is cut into; each is
// summed by one goroutine and the slices' gradients are added in order, so
// at most Shards goroutines help and their number does not change a fit.
const Shards = 4

// Net is a network Train can fit: one embedding table, dense parameters
// and per-goroutine workers that differentiate its loss.
type Net interface {
	Table() *Table
	Dense() [][]float32
	NewWorker() Worker
}

// Worker computes one example's loss; one per goroutine.
type Worker interface {
	// Grad adds the gradient of x's training loss to g and returns the
	// loss. With dropout, noise seeds the masks: the same noise gives the
	// same loss.
	Grad(x *ctr.Example, g *Grad, noise uint64) float64
	// Loss is x's validation loss (no dropout).
	Loss(x *ctr.Example) float64
}

// Epoch reports one pass over the training data.
type Epoch struct {
	TrainLoss float64       // mean training loss of the examples as they were met
	ValidLoss float64       // mean validation loss after the epoch; NaN without validation data
	Duration  time.Duration // the pass, validation excluded
}

// Train fits net by mini-batch Adam (cfg's zero fields take defaults) on
// the mean loss of each batch plus the L2 penalty of the rows it touches
// (once per batch, or per occurrence with cfg.L2PerOccurrence): the table
// rows are updated lazily (only the rows a batch touches; their moments
// decay only then), by Adam or, with cfg.EmbeddingOptimizer "adagrad", by
// Adagrad; the dense parameters by Adam every step. After each
// epoch it computes the mean validation loss; when valid is not empty it
// keeps the parameters of the best epoch and stops after Patience epochs
// without improvement. It returns the history and the index of the epoch
// whose parameters net holds.
//
// It honours ctx between batches and then returns ctx.Err(), leaving the
// parameters part-trained.
func Train(ctx context.Context, net Net, cfg TrainConfig, train, valid []ctr.Example) ([]Epoch, int, error) {
	cfg = cfg.WithDefaults()
	if len(train) == 0 {
		return nil, -1, errors.New("nn: no training examples")
	}
	if err := cfg.Check(); err != nil {
		return nil, -1, errors.New("nn: " + err.Error())
	}
	workers := min(max(cfg.Workers, 1), Shards)
	tab, dense := net.Table(), net.Dense()
	ws := make([]Worker, workers)
	for i := range ws {
		ws[i] = net.NewWorker()
	}
	gs := make([]*Grad, Shards)
	for i := range gs {
		gs[i] = NewGrad(tab, dense)
	}
	opt := newAdam(cfg, tab, dense)
	order := make([]int, len(train))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5ba7_c4e5))
	var (
		history  []Epoch
		best     = -1
		bestLoss = math.Inf(1)
		snap     [][]float32
	)
	for ep := range cfg.Epochs {
		start := time.Now()
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		epochNoise := Mix(cfg.Seed ^ Mix(uint64(ep)+golden))
		var sum float64
		for lo := 0; lo < len(order); lo += cfg.BatchSize {
			if err := ctx.Err(); err != nil {
				return history, best, err
			}
			batch := order[lo:min(lo+cfg.BatchSize, len(order))]
			var losses [Shards]float64
			run := func(w int) {
				for s := w; s < Shards; s += workers {
					for _, i := range batch[s*len(batch)/Shards : (s+1)*len(batch)/Shards] {
						losses[s] += ws[w].Grad(&train[i], gs[s], Mix(epochNoise^uint64(i)))
					}
				}
			}
			parallel(workers, run)
			for s := 1; s < Shards; s++ {
				gs[0].Add(gs[s])
				gs[s].Reset()
			}
			for _, l := range losses {
				sum += l
			}
			gs[0].Scale(1 / float64(len(batch)))
			if cfg.L2PerOccurrence {
				gs[0].AddL2PerOccurrence(tab, train, batch, cfg.L2/float64(len(batch)))
			} else {
				gs[0].AddL2(tab, cfg.L2)
			}
			opt.step(gs[0], len(batch))
			gs[0].Reset()
		}
		e := Epoch{TrainLoss: sum / float64(len(train)), ValidLoss: math.NaN(), Duration: time.Since(start)}
		if len(valid) > 0 {
			e.ValidLoss = MeanLoss(ws, valid)
		}
		history = append(history, e)
		switch {
		case len(valid) == 0:
			best = ep
		case e.ValidLoss < bestLoss: // never for a NaN loss
			best, bestLoss = ep, e.ValidLoss
			snap = snapshot(snap, tab, dense)
		}
		if ep-best >= cfg.Patience {
			break
		}
	}
	if best < 0 {
		return history, best, errors.New("nn: the validation loss was never finite: training diverged")
	}
	if snap != nil && best != len(history)-1 {
		copy(tab.Vals, snap[0])
		for i, p := range dense {
			copy(p, snap[i+1])
		}
	}
	return history, best, nil
}

// MeanLoss is the mean of the workers' Loss over xs, summed in fixed
// chunks in order so that it does not depend on len(ws).
func MeanLoss(ws []Worker, xs []ctr.Example) float64 {
	const chunk = 512
	parts := make([]float64, (len(xs)+chunk-1)/chunk)
	parallel(len(ws), func(w int) {
		for c := w; c < len(parts); c += len(ws) {
			for i := c * chunk; i < min((c+1)*chunk, len(xs)); i++ {
				parts[c] += ws[w].Loss(&xs[i])
			}
		}
	})
	var s float64
	for _, p := range parts {
		s += p
	}
	return s / float64(len(xs))
}

// parallel runs f(0), …, f(n−1) on n goroutines (f(0) on the caller's).
func parallel(n int, f func(w int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < n; w++ {
		wg.Go(func() { f(w) })
	}
	f(0)
	wg.Wait()
}

func snapshot(dst [][]float32, tab *Table, dense [][]float32) [][]float32 {
	if dst == nil {
		dst = append(dst, make([]float32, len(tab.Vals)))
		for _, p := range dense {
			dst = append(dst, make([]float32, len(p)))
		}
	}
	copy(dst[0], tab.Vals)
	for i, p := range dense {
		copy(dst[i+1], p)
	}
	return dst
}

// adam holds the optimiser state: first and second moments of every table
// value and dense parameter. The bias correction uses the global step, for
// the lazily updated rows too (as TensorFlow's LazyAdam does). With the
// Adagrad table (acc not nil) the table has accumulators instead of
// moments.
type adam struct {
	lr, b1, b2, eps float64
	tabLR           float64 // the table's own rate; 0: lr
	t               int
	tab             *Table
	tm, tv          []float32
	acc             []float32 // Adagrad accumulators of the table, or nil
	dense           [][]float32
	dm, dv          [][]float32
}

func newAdam(cfg TrainConfig, tab *Table, dense [][]float32) *adam {
	a := &adam{lr: cfg.LearningRate, b1: cfg.Beta1, b2: cfg.Beta2, eps: 1e-8, tab: tab, dense: dense, tabLR: cfg.EmbeddingLearningRate}
	if cfg.EmbeddingOptimizer == EmbeddingAdagrad {
		if a.tabLR == 0 {
			a.tabLR = DefaultAdagradRate
		}
		a.acc = make([]float32, len(tab.Vals))
		for i := range a.acc {
			a.acc[i] = AdagradStart
		}
	} else {
		a.tm, a.tv = make([]float32, len(tab.Vals)), make([]float32, len(tab.Vals))
	}
	for _, p := range dense {
		a.dm = append(a.dm, make([]float32, len(p)))
		a.dv = append(a.dv, make([]float32, len(p)))
	}
	return a
}

// step applies g, the gradient of the mean loss of a batch of n examples.
func (a *adam) step(g *Grad, n int) {
	a.t++
	lr := a.lr * math.Sqrt(1-math.Pow(a.b2, float64(a.t))) / (1 - math.Pow(a.b1, float64(a.t)))
	d := a.tab.Dim
	switch {
	case a.acc != nil:
		for j, r := range g.rows {
			at := int(r) * d
			adagrad(a.tab.Vals[at:at+d], a.acc[at:at+d], g.vals[j*d:(j+1)*d], float64(n), a.tabLR)
		}
	default:
		tlr := lr
		if a.tabLR > 0 {
			tlr = a.tabLR * math.Sqrt(1-math.Pow(a.b2, float64(a.t))) / (1 - math.Pow(a.b1, float64(a.t)))
		}
		for j, r := range g.rows {
			at := int(r) * d
			a.update(a.tab.Vals[at:at+d], a.tm[at:at+d], a.tv[at:at+d], g.vals[j*d:(j+1)*d], tlr)
		}
	}
	for i, p := range a.dense {
		a.update(p, a.dm[i], a.dv[i], g.Dense[i], lr)
	}
}

func (a *adam) update(p, m, v []float32, g []float64, lr float64) {
	m, v, g = m[:len(p)], v[:len(p)], g[:len(p)]
	for i, gi := range g {
		mi := a.b1*float64(m[i]) + (1-a.b1)*gi
		vi := a.b2*float64(v[i]) + (1-a.b2)*gi*gi
		m[i], v[i] = float32(mi), float32(vi)
		p[i] -= float32(lr * mi / (math.Sqrt(vi) + a.eps))
	}
}

// adagrad takes an Adagrad step of rate lr on p with accumulators acc,
// given g, a mean gradient over n examples: the step uses the summed
// gradient n·g, acc += (n·g)², p −= lr·n·g/√acc.
func adagrad(p, acc []float32, g []float64, n, lr float64) {
	acc, g = acc[:len(p)], g[:len(p)]
	for i, gi := range g {
		gi *= n
		ai := float64(acc[i]) + gi*gi
		acc[i] = float32(ai)
		p[i] -= float32(lr * gi / math.Sqrt(ai))
	}
}
