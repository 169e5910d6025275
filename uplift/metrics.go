package uplift

import (
	"math"
	"sort"
)

// The metrics follow scikit-uplift's definitions (sklift.metrics) exactly:
// rows are ordered by descending score (a stable ascending sort, reversed, so
// tied rows keep reverse input order); curves are evaluated only at the last
// row of each run of tied scores; a (0, 0) point is prepended when missing;
// areas are trapezoidal.

// descOrder returns row indices by descending score as numpy's
// argsort(score, kind="mergesort")[::-1] would.
func descOrder(score []float64) []int {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
	for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx
}

// cumulative walks rows by descending score and calls emit at the end of each
// run of equal scores with the counts so far: rows, treated rows, treated
// outcome sum and control outcome sum.
func cumulative(y []float64, treated []bool, score []float64, emit func(n, nt, yt, yc float64)) {
	order := descOrder(score)
	var nt, yt, yc float64
	for k, i := range order {
		if treated[i] {
			nt++
			yt += y[i]
		} else {
			yc += y[i]
		}
		if k == len(order)-1 || score[order[k+1]] != score[i] {
			emit(float64(k+1), nt, yt, yc)
		}
	}
}

// QiniCurve returns the Qini curve: for the top n rows by score (at each
// distinct score), Q(n) = Y_t(n) - Y_c(n) * N_t(n) / N_c(n) (the second term is
// 0 while N_c(n) = 0), starting at (0, 0).
func QiniCurve(y []float64, treated []bool, score []float64) (n []float64, q []float64) {
	cumulative(y, treated, score, func(all, nt, yt, yc float64) {
		nc := all - nt
		v := yt
		if nc != 0 {
			v -= yc * nt / nc
		}
		n, q = append(n, all), append(q, v)
	})
	return prependOrigin(n, q)
}

// UpliftCurve returns the uplift curve: for the top n rows by score,
// U(n) = (Y_t(n)/N_t(n) - Y_c(n)/N_c(n)) * n (a ratio with a zero denominator
// counts as 0), starting at (0, 0).
func UpliftCurve(y []float64, treated []bool, score []float64) (n []float64, u []float64) {
	cumulative(y, treated, score, func(all, nt, yt, yc float64) {
		nc := all - nt
		var rt, rc float64
		if nt != 0 {
			rt = yt / nt
		}
		if nc != 0 {
			rc = yc / nc
		}
		n, u = append(n, all), append(u, (rt-rc)*all)
	})
	return prependOrigin(n, u)
}

func prependOrigin(n, v []float64) ([]float64, []float64) {
	if len(n) == 0 || v[0] != 0 || n[0] != 0 {
		n = append([]float64{0}, n...)
		v = append([]float64{0}, v...)
	}
	return n, v
}

// PerfectQiniCurve is the Qini curve of the best possible ordering allowing
// negative effects (sklift's perfect_qini_curve with negative_effect=True):
// treated responders first, control responders last, i.e. the curve of the
// score y*t - y*(1-t).
func PerfectQiniCurve(y []float64, treated []bool) (n []float64, q []float64) {
	s := make([]float64, len(y))
	for i := range y {
		if treated[i] {
			s[i] = y[i]
		} else {
			s[i] = -y[i]
		}
	}
	return QiniCurve(y, treated, s)
}

// PerfectUpliftCurve is sklift's perfect_uplift_curve: the uplift curve of the
// score 2*[y == t] + s, where s is y when control responders outnumber treated
// non-responders and t otherwise. That construction assumes a 0/1 outcome;
// for other outcomes (amounts) this package departs from sklift and uses the
// ordering of PerfectQiniCurve (treated rows by descending y, then untreated
// rows by ascending y).
func PerfectUpliftCurve(y []float64, treated []bool) (n []float64, u []float64) {
	if !IsBinary(y) {
		s := make([]float64, len(y))
		for i := range y {
			if treated[i] {
				s[i] = y[i]
			} else {
				s[i] = -y[i]
			}
		}
		return UpliftCurve(y, treated, s)
	}
	var cr, tn int
	for i := range y {
		if y[i] == 1 && !treated[i] {
			cr++
		}
		if y[i] == 0 && treated[i] {
			tn++
		}
	}
	s := make([]float64, len(y))
	for i := range y {
		t := 0.0
		if treated[i] {
			t = 1
		}
		if y[i] == t {
			s[i] = 2
		}
		if cr > tn {
			s[i] += y[i]
		} else {
			s[i] += t
		}
	}
	return UpliftCurve(y, treated, s)
}

// trapezoid is the area under a piecewise-linear curve (sklearn's auc).
func trapezoid(x, y []float64) float64 {
	var a float64
	for i := 1; i < len(x); i++ {
		a += (x[i] - x[i-1]) * (y[i] + y[i-1]) / 2
	}
	return a
}

// normalisedArea is (area(actual) - area(random)) / (area(perfect) -
// area(random)), the random line joining (0,0) to the perfect curve's end.
func normalisedArea(xa, ya, xp, yp []float64) float64 {
	base := trapezoid([]float64{0, xp[len(xp)-1]}, []float64{0, yp[len(yp)-1]})
	perfect := trapezoid(xp, yp) - base
	actual := trapezoid(xa, ya) - base
	if perfect == 0 {
		return math.NaN()
	}
	return actual / perfect
}

// QiniAUCScore is the Qini coefficient exactly as sklift's qini_auc_score with
// negative_effect=True: the area between the Qini curve and the random line,
// divided by the same area for the perfect ordering. NaN when the perfect
// curve encloses no area.
func QiniAUCScore(y []float64, treated []bool, score []float64) float64 {
	xa, ya := QiniCurve(y, treated, score)
	xp, yp := PerfectQiniCurve(y, treated)
	return normalisedArea(xa, ya, xp, yp)
}

// UpliftAUCScore is the normalised area under the uplift curve (AUUC) exactly
// as sklift's uplift_auc_score for 0/1 outcomes (see PerfectUpliftCurve for
// amounts).
func UpliftAUCScore(y []float64, treated []bool, score []float64) float64 {
	xa, ya := UpliftCurve(y, treated, score)
	xp, yp := PerfectUpliftCurve(y, treated)
	return normalisedArea(xa, ya, xp, yp)
}

// UpliftAtK is sklift's uplift_at_k with strategy "overall": take the top
// int(n*k) rows of the whole sample by descending score (k is a fraction in
// (0,1)) and return mean(y | treated) - mean(y | control) within them. A group
// with no rows in the top contributes NaN, as numpy's mean of nothing does.
func UpliftAtK(y []float64, treated []bool, score []float64, k float64) float64 {
	if k <= 0 || k >= 1 {
		return math.NaN()
	}
	order := descOrder(score)
	top := int(float64(len(y)) * k)
	var nt, nc, yt, yc float64
	for _, i := range order[:top] {
		if treated[i] {
			nt++
			yt += y[i]
		} else {
			nc++
			yc += y[i]
		}
	}
	return yt/nt - yc/nc
}
