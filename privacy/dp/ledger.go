package dp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopmind/shopmind/store"
)

// Kind is the store object kind of a report's budget record.
const Kind = "dp_budget"

// LedgerStore is the part of store.Store a Ledger uses: an atomic counter
// per report holds the spent budget (so concurrent spends on any node never
// take it past the total), and an object of kind "dp_budget" per report
// records it for people and audits.
type LedgerStore interface {
	AddCounters(ctx context.Context, delta int64, counters []store.Counter) (int64, error)
	GetCounters(ctx context.Context, keys []string) (map[string]int64, error)
	PutObject(ctx context.Context, kind, id string, data []byte) (int64, error)
	GetObject(ctx context.Context, kind, id string) (store.Object, error)
}

// Record is the stored form of a report's budget (object kind "dp_budget").
type Record struct {
	Report    string    `json:"report"`
	Spent     float64   `json:"epsilon_spent"`
	Total     float64   `json:"epsilon_budget"`
	Answers   int       `json:"answers"` // noisy answers given
	UpdatedAt time.Time `json:"updated_at"`
}

// Ledger keeps each report's spent epsilon in the store, so it survives
// restarts and every node sharing the store draws on the same budget.
type Ledger struct {
	st    LedgerStore
	total int64 // millionths
	now   func() time.Time
}

// NewLedger gives every report a total budget of total epsilon.
func NewLedger(st LedgerStore, total float64) *Ledger {
	return &Ledger{st: st, total: micro(total), now: time.Now}
}

func counterKey(report string) string { return Kind + ":" + report }

// Spend charges eps to report, or refuses with an *ExhaustedError when the
// report has less than eps left. A spend that loses a race with another
// node near the end of the budget may be refused after charging the
// remainder: the budget errs towards privacy, never past its total.
func (l *Ledger) Spend(ctx context.Context, report string, eps float64) (Receipt, error) {
	if err := CheckParams(1, eps); err != nil {
		return Receipt{}, err
	}
	if err := store.CheckObjectKey(Kind, report); err != nil {
		return Receipt{}, err
	}
	m := micro(eps)
	key := counterKey(report)
	cur, err := l.spent(ctx, key)
	if err != nil {
		return Receipt{}, err
	}
	if cur+m > l.total {
		return Receipt{}, &ExhaustedError{Report: report, Requested: eps, Remaining: fromMicro(l.total - cur), Total: fromMicro(l.total)}
	}
	added, err := l.st.AddCounters(ctx, m, []store.Counter{{Key: key, Limit: l.total}})
	if err != nil {
		return Receipt{}, fmt.Errorf("spending the privacy budget of %s: %w", report, err)
	}
	after, err := l.spent(ctx, key)
	if err != nil {
		return Receipt{}, err
	}
	if added < m {
		return Receipt{}, &ExhaustedError{Report: report, Requested: eps, Remaining: fromMicro(l.total - after), Total: fromMicro(l.total)}
	}
	if err := l.record(ctx, report, after); err != nil {
		return Receipt{}, err
	}
	return Receipt{Report: report, Epsilon: fromMicro(m), Spent: fromMicro(after), Remaining: fromMicro(max(l.total-after, 0)), Total: fromMicro(l.total)}, nil
}

// Remaining returns the epsilon report has left.
func (l *Ledger) Remaining(ctx context.Context, report string) (float64, error) {
	cur, err := l.spent(ctx, counterKey(report))
	return fromMicro(max(l.total-cur, 0)), err
}

// Get returns the stored record of a report; store.ErrNotFound (wrapped)
// if it never spent anything.
func (l *Ledger) Get(ctx context.Context, report string) (Record, error) {
	obj, err := l.st.GetObject(ctx, Kind, report)
	if err != nil {
		return Record{}, fmt.Errorf("reading the privacy budget of %s: %w", report, err)
	}
	var r Record
	if err := json.Unmarshal(obj.Data, &r); err != nil {
		return Record{}, fmt.Errorf("privacy budget record of %s is damaged (%v): %w", report, err, store.ErrInvalid)
	}
	return r, nil
}

func (l *Ledger) spent(ctx context.Context, key string) (int64, error) {
	vals, err := l.st.GetCounters(ctx, []string{key})
	if err != nil {
		return 0, fmt.Errorf("reading the privacy budget: %w", err)
	}
	return vals[key], nil
}

// record mirrors the counter into the report's "dp_budget" object. The
// counter stays the authority; concurrent writers may leave the object's
// answer count short by the racing answers.
func (l *Ledger) record(ctx context.Context, report string, spent int64) error {
	r, err := l.Get(ctx, report)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	r.Report, r.Spent, r.Total, r.UpdatedAt = report, fromMicro(spent), fromMicro(l.total), l.now().UTC()
	r.Answers++
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := l.st.PutObject(ctx, Kind, report, data); err != nil {
		return fmt.Errorf("recording the privacy budget of %s: %w", report, err)
	}
	return nil
}
