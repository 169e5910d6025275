package ease

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopmind/shopmind/recommend"
)

// naiveInverse inverts a dense symmetric matrix by Gauss-Jordan elimination.
func naiveInverse(g []float64, n int) []float64 {
	a := make([]float64, n*2*n)
	for i := range n {
		copy(a[i*2*n:], g[i*n:(i+1)*n])
		a[i*2*n+n+i] = 1
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r*2*n+c]) > math.Abs(a[p*2*n+c]) {
				p = r
			}
		}
		for k := range 2 * n {
			a[c*2*n+k], a[p*2*n+k] = a[p*2*n+k], a[c*2*n+k]
		}
		d := a[c*2*n+c]
		for k := range 2 * n {
			a[c*2*n+k] /= d
		}
		for r := range n {
			if r == c {
				continue
			}
			f := a[r*2*n+c]
			for k := range 2 * n {
				a[r*2*n+k] -= f * a[c*2*n+k]
			}
		}
	}
	inv := make([]float64, n*n)
	for i := range n {
		copy(inv[i*n:(i+1)*n], a[i*2*n+n:(i+1)*2*n])
	}
	return inv
}

func randomSPD(r *rand.Rand, n int) []float64 {
	m := make([]float64, n*n)
	for i := range m {
		m[i] = r.Float64() - 0.5
	}
	g := make([]float64, n*n)
	for i := range n {
		for j := range n {
			var s float64
			for k := range n {
				s += m[i*n+k] * m[j*n+k]
			}
			g[i*n+j] = s
		}
		g[i*n+i] += 1
	}
	return g
}

func TestInvertSPD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 5, 191, 192, 193, 385, 400} {
		g := randomSPD(r, n)
		want := naiveInverse(g, n)
		for _, workers := range []int{1, 2, 3} {
			a := make([]float64, n*n)
			for i := range n {
				for j := 0; j <= i; j++ {
					a[i*n+j] = g[i*n+j]
				}
				for j := i + 1; j < n; j++ {
					a[i*n+j] = math.NaN() // the upper triangle must not be read
				}
			}
			if err := invertSPD(context.Background(), a, n, workers); err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			var worst float64
			for i := range n {
				for j := 0; j <= i; j++ {
					worst = max(worst, math.Abs(a[i*n+j]-want[i*n+j]))
				}
			}
			if !(worst < 1e-9) {
				t.Errorf("n=%d workers=%d: largest error %g", n, workers, worst)
			}
		}
	}
}

func TestInvertSPDRefusesIndefinite(t *testing.T) {
	a := []float64{1, 0, 2, 1} // [[1 2] [2 1]] by its lower triangle
	if err := invertSPD(context.Background(), a, 2, 1); err == nil {
		t.Fatal("an indefinite matrix was inverted")
	}
}

func events(items ...int32) []recommend.Event {
	s := make([]recommend.Event, len(items))
	for p, i := range items {
		s[p] = recommend.Event{Item: i, Time: int64(p), Weight: 5}
	}
	return s
}

// randomData draws users with 3 to 9 distinct items out of n, popular items
// more often.
func randomData(seed uint64, users, n int) *recommend.Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &recommend.Data{Items: make([]string, n)}
	for range users {
		seen := map[int32]bool{}
		var s []int32
		for range 3 + r.IntN(7) {
			i := int32(r.IntN(n) * r.IntN(n) / n)
			if !seen[i] {
				seen[i] = true
				s = append(s, i)
			}
		}
		d.Users = append(d.Users, "u")
		d.Seqs = append(d.Seqs, events(s...))
	}
	return d
}

// naiveEASE computes B by the closed form with a Gauss-Jordan inverse.
func naiveEASE(d *recommend.Data, lambda float64) []float64 {
	n := d.NumItems()
	g := make([]float64, n*n)
	for _, s := range d.Seqs {
		for _, a := range s {
			for _, b := range s {
				g[int(a.Item)*n+int(b.Item)]++
			}
		}
	}
	for i := range n {
		g[i*n+i] += lambda
	}
	p := naiveInverse(g, n)
	b := make([]float64, n*n)
	for i := range n {
		for j := range n {
			if i != j {
				b[i*n+j] = -p[i*n+j] / p[j*n+j]
			}
		}
	}
	return b
}

