package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// geluAVX512 computes GELU and its derivative for n (a multiple of 8) values; see gelu_amd64.s.
//
//go:noescape
func geluAVX512(x, y, d *float32, n int) (special int)

// geluBlock sets y = gelu(x) and d = gelu'(x) for the whole of x, 8 values at a time in assembly
// where the CPU has AVX-512 (and NOTMAGIC_KERNELS allows it), on the scalar path for the rest and for
// blocks holding |x| > 10 or NaN.
func geluBlock(y, d, x []float32) {
	n8 := 0
	if isa.Allows(isa.AVX512) {
		n8 = len(x) &^ 7
		if n8 > 0 && geluAVX512(&x[0], &y[0], &d[0], n8) != 0 {
			n8 = 0
		}
	}
	for i := n8; i < len(x); i++ {
		y[i], d[i] = geluAndGrad(x[i])
	}
}
