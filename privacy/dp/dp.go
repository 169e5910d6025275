// Package dp owns differential privacy for aggregate reports: the Laplace
// mechanism that adds calibrated noise to counts and sums, and the privacy
// budget (epsilon) each report may spend, in memory (Budget) or shared
// through the store by every node (Ledger).
//
// A report answered with noise of scale b = sensitivity/epsilon is
// epsilon-differentially private; answering the same report again spends
// epsilon again (sequential composition), which is why each report id has a
// total budget and is refused once it is spent.
//
// Caveat: noise is drawn in floating point. Counts are rounded to whole
// numbers after the noise is added (post-processing keeps the guarantee),
// which also hides the low-order bits that Mironov's floating-point attack
// on textbook Laplace samplers reads.
package dp

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Source gives uniform numbers in [0, 1); *rand.Rand from math/rand/v2
// satisfies it (seeded in tests), and CryptoSource is the default.
type Source interface {
	Float64() float64
}

// CryptoSource returns a Source drawing from the operating system's
// cryptographic generator. It is safe for concurrent use.
func CryptoSource() Source { return rand.New(cryptoBits{}) }

type cryptoBits struct{}

func (cryptoBits) Uint64() uint64 {
	var b [8]byte
	crand.Read(b[:]) // never fails (Go 1.24+), or the program is killed
	return binary.LittleEndian.Uint64(b[:])
}

// Laplace draws from the Laplace distribution with mean 0 and scale b
// (variance 2b²) by inverting its distribution function.
func Laplace(r Source, b float64) float64 {
	for {
		u := r.Float64() - 0.5 // in [-0.5, 0.5)
		if u == -0.5 {
			continue // log(0) would give an infinity
		}
		if u < 0 {
			return b * math.Log(1+2*u)
		}
		return -b * math.Log(1-2*u)
	}
}

// Scale is the Laplace scale b = sensitivity/epsilon.
func Scale(sensitivity, epsilon float64) float64 { return sensitivity / epsilon }

// CheckParams refuses an epsilon or sensitivity that is not a positive
// finite number.
func CheckParams(sensitivity, epsilon float64) error {
	if !(epsilon > 0) || math.IsInf(epsilon, 0) {
		return fmt.Errorf("epsilon %v: must be a positive number (smaller is more private and noisier)", epsilon)
	}
	if !(sensitivity > 0) || math.IsInf(sensitivity, 0) {
		return fmt.Errorf("sensitivity %v: must be a positive number (1 for a count of people)", sensitivity)
	}
	return nil
}

// NoisySum returns sum plus Laplace noise of scale sensitivity/epsilon.
func NoisySum(r Source, sum, sensitivity, epsilon float64) float64 {
	return sum + Laplace(r, Scale(sensitivity, epsilon))
}

// NoisyCount returns a count (sensitivity 1: one person changes it by at
// most one) plus Laplace noise, rounded and clamped at zero; both are
// post-processing and keep the guarantee.
func NoisyCount(r Source, count int, epsilon float64) int {
	v := math.Round(NoisySum(r, float64(count), 1, epsilon))
	if v < 0 || math.IsNaN(v) {
		return 0
	}
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// Receipt describes one spend of a report's budget.
type Receipt struct {
	Report    string  `json:"report"`
	Epsilon   float64 `json:"epsilon"`           // spent by this answer
	Spent     float64 `json:"epsilon_spent"`     // by the report so far, this answer included
	Remaining float64 `json:"epsilon_remaining"` // left for the report
	Total     float64 `json:"epsilon_budget"`    // the report's total budget
}

// ErrBudgetExhausted is wrapped by *ExhaustedError.
var ErrBudgetExhausted = errors.New("privacy budget exhausted")

// ExhaustedError refuses a spend that would take a report past its budget.
type ExhaustedError struct {
	Report               string
	Requested, Remaining float64
	Total                float64
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("report %s: epsilon %g asked, %g of its budget of %g left; ask with a smaller epsilon or raise dp_epsilon_budget (which weakens the guarantee)",
		e.Report, e.Requested, e.Remaining, e.Total)
}

func (e *ExhaustedError) Unwrap() error { return ErrBudgetExhausted }

// micro converts epsilon to the whole millionths budgets are kept in,
// rounding up so a spend is never under-counted.
func micro(eps float64) int64 { return int64(math.Ceil(eps*1e6 - 1e-6)) }

func fromMicro(m int64) float64 { return float64(m) / 1e6 }

// Budget tracks the epsilon spent per report in memory: one process, lost
// on restart. Ledger is the shared, durable form. Safe for concurrent use.
type Budget struct {
	total int64 // millionths
	mu    sync.Mutex
	spent map[string]int64
}

// NewBudget gives every report a total budget of total epsilon.
func NewBudget(total float64) *Budget {
	return &Budget{total: micro(total), spent: map[string]int64{}}
}

// Spend charges eps to report, or refuses with an *ExhaustedError (and
// charges nothing) when the report has less than eps left.
func (b *Budget) Spend(report string, eps float64) (Receipt, error) {
	if err := CheckParams(1, eps); err != nil {
		return Receipt{}, err
	}
	m := micro(eps)
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.spent[report]
	if cur+m > b.total {
		return Receipt{}, &ExhaustedError{Report: report, Requested: eps, Remaining: fromMicro(b.total - cur), Total: fromMicro(b.total)}
	}
	b.spent[report] = cur + m
	return Receipt{Report: report, Epsilon: fromMicro(m), Spent: fromMicro(cur + m), Remaining: fromMicro(b.total - cur - m), Total: fromMicro(b.total)}, nil
}
