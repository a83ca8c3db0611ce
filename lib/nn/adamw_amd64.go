package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// adamwConsts are AdamW's scalars as adamwAVX512 reads them.
type adamwConsts struct{ lr, b1, b2, eps, wd, bc1, bc2, omb1, omb2 float32 }

// adamwAVX512 updates n (a multiple of 16) parameters; see adamw_amd64.s.
//
//go:noescape
func adamwAVX512(p, grad, m, v *float32, n int, k *adamwConsts)

// adamwAVX2 updates n (a multiple of 8) parameters; see adamw_amd64.s.
//
//go:noescape
func adamwAVX2(p, grad, m, v *float32, n int, k *adamwConsts)

// adamwBlock is AdamW over whole slices: 16 values at a time in assembly where the CPU has
// AVX-512, 8 at a time where it has AVX2 (each as NOTMAGIC_KERNELS allows), the rest in Go, with
// the same result bits every way.
func adamwBlock(ps, gs, ms, vs []float32, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	done := 0
	k := adamwConsts{lr, b1, b2, eps, wd, bc1, bc2, 1 - b1, 1 - b2}
	switch {
	case isa.Allows(isa.AVX512):
		if done = len(ps) &^ 15; done > 0 {
			adamwAVX512(&ps[0], &gs[0], &ms[0], &vs[0], done, &k)
		}
	case isa.Allows(isa.AVX2):
		if done = len(ps) &^ 7; done > 0 {
			adamwAVX2(&ps[0], &gs[0], &ms[0], &vs[0], done, &k)
		}
	}
	adamwScalar(ps[done:], gs[done:], ms[done:], vs[done:], lr, b1, b2, eps, wd, bc1, bc2)
}
