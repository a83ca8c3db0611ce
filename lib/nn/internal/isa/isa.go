// Package isa chooses which instruction-set family lib/nn's hot kernels use: the widest one this CPU
// runs, or a narrower one that the NOTMAGIC_KERNELS environment variable names, so that one machine can
// run and measure every path it is able to (the GEMM, GELU and AdamW kernels all follow the switch).
package isa

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"

	"golang.org/x/sys/cpu"
)

// Family is a family of kernels, named by the widest instructions they use.
type Family int32

// The families, narrowest first on each architecture.
const (
	Generic Family = iota // portable Go, on every machine
	AVX2                  // amd64 with AVX2 and FMA
	AVX512                // amd64 with AVX-512 F, BW, DQ and VL
	NEON                  // arm64's Advanced SIMD
)

var names = [...]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512", NEON: "neon"}

// String returns the family's name as NOTMAGIC_KERNELS spells it.
func (f Family) String() string {
	if f >= 0 && int(f) < len(names) {
		return names[f]
	}
	return fmt.Sprintf("isa.Family(%d)", int32(f))
}

// Env names the environment variable that, set to generic, avx2, avx512 or neon at start-up, caps the
// family of every hot kernel (a family this CPU cannot run is ignored, with a warning on standard error).
const Env = "NOTMAGIC_KERNELS"

// Parse returns the family called name.
func Parse(name string) (Family, error) {
	for f, n := range names {
		if n == name {
			return Family(f), nil
		}
	}
	return 0, fmt.Errorf("unknown kernel family %q (want generic, avx2, avx512 or neon)", name)
}

// cpuFamilies lists what this CPU runs, narrowest first.
var cpuFamilies = detect(runtime.GOARCH)

func detect(arch string) []Family {
	fs := []Family{Generic}
	switch arch {
	case "amd64":
		if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
			fs = append(fs, AVX2)
			if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL {
				fs = append(fs, AVX512)
			}
		}
	case "arm64":
		if cpu.ARM64.HasASIMD {
			fs = append(fs, NEON)
		}
	}
	return fs
}

// CPU lists the families this CPU can run, narrowest first (Generic always comes first).
func CPU() []Family { return append([]Family(nil), cpuFamilies...) }

// Supported reports whether this CPU can run kernels of family f.
func Supported(f Family) bool {
	for _, g := range cpuFamilies {
		if g == f {
			return true
		}
	}
	return false
}

var active atomic.Int32

func init() {
	best := cpuFamilies[len(cpuFamilies)-1]
	active.Store(int32(best))
	if name := os.Getenv(Env); name != "" {
		if _, err := Force(name); err != nil {
			fmt.Fprintf(os.Stderr, "%s=%s ignored: %v; using %s\n", Env, name, err, best)
		}
	}
}

// Active returns the widest family the kernels may use now: the CPU's best unless forced narrower.
func Active() Family { return Family(active.Load()) }

// Allows reports whether a kernel of family f may run: this CPU runs f and f is no wider than Active.
func Allows(f Family) bool { return f == Generic || (f <= Active() && Supported(f)) }

// Force makes the family called name the active one and returns a function that restores the previous
// one. It fails for a family this CPU cannot run. Kernels that keep state chosen at start-up (the GEMM's
// micro-kernel) follow only the environment variable; Force is for tests of the other kernels.
func Force(name string) (restore func(), err error) {
	f, err := Parse(name)
	if err != nil {
		return nil, err
	}
	if !Supported(f) {
		return nil, fmt.Errorf("this CPU cannot run %s kernels (it runs %v)", f, cpuFamilies)
	}
	prev := active.Swap(int32(f))
	return func() { active.Store(prev) }, nil
}
