package clv

import (
	"fmt"
	"math"
	"sort"
)

// objective returns the value to minimise at u and, when grad is not nil,
// writes its gradient there. A point outside the domain returns +Inf or NaN.
type objective func(u, grad []float64) float64

// nelderMead minimises f without derivatives from x0, with an initial simplex
// of side step, until the simplex's values agree to ftol or maxEval
// evaluations are spent. It returns the best vertex and its value. It is the
// coarse first stage: it tolerates starting points far from the optimum and
// regions where the likelihood is not finite.
func nelderMead(f func([]float64) float64, x0 []float64, step, ftol float64, maxEval int) ([]float64, float64, int) {
	n := len(x0)
	eval := func(x []float64) float64 {
		v := f(x)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	type vertex struct {
		x []float64
		f float64
	}
	simplex := make([]vertex, n+1)
	for i := range simplex {
		x := append([]float64(nil), x0...)
		if i > 0 {
			x[i-1] += step
		}
		simplex[i] = vertex{x, eval(x)}
	}
	evals := n + 1
	point := func(c []float64, w float64, x []float64) []float64 { // c + w(c − x)
		p := make([]float64, n)
		for j := range p {
			p[j] = c[j] + w*(c[j]-x[j])
		}
		return p
	}
	for evals < maxEval {
		sort.Slice(simplex, func(i, j int) bool { return simplex[i].f < simplex[j].f })
		best, worst := simplex[0], simplex[n]
		if math.Abs(worst.f-best.f) <= ftol*(1+math.Abs(best.f)) {
			break
		}
		c := make([]float64, n)
		for _, v := range simplex[:n] {
			for j := range c {
				c[j] += v.x[j] / float64(n)
			}
		}
		r := point(c, 1, worst.x)
		fr := eval(r)
		evals++
		switch {
		case fr < best.f:
			e := point(c, 2, worst.x)
			fe := eval(e)
			evals++
			if fe < fr {
				simplex[n] = vertex{e, fe}
			} else {
				simplex[n] = vertex{r, fr}
			}
		case fr < simplex[n-1].f:
			simplex[n] = vertex{r, fr}
		default:
			var k []float64
			if fr < worst.f {
				k = point(c, 0.5, worst.x) // outside contraction
			} else {
				k = point(c, -0.5, worst.x) // inside contraction
			}
			fk := eval(k)
			evals++
			if fk < math.Min(fr, worst.f) {
				simplex[n] = vertex{k, fk}
				continue
			}
			for i := 1; i <= n; i++ { // shrink toward the best vertex
				for j := range simplex[i].x {
					simplex[i].x[j] = best.x[j] + 0.5*(simplex[i].x[j]-best.x[j])
				}
				simplex[i].f = eval(simplex[i].x)
				evals++
			}
		}
	}
	sort.Slice(simplex, func(i, j int) bool { return simplex[i].f < simplex[j].f })
	return simplex[0].x, simplex[0].f, evals
}

// bfgsResult is where BFGS stopped.
type bfgsResult struct {
	u, grad    []float64
	f          float64
	iterations int
	evals      int
	maxGrad    float64
}

// maxStep bounds one BFGS step in log-parameter space (a factor e⁵ ≈ 150 on
// any parameter), so a poor Hessian estimate cannot throw the search into
// overflow.
const maxStep = 5

// bfgs minimises f from u0 with the BFGS quasi-Newton method and a
// backtracking Armijo line search. It stops when every gradient component is
// at most gtol in absolute value. Curvature pairs with sᵀy ≤ 0 are skipped;
// when the line search fails the inverse Hessian is reset to the identity
// once before giving up.
func bfgs(f objective, u0 []float64, maxIter int, gtol float64) (bfgsResult, error) {
	n := len(u0)
	u := append([]float64(nil), u0...)
	g := make([]float64, n)
	fu := f(u, g)
	res := bfgsResult{evals: 1}
	if !finite(fu) || !allFinite(g) {
		return res, fmt.Errorf("the likelihood is not finite at the starting point %v (log-parameters): pick another start", u)
	}
	H := identity(n)
	fresh := true // H is the identity (not yet scaled by curvature)
	d := make([]float64, n)
	un := make([]float64, n)
	gn := make([]float64, n)
	flat := 0 // consecutive steps that lowered f by no more than rounding
	for res.iterations = 0; res.iterations < maxIter; res.iterations++ {
		if maxAbs(g) <= gtol {
			return finish(res, u, g, fu, nil)
		}
		for i := range d {
			d[i] = 0
			for j := range d {
				d[i] -= H[i][j] * g[j]
			}
		}
		slope := dot(d, g)
		if !(slope < 0) {
			H, fresh = identity(n), true
			for i := range d {
				d[i] = -g[i]
			}
			slope = dot(d, g)
		}
		step := 1.0
		if m := maxAbs(d); m > maxStep {
			step = maxStep / m
		}
		accepted := false
		var fn float64
		for ls := 0; ls < 60; ls++ {
			for i := range un {
				un[i] = u[i] + step*d[i]
			}
			fn = f(un, gn)
			res.evals++
			if finite(fn) && allFinite(gn) && fn <= fu+1e-4*step*slope {
				accepted = true
				break
			}
			step *= 0.5
		}
		if !accepted {
			if !fresh {
				H, fresh = identity(n), true
				continue
			}
			// No descent along the steepest direction: the gradient is at
			// the precision the likelihood is computed to.
			if maxAbs(g) <= 1e3*gtol {
				return finish(res, u, g, fu, nil)
			}
			return finish(res, u, g, fu, fmt.Errorf("%w: the line search found no lower value after %d iterations (largest gradient component %.3g)",
				ErrNotConverged, res.iterations, maxAbs(g)))
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for i := range s {
			s[i] = un[i] - u[i]
			y[i] = gn[i] - g[i]
		}
		if sy := dot(s, y); sy > 1e-12*math.Sqrt(dot(s, s)*dot(y, y)) {
			if fresh {
				scale := sy / dot(y, y)
				for i := range H {
					H[i][i] = scale
				}
				fresh = false
			}
			bfgsUpdate(H, s, y, 1/sy)
		}
		if fu-fn <= 4e-16*math.Abs(fu) {
			flat++
		} else {
			flat = 0
		}
		copy(u, un)
		copy(g, gn)
		fu = fn
		if flat >= 3 && maxAbs(g) > gtol {
			// f no longer resolves the remaining decrease: the gradient,
			// not f, must guide the last steps (see newtonPolish).
			res.iterations++
			return finish(res, u, g, fu, fmt.Errorf("%w: the likelihood stopped changing at rounding level with the largest gradient component %.3g > %.3g",
				ErrNotConverged, maxAbs(g), gtol))
		}
	}
	if maxAbs(g) <= gtol {
		return finish(res, u, g, fu, nil)
	}
	return finish(res, u, g, fu, fmt.Errorf("%w: %d iterations spent, largest gradient component %.3g > %.3g",
		ErrNotConverged, maxIter, maxAbs(g), gtol))
}

func finish(res bfgsResult, u, g []float64, f float64, err error) (bfgsResult, error) {
	res.u = append([]float64(nil), u...)
	res.grad = append([]float64(nil), g...)
	res.f = f
	res.maxGrad = maxAbs(g)
	return res, err
}

// bfgsUpdate applies H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ in place.
func bfgsUpdate(H [][]float64, s, y []float64, rho float64) {
	n := len(s)
	Hy := make([]float64, n)
	for i := range Hy {
		for j := range Hy {
			Hy[i] += H[i][j] * y[j]
		}
	}
	yHy := dot(y, Hy)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			H[i][j] += -rho*(s[i]*Hy[j]+Hy[i]*s[j]) + (rho*rho*yHy+rho)*s[i]*s[j]
		}
	}
}

