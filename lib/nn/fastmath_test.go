package nn

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// geluRef is x·Φ(x) through math.Erfc, exact in the left tail where 1+erf(x/√2) cancels.
func geluRef(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }

// TestFastExp checks fastExp against math.Exp to 1e-8 relative.
func TestFastExp(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		x := (r.Float64()*2 - 1) * 700
		if i%2 == 0 {
			x /= 100
		}
		want, got := math.Exp(x), fastExp(x)
		if math.Abs(got-want) > 1e-8*want {
			t.Fatalf("fastExp(%v) = %v, want %v", x, got, want)
		}
	}
	if fastExp(-800) != 0 || !math.IsInf(fastExp(800), 1) {
		t.Fatal("fastExp limits")
	}
}

// TestFastGELU checks the fast GELU and its derivative against the math.Erfc forms:
// the value within 5e-7 relative (plus 1e-30 absolute), the derivative within 5e-7 absolute.
func TestFastGELU(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	xs := []float64{0, 1, -1, 1e-8, -1e-8, 5, -5, 9, -9, 20, -20, 40, -40}
	for i := 0; i < 200000; i++ {
		xs = append(xs, r.NormFloat64()*3)
	}
	for _, x := range xs {
		x32 := float32(x)
		a := float64(x32)
		want := geluRef(a)
		y, dy := geluAndGrad(x32)
		got := float64(y)
		if math.Abs(got-want) > 5e-7*math.Abs(want)+1e-30 {
			t.Fatalf("gelu(%v) = %v, want %v", x32, got, want)
		}
		cdf := 0.5 * math.Erfc(-a/math.Sqrt2)
		dwant := cdf + a*math.Exp(-0.5*a*a)/math.Sqrt(2*math.Pi)
		if dg := float64(dy); math.Abs(dg-dwant) > 5e-7 {
			t.Fatalf("gelu'(%v) = %v, want %v", x32, dg, dwant)
		}
	}
}

// TestParallelRange checks that every index is visited exactly once for sizes around the split points.
func TestParallelRange(t *testing.T) {
	for _, n := range []int{0, 1, 7, 17, 65, parallelMin - 1, parallelMin, parallelMin + 1, 3*parallelMin + 7} {
		seen := make([]int32, n)
		parallelRange(n, parallelMin, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d visited %d times", n, i, c)
			}
		}
	}
}

