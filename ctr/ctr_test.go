package ctr

import (
	"math"
	"testing"
)

func TestEncode(t *testing.T) {
	s := &Schema{Fields: []string{"user", "item", "genre"}, Crosses: [][]string{{"user", "item"}, {"user", "genre"}}, Space: 1 << 16}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	got := s.Encode([]Raw{{"item", []string{"i1"}}, {"user", []string{"u1"}}, {"genre", []string{"a", "b"}}, {"unknown", []string{"x"}}}, nil)
	if len(got) != 6 {
		t.Fatalf("%d features, want 6 (user, item, two genres, two crosses): %+v", len(got), got)
	}
	var genre float32
	for _, f := range got {
		if f.Index >= 1<<16 {
			t.Errorf("index %d outside the space", f.Index)
		}
		if f.Field == 2 {
			genre += f.Value
		}
	}
	if genre != 1 {
		t.Errorf("multi-valued field weighs %v in all, want 1", genre)
	}
	// Same input, same features: training and serving agree.
	again := s.Encode([]Raw{{"user", []string{"u1"}}, {"item", []string{"i1"}}, {"genre", []string{"a", "b"}}}, nil)
	if s.Hash(3, "u1\x1fi1") != again[len(again)-2].Index {
		t.Error("the user×item cross is not the hash of its joined values")
	}
	// A missing field drops the crosses that need it.
	if n := len(s.Encode([]Raw{{"user", []string{"u1"}}}, nil)); n != 1 {
		t.Errorf("user only: %d features, want 1", n)
	}
	for _, bad := range []*Schema{{}, {Fields: []string{"a", "a"}}, {Fields: []string{"a"}, Crosses: [][]string{{"a", "b"}}}, {Fields: []string{"a"}, Space: 1000}} {
		if bad.Check() == nil {
			t.Errorf("schema %+v accepted", bad)
		}
	}
}

func TestMetrics(t *testing.T) {
	labels := []float32{0, 0, 1, 1}
	if a := AUC([]float64{0.1, 0.4, 0.35, 0.8}, labels); math.Abs(a-0.75) > 1e-12 {
		t.Errorf("AUC = %v, want 0.75", a)
	}
	if a := AUC([]float64{0.5, 0.5, 0.5, 0.5}, labels); a != 0.5 {
		t.Errorf("AUC of ties = %v, want 0.5", a)
	}
	if a := AUC([]float64{0.1, 0.2}, []float32{1, 1}); !math.IsNaN(a) {
		t.Errorf("AUC with one class = %v, want NaN", a)
	}
	if l := LogLoss([]float64{0.5, 0.5}, []float32{0, 1}); math.Abs(l-math.Ln2) > 1e-12 {
		t.Errorf("LogLoss = %v, want ln 2", l)
	}
	// Perfectly calibrated bins: ECE 0; always 0.9 on a 50% rate: ECE 0.4.
	if e := ECE([]float64{0.25, 0.25, 0.25, 0.25}, []float32{1, 0, 0, 0}, 10); e > 1e-12 {
		t.Errorf("ECE of a calibrated bin = %v", e)
	}
	if e := ECE([]float64{0.9, 0.9}, []float32{1, 0}, 10); math.Abs(e-0.4) > 1e-12 {
		t.Errorf("ECE = %v, want 0.4", e)
	}
	if s := Sigmoid(-800); s != 0 || Sigmoid(800) != 1 || Sigmoid(0) != 0.5 {
		t.Error("Sigmoid misbehaves at the extremes")
	}
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	s := &Schema{Fields: []string{"user", "item", "genre", "hour"}, Crosses: [][]string{{"user", "item"}, {"item", "hour"}}}
	raw := []Raw{{"user", []string{"u1"}}, {"item", []string{"i1"}}, {"genre", []string{"a", "b"}}, {"hour", []string{"13"}}}
	dst := make([]Feature, 0, 16)
	if n := testing.AllocsPerRun(100, func() { dst = s.Encode(raw, dst[:0]) }); n != 0 {
		t.Errorf("Encode allocates %v times per call, want 0", n)
	}
}
