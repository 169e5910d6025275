package clv

import (
	"errors"
	"math"
	"testing"
)

// rosenbrock is the classic curved valley, minimum 0 at (1, 1, …).
func rosenbrock(u, grad []float64) float64 {
	f := 0.0
	clear(grad)
	for i := 0; i+1 < len(u); i++ {
		a, b := 1-u[i], u[i+1]-u[i]*u[i]
		f += a*a + 100*b*b
		if grad != nil {
			grad[i] += -2*a - 400*u[i]*b
			grad[i+1] += 200 * b
		}
	}
	return f
}

func TestOptimizers(t *testing.T) {
	tests := []struct {
		name string
		x0   []float64
	}{
		{"2-d", []float64{-1.2, 1}},
		{"4-d", []float64{-1, 2, -0.5, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := bfgs(rosenbrock, tc.x0, 2000, 1e-10)
			if err != nil {
				t.Fatalf("BFGS: %v", err)
			}
			for i, v := range r.u {
				if math.Abs(v-1) > 1e-8 {
					t.Errorf("BFGS: u[%d] = %v, want 1 (after %d iterations)", i, v, r.iterations)
				}
			}
			x, f, _ := nelderMead(func(u []float64) float64 { return rosenbrock(u, nil) }, tc.x0, 0.5, 1e-14, 20000)
			if f > 1e-8 {
				t.Errorf("Nelder–Mead stopped at %v with f = %v", x, f)
			}
			// Newton polishing starts near the optimum, where the Hessian is
			// positive definite.
			u, g, _, _ := newtonPolish(rosenbrock, []float64{1.001, 0.999, 1.0005, 1.002}[:len(tc.x0)], 1e-10, 50)
			if maxAbs(g) > 1e-10 || math.Abs(u[0]-1) > 1e-8 {
				t.Errorf("Newton polish stopped at %v, gradient %v", u, g)
			}
		})
	}
}

func TestBFGSErrors(t *testing.T) {
	inf := func(u, grad []float64) float64 { return math.Inf(1) }
	if _, err := bfgs(inf, []float64{0}, 10, 1e-9); err == nil {
		t.Error("BFGS accepted a start with an infinite objective")
	}
	if _, err := bfgs(rosenbrock, []float64{-1.2, 1}, 2, 1e-12); !errors.Is(err, ErrNotConverged) {
		t.Errorf("BFGS with 2 iterations: %v, want ErrNotConverged", err)
	}
}

func TestInvertSPD(t *testing.T) {
	A := [][]float64{{4, 2, 0.6}, {2, 3, 0.4}, {0.6, 0.4, 2}}
	inv, ok := invertSPD(A)
	if !ok {
		t.Fatal("not positive definite")
	}
	for i := range A {
		for j := range A {
			s := 0.0
			for k := range A {
				s += A[i][k] * inv[k][j]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(s-want) > 1e-14 {
				t.Errorf("(A·A⁻¹)[%d][%d] = %v", i, j, s)
			}
		}
	}
	if _, ok := invertSPD([][]float64{{1, 2}, {2, 1}}); ok {
		t.Error("an indefinite matrix was inverted")
	}
}
