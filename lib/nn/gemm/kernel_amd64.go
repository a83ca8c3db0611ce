package gemm

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

//go:generate go run gen_amd64.go

// avx2Kernel is the AVX2+FMA micro-kernel: a 6×16 tile of C in twelve YMM accumulators.
var avx2Kernel = &kernel{name: "avx2", mr: 6, nr: 16, mc: 144, kc: 256, nc: 1024, micro: sgemmAVX2_6x16, half: sgemmAVX2_6x8,
	packBT: packBT16}

// avx512Kernel is the AVX-512 micro-kernel: a 12×32 tile of C in twenty-four ZMM accumulators.
var avx512Kernel = &kernel{name: "avx512", mr: 12, nr: 32, mc: 144, kc: 256, nc: 1024, micro: sgemmAVX512_12x32, half: sgemmAVX512_12x16,
	packBT: packBT32}

func hasAVX2() bool { return isa.Supported(isa.AVX2) }

func hasAVX512() bool { return isa.Supported(isa.AVX512) }

// kernels lists the kernels this CPU can run, best last.
func kernels() []*kernel {
	ks := []*kernel{genericKernel}
	if hasAVX2() {
		ks = append(ks, avx2Kernel)
	}
	if hasAVX512() {
		ks = append(ks, avx512Kernel)
	}
	return ks
}

// sgemmAVX2_6x16 is the 6×16 AVX2+FMA micro-kernel (kernel_amd64.s); see kernel.micro.
//
//go:noescape
func sgemmAVX2_6x16(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)

// sgemmAVX512_12x32 is the 12×32 AVX-512 micro-kernel (kernel_amd64.s); see kernel.micro.
//
//go:noescape
func sgemmAVX512_12x32(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)

// sgemmAVX2_6x8 is sgemmAVX2_6x16 for the first 8 columns only (edge strips).
//
//go:noescape
func sgemmAVX2_6x8(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)

// sgemmAVX512_12x16 is sgemmAVX512_12x32 for the first 16 columns only (edge strips).
//
//go:noescape
func sgemmAVX512_12x16(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)

// packBTransAVX512 packs 32 columns of a transposed B with gathers (kernel_amd64.s):
// dst[q·32 + j] = src[j·ldb + q] for j < 32, q < kb, where idx[j] = j·ldb.
//
//go:noescape
func packBTransAVX512(dst, src *float32, ldb, kb int, idx *[16]int32)

// packBT32 is avx512Kernel.packBT.
func packBT32(dst, src []float32, ldb, kb int) bool {
	if 31*ldb+kb > 1<<31-1 || len(dst) < 32*kb || len(src) < 31*ldb+kb {
		return false
	}
	var idx [16]int32
	for j := range idx {
		idx[j] = int32(j * ldb)
	}
	packBTransAVX512(&dst[0], &src[0], ldb, kb, &idx)
	return true
}

// packBTransAVX2 packs 16 columns of a transposed B with 8×8 register transposes
// (kernel_amd64.s): dst[q·16 + j] = src[j·ldb + q] for j < 16, q < kb, kb a multiple of 8.
//
//go:noescape
func packBTransAVX2(dst, src *float32, ldb, kb int)

// packBT16 is avx2Kernel.packBT.
func packBT16(dst, src []float32, ldb, kb int) bool {
	if len(dst) < 16*kb || len(src) < 15*ldb+kb {
		return false
	}
	kb8 := kb &^ 7
	if kb8 > 0 {
		packBTransAVX2(&dst[0], &src[0], ldb, kb8)
	}
	for j := 0; j < 16; j++ {
		for q, v := range src[j*ldb+kb8 : j*ldb+kb] {
			dst[(kb8+q)*16+j] = v
		}
	}
	return true
}
