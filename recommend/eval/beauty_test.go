package eval

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
)

// The real-data tests use Beauty only, to keep the package under two
// minutes; `shopmind eval recommend` covers Sports and Toys.

// band is an allowed interval for a metric.
type band struct {
	name     string
	got      float64
	low, top float64
}

func checkBands(t *testing.T, label string, bands []band) {
	t.Helper()
	for _, b := range bands {
		if !(b.got >= b.low && b.got <= b.top) {
			t.Errorf("%s %s = %.4f, outside [%.4f, %.4f]", label, b.name, b.got, b.low, b.top)
		}
	}
}

func loadBeauty(t *testing.T) *Split {
	t.Helper()
	path := filepath.Join(testenv.Datasets(t, "amazon-seqrec-s3rec", "Beauty.txt"))
	src, _ := LookupSource("beauty")
	d, _, err := Load(context.Background(), src, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Users) != 22363 || d.NumItems() != 12101 || d.NumInteractions() != 198502 {
		t.Fatalf("Beauty: %d users, %d items, %d interactions; want 22,363 / 12,101 / 198,502", len(d.Users), d.NumItems(), d.NumInteractions())
	}
	return LeaveLastOut(d)
}

// TestBeautyPopRec pins PopRec. Our pure-Python check of the protocol gives,
// with popularity counted on training items, HR@5/10/20 0.0075 / 0.0115 /
// 0.0203 and, counted on training + validation items (the refit protocol),
// 0.0077 / 0.0135 / 0.0217 with NDCG@20 0.0081; the paper's PopRec row is
// 0.0080 / 0.0152 / 0.0217.
func TestBeautyPopRec(t *testing.T) {
	sp := loadBeauty(t)
	for _, tt := range []struct {
		refit bool
		want  [3]float64
	}{
		{false, [3]float64{0.0075, 0.0115, 0.0203}},
		{true, [3]float64{0.0077, 0.0135, 0.0217}},
	} {
		r := NewRunner("beauty", sp, Algorithms())
		r.Refit = tt.refit
		res, err := r.Run(context.Background(), "pop")
		if err != nil {
			t.Fatal(err)
		}
		var bands []band
		for i, k := range Ks {
			bands = append(bands, band{"HR@" + itoa(k), res.Test.HR[i], tt.want[i] - 0.0003, tt.want[i] + 0.0003})
		}
		if tt.refit {
			bands = append(bands, band{"HR@10 (issue band)", res.Test.HR[1], 0.013, 0.015}, band{"NDCG@20", res.Test.NDCG[2], 0.0078, 0.0084})
		}
		checkBands(t, "pop refit="+map[bool]string{false: "false", true: "true"}[tt.refit], bands)
	}
}

// TestBeautyBestModel pins the blend of the transition model and pruned EASE
// at its default configuration (the one the search picks on Beauty's
// validation item), under both protocols, so that a regression of any part
// fails. Measured: strict valid 0.1109 / 0.0708, test 0.0905 / 0.0567;
// refit test 0.1025 / 0.0648 (HR@10 / NDCG@10). The refit numbers must also
// beat the target (0.0959 / 0.0608); the strict ones do not reach it.
func TestBeautyBestModel(t *testing.T) {
	if testing.Short() {
		t.Skip("fits EASE on Beauty")
	}
	sp := loadBeauty(t)
	start := time.Now()
	r := NewRunner("beauty", sp, Algorithms())
	r.Quick = true
	strict, err := r.Run(context.Background(), "blend")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("strict: valid HR@10 %.4f NDCG@10 %.4f, test HR@10 %.4f NDCG@10 %.4f (%s)",
		strict.Valid.HR[1], strict.Valid.NDCG[1], strict.Test.HR[1], strict.Test.NDCG[1], time.Since(start).Round(time.Millisecond))
	checkBands(t, "blend strict", []band{
		{"valid HR@10", strict.Valid.HR[1], 0.108, 0.114},
		{"valid NDCG@10", strict.Valid.NDCG[1], 0.069, 0.073},
		{"test HR@10", strict.Test.HR[1], 0.088, 0.093},
		{"test NDCG@10", strict.Test.NDCG[1], 0.055, 0.059},
		{"test coverage@10", strict.Test.Coverage, 0.5, 1},
	})

	r.Refit = true
	refit, err := r.Run(context.Background(), "blend")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("refit: test HR@10 %.4f NDCG@10 %.4f (%s)", refit.Test.HR[1], refit.Test.NDCG[1], time.Since(start).Round(time.Millisecond))
	src, _ := LookupSource("beauty")
	target, _ := src.Target()
	checkBands(t, "blend refit", []band{
		{"test HR@10", refit.Test.HR[1], max(target.HR[1], 0.100), 0.105},
		{"test NDCG@10", refit.Test.NDCG[1], max(target.NDCG[1], 0.063), 0.067},
	})
}
