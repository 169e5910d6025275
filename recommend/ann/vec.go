package ann

import (
	"fmt"
	"math"
)

// dot1 is the inner product summed in order with one accumulator: the
// canonical score. Every score a search returns is computed this way (dot4
// and dot4x are four dot1s in step), so Index and Exact report the same
// float32 for the same item, bit for bit.
func dot1(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// dot4 writes the inner products of q with the four consecutive rows of
// length len(q) that start v. The query element is loaded once for four
// rows, and the four sums are independent chains: the brute-force scan's
// kernel.
func dot4(q, v []float32, out *[4]float32) {
	d := len(q)
	r0 := v[:d]
	r1 := v[d:][:d]
	r2 := v[2*d:][:d]
	r3 := v[3*d:][:d]
	var s0, s1, s2, s3 float32
	for i, x := range q {
		s0 += x * r0[i]
		s1 += x * r1[i]
		s2 += x * r2[i]
		s3 += x * r3[i]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
}

// sqnorm is the squared Euclidean norm of v, accumulated in float64.
func sqnorm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// finite reports whether v holds no NaN and no infinity.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// normalize scales v to unit length in place; the zero vector stays zero.
func normalize(v []float32) {
	n := sqnorm(v)
	if n == 0 {
		return
	}
	inv := 1 / math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
}

// checkVec panics unless v has length dim and only finite elements: a NaN
// or an infinity in a stored vector would poison every comparison it enters.
// i is the vector's place in a Build, or -1.
func checkVec(v []float32, dim int, i int) {
	if len(v) == dim && finite(v) {
		return
	}
	what := "vector"
	if i >= 0 {
		what = fmt.Sprintf("vector %d", i)
	}
	if len(v) != dim {
		panic(fmt.Sprintf("ann: %s has %d dimensions, index has %d", what, len(v), dim))
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			panic(fmt.Sprintf("ann: %s element %d is %v", what, i, x))
		}
	}
}

// dot4x writes the inner products of q with four separate vectors (each of
// length ≥ len(q)). Walking four vectors in step keeps four cache-miss
// streams in flight at once, which is what a graph walk — whose vectors lie
// scattered in memory — is bound by.
func dot4x(q, a, b, c, d []float32, out *[4]float32) {
	a = a[:len(q)]
	b = b[:len(q)]
	c = c[:len(q)]
	d = d[:len(q)]
	var s0, s1, s2, s3 float32
	for i, x := range q {
		s0 += x * a[i]
		s1 += x * b[i]
		s2 += x * c[i]
		s3 += x * d[i]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
}
