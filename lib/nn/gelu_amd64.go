package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// geluAVX512 computes GELU and its derivative for n (a multiple of 8) values; see gelu_amd64.s.
//
//go:noescape
func geluAVX512(x, y, d *float32, n int) (special int)

// geluAVX2 is geluAVX512 for AVX2 CPUs, 4 values at a time; n is a multiple of 4.
//
//go:noescape
func geluAVX2(x, y, d *float32, n int) (special int)

// geluBlock sets y = gelu(x) and d = gelu'(x) for the whole of x in assembly where the CPU has
// AVX-512 (8 values at a time) or AVX2 (4), as NOTMAGIC_KERNELS allows; on the scalar path for the
// rest and for blocks holding |x| > 10 or NaN.
func geluBlock(y, d, x []float32) {
	done := 0
	switch {
	case isa.Allows(isa.AVX512):
		if done = len(x) &^ 7; done > 0 && geluAVX512(&x[0], &y[0], &d[0], done) != 0 {
			done = 0
		}
	case isa.Allows(isa.AVX2):
		if done = len(x) &^ 3; done > 0 && geluAVX2(&x[0], &y[0], &d[0], done) != 0 {
			done = 0
		}
	}
	for i := done; i < len(x); i++ {
		y[i], d[i] = geluAndGrad(x[i])
	}
}
