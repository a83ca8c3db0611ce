package gpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/ebitengine/purego"
)

func TestSizeClass(t *testing.T) {
	for _, c := range []struct{ n, want uint64 }{
		{0, 512}, {1, 512}, {512, 512}, {513, 1024}, {1000, 1024}, {4096, 4096}, {4097, 8192},
		{1<<20 - 1, 1 << 20}, {1 << 20, 1 << 20}, {1<<20 + 1, 1<<20 + 1<<17}, {3 << 20, 3 << 20},
		{25165824, 25165824}, {25165825, 25165824 + 2<<20},
	} {
		if got := sizeClass(c.n); got != c.want {
			t.Errorf("sizeClass(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		n := uint64(r.Int64N(1 << uint(r.IntN(34)+1)))
		c := sizeClass(n)
		if c < n || sizeClass(c) != c {
			t.Fatalf("sizeClass(%d) = %d: must cover n and be its own class", n, c)
		}
		if n >= 1<<20 && float64(c-n) > float64(n)/8 {
			t.Fatalf("sizeClass(%d) = %d wastes more than 12.5%%", n, c)
		}
		if n > 512 && n < 1<<20 && c >= 2*n {
			t.Fatalf("sizeClass(%d) = %d: more than double", n, c)
		}
	}
}

// fakeDevice stands in for cuMemAlloc/cuMemFree (no GPU here) to test the allocator's bookkeeping.
type fakeDevice struct {
	next    uintptr
	live    map[uintptr]uint64
	limit   uint64 // bytes the fake device holds
	used    uint64
	frees   int
	allocs  int
	failOOM bool
}

func (f *fakeDevice) alloc(n uint64) (uintptr, error) {
	if f.used+n > f.limit {
		return 0, &Error{Func: "cuMemAlloc_v2", Code: cudaErrorOutOfMemory, Name: "CUDA_ERROR_OUT_OF_MEMORY"}
	}
	f.allocs++
	f.next += 1 << 30
	f.live[f.next] = n
	f.used += n
	return f.next, nil
}

func (f *fakeDevice) free(ps []uintptr) error {
	for _, p := range ps {
		n, ok := f.live[p]
		if !ok {
			return fmt.Errorf("double free of %#x", p)
		}
		delete(f.live, p)
		f.used -= n
		f.frees++
	}
	return nil
}

func TestAllocatorReuse(t *testing.T) {
	f := &fakeDevice{live: map[uintptr]uint64{}, limit: 1 << 40}
	a := newAllocator(f.alloc, f.free)
	p1, c1, err := a.get(1000)
	if err != nil || c1 != 1024 {
		t.Fatalf("get(1000) = %v, %d, %v", p1, c1, err)
	}
	p2, _, _ := a.get(900) // same class, p1 still live: a new block
	if p2 == p1 {
		t.Fatal("a live block was handed out twice")
	}
	a.put(p1, c1)
	p3, _, _ := a.get(1024)
	if p3 != p1 {
		t.Fatalf("the freed block of the same class was not reused: got %#x, want %#x", p3, p1)
	}
	s := a.Stats()
	if s.Allocs != 3 || s.Hits != 1 || s.DeviceOps != 2 || s.InUse != 2048 || s.Cached != 0 {
		t.Fatalf("stats %+v", s)
	}
	a.put(p2, 1024)
	a.put(p3, 1024)
	if err := a.release(); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats(); s.Cached != 0 || s.InUse != 0 || s.Released != 2 || f.frees != 2 {
		t.Fatalf("after release: stats %+v, %d frees", s, f.frees)
	}
}

// getMiBs takes n 1 MiB blocks from a.
func getMiBs(t *testing.T, a *allocator, n int) []uintptr {
	t.Helper()
	var ps []uintptr
	for i := 0; i < n; i++ {
		p, _, err := a.get(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

func TestAllocatorOutOfMemory(t *testing.T) {
	f := &fakeDevice{live: map[uintptr]uint64{}, limit: 3 << 20}
	a := newAllocator(f.alloc, f.free)
	// Fill the device with cached 1 MiB blocks, then ask for a 2 MiB block: the cache is given back.
	ps := getMiBs(t, a, 3)
	for _, p := range ps {
		a.put(p, 1<<20)
	}
	if _, _, err := a.get(2 << 20); err != nil {
		t.Fatalf("the allocator did not release its cache under pressure: %v", err)
	}
	// Now a request that can never fit reports a clear error.
	_, _, err := a.get(8 << 20)
	if err == nil || !strings.Contains(err.Error(), "cannot allocate 8388608 bytes") || !isOutOfMemory(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestIsOutOfMemory(t *testing.T) {
	oom := &Error{Func: "cuMemAlloc_v2", Code: cudaErrorOutOfMemory}
	if !isOutOfMemory(fmt.Errorf("wrapped: %w", oom)) || isOutOfMemory(errors.New("x")) ||
		isOutOfMemory(&Error{Func: "cuMemAlloc_v2", Code: 1}) {
		t.Fatal("isOutOfMemory misclassifies")
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Func: "cuMemAlloc_v2", Code: 2, Name: "CUDA_ERROR_OUT_OF_MEMORY", Desc: "out of memory"}
	if got, want := e.Error(), "gpu: cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY: out of memory"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if got := (&Error{Func: "cublasSgemmStridedBatched", Code: 42}).Error(); got != "gpu: cublasSgemmStridedBatched failed: status 42" {
		t.Fatalf("%q", got)
	}
}

func TestCoalesce(t *testing.T) {
	for _, c := range []struct {
		shape    []int
		strides  [][]int
		dims     []int
		outs     [][]int
		describe string
	}{
		{[]int{2, 3, 4}, [][]int{{12, 4, 1}, {12, 4, 1}}, []int{24}, [][]int{{1}, {1}}, "contiguous merges to one axis"},
		{[]int{2, 3, 4}, [][]int{{12, 4, 1}, {0, 0, 1}}, []int{6, 4}, [][]int{{4, 1}, {0, 1}}, "row broadcast of a bias"},
		{[]int{2, 3, 4}, [][]int{{12, 4, 1}, {1, 0, 0}}, []int{2, 12}, [][]int{{12, 1}, {1, 0}}, "broadcast of a column"},
		{[]int{1, 5, 1}, [][]int{{5, 1, 1}, {0, 1, 0}}, []int{5}, [][]int{{1}, {1}}, "size-1 axes drop"},
		{[]int{}, [][]int{{}, {}}, []int{1}, [][]int{{0}, {0}}, "scalar"},
		{[]int{3, 4}, [][]int{{1, 3}}, []int{3, 4}, [][]int{{1, 3}}, "transpose does not merge"},
		{[]int{2, 3, 4, 5}, [][]int{{60, 20, 5, 1}, {60, 5, 15, 1}}, []int{2, 3, 4, 5}, [][]int{{60, 20, 5, 1}, {60, 5, 15, 1}}, "permuted middle axes"},
	} {
		dims, outs := coalesce(c.shape, c.strides...)
		if !reflect.DeepEqual(dims, c.dims) || !reflect.DeepEqual(outs, c.outs) {
			t.Errorf("%s: coalesce(%v, %v) = %v, %v; want %v, %v", c.describe, c.shape, c.strides, dims, outs, c.dims, c.outs)
		}
	}
}

// TestCoalescePreservesOffsets checks on random shapes and strides that the coalesced index space
// visits the same operand offsets in the same order.
func TestCoalescePreservesOffsets(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	offsets := func(shape []int, strides []int) []int {
		n := 1
		for _, d := range shape {
			n *= d
		}
		out := make([]int, n)
		for i := range out {
			rem, off := i, 0
			for a := len(shape) - 1; a >= 0; a-- {
				off += (rem % shape[a]) * strides[a]
				rem /= shape[a]
			}
			out[i] = off
		}
		return out
	}
	for it := 0; it < 2000; it++ {
		rank := r.IntN(6)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = 1 + r.IntN(4)
		}
		// a: contiguous or a random permutation's strides; b: contiguous with random broadcast axes.
		a := make([]int, rank)
		b := make([]int, rank)
		s := 1
		for i := rank - 1; i >= 0; i-- {
			a[i], b[i] = s, s
			if r.IntN(3) == 0 {
				b[i] = 0
			}
			s *= shape[i]
		}
		if r.IntN(2) == 0 && rank >= 2 {
			i, j := r.IntN(rank), r.IntN(rank)
			a[i], a[j] = a[j], a[i]
		}
		dims, outs := coalesce(shape, a, b)
		if !reflect.DeepEqual(offsets(shape, a), offsets(dims, outs[0])) || !reflect.DeepEqual(offsets(shape, b), offsets(dims, outs[1])) {
			t.Fatalf("coalesce(%v, %v, %v) = %v, %v changes the offsets", shape, a, b, dims, outs)
		}
	}
}

func TestNewStridedLimits(t *testing.T) {
	s := newStrided("test", []int{4, 5}, []int{5, 1}, []int{0, 1})
	if s.rank != 2 || s.n != 20 || s.dims[0] != 4 || s.dims[1] != 5 || s.sa[0] != 5 || s.sb[0] != 0 || s.sb[1] != 1 {
		t.Fatalf("%+v", s)
	}
	mustPanic(t, "too large for 32-bit", func() { newStrided("big", []int{1 << 16, 1 << 16}, []int{1 << 16, 1}, nil) })
	// Nine axes that cannot merge (alternating transposition).
	shape := []int{2, 2, 2, 2, 2, 2, 2, 2, 2}
	st := []int{1, 2, 4, 8, 16, 32, 64, 128, 256}
	mustPanic(t, "at most 8", func() { newStrided("deep", shape, st, nil) })
	mustPanic(t, "strides for", func() { newStrided("bad", []int{2, 2}, []int{1}, nil) })
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		if !strings.Contains(fmt.Sprint(r), want) {
			t.Fatalf("panic %q does not mention %q", r, want)
		}
	}()
	f()
}

func TestLaunchConfig(t *testing.T) {
	for _, c := range []struct{ n, threads, maxBlocks, want int }{
		{0, 256, 100, 1}, {1, 256, 100, 1}, {256, 256, 100, 1}, {257, 256, 100, 2}, {1 << 30, 256, 4224, 4224},
	} {
		if got := gridFor(c.n, c.threads, c.maxBlocks); got != c.want {
			t.Errorf("gridFor(%d, %d, %d) = %d, want %d", c.n, c.threads, c.maxBlocks, got, c.want)
		}
	}
	for _, c := range []struct{ cols, want int }{{1, 32}, {32, 32}, {33, 64}, {65, 96}, {256, 256}, {384, 256}, {50000, 256}} {
		if got := rowThreads(c.cols); got != c.want || got%32 != 0 {
			t.Errorf("rowThreads(%d) = %d, want %d", c.cols, got, c.want)
		}
	}
	if rowGrid(0) != 1 || rowGrid(98304) != 98304 || rowGrid(1<<30) != 1<<20 {
		t.Error("rowGrid")
	}
	if g := gemmGrid(100, 65, 7, 64); g != [3]int{2, 2, 7} {
		t.Errorf("gemmGrid = %v", g)
	}
	for _, c := range []struct {
		m, n int
		k    kernelID
		tile int
	}{{100, 65, kSgemm, 64}, {128, 128, kSgemm128, 128}, {127, 4096, kSgemm, 64}, {16384, 1152, kSgemm128, 128}} {
		if k, tile := gemmKernel(c.m, c.n); k != c.k || tile != c.tile {
			t.Errorf("gemmKernel(%d, %d) = %v, %d", c.m, c.n, k, tile)
		}
	}
	for _, rows := range []int{1, 64, 16384, 1 << 23, 1 << 30} {
		c := lnParamChunk(rows)
		if c < 64 || (rows+c-1)/c > maxGridYZ {
			t.Errorf("lnParamChunk(%d) = %d", rows, c)
		}
	}
}

func TestArgsLayout(t *testing.T) {
	if unsafe.Sizeof(strided{}) != 104 {
		t.Fatalf("struct Strided is %d bytes; kernels/common.h has 104", unsafe.Sizeof(strided{}))
	}
	s := newStrided("t", []int{3, 4}, []int{1, 3}, []int{4, 0})
	var a args
	a.ptr(0xdeadbeef).i32(-2).f32(1.5).strided(&s).i64(1 << 40).flag(true)
	if a.n != 6 || a.used != 3+13+1+1 {
		t.Fatalf("n=%d used=%d", a.n, a.used)
	}
	if a.off != [maxArgs]uint8{0, 1, 2, 3, 16, 17} {
		t.Fatalf("offsets %v", a.off[:a.n])
	}
	if a.vals[0] != 0xdeadbeef || uint32(a.vals[1]) != uint32(0xfffffffe) || math.Float32frombits(uint32(a.vals[2])) != 1.5 || a.vals[16] != 1<<40 || a.vals[17] != 1 {
		t.Fatalf("values %v", a.vals[:a.used])
	}
	// The struct words: rank=2, n=12, dims {3,4,...}.
	if a.vals[3] != 2|12<<32 || a.vals[4] != 3|4<<32 {
		t.Fatalf("struct words %#x %#x", a.vals[3], a.vals[4])
	}
	mustPanic(t, "32-bit", func() { new(args).i32(1 << 40) })
}

// refRowMajor computes C = op(A)·op(B) for row-major matrices (per batch, with strides).
func refRowMajor(batch, m, n, k int, transA, transB bool, a []float64, strideA int, b []float64, strideB int) []float64 {
	c := make([]float64, batch*m*n)
	for p := 0; p < batch; p++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for l := 0; l < k; l++ {
					var av, bv float64
					if transA {
						av = a[p*strideA+l*m+i]
					} else {
						av = a[p*strideA+i*k+l]
					}
					if transB {
						bv = b[p*strideB+j*k+l]
					} else {
						bv = b[p*strideB+l*n+j]
					}
					s += av * bv
				}
				c[p*m*n+i*n+j] = s
			}
		}
	}
	return c
}

// refColMajorSgemm is BLAS's column-major strided-batched GEMM: C = op(A)·op(B), element (i, j) of a
// matrix X with leading dimension ld at X[i + j·ld].
func refColMajorSgemm(g colMajorGemm, batch int, a, b []float64) []float64 {
	c := make([]float64, batch*g.strideC)
	for p := 0; p < batch; p++ {
		for i := 0; i < g.m; i++ {
			for j := 0; j < g.n; j++ {
				var s float64
				for l := 0; l < g.k; l++ {
					var av, bv float64
					if g.opA == cublasOpT {
						av = a[p*g.strideA+l+i*g.lda] // A is k×m
					} else {
						av = a[p*g.strideA+i+l*g.lda] // A is m×k
					}
					if g.opB == cublasOpT {
						bv = b[p*g.strideB+j+l*g.ldb] // B is n×k
					} else {
						bv = b[p*g.strideB+l+j*g.ldb] // B is k×n
					}
					s += av * bv
				}
				c[p*g.strideC+i+j*g.ldc] = s
			}
		}
	}
	return c
}

// TestRowMajorToCUBLAS checks the argument mapping onto column-major cuBLAS against a reference
// column-major GEMM for every transpose combination, odd sizes and shared (stride 0) operands.
func TestRowMajorToCUBLAS(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for it := 0; it < 200; it++ {
		batch, m, n, k := 1+r.IntN(3), 1+r.IntN(7), 1+r.IntN(7), 1+r.IntN(7)
		transA, transB := r.IntN(2) == 1, r.IntN(2) == 1
		strideA, strideB := m*k, k*n
		if r.IntN(3) == 0 {
			strideA = 0
		}
		if r.IntN(3) == 0 {
			strideB = 0
		}
		a := make([]float64, max(batch*strideA, m*k))
		b := make([]float64, max(batch*strideB, k*n))
		for i := range a {
			a[i] = r.NormFloat64()
		}
		for i := range b {
			b[i] = r.NormFloat64()
		}
		want := refRowMajor(batch, m, n, k, transA, transB, a, strideA, b, strideB)
		g := rowMajorToCUBLAS(m, n, k, transA, transB, strideA, strideB)
		first, second := a, b
		if g.swap {
			first, second = b, a
		}
		got := refColMajorSgemm(g, batch, first, second)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-9 {
				t.Fatalf("batch=%d m=%d n=%d k=%d transA=%v transB=%v strides %d,%d: element %d = %v, want %v (mapping %+v)",
					batch, m, n, k, transA, transB, strideA, strideB, i, got[i], want[i], g)
			}
		}
	}
}

func TestOpenDriverError(t *testing.T) {
	_, err := openDriver([]string{"libnotmagic-no-such-cuda.so.1"})
	if err == nil {
		t.Fatal("opening a missing library succeeded")
	}
	for _, want := range []string{"gpu: cannot load the CUDA driver library", "is an NVIDIA driver installed", "libnotmagic-no-such-cuda.so.1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestCallIntoC checks the machinery the driver binding stands on, with a library every Linux machine
// has: dlopen libc, resolve a symbol, call it through purego with a Go pointer, read a C string back.
func TestCallIntoC(t *testing.T) {
	h, name, err := openLibrary("C library", []string{"libc.so.6"})
	if err != nil {
		t.Skipf("no libc.so.6: %v", err)
	}
	p, err := dlsym(h, "strlen")
	if err != nil {
		t.Fatal(err)
	}
	s := []byte("notmagic\x00")
	n, _, _ := purego.SyscallN(p, uintptr(unsafe.Pointer(&s[0])))
	if n != 8 {
		t.Fatalf("strlen through purego from %s = %d, want 8", name, n)
	}
	getenv, err := dlsym(h, "getenv")
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("PATH\x00") // set at process start, so libc's environment has it in both cgo modes
	r, _, _ := purego.SyscallN(getenv, uintptr(unsafe.Pointer(&key[0])))
	if got, want := cString(r), os.Getenv("PATH"); got != want {
		t.Fatalf("cString(getenv(PATH)) = %q, want %q", got, want)
	}
}

func TestDropoutMaskHost(t *testing.T) {
	const n, p = 200000, 0.2
	m := dropoutMaskHost(n, p, 42)
	kept := 0
	for _, v := range m {
		switch v {
		case 0:
		case 1 / (1 - float32(p)):
			kept++
		default:
			t.Fatalf("mask value %v", v)
		}
	}
	if frac := float64(kept) / n; math.Abs(frac-0.8) > 0.005 {
		t.Fatalf("kept %.4f of the elements, want 0.8", frac)
	}
	if reflect.DeepEqual(m[:100], dropoutMaskHost(100, p, 43)) {
		t.Fatal("another seed gave the same mask")
	}
	if !reflect.DeepEqual(m[:100], dropoutMaskHost(100, p, 42)) {
		t.Fatal("the same seed gave another mask")
	}
}

// TestAllocatorLimit checks SetMemoryLimit's mechanism: a request that would take the allocator over
// its limit is handled like a full device — the cache is given back first — and one that cannot fit
// under the limit fails with an out-of-memory error that names it.
func TestAllocatorLimit(t *testing.T) {
	f := &fakeDevice{live: map[uintptr]uint64{}, limit: 1 << 40}
	a := newAllocator(f.alloc, f.free)
	a.setLimit(3<<20, 1<<40)
	ps := getMiBs(t, a, 3)
	if _, _, err := a.get(1 << 20); err == nil || !isOutOfMemory(err) || !strings.Contains(err.Error(), "over the memory limit of 3145728 bytes") {
		t.Fatalf("a fourth MiB under a 3 MiB limit: %v", err)
	}
	for _, p := range ps {
		a.put(p, 1<<20)
	}
	if _, _, err := a.get(2 << 20); err != nil { // fits once the cached blocks are given back
		t.Fatalf("the cache was not given back under the limit: %v", err)
	}
	if s := a.Stats(); s.InUse+s.Cached > 3<<20 || f.used > 3<<20 {
		t.Fatalf("over the limit: stats %+v, device %d bytes", s, f.used)
	}
}

func TestParseMemoryLimit(t *testing.T) {
	const total = 100 << 30
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"", 0, true}, {"1048576", 1 << 20, true}, {"16G", 16 << 30, true}, {"16GiB", 16 << 30, true}, {"16gb", 16 << 30, true},
		{"512M", 512 << 20, true}, {"1.5T", 1536 << 30, true}, {"25%", 25 << 30, true}, {" 8 G ", 8 << 30, true},
		{"0", 0, false}, {"-1G", 0, false}, {"150%", 0, false}, {"lots", 0, false}, {"G", 0, false}, {"0%", 0, false},
	} {
		got, err := parseMemoryLimit(c.in, total)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}
