// Package nntest holds the test helpers of the models built on nn.
package nntest

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/deepfm/nn"
)

// CheckGradient compares the gradient a worker of net computes for the
// batch objective — the mean loss over xs (dropout masks fixed by the
// example's position) plus the L2 penalty l2 of the rows touched — with
// central finite differences, for every table value and dense parameter.
// Parameters are float32 but the losses are computed in float64, so the
// differences are accurate to about 1e-7 relative (the O(ε²) truncation
// of ε = 1e-3); the tolerance is 1e-6 + 1e-4 relative. column names the group of table column c, names the groups of
// the dense slices. It logs how many values of each group have a gradient
// above 1e-3 and fails when a group has none (a check of zeros proves
// nothing).
func CheckGradient(t testing.TB, net nn.Net, xs []ctr.Example, l2 float64, column func(c int) string, names []string) {
	t.Helper()
	tab, dense := net.Table(), net.Dense()
	w := net.NewWorker()
	objective := func(g *nn.Grad) float64 {
		var s float64
		for i := range xs {
			s += w.Grad(&xs[i], g, uint64(i)*0x9e37)
		}
		g.Scale(1 / float64(len(xs)))
		return s/float64(len(xs)) + g.AddL2(tab, l2)
	}
	g := nn.NewGrad(tab, dense)
	objective(g)
	scratch := nn.NewGrad(tab, dense)
	numeric := func(p *float32) float64 {
		const eps = 1e-3
		orig := *p
		*p = orig + eps
		hi, up := func() float64 { scratch.Reset(); return objective(scratch) }(), float64(*p)
		*p = orig - eps
		lo, down := func() float64 { scratch.Reset(); return objective(scratch) }(), float64(*p)
		*p = orig
		return (hi - lo) / (up - down)
	}
	var worst float64
	groups := map[string]int{} // values of a gradient above 1e-3, by group
	check := func(group string, i int, p *float32, analytic float64) {
		num := numeric(p)
		diff, scale := math.Abs(num-analytic), math.Max(math.Abs(num), math.Abs(analytic))
		worst = max(worst, diff/(1e-6+scale))
		switch {
		case diff > 1e-6+1e-4*scale:
			t.Errorf("%s[%d]: analytic %.9g, numeric %.9g", group, i, analytic, num)
		case math.Abs(analytic) > 1e-3:
			groups[group]++
		default:
			groups[group] += 0 // the group is checked, maybe only with zeros
		}
	}
	touched := map[uint32]bool{}
	for _, r := range g.Touched() {
		touched[r] = true
	}
	for r := range uint32(tab.Rows()) {
		var grad []float64
		if touched[r] {
			grad = g.Row(r)
		}
		for c := range tab.Dim {
			var a float64
			if grad != nil {
				a = grad[c]
			}
			check(column(c), int(r)*tab.Dim+c, &tab.Row(r)[c], a)
		}
	}
	for i, p := range dense {
		for j := range p {
			check(names[i], j, &p[j], g.Dense[i][j])
		}
	}
	t.Logf("worst relative error %.2g; values with a gradient above 1e-3 per group: %v", worst, groups)
	for name, c := range groups {
		if c == 0 {
			t.Errorf("group %s has no gradient above 1e-3: the check is vacuous", name)
		}
	}
}

// Reframe returns data with its checksum recomputed, so that the payload
// checks, not the checksum, must catch a change.
func Reframe(data []byte) []byte {
	body := data[:len(data)-4]
	return binary.LittleEndian.AppendUint32(slices.Clone(body), crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
}

// Corruptions returns damaged copies of a valid artefact, by name: empty,
// truncated, a flipped bit, an unknown version, another kind's tag and a
// byte after the payload (the last two with a valid checksum).
func Corruptions(data []byte) map[string][]byte {
	flipped := slices.Clone(data)
	flipped[len(flipped)/2] ^= 1
	return map[string][]byte{
		"empty":         nil,
		"truncated":     data[:len(data)-9],
		"flipped bit":   flipped,
		"version":       append([]byte{99}, data[1:]...),
		"other kind":    Reframe(append([]byte{data[0]}, append([]byte("????"), data[5:]...)...)),
		"trailing byte": Reframe(append(slices.Clone(data[:len(data)-4]), 0, 0, 0, 0, 0)),
	}
}

// ConcurrentPredict calls predict on every example of xs from 8 goroutines
// at once and fails unless each gets what a serial call gave; run it under
// the race detector.
func ConcurrentPredict(t testing.TB, predict func(x *ctr.Example) float64, xs []ctr.Example) {
	t.Helper()
	want := make([]float64, len(xs))
	for i := range xs {
		want[i] = predict(&xs[i])
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range xs {
				j := (i + g*251) % len(xs)
				if p := predict(&xs[j]); p != want[j] {
					t.Errorf("goroutine %d, example %d: %v, want %v", g, j, p, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}

// Wide returns n random impressions of fields fields, each a feature
// hashed into 1<<20 rows, clicked one time in ten and converting one click
// in four: the shape of the benchmarks.
func Wide(n, fields int) []ctr.Example {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]ctr.Example, n)
	for i := range xs {
		xs[i].Features = make([]ctr.Feature, fields)
		for f := range fields {
			xs[i].Features[f] = ctr.Feature{Field: int32(f), Index: uint32(rng.IntN(1 << 20)), Value: 1}
		}
		if rng.IntN(10) == 0 {
			xs[i].Click = 1
			if rng.IntN(4) == 0 {
				xs[i].Conversion = 1
			}
		}
	}
	return xs
}
