package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// adamwConsts are AdamW's scalars as adamwNEON reads them.
type adamwConsts struct{ lr, b1, b2, eps, wd, bc1, bc2, omb1, omb2 float32 }

// adamwNEON updates n (a multiple of 4) parameters; see neon_arm64.s.
//
//go:noescape
func adamwNEON(p, grad, m, v *float32, n int, k *adamwConsts)

// adamwBlock is AdamW over whole slices: 4 values at a time in assembly where NOTMAGIC_KERNELS allows
// NEON, the rest in Go, with the same result bits either way.
func adamwBlock(ps, gs, ms, vs []float32, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	n4 := 0
	if isa.Allows(isa.NEON) {
		n4 = len(ps) &^ 3
		if n4 > 0 {
			k := adamwConsts{lr, b1, b2, eps, wd, bc1, bc2, 1 - b1, 1 - b2}
			adamwNEON(&ps[0], &gs[0], &ms[0], &vs[0], n4, &k)
		}
	}
	adamwScalar(ps[n4:], gs[n4:], ms[n4:], vs[n4:], lr, b1, b2, eps, wd, bc1, bc2)
}
