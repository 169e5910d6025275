package esmm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/deepfm/nn"
	"github.com/shopmind/shopmind/ctr/deepfm/nn/nntest"
)

func ft(field int32, index uint32, value float32) ctr.Feature {
	return ctr.Feature{Field: field, Index: index, Value: value}
}

// TestGradientCheck differentiates BCE(click, pCTR) + BCE(conversion,
// pCTCVR) plus the L2 penalty numerically on a tiny network with dropout,
// over impressions of every label pair, one with pCTCVR near 1.
func TestGradientCheck(t *testing.T) {
	xs := []ctr.Example{
		{Features: []ctr.Feature{ft(0, 1, 1), ft(1, 5, 1), ft(2, 9, 0.5), ft(2, 10, 0.5)}, Click: 1, Conversion: 1},
		{Features: []ctr.Feature{ft(0, 2, 1), ft(1, 5, 1), ft(2, 11, 1)}},
		{Features: []ctr.Feature{ft(0, 1, 0.7), ft(1, 6, 1.3)}, Click: 1},
		{Features: []ctr.Feature{ft(0, 3, 1), ft(1, 7, 1), ft(2, 9, 1)}, Click: 1, Conversion: 1},
		{Features: []ctr.Feature{ft(0, 2, 1), ft(1, 6, 1), ft(2, 12, 0.25), ft(2, 13, 0.75)}},
		{Features: []ctr.Feature{ft(1, 4, 1), ft(2, 10, 1), ft(1, 99, 1)}, Click: 1},
	}
	cfg := Config{Factors: 3, Hidden: []int{5, 4}, Dropout: 0.25, Fields: 3, Space: 16}.withDefaults()
	n, err := newNetwork(cfg, xs[:5], 0.3, 0.4)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range n.table.Vals {
		if i/n.table.Dim != 15 {
			n.table.Vals[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	for _, p := range n.Dense() {
		for i := range p {
			p[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	var names []string
	for _, tower := range []string{"ctr", "cvr"} {
		for l := range n.ctr.W {
			names = append(names, fmt.Sprintf("%s W%d", tower, l), fmt.Sprintf("%s B%d", tower, l))
		}
	}
	nntest.CheckGradient(t, n, xs, 0.3, func(int) string { return "embeddings" }, names)

	// The log-space CTCVR loss agrees with the direct formula, and stays
	// finite where pCTR·pCVR rounds to 1 or 0.
	for _, z := range [][2]float64{{0.3, -1.2}, {-4, 2}, {3, 5}} {
		for _, c := range []float64{0, 1} {
			q := ctr.Sigmoid(z[0]) * ctr.Sigmoid(z[1])
			want := nn.Softplus(z[0]) - z[0] - c*math.Log(q) - (1-c)*math.Log(1-q)
			if got, _, _ := losses(z[0], z[1], 1, c); math.Abs(got-want) > 1e-12 {
				t.Errorf("logits %v, conversion %v: loss %v, want %v", z, c, got, want)
			}
		}
	}
	for _, z := range [][2]float64{{40, 40}, {-800, -800}, {800, -800}} {
		loss, g1, g2 := losses(z[0], z[1], 0, 0)
		if math.IsNaN(loss+g1+g2) || math.IsInf(g1+g2, 0) {
			t.Errorf("logits %v: loss %v, gradients %v, %v", z, loss, g1, g2)
		}
	}
}

// small is a quick training set of the synthetic shop.
func small(t testing.TB, seed uint64, n int) []ctr.Example {
	t.Helper()
	xs, _, _ := newWorld().impressions(seed, n)
	return xs
}

func fit(t testing.TB, cfg Config, train, valid []ctr.Example) *Model {
	t.Helper()
	m := New(cfg)
	if err := m.Fit(context.Background(), train, valid); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPredictions(t *testing.T) {
	train, valid := small(t, 4, 3000), small(t, 5, 500)
	cfg := Config{Factors: 4, Hidden: []int{8}, Dropout: 0.2, TrainConfig: nn.TrainConfig{Epochs: 2, BatchSize: 64, Seed: 3, Workers: 1}}
	a := fit(t, cfg, train, valid)
	cfg.Workers = 3
	b := fit(t, cfg, train, valid)
	for i := range valid {
		x := &valid[i]
		p, q := a.Predictions(x)
		if a.Predict(x) != p || a.PredictCVR(x) != q || a.PredictCTCVR(x) != p*q {
			t.Fatalf("example %d: Predict, PredictCVR, PredictCTCVR disagree with Predictions", i)
		}
		if !(p > 0 && p < 1 && q > 0 && q < 1) {
			t.Fatalf("example %d: pCTR %v, pCVR %v", i, p, q)
		}
		if pb, qb := b.Predictions(x); pb != p || qb != q {
			t.Fatalf("example %d: 1 and 3 workers gave different models", i)
		}
	}
	if p, q := new(Model).Predictions(&valid[0]); p != 0.5 || q != 0.5 {
		t.Errorf("unfitted model predicts %v, %v", p, q)
	}
	nntest.ConcurrentPredict(t, a.PredictCTCVR, valid)
	if !raceEnabled {
		a.Predict(&valid[0])
		if n := testing.AllocsPerRun(200, func() { a.PredictCTCVR(&valid[1]) }); n > 0 {
			t.Errorf("PredictCTCVR allocates %.1f times per call", n)
		}
	}
}

func TestFitErrors(t *testing.T) {
	train := small(t, 6, 200)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := New(Config{}).Fit(ctx, train, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled fit: %v", err)
	}
	for name, c := range map[string]Config{"fields": {Fields: 2}, "space": {Space: 64}, "dropout": {Dropout: -0.1}, "hidden": {Hidden: []int{0}}} {
		if err := New(c).Fit(context.Background(), train, nil); err == nil {
			t.Errorf("%s: Fit succeeded", name)
		}
	}
	if err := New(Config{}).Fit(context.Background(), nil, nil); err == nil {
		t.Error("no examples: Fit succeeded")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	train, test := small(t, 7, 2000), small(t, 8, 300)
	m := fit(t, Config{Factors: 5, Hidden: []int{10, 4}, Dropout: 0.1, TrainConfig: nn.TrainConfig{Epochs: 2, Seed: 2}}, train, nil)
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != cap(data) {
		t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
	}
	other := fit(t, Config{Factors: 2, Hidden: []int{3}, TrainConfig: nn.TrainConfig{Epochs: 1}}, train, nil)
	other.Predict(&test[0]) // warm its pool with buffers of another shape
	for _, got := range []*Model{new(Model), other} {
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		for i := range test {
			p, q := m.Predictions(&test[i])
			gp, gq := got.Predictions(&test[i])
			if math.Float64bits(p) != math.Float64bits(gp) || math.Float64bits(q) != math.Float64bits(gq) {
				t.Fatalf("example %d predicts %v, %v after the round trip, %v, %v before", i, gp, gq, p, q)
			}
		}
		if again, err := got.MarshalBinary(); err != nil || !bytes.Equal(again, data) {
			t.Errorf("re-marshalling gives other bytes (%v)", err)
		}
		if !slices.Equal(got.Config().Hidden, m.Config().Hidden) || got.BestEpoch() != m.BestEpoch() {
			t.Errorf("configuration %+v after the round trip, %+v before", got.Config(), m.Config())
		}
	}

	if _, err := new(Model).MarshalBinary(); err == nil {
		t.Error("marshalling an unfitted model succeeded")
	}
	cases := nntest.Corruptions(data)
	badFields := slices.Clone(data)
	at := 5 + 8 + 8 + 2*8 + 8 // Fields, after Factors, Hidden and Dropout
	binary.LittleEndian.PutUint64(badFields[at:], 7)
	cases["wrong fields"] = nntest.Reframe(badFields)
	for name, d := range cases {
		got := fit(t, Config{Factors: 2, TrainConfig: nn.TrainConfig{Epochs: 1}}, train, nil)
		before := got.PredictCTCVR(&test[0])
		err := got.UnmarshalBinary(d)
		t.Logf("%s: %v", name, err)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", name)
		case !strings.HasPrefix(err.Error(), "esmm: "):
			t.Errorf("%s: error %q does not name the package", name, err)
		case got.PredictCTCVR(&test[0]) != before:
			t.Errorf("%s: a refused artefact changed the model", name)
		}
	}
}

// BenchmarkFit trains one epoch of 20 000 impressions of 10 fields with the
// default configuration (k = 8, towers 64 and 32) on one goroutine and on
// two, and reports examples per second.
func BenchmarkFit(b *testing.B) {
	xs := nntest.Wide(20000, 10)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				m := New(Config{TrainConfig: nn.TrainConfig{Epochs: 1, Workers: workers}})
				if err := m.Fit(context.Background(), xs, nil); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(xs))/m.History()[0].Duration.Seconds(), "examples/s")
			}
		})
	}
}

func BenchmarkPredictions(b *testing.B) {
	xs := nntest.Wide(20000, 10)
	m := New(Config{TrainConfig: nn.TrainConfig{Epochs: 1}})
	if err := m.Fit(context.Background(), xs, nil); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		m.Predictions(&xs[i%len(xs)])
		i++
	}
}
