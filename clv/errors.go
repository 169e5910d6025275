package clv

import "errors"

// Errors a caller can test for with errors.Is.
var (
	// ErrNoData means there is nothing to fit: no customers, or (for
	// Gamma-Gamma) no customer with repeat purchases and spend.
	ErrNoData = errors.New("clv: no data")
	// ErrNotConverged means the optimiser stopped before the gradient was
	// small enough. The returned parameters are the best found; try other
	// starting values (FitOptions.Start) or more iterations.
	ErrNotConverged = errors.New("clv: fit did not converge")
	// ErrParams means model parameters are outside their domain (all must be
	// finite and > 0).
	ErrParams = errors.New("clv: invalid parameters")
)
