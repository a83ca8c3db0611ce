package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// maxAVX2 returns the largest of n (a multiple of 8) values; see softmax_amd64.s.
//
//go:noescape
func maxAVX2(x *float32, n int) float32

// expShiftAVX2 replaces n (a multiple of 8) values x by e^(x−m) and returns their float64 sum.
//
//go:noescape
func expShiftAVX2(x *float32, n int, m float32) (sum float64)

// scaleAVX2 multiplies n (a multiple of 8) values by s.
//
//go:noescape
func scaleAVX2(x *float32, n int, s float32)

// softmaxRowSIMD replaces r by its softmax, 8 values at a time in assembly where the CPU has AVX2 (as
// NOTMAGIC_KERNELS allows), and reports whether it did; rows shorter than 8 are left to the Go loop.
func softmaxRowSIMD(r []float32) bool {
	n8 := len(r) &^ 7
	if n8 == 0 || !isa.Allows(isa.AVX2) {
		return false
	}
	m := maxAVX2(&r[0], n8)
	for _, v := range r[n8:] {
		m = max(m, v)
	}
	sum := expShiftAVX2(&r[0], n8, m)
	for j, v := range r[n8:] {
		e := float32(fastExp(float64(v - m)))
		r[n8+j] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	scaleAVX2(&r[0], n8, inv)
	for j := n8; j < len(r); j++ {
		r[j] *= inv
	}
	return true
}

// softmaxGradRowAVX2 sets d = p·(d − Σ p·d)·scale for n values.
//
//go:noescape
func softmaxGradRowAVX2(p, d *float32, n int, scale float32)

// softmaxGradRowSIMD sets d = p·(d − Σ p·d)·scale in assembly where the CPU has AVX2 (as
// NOTMAGIC_KERNELS allows) and the row holds at least 8 values, and reports whether it did.
func softmaxGradRowSIMD(p, d []float32, scale float32) bool {
	n := len(p)
	if n < 8 || !isa.Allows(isa.AVX2) {
		return false
	}
	softmaxGradRowAVX2(&p[0], &d[:n][0], n, scale)
	return true
}
