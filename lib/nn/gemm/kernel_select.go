package gemm

import (
	"fmt"
	"os"
	"sync/atomic"
)

// active is the micro-kernel in use: the best one this CPU supports, unless a test forced another.
var active atomic.Pointer[kernel]

// KernelEnv names the environment variable that, when set to "generic", "avx2" or "avx512" at
// start-up, makes the package use that kernel instead of the best one (so a CI run can put the
// whole library through the portable path). A kernel this CPU cannot run is ignored, with a
// warning on standard error.
const KernelEnv = "NOTMAGIC_GEMM_KERNEL"

func init() {
	active.Store(bestKernel())
	if name := os.Getenv(KernelEnv); name != "" {
		if _, err := useKernel(name); err != nil {
			fmt.Fprintf(os.Stderr, "%s=%s ignored: %v; using %s\n", KernelEnv, name, err, Kernel())
		}
	}
}

func currentKernel() *kernel { return active.Load() }

// useKernel switches to the named kernel ("generic", or one in kernels() supported by this CPU)
// and returns a function that restores the previous one. It exists so tests and benchmarks can
// exercise the portable path on machines with SIMD kernels.
func useKernel(name string) (restore func(), err error) {
	for _, k := range kernels() {
		if k.name == name {
			prev := active.Swap(k)
			return func() { active.Store(prev) }, nil
		}
	}
	return nil, fmt.Errorf("gemm: kernel %q is not available on this CPU", name)
}
