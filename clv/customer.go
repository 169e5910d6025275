package clv

import (
	"fmt"
	"math"
)

// Customer is one customer's calibration-period summary, the input of every
// model: X repeat purchases, the last of them Tx weeks after the first
// purchase, observed for T weeks since the first purchase.
type Customer struct {
	ID   string
	X    int     // repeat purchases in the calibration period (first purchase excluded)
	Tx   float64 // weeks from the first purchase to the last repeat purchase; 0 when X == 0
	T    float64 // weeks from the first purchase to the end of the calibration period
	Zbar float64 // mean value of the repeat purchases; 0 when X == 0 or spend is unknown
}

// Check reports whether c is a possible summary.
func (c Customer) Check() error {
	switch {
	case c.X < 0:
		return fmt.Errorf("customer %q: x = %d repeat purchases is negative", c.ID, c.X)
	case !finite(c.Tx) || !finite(c.T) || c.Tx < 0 || c.T < 0:
		return fmt.Errorf("customer %q: t_x = %v and T = %v must be finite and ≥ 0", c.ID, c.Tx, c.T)
	case c.Tx > c.T+1e-9:
		return fmt.Errorf("customer %q: last purchase t_x = %v lies after the end of calibration T = %v", c.ID, c.Tx, c.T)
	case c.X == 0 && c.Tx != 0:
		return fmt.Errorf("customer %q: no repeat purchases but t_x = %v (it must be 0)", c.ID, c.Tx)
	case !finite(c.Zbar) || c.Zbar < 0:
		return fmt.Errorf("customer %q: mean spend %v must be finite and ≥ 0", c.ID, c.Zbar)
	}
	return nil
}

// checkCustomers validates every summary; fits refuse data they would
// silently misread.
func checkCustomers(cs []Customer) error {
	if len(cs) == 0 {
		return fmt.Errorf("no customers to fit: %w", ErrNoData)
	}
	for i := range cs {
		if err := cs[i].Check(); err != nil {
			return fmt.Errorf("%w (row %d); fix or drop the row", err, i+1)
		}
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
