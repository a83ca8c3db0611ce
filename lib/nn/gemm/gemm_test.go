package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
	"github.com/notmagic/notmagic/lib/nn/internal/isa"
)

// refSgemm is the obviously correct reference: the textbook triple loop in float64. It also
// returns, per element of C, the magnitude bound |alpha|·Σ_p |op(A)_ip·op(B)_pj| + |beta·C_ij|
// used for the tolerance.
func refSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			v := float64(alpha) * s
			abs *= math.Abs(float64(alpha))
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
				abs += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j] = v
			mag[i*n+j] = abs
		}
	}
	return want, mag
}

// eps32 is float32's machine epsilon (2^-23).
const eps32 = 1.0 / (1 << 23)

// tolerance is the accepted |got − want| for an element whose magnitude bound is mag after a
// k-term dot product: (k+2)·eps32·mag, the classic worst-case bound of a float32 dot product,
// plus the rounding of alpha·x + beta·c. Any order of summation (blocking, FMA) stays inside it.
func tolerance(k int, mag float64) float64 { return float64(k+2) * eps32 * mag }

// gemmCase is one product to check; padA/padB/padC are extra stride beyond the stored columns.
type gemmCase struct {
	transA, transB   bool
	m, n, k          int
	alpha, beta      float32
	padA, padB, padC int
	nanC             bool // fill C with NaN first (only meaningful with beta == 0)
}

func (tc gemmCase) String() string {
	t := map[bool]string{false: "N", true: "T"}
	return fmt.Sprintf("%s%s_m%d_n%d_k%d_a%g_b%g_pad%d,%d,%d_nan%v", t[tc.transA], t[tc.transB], tc.m, tc.n, tc.k,
		tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC, tc.nanC)
}

// operands builds random operands for tc; stride padding holds NaN so any read of it shows.
func (tc gemmCase) operands(rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc = max(ac, 1)+tc.padA, max(bc, 1)+tc.padB, max(tc.n, 1)+tc.padC
	a = fill(rng, ar, ac, lda)
	b = fill(rng, br, bc, ldb)
	c = fill(rng, tc.m, tc.n, ldc)
	if tc.nanC {
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				c[i*ldc+j] = float32(math.NaN())
			}
		}
	}
	return
}

func fill(rng *rand.Rand, rows, cols, ld int) []float32 {
	x := make([]float32, rows*ld)
	for i := range x {
		if i%ld < cols {
			x[i] = float32(rng.NormFloat64())
		} else {
			x[i] = float32(math.NaN())
		}
	}
	return x
}

// checkCase runs tc through Sgemm and compares every element of C with the reference, and checks
// that C's stride padding is untouched.
func checkCase(t *testing.T, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	a, lda, b, ldb, c, ldc := tc.operands(rng)
	c0 := append([]float32(nil), c...)
	want, mag := refSgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			got := float64(c[i*ldc+j])
			w, tol := want[i*tc.n+j], tolerance(tc.k, mag[i*tc.n+j])
			if !(math.Abs(got-w) <= tol) { // NaN fails
				if bad < 3 {
					t.Errorf("%v [%s]: C[%d,%d] = %g, want %g (tolerance %.3g)", tc, Kernel(), i, j, got, w, tol)
				}
				bad++
			}
		}
		for j := tc.n; j < ldc && i*ldc+j < len(c); j++ {
			if g := c[i*ldc+j]; !math.IsNaN(float64(g)) || !math.IsNaN(float64(c0[i*ldc+j])) {
				t.Fatalf("%v [%s]: padding C[%d,%d] was written: %g", tc, Kernel(), i, j, g)
			}
		}
	}
	if bad > 3 {
		t.Errorf("%v [%s]: %d wrong elements in all", tc, Kernel(), bad)
	}
}

// forEachKernel runs f once per kernel this CPU supports, the portable Go one included, each
// with operands read in place where possible and with everything packed.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	for _, k := range kernels() {
		for _, direct := range []bool{true, false} {
			name := k.name
			if !direct {
				name += "/packed"
			}
			t.Run(name, func(t *testing.T) {
				restore, err := useKernel(k.name)
				if err != nil {
					t.Fatal(err)
				}
				defer restore()
				defer func(prev bool) { inPlace = prev }(inPlace)
				inPlace = direct
				f(t)
			})
		}
	}
}