func TestExactMatchesClosedForm(t *testing.T) {
	d := randomData(1, 400, 230) // more than one block of the dense solver
	want := naiveEASE(d, 7)
	m := New(7, 0)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	n := d.NumItems()
	for i := range n {
		for j := range n {
			if got := float64(m.dense[i*n+j]); math.Abs(got-want[i*n+j]) > 1e-5 {
				t.Fatalf("B[%d][%d] = %v want %v", i, j, got, want[i*n+j])
			}
		}
	}
}

// TestPrunedMatchesExactWhenNothingIsPruned: when every item co-occurs with
// every other and the neighbourhood holds them all, the pruned regression is
// the exact one.
func TestPrunedMatchesExactWhenNothingIsPruned(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const n = 12
	d := &recommend.Data{Items: make([]string, n)}
	for range 300 {
		var s []int32
		for i := range int32(n) {
			if r.IntN(2) == 0 {
				s = append(s, i)
			}
		}
		d.Users = append(d.Users, "u")
		d.Seqs = append(d.Seqs, events(s...))
	}
	exact, pruned := New(20, 0), New(20, n)
	for _, m := range []*Model{exact, pruned} {
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	hist := events(3, 7, 1)
	a, b := make([]float32, n), make([]float32, n)
	exact.Score(hist, a)
	pruned.Score(hist, b)
	for j := range a {
		if math.Abs(float64(a[j]-b[j])) > 1e-5 {
			t.Fatalf("exact %v\npruned %v", a, b)
		}
	}
	if pruned.NumWeights() != n*(n-1) {
		t.Errorf("pruned keeps %d weights, want %d", pruned.NumWeights(), n*(n-1))
	}
}

func TestPrunedKeepsTheStrongestNeighbours(t *testing.T) {
	d := randomData(3, 2000, 300)
	m := New(10, 5)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	// At most 5 incoming weights per item.
	in := make([]int, 300)
	for _, j := range m.cols {
		in[j]++
	}
	for j, c := range in {
		if c > 5 {
			t.Fatalf("item %d has %d weights", j, c)
		}
	}
}

func TestScoreWeighsRecentHistory(t *testing.T) {
	d := randomData(4, 500, 40)
	m := New(5, 0)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	half := m.WithRecency(0.5)
	if &half.dense[0] != &m.dense[0] || m.Recency != 1 {
		t.Fatal("WithRecency must share the weights and leave the model alone")
	}
	hist := events(1, 2)
	got := make([]float32, 40)
	half.Score(hist, got)
	for j := range got {
		want := 0.5*m.dense[1*40+j] + m.dense[2*40+j]
		if math.Abs(float64(got[j]-want)) > 1e-6 {
			t.Fatalf("item %d: %v want %v", j, got[j], want)
		}
	}
	// A view (weight 1) counts a fifth of a purchase (weight 5).
	m.Score([]recommend.Event{{Item: 1, Weight: 1}}, got)
	if math.Abs(float64(got[3]-m.dense[1*40+3]/5)) > 1e-7 {
		t.Errorf("weighted history: %v want %v", got[3], m.dense[1*40+3]/5)
	}
}

func TestFitRefuses(t *testing.T) {
	d := randomData(5, 10, 30)
	for _, m := range []*Model{New(0, 0), New(-1, 10), New(1, -1), {Lambda: 1, Recency: 0}, {Lambda: 1, Recency: 1, MaxDenseItems: 10}} {
		if err := m.Fit(context.Background(), d); err == nil {
			t.Errorf("%+v was accepted", m)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := New(1, 0).Fit(ctx, randomData(6, 300, 500)); err == nil {
		t.Error("a cancelled fit succeeded")
	}
}

func benchScore(b *testing.B, neighbours int) {
	d := randomData(7, 20000, 3000)
	m := New(50, neighbours)
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	hist := events(5, 17, 200, 1000, 7, 2999, 40, 41)
	for b.Loop() {
		m.Score(hist, scores)
	}
}

func BenchmarkScorePruned(b *testing.B) { benchScore(b, 100) }
func BenchmarkScoreExact(b *testing.B)  { benchScore(b, 0) }

func BenchmarkExactSolve(b *testing.B) {
	const n = 1200
	r := rand.New(rand.NewPCG(8, 8))
	g := randomSPD(r, 64) // a small random factor, tiled to n
	a := make([]float64, n*n)
	for b.Loop() {
		for i := range n {
			for j := 0; j <= i; j++ {
				a[i*n+j] = g[(i%64)*64+j%64] * 0.01
			}
			a[i*n+i] += 10
		}
		if err := invertSPD(context.Background(), a, n, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}
