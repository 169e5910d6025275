package dp

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

// The Laplace sampler has mean 0, mean absolute deviation b, variance 2b²
// and P(|X| > b) = 1/e, for b = sensitivity/epsilon.
func TestLaplaceDistribution(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const n = 200000
	for _, c := range []struct{ sens, eps float64 }{{1, 0.1}, {1, 1}, {5, 0.5}} {
		b := Scale(c.sens, c.eps)
		var sum, abs, sq float64
		over := 0
		for range n {
			x := Laplace(r, b)
			sum += x
			abs += math.Abs(x)
			sq += x * x
			if math.Abs(x) > b {
				over++
			}
		}
		mean := sum / n
		// The mean's standard error is sqrt(2)·b/sqrt(n); allow 4 of them.
		if se := math.Sqrt2 * b / math.Sqrt(n); math.Abs(mean) > 4*se {
			t.Errorf("b=%g: mean %.4f, want 0 ± %.4f", b, mean, 4*se)
		}
		if got := abs / n; math.Abs(got-b)/b > 0.02 {
			t.Errorf("b=%g: mean |x| %.4f, want %.4f ± 2%%", b, got, b)
		}
		if got := sq / n; math.Abs(got-2*b*b)/(2*b*b) > 0.05 {
			t.Errorf("b=%g: variance %.3f, want %.3f ± 5%%", b, got, 2*b*b)
		}
		if got := float64(over) / n; math.Abs(got-1/math.E) > 0.01 {
			t.Errorf("b=%g: P(|x| > b) = %.4f, want %.4f", b, got, 1/math.E)
		}
	}
}

func TestNoisyCount(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	sum := 0
	for range n {
		v := NoisyCount(r, 1000, 1)
		if v < 0 {
			t.Fatalf("negative count %d", v)
		}
		sum += v
	}
	if mean := float64(sum) / n; math.Abs(mean-1000) > 0.1 {
		t.Errorf("mean noisy count %.3f, want 1000 ± 0.1", mean)
	}
	// Near zero the clamp keeps answers non-negative.
	for range 1000 {
		if v := NoisyCount(r, 0, 0.1); v < 0 {
			t.Fatalf("negative count %d", v)
		}
	}
	// The crypto source works and is not constant.
	c := CryptoSource()
	if a, b := Laplace(c, 1), Laplace(c, 1); a == b {
		t.Errorf("crypto source gave %v twice", a)
	}
}

func TestCheckParams(t *testing.T) {
	for _, c := range []struct{ sens, eps float64 }{{1, 0}, {1, -1}, {1, math.Inf(1)}, {0, 1}, {math.NaN(), 1}, {1, math.NaN()}} {
		if CheckParams(c.sens, c.eps) == nil {
			t.Errorf("CheckParams(%v, %v) accepted", c.sens, c.eps)
		}
	}
	if err := CheckParams(1, 0.1); err != nil {
		t.Error(err)
	}
}

func TestBudgetRefusesWhenSpent(t *testing.T) {
	b := NewBudget(1)
	for i := range 3 {
		rc, err := b.Spend("r", 0.3)
		if err != nil {
			t.Fatalf("spend %d: %v", i, err)
		}
		if want := 0.3 * float64(i+1); math.Abs(rc.Spent-want) > 1e-9 || math.Abs(rc.Remaining-(1-want)) > 1e-9 {
			t.Fatalf("spend %d: %+v", i, rc)
		}
	}
	_, err := b.Spend("r", 0.3)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || !errors.Is(err, ErrBudgetExhausted) || math.Abs(ex.Remaining-0.1) > 1e-9 {
		t.Fatalf("fourth spend: %v", err)
	}
	// The refusal charged nothing: exactly the rest still fits.
	if rc, err := b.Spend("r", 0.1); err != nil || rc.Remaining != 0 {
		t.Fatalf("last 0.1: %+v %v", rc, err)
	}
	if _, err := b.Spend("r", 1e-6); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("spend past the total: %v", err)
	}
	// Budgets are per report.
	if _, err := b.Spend("other", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Spend("r", 0); err == nil {
		t.Fatal("epsilon 0 accepted")
	}
}

func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The ledger survives a restart, is shared by two nodes on one store, and
// concurrent spends never take a report past its total.
func TestLedgerPersistsAndIsShared(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dp.db")
	st := openStore(t, path)
	a, b := NewLedger(st, 1), NewLedger(st, 1)
	if _, err := a.Spend(ctx, "segment_size:x", 0.4); err != nil {
		t.Fatal(err)
	}
	rc, err := b.Spend(ctx, "segment_size:x", 0.4)
	if err != nil || math.Abs(rc.Spent-0.8) > 1e-9 {
		t.Fatalf("second node: %+v %v", rc, err)
	}
	st.Close()

	st = openStore(t, path)
	defer st.Close()
	l := NewLedger(st, 1)
	if rem, err := l.Remaining(ctx, "segment_size:x"); err != nil || math.Abs(rem-0.2) > 1e-9 {
		t.Fatalf("after restart: remaining %v, %v", rem, err)
	}
	if _, err := l.Spend(ctx, "segment_size:x", 0.3); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("spend past the budget after restart: %v", err)
	}
	rec, err := l.Get(ctx, "segment_size:x")
	if err != nil || rec.Answers != 2 || math.Abs(rec.Spent-0.8) > 1e-9 || rec.Total != 1 {
		t.Fatalf("record %+v %v", rec, err)
	}
	if _, err := st.GetObject(ctx, Kind, "segment_size:x"); err != nil {
		t.Fatalf("no %s object: %v", Kind, err)
	}

	// 20 spends of 0.1 race for a fresh report's budget of 1: exactly 10 win.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Go(func() {
			if _, err := NewLedger(st, 1).Spend(ctx, "race", 0.1); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, ErrBudgetExhausted) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if rem, _ := l.Remaining(ctx, "race"); ok > 10 || rem < 0 {
		t.Fatalf("%d spends of 0.1 granted from a budget of 1 (remaining %v)", ok, rem)
	}
	if ok < 9 {
		t.Errorf("only %d of 10 possible spends granted", ok)
	}
}