// TestParallelRangeNestedAndConcurrent checks that parallelRange called from inside a chunk and from
// several goroutines at once still visits every index once (the busy pool runs such calls on their
// caller) and never deadlocks.
func TestParallelRangeNestedAndConcurrent(t *testing.T) {
	const n = 4 * parallelMin
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 20; rep++ {
				seen := make([]int32, n)
				parallelRange(n/64, 8, func(lo, hi int) {
					for c := lo; c < hi; c++ {
						parallelRange(64, 8, func(a, b int) {
							for i := a; i < b; i++ {
								atomic.AddInt32(&seen[c*64+i], 1)
							}
						})
					}
				})
				for i, v := range seen {
					if v != 1 {
						t.Errorf("index %d visited %d times", i, v)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestGELUBackendSizes runs the CPU backend's GELU and its gradient at edge sizes (serial and
// parallel paths) against the reference formulas.
func TestGELUBackendSizes(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, n := range []int{1, 7, 17, 65, parallelMin/8 - 1, parallelMin/8 + 1, 100003} {
		x := make([]float32, n)
		dy := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 2)
			dy[i] = float32(r.NormFloat64())
		}
		y := CPU.Alloc(n)
		CPU.Unary(backend.OpGELU, y, cpuBuffer(x), 0)
		dx := CPU.FromHost(make([]float32, n))
		CPU.UnaryGrad(backend.OpGELU, dx, cpuBuffer(x), y, cpuBuffer(dy), 0)
		yh, dxh := host(y), host(dx)
		for i, v := range x {
			a := float64(v)
			if want := geluRef(a); math.Abs(float64(yh[i])-want) > 5e-7*math.Abs(want)+1e-30 {
				t.Fatalf("n=%d: gelu(%v) = %v, want %v", n, v, yh[i], want)
			}
			d := 0.5*math.Erfc(-a/math.Sqrt2) + a*math.Exp(-0.5*a*a)/math.Sqrt(2*math.Pi)
			if want := d * float64(dy[i]); math.Abs(float64(dxh[i])-want) > 1e-6*(1+math.Abs(float64(dy[i]))) {
				t.Fatalf("n=%d: dgelu(%v) = %v, want %v", n, v, dxh[i], want)
			}
		}
	}
}

// TestGELUBlock checks geluBlock (the assembly path where the CPU has AVX-512) against the math.Erfc
// forms with TestFastGELU's tolerances — value within 5e-7 relative, derivative within 5e-7 absolute —
// on random values and at lengths around its 8-wide blocks, and checks that blocks holding values
// beyond ±10, ±Inf or NaN fall back to the scalar path's results exactly.
func TestGELUBlock(t *testing.T) { forEachFamily(t, testGELUBlock) }

func testGELUBlock(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	check := func(x []float32) {
		t.Helper()
		y, d := make([]float32, len(x)), make([]float32, len(x))
		geluBlock(y, d, x)
		for i, v := range x {
			a := float64(v)
			want := geluRef(a)
			cdf := 0.5 * math.Erfc(-a/math.Sqrt2)
			dwant := cdf + a*math.Exp(-0.5*a*a)/math.Sqrt(2*math.Pi)
			if math.IsNaN(a) || math.IsInf(a, 0) || math.Abs(a) > 10 {
				ys, ds := geluAndGrad(v)
				if !same(y[i], ys) || !same(d[i], ds) {
					t.Fatalf("len %d: gelu(%v) = %v, %v; the scalar path gives %v, %v", len(x), v, y[i], d[i], ys, ds)
				}
				continue
			}
			if math.Abs(float64(y[i])-want) > 5e-7*math.Abs(want)+1e-30 || math.Abs(float64(d[i])-dwant) > 5e-7 {
				t.Fatalf("len %d: gelu(%v) = %v, gelu'= %v; want %v, %v", len(x), v, y[i], d[i], want, dwant)
			}
		}
	}
	for _, n := range []int{1, 7, 8, 9, 17, 65, 1000, 100003} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 3)
		}
		check(x)
	}
	edges := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-8, -1e-8, 3, -3, 5.5, -5.5, 9.99, -9.99, 10, -10}
	check(edges)
	for _, special := range []float32{10.5, -10.5, 40, -40, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())} {
		check(append(append([]float32{}, edges[:8]...), special))
		check(append([]float32{special}, edges...))
	}
}

// same reports whether a and b are equal or both NaN.
func same(a, b float32) bool { return a == b || (a != a && b != b) }

// TestParallelForPanic checks that a panic in a chunk, on a worker or on the caller, comes back to
// the caller as a panic it can recover, after every chunk has stopped, and that the pool works after.
func TestParallelForPanic(t *testing.T) {
	const n = 4 * parallelMin
	for _, bad := range []int{0, n - 1} { // the caller's chunk, a worker's
		func() {
			defer func() {
				if r := recover(); r != fmt.Sprint("bad index ", bad) {
					t.Errorf("index %d: recovered %v", bad, r)
				}
			}()
			parallelRange(n, parallelMin, func(lo, hi int) {
				if lo <= bad && bad < hi {
					panic(fmt.Sprint("bad index ", bad))
				}
			})
			t.Errorf("index %d: no panic", bad)
		}()
	}
	var sum atomic.Int64
	parallelRange(n, parallelMin, func(lo, hi int) { sum.Add(int64(hi - lo)) })
	if sum.Load() != n {
		t.Fatalf("after the panics the pool covered %d of %d indices", sum.Load(), n)
	}
}
