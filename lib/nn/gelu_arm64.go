package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

//go:generate go run gen_neon_arm64.go

// geluNEON computes GELU and its derivative for n (a multiple of 4) values; see neon_arm64.s.
//
//go:noescape
func geluNEON(x, y, d *float32, n int) (special int)

// geluBlock sets y = gelu(x) and d = gelu'(x) for the whole of x, 4 values at a time in assembly where
// NOTMAGIC_KERNELS allows NEON, on the scalar path for the rest and for blocks holding |x| > 10 or NaN.
func geluBlock(y, d, x []float32) {
	n4 := 0
	if isa.Allows(isa.NEON) {
		n4 = len(x) &^ 3
		if n4 > 0 && geluNEON(&x[0], &y[0], &d[0], n4) != 0 {
			n4 = 0
		}
	}
	for i := n4; i < len(x); i++ {
		y[i], d[i] = geluAndGrad(x[i])
	}
}
