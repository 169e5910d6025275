package nn

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/internal/binfmt"
)

// oneRow is a Net whose loss, ½(row₁·x − y)² + ½(d − 1)², uses table row 1
// and one dense parameter only.
type oneRow struct {
	tab   *Table
	dense []float32
}

func (n *oneRow) Table() *Table      { return n.tab }
func (n *oneRow) Dense() [][]float32 { return [][]float32{n.dense} }
func (n *oneRow) NewWorker() Worker  { return n }

func (n *oneRow) Grad(x *ctr.Example, g *Grad, _ uint64) float64 {
	row, d := n.tab.Row(1), float64(n.dense[0])
	r := float64(row[0])*float64(x.Features[0].Value) + float64(row[1]) - float64(x.Click)
	gr := g.Row(1)
	gr[0] += r * float64(x.Features[0].Value)
	gr[1] += r
	g.Dense[0][0] += d - 1
	return (r*r + (d-1)*(d-1)) / 2
}

func (n *oneRow) Loss(x *ctr.Example) float64 { return n.Grad(x, NewGrad(n.tab, n.Dense()), 0) }

// Adam moves the touched row and the dense parameter towards the optimum
// and leaves the rows no batch touches exactly as they were.
func TestTrainLazy(t *testing.T) {
	tab := NewTable(4, 2)
	for i := range tab.Vals {
		tab.Vals[i] = float32(i) / 10
	}
	before := slices.Clone(tab.Vals)
	var xs []ctr.Example
	for i := range 200 {
		v := float32(i%7) / 7
		xs = append(xs, ctr.Example{Features: []ctr.Feature{{Field: 0, Index: 1, Value: v}}, Click: 2*v + 0.5})
	}
	n := &oneRow{tab: tab, dense: []float32{-1}}
	h, best, err := Train(context.Background(), n, TrainConfig{LearningRate: 0.05, BatchSize: 16, Epochs: 30, Patience: 3, L2: -1}, xs, xs[:50])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d epochs, best %d, loss %.2g → %.2g; row 1 %v, dense %v", len(h), best, h[0].TrainLoss, h[best].ValidLoss, tab.Row(1), n.dense)
	for _, r := range []uint32{0, 2, 3} {
		if !slices.Equal(tab.Row(r), before[r*2:r*2+2]) {
			t.Errorf("untouched row %d moved: %v → %v", r, before[r*2:r*2+2], tab.Row(r))
		}
	}
	if row := tab.Row(1); abs(row[0]-2) > 0.05 || abs(row[1]-0.5) > 0.05 || abs(n.dense[0]-1) > 0.05 {
		t.Errorf("row 1 %v and dense %v, want about [2 0.5] and 1", row, n.dense)
	}
	if _, _, err := Train(context.Background(), n, TrainConfig{LearningRate: -1, Beta1: 2}, xs, nil); err == nil {
		t.Error("β₁ = 2 accepted")
	}
}

func abs(x float32) float32 { return max(x, -x) }

