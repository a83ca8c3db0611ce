package gpu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/notmagic/notmagic/lib/nn"
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
	for _, c := range opCases() {
		if strings.Contains(c.name, "70000") { // 65535 blocks of 256 fibers: minutes in the emulator
			continue
		}
		compareOp(t, be, c)
	}
	for _, blas := range []bool{false, true} {
		be.d.useBlas.Store(blas)
		for _, c := range matmulCases() {
			compareOp(t, be, c)
		}
	}
	be.d.useBlas.Store(true)
	t.Logf("op cases: %v", time.Since(start))
	checkDropoutMask(t, be)
	checkDropoutAndClip(t, "cudaemu")
	checkAutograd(t, "cudaemu")
	checkGPTStep(t, "cudaemu")
	s := be.d.alloc.Stats()
	t.Logf("total %v; allocator %+v", time.Since(start), s)
	if s.Hits == 0 {
		t.Error("the caching allocator never reused a block")
	}
}

// TestEmulatedMemoryLimit trains under a memory limit below what the steps would otherwise hold:
// the allocator must stay under it (collecting garbage and giving its cache back) and the training
// steps must still match the CPU.
func TestEmulatedMemoryLimit(t *testing.T) {
	be := emulated(t)
	// Start from what other tests left alive (collected and released), plus 5 MiB: less than the two
	// steps hold without a limit (about 5.6 MiB), more than their live working set (about 4.1 MiB).
	be.d.alloc.collect(100 * time.Millisecond)
	if err := be.d.alloc.release(); err != nil {
		t.Fatal(err)
	}
	total := be.d.info.TotalMemory
	limit := be.d.alloc.Stats().InUse + 5<<20
	be.d.alloc.setLimit(limit, total)
	defer be.d.alloc.setLimit(0, total)
	before := be.d.alloc.Stats()
	checkGPTStep(t, "cudaemu")
	s := be.d.alloc.Stats()
	t.Logf("allocator under a %.1f MiB limit: %+v", float64(limit)/(1<<20), s)
	if s.InUse+s.Cached > limit {
		t.Errorf("holding %d bytes, over the %d-byte limit", s.InUse+s.Cached, limit)
	}
	if s.GCs == before.GCs && s.Released == before.Released {
		t.Errorf("the limit never made the allocator collect or give memory back (peak %d): the test proves nothing", s.Peak)
	}
}
