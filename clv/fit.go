package clv

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// FitOptions tunes a maximum-likelihood fit. The zero value (or nil) is the
// default and is what the published CDNOW results are reproduced with.
type FitOptions struct {
	// Start holds starting parameters in the model's order (BG/NBD: r, α, a,
	// b; Pareto/NBD: r, α, s, β; Gamma-Gamma: p, q, γ). nil starts from 1s.
	Start []float64
	// MaxIter bounds the BFGS iterations; 0 means 1000.
	MaxIter int
	// GradTol is the convergence test: every component of the gradient of the
	// mean log-likelihood per customer with respect to the log-parameters
	// must be at most GradTol in absolute value. 0 means 1e-9.
	GradTol float64
}

// FitResult describes a fit: the maximum-likelihood parameters, their
// asymptotic standard errors and how the optimiser got there.
type FitResult struct {
	Model       string    // "BG/NBD", "Pareto/NBD" or "Gamma-Gamma"
	Names       []string  // parameter names, in order
	Params      []float64 // maximum-likelihood estimates
	StdErr      []float64 // from the inverse of the observed information (numerical Hessian of the analytic gradient); NaN when it is not positive definite
	LogLik      float64   // total log-likelihood at Params
	Customers   int       // customers the likelihood sums over
	Iterations  int       // BFGS iterations (both attempts when the first needed a Nelder–Mead restart)
	Evaluations int       // likelihood evaluations, both stages
	MaxGrad     float64   // largest |∂(mean log-likelihood)/∂ln θ| at the end
}

// Param returns the estimate called name, or NaN.
func (r FitResult) Param(name string) float64 {
	for i, n := range r.Names {
		if n == name {
			return r.Params[i]
		}
	}
	return math.NaN()
}

// likelihood is a model's total log-likelihood over its data and its
// gradient with respect to the natural parameters.
type likelihood struct {
	model string
	names []string
	n     int                                 // customers
	eval  func(theta, grad []float64) float64 // total log-likelihood; grad may be nil
	valid func(theta []float64) error         // optional extra domain check
}

// maxLogParam bounds the search to parameters in [1e-10, 1e10]. Beyond, the
// likelihoods lose their precision to cancellation (ln Γ differences of
// huge arguments) and an optimiser chasing a maximum at infinity would feed
// on rounding noise; a fit that ends near the bound is reported as having
// no finite maximum.
var maxLogParam = math.Log(1e10)

// maximise fits lk by maximum likelihood on log-parameters: BFGS with the
// analytic gradient from the start, Newton steps to polish where the
// likelihood's rounding stalls BFGS, and, if that still fails, a Nelder–Mead
// search from the start followed by the same; then a numerical Hessian for
// standard errors.
func maximise(lk likelihood, opt *FitOptions) ([]float64, FitResult, error) {
	var o FitOptions
	if opt != nil {
		o = *opt
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 1000
	}
	if o.GradTol <= 0 {
		o.GradTol = 1e-9
	}
	k := len(lk.names)
	u0 := make([]float64, k)
	if o.Start != nil {
		if len(o.Start) != k {
			return nil, FitResult{}, fmt.Errorf("%w: %d starting values given, %s has %d parameters (%v)", ErrParams, len(o.Start), lk.model, k, lk.names)
		}
		for i, v := range o.Start {
			if !(v > 0) || !finite(v) {
				return nil, FitResult{}, fmt.Errorf("%w: starting value %s = %v; every parameter must be finite and > 0", ErrParams, lk.names[i], v)
			}
			u0[i] = math.Log(v)
		}
	}
	scale := 1 / float64(lk.n)
	theta := make([]float64, k)
	gth := make([]float64, k)
	f := func(u, grad []float64) float64 {
		for i := range u {
			if math.Abs(u[i]) > maxLogParam {
				return math.Inf(1)
			}
			theta[i] = math.Exp(u[i])
		}
		if lk.valid != nil && lk.valid(theta) != nil {
			return math.Inf(1)
		}
		var g []float64
		if grad != nil {
			g = gth
		}
		ll := lk.eval(theta, g)
		if math.IsNaN(ll) || math.IsInf(ll, 1) {
			return math.Inf(1)
		}
		for i := range grad {
			grad[i] = -g[i] * theta[i] * scale
		}
		return -ll * scale
	}
	res := FitResult{Model: lk.model, Names: lk.names, Customers: lk.n}
	// BFGS from the start, polished by Newton steps if it stalls; if that
	// fails, Nelder–Mead from the start to find the basin, then the same.
	var b bfgsResult
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		from := u0
		if attempt == 1 {
			var evals int
			from, _, evals = nelderMead(func(u []float64) float64 { return f(u, nil) }, u0, 0.5, 1e-6, 200*k)
			res.Evaluations += evals
		}
		var bb bfgsResult
		bb, err = bfgs(f, from, o.MaxIter, o.GradTol)
		res.Evaluations += bb.evals
		res.Iterations += bb.iterations
		if bb.u != nil && err != nil {
			// Polish with Newton steps on the gradient alone.
			u, g, fu, ne := newtonPolish(f, bb.u, o.GradTol, 20)
			res.Evaluations += ne
			if maxAbs(g) < bb.maxGrad {
				bb.u, bb.grad, bb.f, bb.maxGrad = u, g, fu, maxAbs(g)
			}
			if bb.maxGrad <= o.GradTol {
				err = nil
			}
		}
		if bb.u != nil && (b.u == nil || bb.f < b.f || err == nil) {
			b = bb
		}
		if err == nil {
			break
		}
	}
	if b.u == nil {
		return nil, res, fmt.Errorf("fitting %s: %w", lk.model, err)
	}
	res.MaxGrad = b.maxGrad
	res.Params = make([]float64, k)
	for i := range b.u {
		res.Params[i] = math.Exp(b.u[i])
	}
	res.LogLik = lk.eval(res.Params, nil)
	res.StdErr = stdErrors(lk, res.Params)
	if err != nil {
		var far []string
		for i, v := range res.Params {
			if v > 1e6 || v < 1e-6 {
				far = append(far, fmt.Sprintf("%s = %.3g", lk.names[i], v))
			}
		}
		if len(far) > 0 {
			err = fmt.Errorf("%w; %s ran off toward the edge of the parameter space: the likelihood has no finite maximum on these data (they lack the heterogeneity or the dropout the model describes)",
				err, strings.Join(far, ", "))
		}
		return res.Params, res, fmt.Errorf("fitting %s to %d customers: %w", lk.model, lk.n, err)
	}
	return res.Params, res, nil
}

