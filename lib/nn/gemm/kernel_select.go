package gemm

import (
	"fmt"
	"sync/atomic"

	"github.com/notmagic/notmagic/lib/nn/internal/isa"
)

// active is the micro-kernel in use: the best one this CPU supports and the NOTMAGIC_KERNELS
// environment variable allows (see isa.Env), unless a test forced another.
var active atomic.Pointer[kernel]

func init() { active.Store(bestKernel()) }

// bestKernel returns the widest kernel this CPU runs whose family isa allows.
func bestKernel() *kernel {
	ks := kernels()
	for i := len(ks) - 1; i > 0; i-- {
		if f, err := isa.Parse(ks[i].name); err == nil && isa.Allows(f) {
			return ks[i]
		}
	}
	return ks[0]
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