func TestGradAddReset(t *testing.T) {
	tab := NewTable(8, 2)
	a, b := NewGrad(tab, [][]float32{{0}}), NewGrad(tab, [][]float32{{0}})
	// One Row call at a time: a slice from Row is valid until the next.
	a.Row(3)[0] = 1
	a.Row(5)[1] = 2
	a.Dense[0][0] = 3
	b.Row(5)[1] = 10
	b.Row(7)[0] = 20
	b.Dense[0][0] = 30
	a.Add(b)
	if !slices.Equal(a.Touched(), []uint32{3, 5, 7}) || a.Row(5)[1] != 12 || a.Row(7)[0] != 20 || a.Dense[0][0] != 33 {
		t.Errorf("sum: rows %v, row 5 %v, row 7 %v, dense %v", a.Touched(), a.Row(5), a.Row(7), a.Dense[0])
	}
	a.Reset()
	if len(a.Touched()) != 0 || a.Row(5)[1] != 0 || a.Dense[0][0] != 0 {
		t.Error("Reset left values behind")
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	tab := NewTable(16, 3)
	copy(tab.Row(2), []float32{1, 2, 3})
	copy(tab.Row(9), []float32{0, -1, 0})
	mlp, err := NewMLP([]int{3, 4, 1}, 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	frame := binfmt.Frame{Pkg: "nn", Tag: "test", Kind: "test"}
	sp := tab.Sparse()
	w := frame.NewWriter(sp.Size() + mlp.Size() + TrainConfigBytes)
	sp.Write(w)
	mlp.Write(w)
	DefaultTrainConfig().Write(w)
	data := w.Finish()
	if len(data) != cap(data) {
		t.Errorf("%d bytes in a buffer of %d", len(data), cap(data))
	}
	r, err := frame.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	gotTab, gotMLP, gotCfg := ReadTable(r), ReadMLP(r), ReadTrainConfig(r)
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotTab.Vals, tab.Vals) || !slices.EqualFunc(gotMLP.W, mlp.W, slices.Equal) ||
		!slices.Equal(gotMLP.Sizes, mlp.Sizes) || gotMLP.Dropout != 0.2 || gotCfg.Epochs != DefaultTrainConfig().Epochs {
		t.Error("the round trip changed the table, the perceptron or the settings")
	}
	if len(sp.Index) != 2 {
		t.Errorf("%d rows stored, want the 2 nonzero ones", len(sp.Index))
	}
	// Rows out of order are refused.
	sp.Index[0], sp.Index[1] = sp.Index[1], sp.Index[0]
	w = frame.NewWriter(sp.Size())
	sp.Write(w)
	if r, err = frame.Open(w.Finish()); err != nil {
		t.Fatal(err)
	}
	if ReadTable(r) != nil || r.Err() == nil {
		t.Error("rows out of order accepted")
	}
}

// AddL2PerOccurrence is the gradient of the penalty it returns, counts a
// row once per occurrence and skips the rows the loss did not touch.
func TestAddL2PerOccurrence(t *testing.T) {
	tab := NewTable(8, 3)
	for i := range tab.Vals {
		tab.Vals[i] = float32(i%5)/4 - 0.3
	}
	xs := []ctr.Example{
		{Features: []ctr.Feature{{Field: 0, Index: 1, Value: 1}, {Field: 1, Index: 2, Value: 1}}},
		{Features: []ctr.Feature{{Field: 0, Index: 1, Value: 1}, {Field: 1, Index: 5, Value: 1}, {Field: 2, Index: 99, Value: 1}}},
		{Features: []ctr.Feature{{Field: 0, Index: 1, Value: 1}, {Field: 1, Index: 2, Value: 1}}},
	}
	batch := []int{0, 1, 2}
	const lambda = 0.7
	g := NewGrad(tab, nil)
	g.Row(1)
	g.Row(2) // row 5 stays untouched: skipped
	pen := g.AddL2PerOccurrence(tab, xs, batch, lambda)
	count := map[uint32]float64{1: 3, 2: 2}
	var want float64
	for r, n := range count {
		for _, w := range tab.Row(r) {
			want += n * lambda / 2 * float64(w) * float64(w)
		}
	}
	if d := pen - want; d > 1e-12 || d < -1e-12 {
		t.Errorf("penalty %v, want %v", pen, want)
	}
	// The gradient against central differences of the penalty.
	const h = 1e-3
	for r, n := range count {
		for c := range tab.Dim {
			got := g.Row(r)[c]
			w := tab.Row(r)[c]
			num := n * lambda / 2 * ((float64(w)+h)*(float64(w)+h) - (float64(w)-h)*(float64(w)-h)) / (2 * h)
			if d := got - num; d > 1e-9 || d < -1e-9 {
				t.Errorf("row %d col %d: gradient %v, numerical %v", r, c, got, num)
			}
		}
	}
	if !slices.Equal(g.Touched(), []uint32{1, 2}) {
		t.Errorf("touched %v, want [1 2]", g.Touched())
	}
	if g.AddL2PerOccurrence(tab, xs, batch, 0) != 0 {
		t.Error("λ = 0 gave a penalty")
	}
}

// One Adagrad step of the table on one full batch is rate·G/√(G₀+G²) of
// the summed gradient G (with the per-occurrence L2 in it); the untouched
// rows stay put.
func TestTrainAdagradStep(t *testing.T) {
	for _, perOcc := range []bool{false, true} {
		tab := NewTable(4, 2)
		for i := range tab.Vals {
			tab.Vals[i] = float32(i) / 10
		}
		before := slices.Clone(tab.Vals)
		var xs []ctr.Example
		for i := range 10 {
			v := float32(i%7) / 7
			xs = append(xs, ctr.Example{Features: []ctr.Feature{{Field: 0, Index: 1, Value: v}}, Click: 2*v + 0.5})
		}
		const lambda, rate = 0.2, 0.3
		// The summed gradient of row 1 at the start.
		row := []float64{float64(before[2]), float64(before[3])}
		var sum [2]float64
		for _, x := range xs {
			v := float64(x.Features[0].Value)
			r := row[0]*v + row[1] - float64(x.Click)
			sum[0] += r * v
			sum[1] += r
		}
		for c := range sum {
			// Row 1 occurs once per example, so both penalties are λ·row on
			// the mean gradient, len(xs)·λ·row on the sum.
			sum[c] += lambda * row[c] * float64(len(xs))
		}
		n := &oneRow{tab: tab, dense: []float32{-1}}
		cfg := TrainConfig{BatchSize: len(xs), Epochs: 1, L2: lambda, EmbeddingOptimizer: EmbeddingAdagrad,
			EmbeddingLearningRate: rate, L2PerOccurrence: perOcc, Workers: 1}
		if _, _, err := Train(context.Background(), n, cfg, xs, nil); err != nil {
			t.Fatal(err)
		}
		for c, gc := range sum {
			want := row[c] - rate*gc/math.Sqrt(AdagradStart+gc*gc)
			if got := float64(tab.Row(1)[c]); math.Abs(got-want) > 1e-6 {
				t.Errorf("per occurrence %v: row 1 col %d = %v, want %v", perOcc, c, got, want)
			}
		}
		for _, r := range []uint32{0, 2, 3} {
			if !slices.Equal(tab.Row(r), before[r*2:r*2+2]) {
				t.Errorf("untouched row %d moved", r)
			}
		}
		// The dense parameter still takes Adam's first step, ≈ LearningRate.
		if d := float64(n.dense[0]) + 1; math.Abs(d-1e-3) > 1e-6 {
			t.Errorf("dense moved by %v, want Adam's 0.001", d)
		}
	}
	if err := (TrainConfig{EmbeddingOptimizer: "sgd"}).WithDefaults().Check(); err == nil {
		t.Error("unknown embedding optimiser accepted")
	}
}

// Adagrad with L2 per occurrence fits the one-row problem as Adam does.
func TestTrainAdagradFits(t *testing.T) {
	tab := NewTable(4, 2)
	var xs []ctr.Example
	for i := range 200 {
		v := float32(i%7) / 7
		xs = append(xs, ctr.Example{Features: []ctr.Feature{{Field: 0, Index: 1, Value: v}}, Click: 2*v + 0.5})
	}
	n := &oneRow{tab: tab, dense: []float32{-1}}
	cfg := TrainConfig{LearningRate: 0.05, BatchSize: 16, Epochs: 30, Patience: 3, L2: 1e-6, L2PerOccurrence: true,
		EmbeddingOptimizer: EmbeddingAdagrad, EmbeddingLearningRate: 0.5}
	if _, _, err := Train(context.Background(), n, cfg, xs, xs[:50]); err != nil {
		t.Fatal(err)
	}
	if row := tab.Row(1); abs(row[0]-2) > 0.05 || abs(row[1]-0.5) > 0.05 {
		t.Errorf("row 1 %v, want about [2 0.5]", row)
	}
}
