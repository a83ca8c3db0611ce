package gemm

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
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
	f.Fuzz(fuzzCase)
}

// fuzzCase is one input of FuzzSgemm: the shape, flags (transpositions, alpha/beta, threads) and
// padding of the operands, and the seed of their values.
func fuzzCase(t *testing.T, m, n uint8, k uint16, flags, pads uint8, seed uint64) {
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
}

// TestSgemmRandom runs FuzzSgemm's check on random inputs: 150 in -short mode, 600 otherwise. It is
// how the kernels are fuzzed where the fuzzing engine cannot run, as under user-mode emulation (go
// test -fuzz forks the test binary itself, which needs the emulator registered with the kernel). The
// seed is logged; NOTMAGIC_FUZZ_SEED replays a run.
func TestSgemmRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("NOTMAGIC_FUZZ_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (NOTMAGIC_FUZZ_SEED=%d replays it); kernels %v", seed, seed, kernelNames())
	r := rand.New(rand.NewPCG(seed, 11))
	n := 600
	if testing.Short() {
		n = 150
	}
	for i := 0; i < n && !t.Failed(); i++ {
		fuzzCase(t, uint8(r.Uint32()), uint8(r.Uint32()), uint16(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), r.Uint64())
	}
}

func kernelNames() []string {
	var names []string
	for _, k := range kernels() {
		names = append(names, k.name)
	}
	return names
}
