package ease

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
)

// The exact solve. P = (XᵀX + λI)⁻¹ is computed in one n×n float64 matrix,
// row-major, in three blocked steps, each of about n³/6 multiply-adds
// distributed over the workers in tiles:
//
//  1. Cholesky: the lower triangle becomes L with LLᵀ = G (right-looking:
//     factor a diagonal block, solve the panel below it, update the
//     trailing lower triangle).
//  2. W = L⁻ᵀ, upper triangular, from W·Lᵀ = I one row block at a time:
//     W[i][j] = (δij − Σ_{i≤t<j} W[i][t]·L[j][t]) / L[j][j]. The
//     off-diagonal blocks of W go to the upper triangle, which L does not
//     use; the diagonal blocks, which would overwrite L's, go to a side
//     buffer.
//  3. P = W·Wᵀ, written over the lower triangle (L is no longer needed):
//     P[i][j] = Σ_{t≥max(i,j)} W[i][t]·W[j][t].
//
// Every step reduces to subNT, C −= A·Bᵀ with the rows of A and B
// contiguous, whose 3×2 register tile keeps its accumulators in registers
// (larger tiles spill on amd64).

// denseBlock is the block size of the three steps: a multiple of 3 and 2.
const denseBlock = 192

// solveDense returns B = I − P·diag(1/diag(P)) as n×n float32, row i holding
// the weights from item i to every item.
func solveDense(ctx context.Context, x sparseRows, n int, lambda float64, workers int) ([]float32, error) {
	g, err := gramRows(ctx, x, n, workers)
	if err != nil {
		return nil, err
	}
	a := make([]float64, n*n)
	for i := range n {
		row := a[i*n : (i+1)*n]
		for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
			if j := int(g.cols[t]); j <= i {
				row[j] = float64(g.vals[t])
			}
		}
		row[i] += lambda
	}
	g = sparseRows{}
	if err := invertSPD(ctx, a, n, workers); err != nil {
		return nil, err
	}
	return easeWeights(ctx, a, n, workers)
}

// errNotPD reports a matrix that is not positive definite (cannot happen
// with λ > 0 but for overflow or NaN in the input).
type errNotPD struct{ col int }

func (e errNotPD) Error() string {
	return "ease: the Gram matrix is not positive definite (column " + itoa(e.col) + "): check the event weights for NaN or overflow"
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	p := len(b)
	for ; i > 0; i /= 10 {
		p--
		b[p] = byte('0' + i%10)
	}
	return string(b[p:])
}

// invertSPD replaces the lower triangle (with the diagonal) of the symmetric
// positive definite matrix whose lower triangle a holds by the lower triangle
// of its inverse. The upper triangle is used as scratch space.
func invertSPD(ctx context.Context, a []float64, n, workers int) error {
	if err := cholesky(ctx, a, n, workers); err != nil {
		return err
	}
	wdiag, err := invertFactor(ctx, a, n, workers)
	if err != nil {
		return err
	}
	return gramOfInverse(ctx, a, wdiag, n, workers)
}

