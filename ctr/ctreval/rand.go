package ctreval

import (
	"math"
	"math/bits"
)

// rng is a splitmix64 generator: tiny, fast, and its stream is fixed by this
// code (not by the standard library's version), so datasets and splits are
// the same on every Go release.
type rng struct{ s uint64 }

func newRNG(seed uint64, stream ...uint64) *rng {
	r := &rng{s: seed}
	for _, x := range stream {
		r.s = mix64(r.s ^ mix64(x+0x9e3779b97f4a7c15))
	}
	return r
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn is uniform in [0, n) (Lemire's multiply-shift; the bias is below
// 2⁻³² for the sizes used here).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// normal is a standard normal deviate (Box–Muller).
func (r *rng) normal() float64 {
	u := 1 - r.float() // (0, 1]
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// perm returns a random permutation of 0..n-1 (Fisher–Yates).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
