package uplift

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func equalSlices(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	for i := range got {
		if !near(got[i], want[i], 1e-12) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}

// Hand example: two treated rows (a responder, a non-responder) ranked above
// two control rows (a responder, a non-responder).
var (
	hy     = []float64{1, 0, 1, 0}
	ht     = []bool{true, true, false, false}
	hscore = []float64{4, 3, 2, 1}
)

func TestQiniCurveHandExample(t *testing.T) {
	n, q := QiniCurve(hy, ht, hscore)
	equalSlices(t, "n", n, []float64{0, 1, 2, 3, 4})
	// n=3: Y_t=1, Y_c=1, N_t=2, N_c=1 -> 1 - 1*2/1 = -1.
	equalSlices(t, "qini", q, []float64{0, 1, 1, -1, 0})

	pn, pq := PerfectQiniCurve(hy, ht)
	// Perfect score y*t - y*(1-t) = [1, 0, -1, 0]: three tie groups.
	equalSlices(t, "perfect n", pn, []float64{0, 1, 3, 4})
	equalSlices(t, "perfect qini", pq, []float64{0, 1, 1, 0})

	// Areas: actual 1.0, perfect 3.0, random line (0,0)-(4,0) 0.
	if got := QiniAUCScore(hy, ht, hscore); !near(got, 1.0/3, 1e-12) {
		t.Errorf("QiniAUCScore = %v, want 1/3", got)
	}
}

func TestUpliftCurveHandExample(t *testing.T) {
	n, u := UpliftCurve(hy, ht, hscore)
	equalSlices(t, "n", n, []float64{0, 1, 2, 3, 4})
	// n=3: (1/2 - 1/1) * 3 = -1.5.
	equalSlices(t, "uplift", u, []float64{0, 1, 1, -1.5, 0})
	// Control responders (1) do not outnumber treated non-responders (1), so
	// the perfect score is 2*[y==t] + t = [3, 1, 0, 2].
	pn, pu := PerfectUpliftCurve(hy, ht)
	equalSlices(t, "perfect n", pn, []float64{0, 1, 2, 3, 4})
	equalSlices(t, "perfect uplift", pu, []float64{0, 1, 2, 1.5, 0})
	// Areas: actual 0.5, perfect 4.5.
	if got := UpliftAUCScore(hy, ht, hscore); !near(got, 1.0/9, 1e-12) {
		t.Errorf("UpliftAUCScore = %v, want 1/9", got)
	}
}

func TestUpliftAtK(t *testing.T) {
	// Top int(4*0.75) = 3 rows: treated mean 1/2, control mean 1.
	if got := UpliftAtK(hy, ht, hscore, 0.75); !near(got, -0.5, 1e-12) {
		t.Errorf("UpliftAtK(0.75) = %v, want -0.5", got)
	}
	// int(4*0.3) = 1 row, treated only: the control mean of nothing is NaN.
	if got := UpliftAtK(hy, ht, hscore, 0.3); !math.IsNaN(got) {
		t.Errorf("UpliftAtK(0.3) = %v, want NaN (no control rows in the top)", got)
	}
	// Ties: numpy's argsort(kind="mergesort")[::-1] puts tied rows in reverse
	// input order, so the top two of four equal scores are rows 3 and 2.
	y := []float64{1, 0, 0, 1}
	tr := []bool{true, false, true, false}
	if got := UpliftAtK(y, tr, []float64{5, 5, 5, 5}, 0.5); !near(got, -1, 1e-12) {
		t.Errorf("UpliftAtK with ties = %v, want -1 (rows 3 and 2 first)", got)
	}
}

func TestQiniTiesAndBounds(t *testing.T) {
	// A constant score is one tie group: the curve is the random line itself.
	n, q := QiniCurve(hy, ht, []float64{7, 7, 7, 7})
	equalSlices(t, "n", n, []float64{0, 4})
	equalSlices(t, "qini", q, []float64{0, 0})
	if got := QiniAUCScore(hy, ht, []float64{7, 7, 7, 7}); got != 0 {
		t.Errorf("Qini of a constant score = %v, want 0", got)
	}
	// Scoring by the perfect order gives exactly 1; the reverse order is negative.
	y := []float64{1, 0, 1, 0, 1, 0, 0, 1, 0, 0}
	tr := []bool{true, true, true, false, false, true, false, false, true, false}
	perfect := make([]float64, len(y))
	for i := range y {
		if tr[i] {
			perfect[i] = y[i]
		} else {
			perfect[i] = -y[i]
		}
	}
	if got := QiniAUCScore(y, tr, perfect); !near(got, 1, 1e-12) {
		t.Errorf("Qini of the perfect score = %v, want 1", got)
	}
	neg := make([]float64, len(perfect))
	for i := range perfect {
		neg[i] = -perfect[i]
	}
	if got := QiniAUCScore(y, tr, neg); got >= 0 {
		t.Errorf("Qini of the reversed perfect score = %v, want < 0", got)
	}
	if got := UpliftAUCScore(y, tr, perfect); got <= 0 {
		t.Errorf("AUUC of the perfect Qini score = %v, want > 0", got)
	}
}

func TestAmountsPerfectOrderScoresOne(t *testing.T) {
	// Spend-like outcomes: ranking treated big spenders first and control
	// spenders last is the perfect order for both normalised areas.
	y := []float64{30, 0, 12.5, 0, 80, 0, 4}
	tr := []bool{true, true, false, false, true, false, false}
	perfect := make([]float64, len(y))
	for i := range y {
		if tr[i] {
			perfect[i] = y[i]
		} else {
			perfect[i] = -y[i]
		}
	}
	if q, a := QiniAUCScore(y, tr, perfect), UpliftAUCScore(y, tr, perfect); !near(q, 1, 1e-12) || !near(a, 1, 1e-12) {
		t.Errorf("perfect order on amounts: Qini %v, AUUC %v; want 1, 1", q, a)
	}
}