// cholesky factors the symmetric matrix A = LLᵀ; ok is false when A is not
// positive definite.
func cholesky(A [][]float64) (L [][]float64, ok bool) {
	n := len(A)
	L = make([][]float64, n)
	for i := range L {
		L[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := A[i][j]
			for k := 0; k < j; k++ {
				s -= L[i][k] * L[j][k]
			}
			if i == j {
				if !(s > 0) {
					return nil, false
				}
				L[i][i] = math.Sqrt(s)
			} else {
				L[i][j] = s / L[j][j]
			}
		}
	}
	return L, true
}

// invertSPD inverts a symmetric positive definite matrix through its
// Cholesky factor; ok is false when A is not positive definite.
func invertSPD(A [][]float64) ([][]float64, bool) {
	L, ok := cholesky(A)
	if !ok {
		return nil, false
	}
	n := len(A)
	inv := make([][]float64, n)
	for c := 0; c < n; c++ {
		// Solve L y = e_c, then Lᵀ x = y.
		y := make([]float64, n)
		for i := 0; i < n; i++ {
			s := 0.0
			if i == c {
				s = 1
			}
			for k := 0; k < i; k++ {
				s -= L[i][k] * y[k]
			}
			y[i] = s / L[i][i]
		}
		x := make([]float64, n)
		for i := n - 1; i >= 0; i-- {
			s := y[i]
			for k := i + 1; k < n; k++ {
				s -= L[k][i] * x[k]
			}
			x[i] = s / L[i][i]
		}
		inv[c] = x
	}
	return inv, true
}