// withThreads runs f with n workers and the parallel threshold lowered so small shapes split.
func withThreads(n int, f func()) {
	prev := SetThreads(n)
	prevMin, prevChunk := parallelMinFlops, chunkMinFlops
	parallelMinFlops, chunkMinFlops = 1, 1
	defer func() { SetThreads(prev); parallelMinFlops, chunkMinFlops = prevMin, prevChunk }()
	f()
}

var edgeSizes = []int{1, 2, 7, 12, 13, 16, 17, 31, 33, 65}

func TestSgemmEdgeSizes(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for i, m := range edgeSizes {
					for j, n := range edgeSizes {
						k := edgeSizes[(i+2*j)%len(edgeSizes)]
						checkCase(t, gemmCase{transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, beta: 0, nanC: true}, rng)
					}
				}
			}
		}
	})
}

func TestSgemmAlphaBetaStrides(t *testing.T) {
	ab := []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {0.5, -2}, {-1, 0.25}, {2, 0}, {0, 3}, {0, 0}}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for n, v := range ab {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					tc := gemmCase{transA: ta, transB: tb, m: 1 + rng.IntN(40), n: 1 + rng.IntN(70), k: 1 + rng.IntN(50),
						alpha: v.alpha, beta: v.beta, padA: rng.IntN(5), padB: rng.IntN(5), padC: 1 + rng.IntN(3), nanC: v.beta == 0 && n%2 == 0}
					checkCase(t, tc, rng)
				}
			}
		}
		// k == 0: C = beta·C.
		checkCase(t, gemmCase{m: 5, n: 9, k: 0, alpha: 1, beta: 0.5}, rng)
		checkCase(t, gemmCase{m: 5, n: 9, k: 0, alpha: 1, beta: 0, nanC: true}, rng)
	})
}

// TestSgemmBlocks crosses the cache-block boundaries (mc, kc, nc) of every kernel, with odd
// remainders, single-threaded and split across goroutines.
func TestSgemmBlocks(t *testing.T) {
	shapes := [][3]int{{145, 37, 257}, {13, 1030, 300}, {300, 45, 513}, {97, 130, 129}}
	if testing.Short() {
		shapes = shapes[:2]
	}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range shapes {
			for tr := 0; tr < 4; tr++ {
				tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1.5, beta: 0.5, padA: 3, padC: 2}
				checkCase(t, tc, rng)
			}
		}
		// B's rows 4 KiB or more apart with many row strips: A read in place, B packed untransposed.
		checkCase(t, gemmCase{m: 100, n: 70, k: 20, alpha: 1, beta: 0, padB: 1000, nanC: true}, rng)
	})
}

func TestSgemmThreads(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		nts := []int{2, 3, 4}
		if testing.Short() {
			nts = []int{3}
		}
		for _, nt := range nts {
			withThreads(nt, func() {
				for _, s := range [][3]int{{1, 1, 1}, {7, 65, 17}, {65, 7, 33}, {130, 100, 40}, {768, 65, 32}, {24, 300, 9}} {
					for tr := 0; tr < 4; tr++ {
						checkCase(t, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 1, padB: 1}, rng)
					}
				}
			})
		}
	})
}