// tiles runs body for every index in [0, count) on workers goroutines,
// handing out indexes in order; it stops early when ctx is done.
func tiles(ctx context.Context, count, workers int, body func(k int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= count {
					return
				}
				body(k)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// cholesky factors the lower triangle of a in place: L with L·Lᵀ = A.
func cholesky(ctx context.Context, a []float64, n, workers int) error {
	nb := denseBlock
	for k0 := 0; k0 < n; k0 += nb {
		kb := min(nb, n-k0)
		// The diagonal block, unblocked.
		for j := k0; j < k0+kb; j++ {
			rj := a[j*n+k0 : j*n+j+1]
			d := rj[j-k0]
			for _, v := range rj[:j-k0] {
				d -= v * v
			}
			if !(d > 0) {
				return errNotPD{j}
			}
			d = sqrt(d)
			rj[j-k0] = d
			for i := j + 1; i < k0+kb; i++ {
				ri := a[i*n+k0 : i*n+j+1]
				ri[j-k0] = (ri[j-k0] - dot(ri[:j-k0], rj[:j-k0])) / d
			}
		}
		rest := n - (k0 + kb)
		if rest == 0 {
			break
		}
		// The panel below it: each row solves against the diagonal block.
		rowChunks := (rest + 63) / 64
		err := tiles(ctx, rowChunks, workers, func(c int) {
			for i := k0 + kb + c*64; i < min(k0+kb+(c+1)*64, n); i++ {
				ri := a[i*n+k0 : i*n+k0+kb]
				for j := range kb {
					rj := a[(k0+j)*n+k0 : (k0+j)*n+k0+j+1]
					ri[j] = (ri[j] - dot(ri[:j], rj[:j])) / rj[j]
				}
			}
		})
		if err != nil {
			return err
		}
		// The trailing lower triangle, in tiles (I, J ≤ I).
		t0 := k0 + kb
		nt := (rest + nb - 1) / nb
		err = tiles(ctx, nt*(nt+1)/2, workers, func(k int) {
			ti, tj := triIndex(k)
			i0, j0 := t0+ti*nb, t0+tj*nb
			m, w := min(nb, n-i0), min(nb, n-j0)
			subNT(a[i0*n+j0:], n, a[i0*n+k0:], n, a[j0*n+k0:], n, m, w, kb)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// triIndex maps k = i(i+1)/2 + j, j ≤ i, back to (i, j).
func triIndex(k int) (i, j int) {
	i = int((sqrt(8*float64(k)+1) - 1) / 2)
	for i*(i+1)/2 > k {
		i--
	}
	for (i+1)*(i+2)/2 <= k {
		i++
	}
	return i, k - i*(i+1)/2
}

// invertFactor computes W = L⁻ᵀ from the factor in the lower triangle of a.
// Off-diagonal blocks of W are written to the upper triangle of a; the
// diagonal blocks (upper triangular, zeros below) are returned, block after
// block, each nb×nb (the last one smaller, with stride nb too).
func invertFactor(ctx context.Context, a []float64, n, workers int) ([]float64, error) {
	nb := denseBlock
	nblocks := (n + nb - 1) / nb
	wdiag := make([]float64, nblocks*nb*nb)
	err := tiles(ctx, nblocks, workers, func(bi int) {
		i0 := bi * nb
		ib := min(nb, n-i0)
		wd := wdiag[bi*nb*nb : (bi+1)*nb*nb]
		// Diagonal block: W[I,I] from L[I,I] alone.
		for r := range ib {
			i := i0 + r
			row := wd[r*nb : r*nb+ib]
			row[r] = 1 / a[i*n+i]
			for c := r + 1; c < ib; c++ {
				j := i0 + c
				row[c] = -dot(row[r:c], a[j*n+i0+r:j*n+i0+c]) / a[j*n+j]
			}
		}
		// Blocks to the right: W[I,J] = −(W[I,i0:j0]·L[J,i0:j0]ᵀ) then the
		// solve with the diagonal block of L.
		for j0 := i0 + ib; j0 < n; j0 += nb {
			if ctx.Err() != nil {
				return
			}
			jb := min(nb, n-j0)
			for r := range ib {
				clear(a[(i0+r)*n+j0 : (i0+r)*n+j0+jb])
			}
			c := a[i0*n+j0:]
			subNT(c, n, wd, nb, a[j0*n+i0:], n, ib, jb, ib)
			if j0 > i0+ib {
				subNT(c, n, a[i0*n+i0+ib:], n, a[j0*n+i0+ib:], n, ib, jb, j0-(i0+ib))
			}
			for r := range ib {
				row := a[(i0+r)*n+j0 : (i0+r)*n+j0+jb]
				for cc := range jb {
					j := j0 + cc
					row[cc] = (row[cc] - dot(row[:cc], a[j*n+j0:j*n+j])) / a[j*n+j]
				}
			}
		}
	})
	return wdiag, err
}

// gramOfInverse writes P = W·Wᵀ over the lower triangle of a, W as left by
// invertFactor.
func gramOfInverse(ctx context.Context, a, wdiag []float64, n, workers int) error {
	nb := denseBlock
	nblocks := (n + nb - 1) / nb
	pool := sync.Pool{New: func() any { b := make([]float64, nb*nb); return &b }}
	// Tiles are independent: each reads W (upper triangle and the
	// diagonal blocks) and writes its own lower block.
	return tiles(ctx, nblocks*(nblocks+1)/2, workers, func(k int) {
		bi, bj := triIndex(k)
		i0, j0 := bi*nb, bj*nb
		ib, jb := min(nb, n-i0), min(nb, n-j0)
		wi := wdiag[bi*nb*nb:]
		tp := pool.Get().(*[]float64)
		defer pool.Put(tp)
		tile := (*tp)[:ib*jb]
		clear(tile)
		// t in block I: W[I,I] (diagonal buffer) against W[J,I].
		if bi == bj {
			subNT(tile, jb, wi, nb, wi, nb, ib, jb, ib)
		} else {
			subNT(tile, jb, wi, nb, a[j0*n+i0:], n, ib, jb, ib)
		}
		// t beyond block I: both in the upper triangle.
		if rest := n - (i0 + ib); rest > 0 {
			subNT(tile, jb, a[i0*n+i0+ib:], n, a[j0*n+i0+ib:], n, ib, jb, rest)
		}
		for r := range ib {
			dst := a[(i0+r)*n+j0 : (i0+r)*n+j0+jb]
			for c := range jb {
				dst[c] = -tile[r*jb+c] // subNT subtracts
			}
		}
	})
}

// easeWeights turns P (lower triangle of a) into B = I − P·diag(1/diag P),
// stored as float32 rows.
func easeWeights(ctx context.Context, a []float64, n, workers int) ([]float32, error) {
	b := make([]float32, n*n)
	const tb = 64
	nt := (n + tb - 1) / tb
	err := tiles(ctx, nt*nt, workers, func(k int) {
		i0, j0 := (k/nt)*tb, (k%nt)*tb
		for i := i0; i < min(i0+tb, n); i++ {
			for j := j0; j < min(j0+tb, n); j++ {
				var p float64
				switch {
				case i == j:
					continue
				case j < i:
					p = a[i*n+j]
				default:
					p = a[j*n+i]
				}
				b[i*n+j] = float32(-p / a[j*n+j])
			}
		}
	})
	return b, err
}

func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1 float64
	k := 0
	for ; k+1 < len(x); k += 2 {
		s0 += x[k] * y[k]
		s1 += x[k+1] * y[k+1]
	}
	if k < len(x) {
		s0 += x[k] * y[k]
	}
	return s0 + s1
}

// subNT does C −= A·Bᵀ for an m×w block C (row stride ldc), A m×kk (stride
// lda) and B w×kk (stride ldb), all row-major. It blocks kk for the caches
// and computes 3×2 tiles in registers.
func subNT(c []float64, ldc int, a []float64, lda int, b []float64, ldb int, m, w, kk int) {
	const kc, jc = 256, 48
	for k0 := 0; k0 < kk; k0 += kc {
		kl := min(kc, kk-k0)
		for j0 := 0; j0 < w; j0 += jc {
			jl := min(jc, w-j0)
			i := 0
			for ; i+3 <= m; i += 3 {
				a0 := a[i*lda+k0 : i*lda+k0+kl]
				a1 := a[(i+1)*lda+k0 : (i+1)*lda+k0+kl]
				a2 := a[(i+2)*lda+k0 : (i+2)*lda+k0+kl]
				j := j0
				for ; j+2 <= j0+jl; j += 2 {
					kernel3x2(a0, a1, a2, b[j*ldb+k0:j*ldb+k0+kl], b[(j+1)*ldb+k0:(j+1)*ldb+k0+kl], c[i*ldc+j:], ldc)
				}
				if j < j0+jl {
					bj := b[j*ldb+k0 : j*ldb+k0+kl]
					c[i*ldc+j] -= dot(a0, bj)
					c[(i+1)*ldc+j] -= dot(a1, bj)
					c[(i+2)*ldc+j] -= dot(a2, bj)
				}
			}
			for ; i < m; i++ {
				ai := a[i*lda+k0 : i*lda+k0+kl]
				for j := j0; j < j0+jl; j++ {
					c[i*ldc+j] -= dot(ai, b[j*ldb+k0:j*ldb+k0+kl])
				}
			}
		}
	}
}

// kernel3x2 subtracts the 3×2 block of dot products of a0..a2 with b0, b1
// from c (row stride ldc). Six accumulators, two loaded b values and one a
// value fit the fifteen float registers Go uses on amd64.
func kernel3x2(a0, a1, a2, b0, b1 []float64, c []float64, ldc int) {
	n := len(a0)
	a1, a2, b0, b1 = a1[:n], a2[:n], b0[:n], b1[:n]
	var c00, c01, c10, c11, c20, c21 float64
	for k := range n {
		y0, y1 := b0[k], b1[k]
		x := a0[k]
		c00 += x * y0
		c01 += x * y1
		x = a1[k]
		c10 += x * y0
		c11 += x * y1
		x = a2[k]
		c20 += x * y0
		c21 += x * y1
	}
	c = c[:2*ldc+2]
	c[0] -= c00
	c[1] -= c01
	c[ldc] -= c10
	c[ldc+1] -= c11
	c[2*ldc] -= c20
	c[2*ldc+1] -= c21
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
