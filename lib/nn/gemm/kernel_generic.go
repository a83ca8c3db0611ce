package gemm

import "unsafe"

// genericKernel is the portable path: the same packing and blocking, with a 4×4 register tile
// written in Go. It runs on every architecture and is tested on every run (see useKernel).
var genericKernel = &kernel{name: "generic", mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024, micro: microGeneric}

// microGeneric is the 4×4 Go micro-kernel; see kernel.micro.
func microGeneric(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32) {
	if k <= 0 {
		return
	}
	as := unsafe.Slice(a, (k-1)*sa+3*ra+1)
	bs := unsafe.Slice(b, (k-1)*sb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for q := 0; q < k; q++ {
		x := q * sa
		a0, a1, a2, a3 := as[x], as[x+ra], as[x+2*ra], as[x+3*ra]
		bv := bs[q*sb : q*sb+4 : q*sb+4]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	store4(cs[0:4:4], c00, c01, c02, c03, alpha, beta)
	store4(cs[ldc:ldc+4:ldc+4], c10, c11, c12, c13, alpha, beta)
	store4(cs[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, alpha, beta)
	store4(cs[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, alpha, beta)
}

func store4(row []float32, x0, x1, x2, x3, alpha, beta float32) {
	if beta == 0 {
		row[0], row[1], row[2], row[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	row[0] = alpha*x0 + beta*row[0]
	row[1] = alpha*x1 + beta*row[1]
	row[2] = alpha*x2 + beta*row[2]
	row[3] = alpha*x3 + beta*row[3]
}
