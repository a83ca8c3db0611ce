package gemm

import (
	"math/rand/v2"
	"testing"
)

// FuzzSgemm checks random shapes, transpositions, strides and alpha/beta against the reference
// with every kernel, operands read in place and packed, one and three goroutines. Sizes reach
// past the kernels' tiles (12×32, 6×16, 4×4) and, for k, past the depth block (256).
//
//	go test -fuzz FuzzSgemm ./lib/nn/gemm/
func FuzzSgemm(f *testing.F) {
	// The committed corpus (testdata/fuzz/FuzzSgemm) holds the edge sizes; these add a few more.
	f.Add(uint8(12), uint8(32), uint16(256), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(13), uint8(33), uint16(257), uint8(3), uint8(5), uint64(2))
	f.Fuzz(func(t *testing.T, m, n uint8, k uint16, flags, pads uint8, seed uint64) {
		tc := gemmCase{
			m: int(m % 100), n: int(n % 100), k: int(k % 300),
			transA: flags&1 != 0, transB: flags&2 != 0,
			padA: int(pads & 3), padB: int(pads >> 2 & 3), padC: int(pads >> 4 & 3),
		}
		ab := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {0, 1.5}}[flags>>2&3]
		tc.alpha, tc.beta = ab[0], ab[1]
		tc.nanC = tc.beta == 0
		threads := 1 + 2*int(flags>>4&1)
		for _, kern := range kernels() {
			for _, direct := range []bool{true, false} {
				restore, _ := useKernel(kern.name)
				inPlace = direct
				withThreads(threads, func() { checkCase(t, tc, rand.New(rand.NewPCG(seed, 7))) })
				inPlace = true
				restore()
			}
		}
	})
}
