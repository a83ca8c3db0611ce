package nn

import (
	"github.com/notmagic/notmagic/lib/nn/backend"
	"github.com/notmagic/notmagic/lib/nn/internal/isa"
)

// addAVX2, subAVX2 and mulAVX2 set d[i] = a[i] op b[i] for n values; see elementwise_amd64.s.
//
//go:noescape
func addAVX2(d, a, b *float32, n int)

//go:noescape
func subAVX2(d, a, b *float32, n int)

//go:noescape
func mulAVX2(d, a, b *float32, n int)

// axpyAVX2 adds alpha·s[i] into d[i] for n values.
//
//go:noescape
func axpyAVX2(d, s *float32, n int, alpha float32)

// binarySIMD runs d = a op b for add, sub and mul in assembly where the CPU has AVX2 (as NOTMAGIC_KERNELS
// allows), with the Go loop's bits, and reports whether it did.
func binarySIMD(op backend.BinaryOp, d, a, b []float32) bool {
	n := len(d)
	if n < 8 || !isa.Allows(isa.AVX2) {
		return false
	}
	a, b = a[:n], b[:n]
	switch op {
	case backend.OpAdd:
		addAVX2(&d[0], &a[0], &b[0], n)
	case backend.OpSub:
		subAVX2(&d[0], &a[0], &b[0], n)
	case backend.OpMul:
		mulAVX2(&d[0], &a[0], &b[0], n)
	default:
		return false
	}
	return true
}

// axpySIMD adds alpha·s into d in assembly where the CPU has AVX2 (as NOTMAGIC_KERNELS allows), with the
// Go loop's bits, and reports whether it did.
func axpySIMD(d, s []float32, alpha float32) bool {
	n := len(d)
	if n < 8 || !isa.Allows(isa.AVX2) {
		return false
	}
	axpyAVX2(&d[0], &s[:n][0], n, alpha)
	return true
}

// sumSquaresAVX2 returns Σ x² over n (a multiple of 8) values, in float64.
//
//go:noescape
func sumSquaresAVX2(x *float32, n int) float64

// sumSquaresHost returns Σ x² in float64: 8 values at a time in assembly where the CPU has AVX2 (as
// NOTMAGIC_KERNELS allows), the rest in Go.
func sumSquaresHost(x []float32) float64 {
	var sum float64
	done := 0
	if n8 := len(x) &^ 7; n8 > 0 && isa.Allows(isa.AVX2) {
		sum, done = sumSquaresAVX2(&x[0], n8), n8
	}
	for _, v := range x[done:] {
		sum += float64(v) * float64(v)
	}
	return sum
}
