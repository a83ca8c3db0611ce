package gemm

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/notmagic/notmagic/lib/nn/internal/isa"
)

// Shape is one matrix product to benchmark: op(A) is M×K, op(B) is K×N.
type Shape struct {
	M, N, K        int
	TransA, TransB bool
}

// Trans returns the transposition code, "NN", "NT", "TN" or "TT" (op(A) then op(B)).
func (s Shape) Trans() string {
	t := [2]byte{'N', 'N'}
	if s.TransA {
		t[0] = 'T'
	}
	if s.TransB {
		t[1] = 'T'
	}
	return string(t[:])
}

// String formats s as ParseShape reads it: "MxNxK" or "MxNxK:TN".
func (s Shape) String() string {
	return fmt.Sprintf("%dx%dx%d:%s", s.M, s.N, s.K, s.Trans())
}

// ParseShape reads "N" (a square N×N×N product), "MxNxK", or either followed by ":NN", ":NT",
// ":TN" or ":TT".
func ParseShape(s string) (Shape, error) {
	dims, trans, _ := strings.Cut(s, ":")
	var sh Shape
	parts := strings.Split(dims, "x")
	var v [3]int
	switch len(parts) {
	case 1, 3:
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n <= 0 {
				return Shape{}, fmt.Errorf("gemm: bad shape %q: %q is not a positive size", s, p)
			}
			v[i] = n
		}
		if len(parts) == 1 {
			v[1], v[2] = v[0], v[0]
		}
	default:
		return Shape{}, fmt.Errorf("gemm: bad shape %q: want N or MxNxK, optionally with :NN, :NT, :TN or :TT", s)
	}
	sh.M, sh.N, sh.K = v[0], v[1], v[2]
	switch strings.ToUpper(trans) {
	case "", "NN":
	case "NT":
		sh.TransB = true
	case "TN":
		sh.TransA = true
	case "TT":
		sh.TransA, sh.TransB = true, true
	default:
		return Shape{}, fmt.Errorf("gemm: bad shape %q: transposition %q is not NN, NT, TN or TT", s, trans)
	}
	return sh, nil
}

// DefaultShapes are the benchmark's shapes, the same as lib/nn/gemm/torch_matmul.py's: squares
// 64…1024, then each Linear layer of the benchmark GPT (768 tokens, width 128: qkv, proj, fc, out,
// head) as its forward product Y = X·W (NN) and its two backward products dX = dY·Wᵀ (NT) and
// dW = Xᵀ·dY (TN), then one attention head's q·kᵀ and p·v.
func DefaultShapes() []Shape {
	var s []Shape
	for _, n := range []int{64, 128, 256, 512, 1024} {
		s = append(s, Shape{M: n, N: n, K: n})
	}
	for _, l := range [][3]int{{768, 384, 128}, {768, 128, 128}, {768, 512, 128}, {768, 128, 512}, {768, 65, 128}} {
		m, n, k := l[0], l[1], l[2]
		s = append(s, Shape{M: m, N: n, K: k}, Shape{M: m, N: k, K: n, TransB: true}, Shape{M: k, N: n, K: m, TransA: true})
	}
	return append(s, Shape{M: 64, N: 64, K: 32, TransB: true}, Shape{M: 64, N: 32, K: 64})
}

// BenchResult is one line of Bench's output.
type BenchResult struct {
	Impl    string  `json:"impl"`
	Kernel  string  `json:"kernel"`
	M       int     `json:"m"`
	N       int     `json:"n"`
	K       int     `json:"k"`
	Trans   string  `json:"trans"`
	Threads int     `json:"threads"`
	Clock   string  `json:"clock"` // "wall" or "cpu" (see BenchOptions.CPUClock)
	GFlops  float64 `json:"gflops"`
	CPU     string  `json:"cpu"`  // the processor's model, as the operating system names it
	Arch    string  `json:"arch"` // GOOS/GOARCH
}

// BenchOptions configures Bench.
type BenchOptions struct {
	// MinTime is the timing budget of one measurement (<= 0: 0.5 s).
	MinTime time.Duration
	// Threads lists the thread counts to measure (empty: 1 and runtime.GOMAXPROCS(0)).
	Threads []int
	// CPUClock times with the calling thread's CPU time instead of the wall clock, so that other
	// programs competing for the cores do not count (single-threaded runs only; Linux).
	CPUClock bool
}