func TestSgemmBatch(t *testing.T) {
	nts := []int{1, 2, 3}
	if testing.Short() {
		nts = []int{3}
	}
	forEachKernel(t, func(t *testing.T) {
		for _, nt := range nts {
			withThreads(nt, func() {
				rng := rand.New(rand.NewPCG(9, 10))
				for _, tc := range []struct {
					batch, m, n, k int
					shareA, shareB bool
					ta, tb         bool
				}{
					{48, 16, 16, 8, false, false, false, true},
					{5, 33, 17, 20, false, true, true, false},
					{3, 70, 90, 40, true, false, false, false},
					{1, 9, 9, 9, false, false, true, true},
					{12, 7, 40, 33, false, true, false, false}, // shared B, stacked A and C: one product
					{4, 13, 20, 9, false, true, false, true},
				} {
					g := gemmCase{transA: tc.ta, transB: tc.tb, m: tc.m, n: tc.n, k: tc.k, alpha: 1, beta: 0.5}
					a1, lda, b1, ldb, c1, ldc := g.operands(rng)
					sa, sb, sc := len(a1), len(b1), len(c1)
					if tc.shareA {
						sa = 0
					}
					if tc.shareB {
						sb = 0
					}
					a := make([]float32, 0, tc.batch*len(a1))
					b := make([]float32, 0, tc.batch*len(b1))
					c := make([]float32, 0, tc.batch*len(c1))
					for i := 0; i < tc.batch; i++ {
						ga, _, gb, _, gc, _ := g.operands(rng)
						a, b, c = append(a, ga...), append(b, gb...), append(c, gc...)
					}
					c0 := append([]float32(nil), c...)
					SgemmBatch(tc.batch, tc.ta, tc.tb, tc.m, tc.n, tc.k, g.alpha, a, lda, sa, b, ldb, sb, g.beta, c, ldc, sc)
					for i := 0; i < tc.batch; i++ {
						want, mag := refSgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, g.alpha, a[i*sa:], lda, b[i*sb:], ldb, g.beta, c0[i*sc:], ldc)
						for r := 0; r < tc.m; r++ {
							for j := 0; j < tc.n; j++ {
								got := float64(c[i*sc+r*ldc+j])
								if w, tol := want[r*tc.n+j], tolerance(tc.k, mag[r*tc.n+j]); !(math.Abs(got-w) <= tol) {
									t.Fatalf("threads %d batch %+v item %d: C[%d,%d] = %g, want %g", nt, tc, i, r, j, got, w)
								}
							}
						}
					}
				}
			})
		}
	})
}

