package gpu

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/backend"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

var (
	emuOnce sync.Once
	emuBE   *Backend
	emuErr  error
)

// emulated opens a second device on testdata/emu/emu.cpp, a CPU emulation of the driver API and
// cuBLAS that runs the kernels' CUDA C sources, and registers it with lib/nn as "cudaemu".
func emulated(t *testing.T) *Backend {
	t.Helper()
	if testing.Short() {
		t.Skip("the emulated device is slow; skipped with -short")
	}
	if _, err := exec.LookPath("clang++-16"); err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_CLANG") == "1" {
			t.Fatal("NOTMAGIC_REQUIRE_CLANG=1 but clang++-16 is not on PATH")
		}
		t.Skip("clang++-16 not installed: cannot build the CUDA emulator")
	}
	emuOnce.Do(func() {
		lib := filepath.Join(t.TempDir(), "libnotmagic-cuda-emu.so")
		out, err := exec.Command("clang++-16", "-std=c++20", "-O2", "-U_FORTIFY_SOURCE", "-shared", "-fPIC", "-o", lib, "testdata/emu/emu.cpp").CombinedOutput()
		if err != nil {
			emuErr = &Error{Func: "clang++-16 testdata/emu/emu.cpp", Desc: strings.TrimSpace(string(out))}
			return
		}
		t.Setenv("NOTMAGIC_LIBCUDA", lib)
		t.Setenv("NOTMAGIC_CUBLAS", lib)
		d, err := openDevice()
		if err != nil {
			emuErr = err
			return
		}
		emuBE = &Backend{d: d, name: "cudaemu"}
		nn.RegisterBackend(emuBE)
	})
	if emuErr != nil {
		t.Fatal(emuErr)
	}
	return emuBE
}

// TestEmulatedDevice runs the GPU comparisons — every op, both GEMM paths, autograd and two GPT
// training steps — through the whole Go backend against the emulated driver, so that the backend's
// Go code and the kernels' logic are checked on machines without a GPU. The real GPU run remains
// the test of the PTX, the driver and cuBLAS.
func TestEmulatedDevice(t *testing.T) {
	be := emulated(t)
	info := be.d.info
	if info.Name != "notmagic CUDA emulator" || !strings.Contains(info.CUBLAS, "emu") || info.SMs != 2 {
		t.Fatalf("unexpected device %v", info)
	}
	start := time.Now()
	for _, c := range nntest.OpCases() {
		if strings.Contains(c.Name, "70000") { // 65535 blocks of 256 fibers: minutes in the emulator
			continue
		}
		nntest.CompareOp(t, be, c)
	}
	for _, blas := range []bool{false, true} {
		be.d.useBlas.Store(blas)
		for _, c := range nntest.MatMulCases() {
			nntest.CompareOp(t, be, c)
		}
	}
	be.d.useBlas.Store(true)
	t.Logf("op cases: %v", time.Since(start))
	checkDropoutMask(t, be)
	checkDropoutAndClip(t, "cudaemu")
	nntest.CheckAutograd(t, "cudaemu")
	nntest.CheckGPTStep(t, "cudaemu")
	checkFlashAttention(t, "cudaemu")
	checkBF16(t, be)
	s := be.d.alloc.Stats()
	t.Logf("total %v; allocator %+v", time.Since(start), s)
	if s.Hits == 0 {
		t.Error("the caching allocator never reused a block")
	}
}

// TestEmulatedMemoryLimit checks the memory limit on the emulated device: 64 buffers of 1 MiB, each
// dropped at once, fit under a 4 MiB limit only if the allocator collects the garbage and reuses or
// gives back the blocks; then two GPT training steps under a limit of the memory they took without
// one still match the CPU.
func TestEmulatedMemoryLimit(t *testing.T) {
	be := emulated(t)
	a := be.d.alloc
	total := be.d.info.TotalMemory
	defer a.setLimit(0, total)
	// fresh collects what other runs left, gives the cache back and restarts the peak, returning the
	// bytes still in use.
	fresh := func() uint64 {
		a.collect(100 * time.Millisecond)
		if err := a.release(); err != nil {
			t.Fatal(err)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.stats.Peak = a.stats.InUse + a.stats.Cached
		return a.stats.InUse
	}

	base := fresh()
	limit := base + 4<<20
	a.setLimit(limit, total)
	before := a.Stats()
	for i := 0; i < 64; i++ {
		be.Alloc(1 << 18) // 1 MiB, garbage at once
	}
	s := a.Stats()
	t.Logf("64 MiB of garbage under a 4 MiB limit: %+v", s)
	if s.Peak > limit {
		t.Errorf("peak %d bytes, over the %d-byte limit", s.Peak, limit)
	}
	if s.GCs == before.GCs {
		t.Error("the limit never made the allocator collect garbage")
	}

	// Without a limit, collections are paced by the memory in use: 8 MiB live and 128 MiB of garbage
	// dropped 1 MiB at a time must not pile up to anything near 136 MiB, as they did when a
	// collection came only after a quarter of the device (1 GiB here) of new allocations.
	a.mu.Lock()
	a.gcMin = 1 << 20
	a.mu.Unlock()
	defer func() { a.mu.Lock(); a.gcMin = gcMinBytes; a.mu.Unlock() }()
	a.setLimit(0, total)
	base = fresh()
	live := make([]backend.Buffer, 8)
	for i := range live {
		live[i] = be.Alloc(1 << 18)
	}
	before = a.Stats()
	for i := 0; i < 128; i++ {
		be.Alloc(1 << 18)
	}
	s = a.Stats()
	grew := s.Peak - base
	t.Logf("8 MiB live, 128 MiB of garbage, %d MiB in use before: peak grew by %d MiB, %d collections", base>>20, grew>>20, s.GCs-before.GCs)
	if bound := 2*(base+8<<20) + 16<<20; grew > bound {
		t.Errorf("paced collections: the peak grew by %d bytes, over %d (twice the bytes in use, plus 16 MiB)", grew, bound)
	}
	runtime.KeepAlive(live)

	a.setLimit(0, total)
	base = fresh()
	nntest.CheckGPTStep(t, "cudaemu")
	needed := a.Stats().Peak - base
	base = fresh()
	limit = base + needed
	a.setLimit(limit, total)
	nntest.CheckGPTStep(t, "cudaemu")
	if s := a.Stats(); s.Peak > limit {
		t.Errorf("GPT steps: peak %d bytes, over the %d-byte limit", s.Peak, limit)
	}
}
