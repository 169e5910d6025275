package ctreval

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/internal/testenv"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeGz(t *testing.T, path, content string) {
	t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	z.Write([]byte(content))
	z.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fieldsOf returns, per field index, the feature indices of x.
func fieldsOf(x *ctr.Example) map[int32][]ctr.Feature {
	out := map[int32][]ctr.Feature{}
	for _, f := range x.Features {
		out[f.Field] = append(out[f.Field], f)
	}
	return out
}

func TestMovieLensFixture(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "u.user"), "1|24|M|technician|85711\n2|53|F|other|94043\n3|17|M|student|32067\n")
	g := "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0" // Animation, Children's, Comedy
	writeFile(t, filepath.Join(dir, "u.item"), "1|Toy Story (1995)|01-Jan-1995||http://x"+g+"\n2|GoldenEye (1995)|01-Jan-1995||http://y|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n")
	writeFile(t, filepath.Join(dir, "u.data"), "1\t1\t5\t881250949\n2\t2\t3\t881250950\n3\t1\t4\t881250940\n1\t2\t1\t881250999\n")
	d, err := loadMovieLens(context.Background(), dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Examples) != 4 || d.Schema.NumFields() != 6 || d.Given != 0 {
		t.Fatalf("%d rows, %d fields", len(d.Examples), d.Schema.NumFields())
	}
	clicks := []float32{1, 0, 1, 0}
	for i, x := range d.Examples {
		if x.Click != clicks[i] {
			t.Errorf("row %d: click %v, want %v (rating ≥ 4)", i, x.Click, clicks[i])
		}
	}
	if d.Examples[0].Time != 881250949 {
		t.Errorf("time %d", d.Examples[0].Time)
	}
	f := fieldsOf(&d.Examples[0])
	if len(f[5]) != 3 || f[5][0].Value != float32(1)/3 {
		t.Errorf("genres of Toy Story: %+v, want three values weighing 1/3", f[5])
	}
	if f[1][0].Index != d.Schema.Hash(1, "18-24") || fieldsOf(&d.Examples[2])[1][0].Index != d.Schema.Hash(1, "<18") {
		t.Error("age is not bucketed")
	}
	if f[0][0].Index != d.Schema.Hash(0, "1") || f[4][0].Index != d.Schema.Hash(4, "1") {
		t.Error("user_id / item_id features are not the hashed ids")
	}
	// A rating of an unknown user is an error, not a silent skip.
	writeFile(t, filepath.Join(dir, "u.data"), "9\t1\t5\t881250949\n")
	if _, err := loadMovieLens(context.Background(), dir, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "not in u.user") {
		t.Errorf("unknown user: %v", err)
	}
}

func TestIPinYouFixture(t *testing.T) {
	dir := t.TempDir()
	writeGz(t, filepath.Join(dir, "featindex.fm.txt.gz"), "weekday:other\t0\nweekday:2\t1\nhour:other\t2\nhour:07\t3\nslotprice:1-10\t4\n")
	writeGz(t, filepath.Join(dir, "train.fm.txt.gz"), "0 1:1 3:1 4:1\n1 0:1 2:1 4:1\n0 1:1 2:1\n")
	writeFile(t, filepath.Join(dir, "test.fm.txt"), "1 1:1 3:1 4:1\n") // plain text works too
	d, err := loadIPinYou(context.Background(), dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Schema.Fields, []string{"weekday", "hour", "slotprice"}) {
		t.Errorf("fields %v", d.Schema.Fields)
	}
	if len(d.Examples) != 4 || d.Given != 3 || d.Examples[1].Click != 1 || d.Examples[3].Click != 1 {
		t.Fatalf("%d rows, given %d", len(d.Examples), d.Given)
	}
	x := d.Examples[0]
	if len(x.Features) != 3 || x.Features[0].Index != d.Schema.Hash(0, "2") || x.Features[1].Index != d.Schema.Hash(1, "07") {
		t.Errorf("row 0 features %+v", x.Features)
	}
	if len(d.Examples[2].Features) != 2 {
		t.Errorf("row 2 has %d features, want 2 (no slot price)", len(d.Examples[2].Features))
	}
}

func TestHillstromFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.csv")
	writeFile(t, path, "recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend\n"+
		"10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0\n"+
		"6,\"7) $1,000 +\",1329.08,1,1,Rural,1,Web,No E-Mail,1,1,29.9\n"+
		"7,2) $100 - $200,160.65,0,1,Surburban,1,Web,Womens E-Mail,1,0,0\r\n")
	d, err := loadHillstrom(context.Background(), path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Examples) != 3 || !d.Conversions || d.Schema.NumFields() != 9 {
		t.Fatalf("%d rows", len(d.Examples))
	}
	want := [][2]float32{{0, 0}, {1, 1}, {1, 0}}
	for i, x := range d.Examples {
		if x.Click != want[i][0] || x.Conversion != want[i][1] || len(x.Features) != 9 {
			t.Errorf("row %d: click %v conversion %v, %d features", i, x.Click, x.Conversion, len(x.Features))
		}
	}
	if fieldsOf(&d.Examples[1])[1][0].Index != d.Schema.Hash(1, "7) $1,000 +") {
		t.Error("the quoted history segment was not read whole")
	}
	if fieldsOf(&d.Examples[0])[2][0].Index != fieldsOf(&d.Examples[2])[2][0].Index {
		t.Error("142.44 and 160.65 should share a history bucket")
	}
	if historyBucket(100) == historyBucket(130) || historyBucket(29.99) != historyBucket(30.5) {
		t.Errorf("history buckets: %s %s %s %s", historyBucket(100), historyBucket(130), historyBucket(29.99), historyBucket(30.5))
	}
}

func TestRealDatasets(t *testing.T) {
	dir := testenv.Datasets(t)
	for _, tt := range []struct {
		name          string
		rows, fields  int
		pos, given    int
		conversions   int
		checkConvRate bool
	}{
		{"movielens-100k", 100000, 6, 55375, 0, 0, false},
		{"ipinyou", 26773 + 21150, 16, 255 + 50, 26773, 0, false},
		{"hillstrom-visit", 64000, 9, 9394, 0, 578, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, _ := LookupSource(tt.name)
			path := filepath.Join(dir, src.Path)
			testenv.Exists(t, path, "the shared datasets directory lacks "+src.Path)
			d, err := src.Load(context.Background(), path, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sh := d.Shape()
			if sh.Rows != tt.rows || len(sh.Fields) != tt.fields || sh.Positives != tt.pos || d.Given != tt.given || sh.Conversions != tt.conversions {
				t.Errorf("shape %+v, given %d", sh, d.Given)
			}
			for _, split := range src.Splits {
				s, err := d.Split(split, DefaultSeed)
				if err != nil {
					t.Fatal(err)
				}
				checkSplit(t, d, s)
			}
		})
	}
}

// checkSplit checks that the parts of s are disjoint and cover d.
func checkSplit(t *testing.T, d *Data, s *Split) {
	t.Helper()
	seen := make([]int, len(d.Examples))
	for _, part := range [][]int{s.TrainIdx, s.ValidIdx, s.TestIdx} {
		for _, i := range part {
			seen[i]++
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("%s split: row %d is in %d parts", s.Method, i, n)
		}
	}
	if len(s.Train) != len(s.TrainIdx) || len(s.Valid) != len(s.ValidIdx) || len(s.Test) != len(s.TestIdx) {
		t.Fatal("examples and indices disagree")
	}
	for k, i := range s.TestIdx {
		if &s.Test[k].Features[0] != &d.Examples[i].Features[0] {
			t.Fatal("test example is not the indexed row")
		}
	}
}

