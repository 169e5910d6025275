package hillstrom

import (
	"math"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
)

const sample = `recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend
10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0
6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,1,0,0
7,"6) $750 - $1,000",800.5,0,1,Urban,1,Multichannel,Mens E-Mail,1,1,45.5
2,1) $0 - $100,29.99,0,1,Urban,0,Web,Womens E-Mail,1,1,30
`

func TestReadEncodes(t *testing.T) {
	d, err := Read(strings.NewReader(sample), "womens", "spend")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.X) != 3 { // the Mens E-Mail row is dropped
		t.Fatalf("%d rows, want 3 (womens + control)", len(d.X))
	}
	names := FeatureNames()
	if len(d.X[0]) != len(names) || len(names) != 5+7+3+3 {
		t.Fatalf("%d features, %d names; want 18", len(d.X[0]), len(names))
	}
	col := func(name string) int {
		for i, n := range names {
			if n == name {
				return i
			}
		}
		t.Fatalf("no feature %q", name)
		return -1
	}
	row := d.X[0]
	if row[col("recency")] != 10 || row[col("history")] != 142.44 || row[col("mens")] != 1 || row[col("womens")] != 0 {
		t.Errorf("numeric columns wrong: %v", row)
	}
	if row[col("history_segment=2) $100 - $200")] != 1 || row[col("zip_code=Surburban")] != 1 || row[col("channel=Phone")] != 1 {
		t.Errorf("one-hot columns wrong: %v", row)
	}
	var ones float64
	for _, v := range row[5:] {
		ones += v
	}
	if ones != 3 {
		t.Errorf("one-hot block has %v ones, want 3", ones)
	}
	if !d.Treated[0] || d.Treated[1] || !d.Treated[2] || d.Y[2] != 30 {
		t.Errorf("treatment %v / outcome %v wrong", d.Treated, d.Y)
	}
	if _, err := Read(strings.NewReader(sample), "kids", "visit"); err == nil || !strings.Contains(err.Error(), "womens") {
		t.Errorf("unknown treatment: %v", err)
	}
	if _, err := Read(strings.NewReader(sample), "mens", "clicks"); err == nil {
		t.Error("unknown outcome accepted")
	}
	if _, err := Read(strings.NewReader("recency,history\n1,2\n"), "mens", "visit"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing column: %v", err)
	}
}

func TestHillstromFileAndSplit(t *testing.T) {
	dir := testenv.Datasets(t, "hillstrom")
	d, err := Load(dir, "womens", "visit")
	if err != nil {
		t.Fatal(err)
	}
	// SOURCE.md: 21,387 women's e-mail rows and 21,306 control rows.
	var nt, yt, yc float64
	for i := range d.Y {
		if d.Treated[i] {
			nt++
			yt += d.Y[i]
		} else {
			yc += d.Y[i]
		}
	}
	nc := float64(len(d.Y)) - nt
	if nt != 21387 || nc != 21306 {
		t.Fatalf("%v treated and %v control rows, want 21387 and 21306", nt, nc)
	}
	if math.Abs(yt/nt-0.1514) > 5e-4 || math.Abs(yc/nc-0.1062) > 5e-4 {
		t.Errorf("visit rates %.4f / %.4f, want 0.1514 / 0.1062", yt/nt, yc/nc)
	}

	train, test := Split(d, 0.3, 42)
	if len(train.Y)+len(test.Y) != len(d.Y) {
		t.Fatalf("split loses rows: %d + %d != %d", len(train.Y), len(test.Y), len(d.Y))
	}
	// Stratified: every (treatment, visit) cell is split 70/30 to within a row.
	count := func(s []bool, y []float64, tr bool, v float64) (n float64) {
		for i := range y {
			if s[i] == tr && y[i] == v {
				n++
			}
		}
		return
	}
	for _, tr := range []bool{true, false} {
		for _, v := range []float64{0, 1} {
			a, b := count(train.Treated, train.Y, tr, v), count(test.Treated, test.Y, tr, v)
			if math.Abs(b-0.3*(a+b)) > 1 {
				t.Errorf("cell treated=%v visit=%v: %v test rows of %v", tr, v, b, a+b)
			}
		}
	}
	_, test2 := Split(d, 0.3, 42)
	_, test3 := Split(d, 0.3, 43)
	same := func(a, b []float64) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for i := range test.X {
		if !same(test.X[i], test2.X[i]) {
			t.Fatal("the same seed gave a different split")
		}
	}
	differ := false
	for i := range test.X {
		if !same(test.X[i], test3.X[i]) {
			differ = true
			break
		}
	}
	if !differ {
		t.Error("seeds 42 and 43 gave the same split")
	}
}
