package gemm

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

//go:generate go run gen_arm64.go

// neonKernel is the NEON micro-kernel: an 8×12 tile of C in 24 vector registers (gen_arm64.go says
// how and why). mc·kc·4 bytes of A (128 KiB) and kc·nr of B (12 KiB) sized for the 128 KiB L1 data
// cache of an Apple M-series performance core; nc a multiple of nr.
var neonKernel = &kernel{name: "neon", mr: 8, nr: 12, mc: 128, kc: 256, nc: 1008, micro: sgemmNEON_8x12}

// kernels lists the kernels this CPU can run, best last.
func kernels() []*kernel {
	if isa.Supported(isa.NEON) {
		return []*kernel{genericKernel, neonKernel}
	}
	return []*kernel{genericKernel}
}

// sgemmNEON_8x12 is the 8×12 NEON micro-kernel (kernel_arm64.s); see kernel.micro.
//
//go:noescape
func sgemmNEON_8x12(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)