func TestSplits(t *testing.T) {
	d, err := NewSynthetic(3).Data(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	// Give the rows a time order unlike their index order.
	for i := range d.Examples {
		d.Examples[i].Time = int64((i * 7919) % 1000)
	}
	a, _ := d.Split(SplitRandom, 42)
	b, _ := d.Split(SplitRandom, 42)
	c, _ := d.Split(SplitRandom, 43)
	checkSplit(t, d, a)
	if len(a.Test) != 200 || len(a.Valid) != 80 || len(a.Train) != 720 {
		t.Errorf("random split sizes %d/%d/%d, want 720/80/200", len(a.Train), len(a.Valid), len(a.Test))
	}
	if !slices.Equal(a.TestIdx, b.TestIdx) || !slices.Equal(a.ValidIdx, b.ValidIdx) || !slices.Equal(a.TrainIdx, b.TrainIdx) {
		t.Error("the same seed gave different splits")
	}
	if slices.Equal(a.TestIdx, c.TestIdx) {
		t.Error("another seed gave the same split")
	}
	tm, _ := d.Split(SplitTime, 42)
	checkSplit(t, d, tm)
	maxOf := func(xs []ctr.Example) int64 {
		m := int64(math.MinInt64)
		for _, x := range xs {
			m = max(m, x.Time)
		}
		return m
	}
	minOf := func(xs []ctr.Example) int64 {
		m := int64(math.MaxInt64)
		for _, x := range xs {
			m = min(m, x.Time)
		}
		return m
	}
	if maxOf(tm.Train) >= minOf(tm.Valid) || maxOf(tm.Valid) >= minOf(tm.Test) || len(tm.Test) != 200 {
		t.Errorf("time split is not train < valid < test in time")
	}
	for i := 1; i < len(tm.Train); i++ {
		if tm.Train[i].Time < tm.Train[i-1].Time {
			t.Fatal("the time split's training part is not in time order")
		}
	}
	if _, err := d.Split(SplitGiven, 1); err == nil {
		t.Error("a given split of data without one")
	}
	d.Given = 600
	g1, err := d.Split(SplitGiven, 5)
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := d.Split(SplitGiven, 5)
	checkSplit(t, d, g1)
	if len(g1.Test) != 400 || g1.TestIdx[0] != 600 || len(g1.Valid) != 60 || !slices.Equal(g1.ValidIdx, g2.ValidIdx) {
		t.Errorf("given split: test %d from %d, valid %d", len(g1.Test), g1.TestIdx[0], len(g1.Valid))
	}
	if slices.Max(g1.ValidIdx) >= 600 || !slices.IsSorted(g1.TrainIdx) {
		t.Error("given split: validation rows must come from the training file, training rows keep file order")
	}
	if _, err := d.Split("weekly", 1); err == nil {
		t.Error("unknown split accepted")
	}
}

func TestSynthetic(t *testing.T) {
	ctx := context.Background()
	g := NewSynthetic(7)
	d1, _ := g.Data(ctx, 20000)
	d2, _ := NewSynthetic(7).Data(ctx, 20000)
	d3, _ := NewSynthetic(8).Data(ctx, 20000)
	if !slices.Equal(d1.TrueCTR, d2.TrueCTR) || !slices.Equal(labelsOf(d1.Examples, false), labelsOf(d2.Examples, false)) {
		t.Fatal("the same seed generated different data")
	}
	if slices.Equal(d1.TrueCTR, d3.TrueCTR) {
		t.Fatal("another seed generated the same data")
	}
	// Rows are a function of (seed, i): row 12345 alone equals row 12345 of the whole.
	row := g.Row(12345)
	if row.PCTR != d1.TrueCTR[12345] || row.Click != d1.Examples[12345].Click {
		t.Error("Row(i) differs from the streamed row i")
	}
	// The fast path encodes as Schema.Encode does.
	enc := g.Schema().Encode(g.Raw(&row), nil)
	if !slices.Equal(enc, d1.Examples[12345].Features) {
		t.Errorf("AppendFeatures %+v, Encode %+v", d1.Examples[12345].Features, enc)
	}
	sh := d1.Shape()
	if sh.PositiveRate < 0.15 || sh.PositiveRate > 0.35 || sh.ConversionRate <= 0 || sh.ConversionRate > sh.PositiveRate/2 {
		t.Errorf("rates: click %.3f conversion %.3f", sh.PositiveRate, sh.ConversionRate)
	}
	for i, x := range d1.Examples {
		if x.Conversion > x.Click {
			t.Fatalf("row %d converts without a click", i)
		}
	}
	// The true probabilities are calibrated: the mean equals the rate.
	var mean float64
	for _, p := range d1.TrueCTR {
		mean += p
	}
	mean /= float64(len(d1.TrueCTR))
	if !near(mean, sh.PositiveRate, 0.01) {
		t.Errorf("mean true probability %.4f, click rate %.4f", mean, sh.PositiveRate)
	}
	if err := g.Each(ctx, 10, func(i int, x *ctr.Example, _ *SyntheticRow) error {
		if x.Time != int64(i) || len(x.Features) != len(SyntheticFields) {
			t.Errorf("streamed row %d: time %d, %d features", i, x.Time, len(x.Features))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRunSynthetic runs the harness with the test doubles on synthetic
// data: the oracle beats every model, LR beats the constant, the result is
// the same for the same seed, and the reports have their shape.
func TestRunSynthetic(t *testing.T) {
	ctx := context.Background()
	opt := Options{Dataset: "synthetic", Rows: 30000, Seed: 11, Models: []string{"all"}, Specs: testSpecs(), Calibrators: testCalibrators()}
	var logs []string
	opt.Log = func(f string, a ...any) { logs = append(logs, f) }
	rep, err := Evaluate(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 3 || rep.Oracle == nil || rep.Seed != 11 || rep.Split != SplitRandom || rep.Test != 6000 || rep.Valid != 2400 {
		t.Fatalf("report %+v", rep)
	}
	lr, cst, conv := rep.Results[0], rep.Results[1], rep.Results[2]
	for _, r := range rep.Results {
		if !(rep.Oracle.Test.AUC > r.Test.AUC) || !(rep.Oracle.Test.LogLoss < r.Test.LogLoss) {
			t.Errorf("%s: AUC %.4f log loss %.4f, oracle %.4f %.4f: the oracle must be best", r.Model, r.Test.AUC, r.Test.LogLoss, rep.Oracle.Test.AUC, rep.Oracle.Test.LogLoss)
		}
		if len(r.Calibrated) != 2 || r.Calibrated[0].Method != "bins" || r.Calibrated[1].Test != r.Test {
			t.Errorf("%s: calibrated %+v", r.Model, r.Calibrated)
		}
		if len(r.Bins) != ECEBins || r.TrainSeconds <= 0 {
			t.Errorf("%s: %d bins, %.3fs", r.Model, len(r.Bins), r.TrainSeconds)
		}
	}
	if !(lr.Test.AUC > 0.7) || cst.Test.AUC != 0.5 {
		t.Errorf("LR AUC %.4f, constant %.4f", lr.Test.AUC, cst.Test.AUC)
	}
	if lr.CTCVR != nil || conv.CTCVR == nil || !(conv.CTCVR.AUC > 0.6) || conv.CVR.AUC != 0.5 || rep.Oracle.CTCVR == nil || !(rep.Oracle.CVR.AUC > 0.6) {
		t.Errorf("conversion metrics: lr %v, conv %+v %+v, oracle %+v", lr.CTCVR, conv.CTCVR, conv.CVR, rep.Oracle.CVR)
	}
	if len(logs) == 0 {
		t.Error("no progress logged")
	}
	again, _ := Evaluate(ctx, Options{Dataset: "synthetic", Rows: 30000, Seed: 11, Models: []string{"lr"}, Specs: testSpecs(), Calibrators: testCalibrators()})
	if again.Results[0].Test != lr.Test || again.Oracle.Test != rep.Oracle.Test {
		t.Errorf("not reproducible: %+v vs %+v", again.Results[0].Test, lr.Test)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Dataset   string   `json:"dataset"`
		Split     string   `json:"split"`
		Seed      *uint64  `json:"seed"`
		Rows      int      `json:"rows"`
		Fields    []string `json:"fields"`
		OracleAUC *float64 `json:"oracle_auc"`
		Results   []struct {
			Model      string                        `json:"model"`
			AUC        *float64                      `json:"auc"`
			LogLoss    *float64                      `json:"logloss"`
			ECE        *float64                      `json:"ece"`
			Calibrated map[string]map[string]float64 `json:"calibrated"`
			CTCVR      map[string]float64            `json:"ctcvr"`
			Train      *float64                      `json:"train_seconds"`
			Bins       []map[string]any              `json:"reliability"`
		} `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, js.String())
	}
	if got.Dataset != "synthetic" || got.Split != "random" || got.Seed == nil || *got.Seed != 11 || got.Rows != 30000 || len(got.Fields) != 8 ||
		got.OracleAUC == nil || !near(*got.OracleAUC, rep.Oracle.Test.AUC, 1e-6) || len(got.Results) != 3 {
		t.Fatalf("JSON: %s", js.String())
	}
	r0 := got.Results[0]
	if r0.Model != "lr" || r0.AUC == nil || r0.LogLoss == nil || r0.ECE == nil || r0.Train == nil || len(r0.Bins) != ECEBins ||
		len(r0.Calibrated) != 2 || r0.Calibrated["bins"]["logloss"] == 0 || r0.CTCVR != nil || got.Results[2].CTCVR["auc"] == 0 {
		t.Errorf("JSON result: %+v", r0)
	}
	var table, page bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"synthetic: 30000 rows, 8 fields", "split random (seed 11)", "oracle", "bins (fit on valid)", "CTCVR AUC", "lr "} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), "<svg"); n != 4 || strings.Contains(page.String(), "<script") || !strings.Contains(page.String(), "<polyline") {
		t.Errorf("HTML: %d diagrams (want 3 models + oracle), scripts or no curves", n)
	}
}

func TestEvaluateErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		opt  Options
		want string
	}{
		{Options{Dataset: "mars"}, `unknown dataset "mars"`},
		{Options{Dataset: "synthetic", Split: "time", Models: []string{"lr"}}, `no "time" split`},
		{Options{Dataset: "movielens-100k", Rows: 10, Models: []string{"lr"}}, "synthetic dataset only"},
		{Options{Dataset: "synthetic", Models: []string{"gbdt"}}, `unknown model "gbdt"`},
		{Options{Dataset: "synthetic", Models: nil}, "no model"},
		{Options{Dataset: "movielens-100k", Path: "/nonexistent/ml", Models: []string{"lr"}}, "no such file"},
		{Options{Dataset: "synthetic", Rows: 5, Models: []string{"lr"}}, "at least 100 rows"},
	} {
		tt.opt.Specs, tt.opt.Calibrators = testSpecs(), testCalibrators()
		_, err := Evaluate(ctx, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.opt, err, tt.want)
		}
	}
}

func TestJSONNaN(t *testing.T) {
	// A model scored on a test part with one class has AUC NaN: null in
	// JSON, "-" in the table.
	rep := &Report{Dataset: "x", Split: "random", Results: []Result{{Model: "m", Test: Metrics{AUC: math.NaN(), LogLoss: 0.5, ECE: 0.1}}}}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"auc": null`) || strings.Contains(b.String(), "oracle") {
		t.Errorf("JSON: %s", b.String())
	}
	b.Reset()
	rep.WriteTable(&b)
	if !strings.Contains(b.String(), "-") {
		t.Error(b.String())
	}
}