func identity(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	return m
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if !finite(x) {
			return false
		}
	}
	return true
}

// newtonPolish takes Newton steps u ← u − H⁻¹g from u, with H the Hessian
// of f by central differences of its analytic gradient (step 1e-4 in
// log-parameters). It needs only gradients, so it converges where f itself
// can no longer tell two points apart (ill-conditioned optima, where BFGS
// with a function-value line search stalls). A step is kept only if it
// shrinks the largest gradient component; halved up to 20 times otherwise.
// It returns the final point, gradient, value and evaluations used.
func newtonPolish(f objective, u0 []float64, gtol float64, maxIter int) (u, g []float64, fu float64, evals int) {
	n := len(u0)
	u = append([]float64(nil), u0...)
	g = make([]float64, n)
	fu = f(u, g)
	evals = 1
	gp, gm := make([]float64, n), make([]float64, n)
	un, gn := make([]float64, n), make([]float64, n)
	for it := 0; it < maxIter && maxAbs(g) > gtol; it++ {
		H := make([][]float64, n)
		for i := range H {
			H[i] = make([]float64, n)
		}
		const h = 1e-4
		for j := 0; j < n; j++ {
			copy(un, u)
			un[j] += h
			f(un, gp)
			un[j] -= 2 * h
			f(un, gm)
			evals += 2
			for i := 0; i < n; i++ {
				H[i][j] = (gp[i] - gm[i]) / (2 * h)
			}
		}
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				m := (H[i][j] + H[j][i]) / 2
				H[i][j], H[j][i] = m, m
			}
		}
		inv, ok := invertSPD(H)
		if !ok {
			return u, g, fu, evals
		}
		d := make([]float64, n)
		for i := range d {
			for j := range d {
				d[i] -= inv[i][j] * g[j]
			}
		}
		improved := false
		for step := 1.0; step > 1e-6; step /= 2 {
			for i := range un {
				un[i] = u[i] + step*d[i]
			}
			fn := f(un, gn)
			evals++
			if finite(fn) && allFinite(gn) && maxAbs(gn) < maxAbs(g) {
				copy(u, un)
				copy(g, gn)
				fu, improved = fn, true
				break
			}
		}
		if !improved {
			break
		}
	}
	return u, g, fu, evals
}