// stdErrors returns the square roots of the diagonal of the inverse observed
// information, the Hessian of −LL taken by central differences of the
// analytic gradient (relative step 1e-5, then symmetrised).
func stdErrors(lk likelihood, theta []float64) []float64 {
	k := len(theta)
	se := make([]float64, k)
	info := make([][]float64, k)
	for i := range info {
		info[i] = make([]float64, k)
	}
	gp, gm := make([]float64, k), make([]float64, k)
	for j := 0; j < k; j++ {
		h := 1e-5 * theta[j]
		tp := append([]float64(nil), theta...)
		tm := append([]float64(nil), theta...)
		tp[j] += h
		tm[j] -= h
		lk.eval(tp, gp)
		lk.eval(tm, gm)
		for i := 0; i < k; i++ {
			info[i][j] = -(gp[i] - gm[i]) / (2 * h)
		}
	}
	for i := 0; i < k; i++ {
		for j := 0; j < i; j++ {
			m := (info[i][j] + info[j][i]) / 2
			info[i][j], info[j][i] = m, m
		}
	}
	cov, ok := invertSPD(info)
	for i := range se {
		se[i] = math.NaN()
		if ok {
			se[i] = math.Sqrt(cov[i][i])
		}
	}
	return se
}

// checkParams refuses parameters that are not finite and positive.
func checkParams(model string, names []string, vals ...float64) error {
	for i, v := range vals {
		if !(v > 0) || !finite(v) {
			return fmt.Errorf("%w: %s %s = %v; every parameter must be finite and > 0", ErrParams, model, names[i], v)
		}
	}
	return nil
}

// maxTable bounds the gamma-ratio tables; customers with more repeat
// purchases fall back to the special functions.
const maxTable = 10_000

// row is a group of customers with identical summaries, counted w times.
type row struct {
	x     int
	tx, T float64
	w     float64
}

// groupRows collapses identical (x, t_x, T) summaries, which are common
// (every customer without repeat purchases who joined on the same day),
// so each distinct summary is evaluated once per likelihood call.
func groupRows(cs []Customer) []row {
	type key struct {
		x     int
		tx, T float64
	}
	idx := make(map[key]int, len(cs))
	var rows []row
	for _, c := range cs {
		k := key{c.X, c.Tx, c.T}
		if i, ok := idx[k]; ok {
			rows[i].w++
			continue
		}
		idx[k] = len(rows)
		rows = append(rows, row{c.X, c.Tx, c.T, 1})
	}
	return rows
}

// chunkRows is how many rows one goroutine sums at a time. It is fixed, not
// derived from the CPU count, so results are bit-for-bit reproducible.
const chunkRows = 1024

// sumRows returns Σ w·f(row) over rows and, when grad is not nil, writes
// Σ w·∇f(row) there (f receives a nil gradient slice otherwise). Chunks of
// rows are evaluated in parallel and their partial sums added in order.
func sumRows(rows []row, grad []float64, f func(r *row, g []float64) float64) float64 {
	k := len(grad)
	chunks := (len(rows) + chunkRows - 1) / chunkRows
	totals := make([]float64, chunks)
	grads := make([]float64, chunks*k)
	do := func(c int) {
		lo, hi := c*chunkRows, min((c+1)*chunkRows, len(rows))
		var g, acc []float64
		if k > 0 {
			g = make([]float64, k)
			acc = grads[c*k : (c+1)*k]
		}
		total := 0.0
		for i := lo; i < hi; i++ {
			r := &rows[i]
			total += r.w * f(r, g)
			for j := range acc {
				acc[j] += r.w * g[j]
			}
		}
		totals[c] = total
	}
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for c := 0; c < chunks; c++ {
			do(c)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
					do(c)
				}
			}()
		}
		wg.Wait()
	}
	total := 0.0
	clear(grad)
	for c := 0; c < chunks; c++ {
		total += totals[c]
		for j := 0; j < k; j++ {
			grad[j] += grads[c*k+j]
		}
	}
	return total
}
