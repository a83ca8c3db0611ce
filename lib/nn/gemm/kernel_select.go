package gemm

import (
	"fmt"
	"sync/atomic"
)

// active is the micro-kernel in use: the best one this CPU supports, unless a test forced another.
var active atomic.Pointer[kernel]

func init() { active.Store(bestKernel()) }

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
