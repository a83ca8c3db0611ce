//go:build linux

package gemm

// The A/B harness behind PERF.md's single-threaded figures. It alternates configurations per
// shape and keeps each one's best throughput measured on the thread's CPU clock, so that other
// programs competing for the cores (the development machine is shared) do not distort the
// comparison. It is skipped unless GEMM_TUNE names an experiment:
//
//	GEMM_TUNE=kernels  go test -run TestTune -v ./lib/nn/gemm/   # generic vs avx2 vs avx512
//	GEMM_TUNE=inplace  ...   # operands read in place vs always packed
//	GEMM_TUNE=packbt   ...   # assembly vs Go packing of a transposed B (AVX-512 and AVX2)
//	GEMM_TUNE=blocking ...   # (mc, kc, nc) sweep of the AVX-512 kernel
//	GEMM_TUNE=inflation ...  # process CPU time of 1 vs 2 threads (cost of splitting)

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

type tuneCfg struct {
	name  string
	apply func()
}

type tuneCase struct {
	name  string
	f     func()
	flops float64
}

func tuneCases() []tuneCase {
	var cs []tuneCase
	for _, s := range DefaultShapes() {
		a, b, c := make([]float32, s.M*s.K), make([]float32, s.K*s.N), make([]float32, s.M*s.N)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range b {
			b[i] = float32(i%5) - 2
		}
		lda, ldb := s.K, s.N
		if s.TransA {
			lda = s.M
		}
		if s.TransB {
			ldb = s.K
		}
		cs = append(cs, tuneCase{s.String(), func() { Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1, a, lda, b, ldb, 0, c, s.N) },
			2 * float64(s.M*s.N*s.K)})
	}
	const heads, T, hd = 48, 64, 32
	q, k, v := make([]float32, heads*T*hd), make([]float32, heads*T*hd), make([]float32, heads*T*hd)
	att, out := make([]float32, heads*T*T), make([]float32, heads*T*hd)
	return append(cs, tuneCase{"attention48", func() {
		SgemmBatch(heads, false, true, T, T, hd, 0.17, q, hd, T*hd, k, hd, T*hd, 0, att, T, T*T)
		SgemmBatch(heads, false, false, T, hd, T, 1, att, T, T*T, v, hd, T*hd, 0, out, hd, T*hd)
	}, 4 * heads * T * T * hd})
}

// bestRate returns the best GFLOP/s of f over five runs of at least 10 ms of clock time each.
func bestRate(f func(), flops float64, clock func() time.Duration) float64 {
	f()
	reps := 1
	for {
		t0 := clock()
		for i := 0; i < reps; i++ {
			f()
		}
		if clock()-t0 > 10*time.Millisecond {
			break
		}
		reps *= 2
	}
	best := 0.0
	for r := 0; r < 5; r++ {
		t0 := clock()
		for i := 0; i < reps; i++ {
			f()
		}
		best = max(best, flops*float64(reps)/(clock()-t0).Seconds()/1e9)
	}
	return best
}

func processCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestTune(t *testing.T) {
	exp := os.Getenv("GEMM_TUNE")
	if exp == "" {
		t.Skip("set GEMM_TUNE to run a tuning experiment")
	}
	defer SetThreads(SetThreads(1))
	defer active.Store(active.Load())
	var cfgs []tuneCfg
	switch exp {
	case "kernels":
		for _, k := range kernels() {
			cfgs = append(cfgs, tuneCfg{k.name, func() { active.Store(k) }})
		}
	case "inplace":
		defer func() { inPlace = true }()
		cfgs = []tuneCfg{{"inplace", func() { inPlace = true }}, {"packed", func() { inPlace = false }}}
	case "packbt":
		if !hasAVX2() {
			t.Skip("no AVX2")
		}
		ks := []*kernel{avx2Kernel}
		if hasAVX512() {
			ks = append(ks, avx512Kernel)
		}
		for _, k := range ks {
			pack := k.packBT
			defer func() { k.packBT = pack }()
			cfgs = append(cfgs,
				tuneCfg{k.name + "-asm", func() { active.Store(k); k.packBT = pack }},
				tuneCfg{k.name + "-go", func() { active.Store(k); k.packBT = nil }})
		}
	case "blocking":
		if !hasAVX512() {
			t.Skip("no AVX-512")
		}
		k := avx512Kernel
		defer func(mc, kc, nc int) { k.mc, k.kc, k.nc = mc, kc, nc }(k.mc, k.kc, k.nc)
		for _, b := range [][3]int{{144, 256, 1024}, {144, 256, 512}, {240, 256, 1024}, {96, 384, 1024}, {144, 384, 512}, {72, 256, 2048}} {
			cfgs = append(cfgs, tuneCfg{fmt.Sprint(b), func() { active.Store(k); k.mc, k.kc, k.nc = b[0], b[1], b[2] }})
		}
	case "inflation":
		for _, c := range tuneCases() {
			var r [3]float64
			for _, nt := range []int{1, 2} {
				SetThreads(nt)
				r[nt] = bestRate(c.f, c.flops, processCPU)
			}
			fmt.Printf("%-18s process-CPU GFLOP/s: 1 thread %6.1f, 2 threads %6.1f, work ratio %.2f\n", c.name, r[1], r[2], r[1]/r[2])
		}
		return
	default:
		t.Fatalf("GEMM_TUNE=%s: want kernels, inplace, packbt, blocking or inflation", exp)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, c := range tuneCases() {
		best := make([]float64, len(cfgs))
		for round := 0; round < 2; round++ {
			for i, cfg := range cfgs {
				cfg.apply()
				best[i] = max(best[i], bestRate(c.f, c.flops, threadCPUClock))
			}
		}
		fmt.Printf("%-18s", c.name)
		for i, cfg := range cfgs {
			fmt.Printf("  %s=%6.1f", cfg.name, best[i])
		}
		fmt.Println()
	}
}
