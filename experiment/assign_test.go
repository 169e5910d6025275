package experiment

import (
	"fmt"
	"math"
	"testing"
)

func userID(i int) string { return fmt.Sprintf("user-%06d", i) }

func TestAssignDeterministic(t *testing.T) {
	e := valid()
	e.Normalize()
	for i := range 1000 {
		if a, b := Assign(&e, userID(i)), Assign(&e, userID(i)); a != b {
			t.Fatalf("user %d: %q then %q", i, a, b)
		}
	}
	// Another salt shuffles users: about half change arm between two
	// 50/50 experiments without holdout.
	e.Holdout = 0
	f := e
	f.Salt = "s2"
	moved := 0
	for i := range 10000 {
		if Assign(&e, userID(i)) != Assign(&f, userID(i)) {
			moved++
		}
	}
	if moved < 4700 || moved > 5300 {
		t.Fatalf("%d of 10000 users differ between salts; want about 5000", moved)
	}
}

// TestAssignBalanced checks each weight vector with a chi-square
// goodness-of-fit test over 100k deterministic ids (so it cannot flake):
// the statistic must stay below the 0.001 critical value.
func TestAssignBalanced(t *testing.T) {
	const n = 100_000
	cases := []struct {
		holdout float64
		weights []float64
	}{
		{0, []float64{1, 1}},
		{0.1, []float64{1, 1}},
		{0, []float64{1, 2, 3, 4}},
		{0.05, []float64{0.9, 0.1}},
		{0.5, []float64{5, 1, 1, 1, 1, 1}},
	}
	for _, c := range cases {
		e := Experiment{Salt: "balance", Holdout: c.holdout}
		for i, w := range c.weights {
			e.Variants = append(e.Variants, Variant{fmt.Sprintf("v%d", i), w})
		}
		counts := map[string]int{}
		for i := range n {
			counts[Assign(&e, userID(i))]++
		}
		chi := 0.0
		arms, shares := e.Arms(), e.Shares()
		for i, a := range arms {
			exp := shares[i] * n
			d := float64(counts[a]) - exp
			chi += d * d / exp
		}
		p := chiSquareSF(chi, len(arms)-1)
		t.Logf("holdout %v weights %v: chi² %.2f, p %.3f, counts %v", c.holdout, c.weights, chi, p, counts)
		if p < 0.001 {
			t.Errorf("holdout %v weights %v: chi² %.2f (p %.2g): assignment is unbalanced", c.holdout, c.weights, chi, p)
		}
	}
}

// TestAssignStableWhenAppending adds a variant at the end: users who moved
// moved only into it, and the share that moved matches its weight.
func TestAssignStableWhenAppending(t *testing.T) {
	const n = 100_000
	before := Experiment{Salt: "stable", Holdout: 0.1, Variants: []Variant{{"control", 2}, {"a", 1}, {"b", 1}}}
	after := before
	after.Variants = append(append([]Variant(nil), before.Variants...), Variant{"c", 1})
	moved := 0
	for i := range n {
		u := userID(i)
		a, b := Assign(&before, u), Assign(&after, u)
		if a == b {
			continue
		}
		if b != "c" {
			t.Fatalf("user %s moved from %q to %q, not into the new variant", u, a, b)
		}
		if a == HoldoutArm {
			t.Fatalf("user %s left the holdout", u)
		}
		moved++
	}
	want := 0.9 * 1.0 / 5.0 // share of units the new variant takes
	got := float64(moved) / n
	se := math.Sqrt(want * (1 - want) / n)
	if math.Abs(got-want) > 4*se {
		t.Fatalf("%.4f of users moved; want %.4f ± %.4f", got, want, 4*se)
	}
}

func TestUnitRange(t *testing.T) {
	for i := range 10000 {
		if u := unit("s", userID(i), ""); u <= 0 || u >= 1 {
			t.Fatalf("unit %v outside (0, 1)", u)
		}
	}
	if unit("ab", "c", "") == unit("a", "bc", "") {
		t.Fatal("salt and user are not separated in the hash")
	}
}
