package bandit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// LinUCB is the contextual bandit of Li, Chu, Langford and Schapire (2010)
// with disjoint linear models: arm a predicts the reward of context x as
// θ_a·x, θ_a = A_a⁻¹ b_a with A_a = λI + Σ x xᵀ and b_a = Σ r x over the
// contexts it was pulled in, and is scored θ_a·x + α·√(xᵀ A_a⁻¹ x). The
// inverse is kept directly and updated by Sherman–Morrison after each
// reward, so Choose costs O(K·d²) and Update O(d²), with no matrix
// inversion anywhere. Not safe for concurrent use.
type LinUCB struct {
	dim    int
	alpha  float64
	lambda float64
	arms   []linArm
	buf    []float64 // A⁻¹x scratch
}

type linArm struct {
	pulls int64
	ainv  []float64 // A⁻¹, d×d row-major, symmetric
	b     []float64 // Σ r x
	theta []float64 // A⁻¹ b
}

// NewLinUCB returns LinUCB over arms arms and contexts of dim features,
// with exploration weight alpha (≥ 0) and ridge lambda (> 0).
func NewLinUCB(arms, dim int, alpha, lambda float64) (*LinUCB, error) {
	if err := checkLinUCB(arms, dim, alpha, lambda); err != nil {
		return nil, err
	}
	m := &LinUCB{dim: dim, alpha: alpha, lambda: lambda, arms: make([]linArm, arms), buf: make([]float64, dim)}
	for i := range m.arms {
		a := &m.arms[i]
		a.ainv = make([]float64, dim*dim)
		for j := range dim {
			a.ainv[j*dim+j] = 1 / lambda
		}
		a.b = make([]float64, dim)
		a.theta = make([]float64, dim)
	}
	return m, nil
}

func checkLinUCB(arms, dim int, alpha, lambda float64) error {
	switch {
	case arms < 1:
		return fmt.Errorf("bandit: LinUCB needs at least one arm, got %d", arms)
	case dim < 1 || dim > 4096:
		return fmt.Errorf("bandit: LinUCB context dimension %d: give 1 to 4096", dim)
	case !(alpha >= 0) || math.IsInf(alpha, 0):
		return fmt.Errorf("bandit: LinUCB alpha %g: give a finite value ≥ 0", alpha)
	case !(lambda > 0) || math.IsInf(lambda, 0):
		return fmt.Errorf("bandit: LinUCB lambda %g: give a finite value > 0", lambda)
	}
	return nil
}

// Arms is the number of arms; Dim the context dimension.
func (m *LinUCB) Arms() int { return len(m.arms) }

// Dim is the context dimension.
func (m *LinUCB) Dim() int { return m.dim }

// Pulls is how often arm was updated.
func (m *LinUCB) Pulls(arm int) int64 { return m.arms[arm].pulls }

// Theta returns a copy of arm's coefficients.
func (m *LinUCB) Theta(arm int) []float64 { return append([]float64(nil), m.arms[arm].theta...) }

// Inverse returns a copy of arm's A⁻¹, d×d row-major.
func (m *LinUCB) Inverse(arm int) []float64 { return append([]float64(nil), m.arms[arm].ainv...) }

var errDim = errors.New("bandit: context has the wrong dimension")

// Score returns arm's upper confidence bound at x, the predicted reward
// θ·x plus α times its standard error √(xᵀA⁻¹x).
func (m *LinUCB) Score(arm int, x []float64) float64 {
	a := &m.arms[arm]
	d := m.dim
	pred, quad := 0.0, 0.0
	for i := range d {
		xi := x[i]
		if xi == 0 {
			continue
		}
		pred += a.theta[i] * xi
		row := a.ainv[i*d : i*d+d]
		s := 0.0
		for j, xj := range x[:d] {
			s += row[j] * xj
		}
		quad += xi * s
	}
	return pred + m.alpha*math.Sqrt(max(quad, 0))
}

// Choose returns the arm with the highest Score at x; ties are broken at
// random when rng is not nil, else by the lowest index. It panics if x
// does not have Dim features.
func (m *LinUCB) Choose(x []float64, rng *rand.Rand) int {
	if len(x) != m.dim {
		panic(errDim)
	}
	best, bestScore, ties := 0, math.Inf(-1), 0
	for i := range m.arms {
		s := m.Score(i, x)
		switch {
		case s > bestScore:
			best, bestScore, ties = i, s, 1
		case s == bestScore && rng != nil:
			ties++
			if rng.IntN(ties) == 0 {
				best = i
			}
		}
	}
	return best
}

// Update records that arm, pulled at x, earned r: A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ
// / (1 + xᵀA⁻¹x) (Sherman–Morrison; A⁻¹ is symmetric), b ← b + r·x,
// θ ← A⁻¹b. It returns an error if x has the wrong dimension or a
// non-finite value.
func (m *LinUCB) Update(arm int, x []float64, r float64) error {
	if len(x) != m.dim {
		return fmt.Errorf("%w: %d features, want %d", errDim, len(x), m.dim)
	}
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return fmt.Errorf("bandit: reward %g is not finite", r)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("bandit: feature %d of the context is %g", i, v)
		}
	}
	a := &m.arms[arm]
	d := m.dim
	u := m.buf
	den := 1.0
	for i := range d {
		row := a.ainv[i*d : i*d+d]
		s := 0.0
		for j, xj := range x {
			s += row[j] * xj
		}
		u[i] = s
		den += x[i] * s
	}
	for i := range d {
		ui := u[i] / den
		if ui == 0 {
			continue
		}
		row := a.ainv[i*d : i*d+d]
		for j := range d {
			row[j] -= ui * u[j]
		}
	}
	for i, xi := range x {
		a.b[i] += r * xi
	}
	a.refreshTheta(d)
	a.pulls++
	return nil
}

func (a *linArm) refreshTheta(d int) {
	for i := range d {
		row := a.ainv[i*d : i*d+d]
		s := 0.0
		for j, bj := range a.b {
			s += row[j] * bj
		}
		a.theta[i] = s
	}
}
