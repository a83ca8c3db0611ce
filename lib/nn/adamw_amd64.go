package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// adamwConsts are AdamW's scalars as adamwAVX512 reads them.
type adamwConsts struct{ lr, b1, b2, eps, wd, bc1, bc2, omb1, omb2 float32 }

// adamwAVX512 updates n (a multiple of 16) parameters; see adamw_amd64.s.
//
//go:noescape
func adamwAVX512(p, grad, m, v *float32, n int, k *adamwConsts)

// adamwBlock is AdamW over whole slices: 16 values at a time in assembly where the CPU has
// AVX-512 (and NOTMAGIC_KERNELS allows it), the rest in Go, with the same result bits either way.
func adamwBlock(ps, gs, ms, vs []float32, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	n16 := 0
	if isa.Allows(isa.AVX512) {
		n16 = len(ps) &^ 15
		if n16 > 0 {
			k := adamwConsts{lr, b1, b2, eps, wd, bc1, bc2, 1 - b1, 1 - b2}
			adamwAVX512(&ps[0], &gs[0], &ms[0], &vs[0], n16, &k)
		}
	}
	adamwScalar(ps[n16:], gs[n16:], ms[n16:], vs[n16:], lr, b1, b2, eps, wd, bc1, bc2)
}