// Bench times Sgemm on each shape (DefaultShapes when none are given) with each thread count and
// writes one JSON line per measurement:
//
//	{"impl":"notmagic","kernel":"avx512","m":768,"n":384,"k":128,"trans":"NN","threads":1,"clock":"wall","gflops":97.1}
//
// Each figure is the best of five timed runs of about MinTime/5 each, the same method as
// torch_matmul.py. The thread setting is restored afterwards.
func Bench(w io.Writer, opt BenchOptions, shapes ...Shape) error {
	if len(shapes) == 0 {
		shapes = DefaultShapes()
	}
	threads := opt.Threads
	if len(threads) == 0 {
		threads = []int{1}
		if g := runtime.GOMAXPROCS(0); g > 1 && !opt.CPUClock {
			threads = append(threads, g)
		}
	}
	minTime := opt.MinTime
	if minTime <= 0 {
		minTime = 500 * time.Millisecond
	}
	clock, clockName := wallClock, "wall"
	if opt.CPUClock {
		if threadCPUClock == nil {
			return fmt.Errorf("gemm: Bench: the CPU clock is not available on this system")
		}
		clock, clockName = threadCPUClock, "cpu"
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	prev := SetThreads(threads[0])
	defer SetThreads(prev)
	enc := json.NewEncoder(w)
	for _, s := range shapes {
		if s.M <= 0 || s.N <= 0 || s.K <= 0 {
			return fmt.Errorf("gemm: Bench: shape %v has a size that is not positive", s)
		}
		for _, nt := range threads {
			if nt <= 0 {
				return fmt.Errorf("gemm: Bench: thread count %d is not positive", nt)
			}
			if opt.CPUClock && nt != 1 {
				return fmt.Errorf("gemm: Bench: the CPU clock measures single-threaded runs only, not %d threads", nt)
			}
			SetThreads(nt)
			r := BenchResult{Impl: "notmagic", Kernel: Kernel(), CPU: isa.CPUModel(), Arch: runtime.GOOS + "/" + runtime.GOARCH, M: s.M, N: s.N, K: s.K, Trans: s.Trans(), Threads: nt,
				Clock: clockName, GFlops: measure(s, minTime, clock)}
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

var start = time.Now()

// wallClock is the monotonic wall clock, as time since the package started.
func wallClock() time.Duration { return time.Since(start) }

// measure returns the best GFLOP/s of Sgemm on s over five runs of about minTime/5 each, timed
// by clock.
func measure(s Shape, minTime time.Duration, clock func() time.Duration) float64 {
	rng := rand.New(rand.NewPCG(1, 1))
	mat := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	a, b, c := mat(s.M*s.K), mat(s.K*s.N), make([]float32, s.M*s.N)
	lda, ldb := s.K, s.N
	if s.TransA {
		lda = s.M
	}
	if s.TransB {
		ldb = s.K
	}
	call := func(reps int) time.Duration {
		t0 := clock()
		for i := 0; i < reps; i++ {
			Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1, a, lda, b, ldb, 0, c, s.N)
		}
		return clock() - t0
	}
	call(3)
	// A timed run lasts at least minTime/25, and twenty of the clock's steps when that is longer (up to
	// minTime/5): Go's monotonic clock moves in steps of up to a millisecond on some Windows systems.
	target := max(minTime/25, min(minTime/5, 20*clockStep(clock)))
	reps := 1
	for call(reps) < target {
		reps *= 2
	}
	for {
		best := time.Duration(1 << 62)
		for i := 0; i < 5; i++ {
			best = min(best, call(reps))
		}
		if best > 0 {
			return 2 * float64(s.M) * float64(s.N) * float64(s.K) * float64(reps) / best.Seconds() / 1e9
		}
		reps *= 2 // the clock did not move during a run: make the runs longer
	}
}

// clockStep returns the largest of ten consecutive steps by which clock advances.
func clockStep(clock func() time.Duration) time.Duration {
	var step time.Duration
	t0 := clock()
	for i := 0; i < 10; i++ {
		t1 := clock()
		for t1 == t0 {
			t1 = clock()
		}
		step = max(step, t1-t0)
		t0 = t1
	}
	return step
}
