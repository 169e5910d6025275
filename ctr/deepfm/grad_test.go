package deepfm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/deepfm/nn"
	"github.com/shopmind/shopmind/ctr/deepfm/nn/nntest"
)

// tinyBatch is a handful of examples over 3 fields and 16 rows, with a
// multi-valued field, values other than 1, a field with no feature and a
// feature outside the table (skipped by both passes).
func tinyBatch() []ctr.Example {
	return []ctr.Example{
		{Features: []ctr.Feature{ft(0, 1, 1), ft(1, 5, 1), ft(2, 9, 0.5), ft(2, 10, 0.5)}, Click: 1},
		{Features: []ctr.Feature{ft(0, 2, 1), ft(1, 5, 1), ft(2, 11, 1)}, Click: 0},
		{Features: []ctr.Feature{ft(0, 1, 0.7), ft(1, 6, 1.3)}, Click: 1},
		{Features: []ctr.Feature{ft(0, 3, 1), ft(1, 7, 1), ft(2, 9, 1)}, Click: 0},
		{Features: []ctr.Feature{ft(0, 2, 1), ft(1, 6, 1), ft(2, 12, 0.25), ft(2, 13, 0.75)}, Click: 1},
		{Features: []ctr.Feature{ft(1, 4, 1), ft(2, 10, 1)}, Click: 0},
	}
}

func ft(field int32, index uint32, value float32) ctr.Feature {
	return ctr.Feature{Field: field, Index: index, Value: value}
}

// groupNames names the dense parameter slices of a network.
func groupNames(n *network) []string {
	names := []string{"bias"}
	if n.mlp != nil {
		for l := range n.mlp.W {
			names = append(names, fmt.Sprintf("mlp W%d", l), fmt.Sprintf("mlp B%d", l))
		}
	}
	return names
}

// tinyNetwork is a network with every parameter drawn at a scale where
// all terms matter.
func tinyNetwork(t *testing.T, fmOnly bool) (*network, []ctr.Example) {
	t.Helper()
	xs := tinyBatch()
	cfg := Config{Factors: 3, Hidden: []int{5, 4}, FMOnly: fmOnly, Dropout: 0.25, Fields: 3, Space: 16, TrainConfig: nn.TrainConfig{Seed: 1}}.withDefaults()
	n, err := newNetwork(cfg, xs, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range n.table.Vals {
		if i/n.table.Dim != 15 { // row 15 stays untouched and zero
			n.table.Vals[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	for _, p := range n.Dense() {
		for i := range p {
			p[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	xs[5].Features = append(xs[5].Features, ctr.Feature{Field: 1, Index: 99, Value: 1}, ctr.Feature{Field: 7, Index: 3, Value: 1})
	return n, xs
}

func TestGradientCheck(t *testing.T) {
	for _, fmOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("fmOnly=%v", fmOnly), func(t *testing.T) {
			n, xs := tinyNetwork(t, fmOnly)
			column := func(c int) string {
				if c == 0 {
					return "first-order"
				}
				return "embeddings"
			}
			nntest.CheckGradient(t, n, xs, 0.3, column, groupNames(n))
		})
	}
}