// TestSgemmBatchSharedC: with strideC == 0 the products accumulate into one C, in order.
func TestSgemmBatchSharedC(t *testing.T) {
	t.Run("stacked depth", func(t *testing.T) {
		// dW = Σ_i X_iᵀ·dY_i: transposed A and B stacked along k, beta 1 (one product of depth 4·k).
		const batch, m, n, k = 4, 17, 40, 9
		rng := rand.New(rand.NewPCG(11, 12))
		a, b := fill(rng, batch*k, m, m), fill(rng, batch*k, n, n)
		c := fill(rng, m, n, n)
		want := append([]float32(nil), c...)
		for i := 0; i < batch; i++ {
			w, _ := refSgemm(true, false, m, n, k, 0.5, a[i*k*m:], m, b[i*k*n:], n, 1, want, n)
			for j := range w {
				want[j] = float32(w[j])
			}
		}
		SgemmBatch(batch, true, false, m, n, k, 0.5, a, m, k*m, b, n, k*n, 1, c, n, 0)
		for i := range c {
			if d := math.Abs(float64(c[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("C[%d] = %g, want %g", i, c[i], want[i])
			}
		}
	})
	withThreads(2, func() {
		const batch, m, n, k = 6, 20, 30, 10
		a := make([]float32, batch*m*k)
		b := make([]float32, k*n)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range b {
			b[i] = float32(i%5) - 2
		}
		c := make([]float32, m*n)
		SgemmBatch(batch, false, false, m, n, k, 1, a, k, m*k, b, n, 0, 1, c, n, 0)
		want := make([]float32, m*n)
		for i := 0; i < batch; i++ {
			Sgemm(false, false, m, n, k, 1, a[i*m*k:], k, b, n, 1, want, n)
		}
		for i := range c {
			if c[i] != want[i] {
				t.Fatalf("C[%d] = %g, want %g", i, c[i], want[i])
			}
		}
	})
}

// TestConcurrentCallers: goroutines calling at once share the pool (or fall back to running
// alone) and every result is right; run with -race to check the pool's hand-offs.
func TestConcurrentCallers(t *testing.T) {
	withThreads(3, func() {
		const m, n, k = 50, 70, 30
		a := make([]float32, m*k)
		b := make([]float32, k*n)
		for i := range a {
			a[i] = float32(i%9) - 4
		}
		for i := range b {
			b[i] = float32(i%7) - 3
		}
		want := make([]float32, m*n)
		SetThreads(1)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
		SetThreads(3)
		errs := make(chan error, 4)
		for g := 0; g < 4; g++ {
			go func() {
				c := make([]float32, m*n)
				for it := 0; it < 50; it++ {
					Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
					for i := range c {
						if c[i] != want[i] {
							errs <- fmt.Errorf("iteration %d: C[%d] = %g, want %g", it, i, c[i], want[i])
							return
						}
					}
				}
				errs <- nil
			}()
		}
		for g := 0; g < 4; g++ {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

func TestSgemmPanics(t *testing.T) {
	s := make([]float32, 100)
	cases := []struct {
		name, want string
		f          func()
	}{
		{"short A", "len(a)=10 is too short for A", func() { Sgemm(false, false, 4, 4, 4, 1, s[:10], 4, s, 4, 0, s, 4) }},
		{"short B transposed", "len(b)=15 is too short for B as stored (transposed): 5×4", func() { Sgemm(false, true, 4, 5, 4, 1, s, 4, s[:15], 4, 0, s, 5) }},
		{"short C", "len(c)=3 is too short for C", func() { Sgemm(false, false, 2, 2, 2, 1, s, 2, s, 2, 0, s[:3], 2) }},
		{"small lda", "lda=3 is less than the 4 columns of A", func() { Sgemm(false, false, 2, 2, 4, 1, s, 3, s, 2, 0, s, 2) }},
		{"negative", "negative size", func() { Sgemm(false, false, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }},
		{"batch short C", "(batch 3, strideC 50)", func() { SgemmBatch(3, false, false, 4, 4, 4, 1, s, 4, 0, s, 4, 0, 0, s, 4, 50) }},
		{"negative batch", "negative batch", func() { SgemmBatch(-1, false, false, 4, 4, 4, 1, s, 4, 0, s, 4, 0, 0, s, 4, 16) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Fatalf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
	// Empty products are fine with empty slices.
	Sgemm(false, false, 0, 5, 3, 1, nil, 3, s, 5, 0, nil, 5)
	SgemmBatch(0, false, false, 4, 4, 4, 1, nil, 4, 16, nil, 4, 16, 0, nil, 4, 16)
}

func TestZeroAllocs(t *testing.T) {
	a := make([]float32, 256*256)
	b := make([]float32, 256*256)
	c := make([]float32, 256*256)
	for _, nt := range []int{1, 2} {
		prev := SetThreads(nt)
		for _, tc := range []struct {
			name string
			f    func()
		}{
			{"small", func() { Sgemm(false, true, 64, 64, 32, 1, a, 32, b, 32, 0, c, 64) }},
			{"large", func() { Sgemm(true, false, 256, 200, 256, 1, a, 256, b, 200, 1, c, 200) }},
			{"batch", func() { SgemmBatch(48, false, true, 32, 32, 16, 1, a, 16, 512, b, 16, 512, 0, c, 32, 1024) }},
		} {
			tc.f() // warm the buffers
			if n := testing.AllocsPerRun(20, tc.f); n != 0 {
				t.Errorf("threads %d %s: %v allocations per call, want 0", nt, tc.name, n)
			}
		}
		SetThreads(prev)
	}
}

func TestSetThreadsAndKernel(t *testing.T) {
	prev := SetThreads(3)
	if got := SetThreads(0); got != 3 {
		t.Fatalf("SetThreads returned %d, want 3", got)
	}
	SetThreads(prev)
	if _, err := useKernel("no-such-kernel"); err == nil {
		t.Fatal("useKernel accepted an unknown kernel")
	}
	ks := kernels()
	if os.Getenv(isa.Env) != "" {
		t.Logf("kernel %s chosen by %s", Kernel(), isa.Env)
	} else if Kernel() != ks[len(ks)-1].name {
		t.Fatalf("Kernel() = %q, want the best available %q", Kernel(), ks[len(ks)-1].name)
	}
	t.Logf("kernel %s; available %d", Kernel(), len(ks))
}

// TestKernelEnv starts this test binary again with NOTMAGIC_KERNELS set and checks the choice took
// effect: generic everywhere, and each SIMD family this CPU runs; an unknown name is ignored.
func TestKernelEnv(t *testing.T) {
	if os.Getenv("GEMM_TEST_CHILD") == "1" {
		fmt.Printf("kernel=%s\n", Kernel())
		return
	}
	cases := map[string]string{"generic": "kernel=generic", "no-such": "ignored"}
	for _, k := range kernels() {
		cases[k.name] = "kernel=" + k.name
	}
	for env, want := range cases {
		cmd := testexec.Self("-test.run=^TestKernelEnv$", "-test.v")
		cmd.Env = append(os.Environ(), "GEMM_TEST_CHILD=1", isa.Env+"="+env)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s=%s: %v\n%s", isa.Env, env, err, out)
		}
	}
}
