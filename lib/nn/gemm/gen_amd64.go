//go:build ignore

// gen_amd64 writes kernel_amd64.s (or the file named by its argument), the AVX-512 and AVX2
// micro-kernels and packing routines: run `go generate` in this folder after editing it. The kernels are unrolled by hand, so a generator keeps them
// consistent.
package main

import (
	"fmt"
	"os"
	"strings"
)

var b strings.Builder

func w(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

// rowAddr returns the address of A's row i (i < 12) in the current depth step: SI points at row 0,
// BX at row 9, R9 = row stride, R10 = 3·, R11 = 5·, R12 = 7· row stride (bytes).
func rowAddr(i int) string {
	return [...]string{"(SI)", "(SI)(R9*1)", "(SI)(R9*2)", "(SI)(R10*1)", "(SI)(R9*4)", "(SI)(R11*1)",
		"(SI)(R10*2)", "(SI)(R12*1)", "(SI)(R9*8)", "(BX)", "(BX)(R9*1)", "(BX)(R9*2)"}[i]
}

// kernel writes one micro-kernel: mr rows, nv (1 or 2) vectors of width vw bytes per row,
// register prefix reg ("Z" or "Y"); accumulators in reg0..reg(nv·mr-1), then B, then broadcasts.
func kernel(name string, mr, nv, vw int, reg string) {
	nr := nv * vw / 4
	acc := nv * mr
	b0, b1 := acc, acc+1
	bc := acc + nv // first broadcast register
	nbc := 4
	if reg == "Y" {
		nbc = 2
	}
	alpha, beta := bc, bc+1
	w("// func %s(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)", name)
	w("//")
	w("// C[0:%d, 0:%d] = alpha·A·B + beta·C, A(i, q) = a[i·ra + q·sa], B(q, j) = b[q·sb + j], C(i, j) = c[i·ldc + j].", mr, nr)
	w("// beta == ±0 never reads C.")
	w("TEXT ·%s(SB), NOSPLIT, $0-72", name)
	w("\tMOVQ k+0(FP), CX")
	w("\tMOVQ a+8(FP), SI")
	w("\tMOVQ ra+16(FP), R9")
	w("\tSHLQ $2, R9")
	w("\tMOVQ sa+24(FP), R13")
	w("\tSHLQ $2, R13")
	w("\tMOVQ b+32(FP), DI")
	w("\tMOVQ c+48(FP), DX")
	w("\tMOVQ ldc+56(FP), R8")
	w("\tSHLQ $2, R8")
	w("\tLEAQ (R9)(R9*2), R10 // 3·ra")
	w("\tLEAQ (R9)(R9*4), R11 // 5·ra")
	w("\tLEAQ (R10)(R9*4), R12 // 7·ra")
	if mr > 9 {
		w("\tLEAQ (SI)(R9*8), BX")
		w("\tADDQ R9, BX // row 9")
	}
	for i := 0; i < acc; i++ {
		if reg == "Z" {
			w("\tVPXORD Z%d, Z%d, Z%d", i, i, i)
		} else {
			w("\tVXORPS Y%d, Y%d, Y%d", i, i, i)
		}
	}
	w("\t// Prefetch the C tile, read or written once the depth loop ends.")
	w("\tMOVQ DX, AX")
	for i := 0; i < mr; i++ {
		w("\tPREFETCHT0 (AX)")
		w("\tPREFETCHT0 %d(AX)", nv*vw-4)
		w("\tADDQ R8, AX")
	}
	w("\tMOVQ sb+40(FP), AX")
	w("\tSHLQ $2, AX")
	step := func() {
		w("\tVMOVUPS (DI), %s%d", reg, b0)
		if nv == 2 {
			w("\tVMOVUPS %d(DI), %s%d", vw, reg, b1)
		}
		for i := 0; i < mr; i++ {
			r := bc + i%nbc
			w("\tVBROADCASTSS %s, %s%d", rowAddr(i), reg, r)
			for v := 0; v < nv; v++ {
				w("\tVFMADD231PS %s%d, %s%d, %s%d", reg, b0+v, reg, r, reg, nv*i+v)
			}
		}
		w("\tADDQ R13, SI")
		if mr > 9 {
			w("\tADDQ R13, BX")
		}
		w("\tADDQ AX, DI")
	}
	w("\tCMPQ CX, $4")
	w("\tJB   %s_tail", name)
	w("%s_loop4:", name)
	for u := 0; u < 4; u++ {
		step()
	}
	w("\tSUBQ $4, CX")
	w("\tCMPQ CX, $4")
	w("\tJAE  %s_loop4", name)
	w("%s_tail:", name)
	w("\tTESTQ CX, CX")
	w("\tJZ    %s_store", name)
	w("%s_loop1:", name)
	step()
	w("\tDECQ CX")
	w("\tJNZ  %s_loop1", name)
	w("%s_store:", name)
	w("\tVBROADCASTSS alpha+64(FP), %s%d", reg, alpha)
	w("\tMOVL beta+68(FP), AX")
	w("\tSHLL $1, AX // drop the sign bit: both zeros mean \"do not read C\"")
	w("\tJZ   %s_storez", name)
	w("\tVBROADCASTSS beta+68(FP), %s%d", reg, beta)
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			x := nv*i + v
			w("\tVMULPS %s%d, %s%d, %s%d", reg, alpha, reg, x, reg, x)
			w("\tVFMADD231PS %d(DX), %s%d, %s%d", v*vw, reg, beta, reg, x)
			w("\tVMOVUPS %s%d, %d(DX)", reg, x, v*vw)
		}
		w("\tADDQ R8, DX")
	}
	w("\tVZEROUPPER")
	w("\tRET")
	w("%s_storez:", name)
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			x := nv*i + v
			w("\tVMULPS %s%d, %s%d, %s%d", reg, alpha, reg, x, reg, x)
			w("\tVMOVUPS %s%d, %d(DX)", reg, x, v*vw)
		}
		w("\tADDQ R8, DX")
	}
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}

// packBT writes the AVX-512 packing of a transposed B: 32 stored rows (of stride ldb) become
// kb rows of 32 values. Blocks of 16 depth steps go through two in-register 16×16 transposes
// (64 shuffles each); the remaining steps use two 16-lane gathers each.
func packBT() {
	w("// func packBTransAVX512(dst, src *float32, ldb, kb int, idx *[16]int32)")
	w("//")
	w("// dst[q·32 + j] = src[j·ldb + q] for j < 32, q < kb; idx[j] = j·ldb.")
	w("TEXT ·packBTransAVX512(SB), NOSPLIT, $0-40")
	w("\tMOVQ dst+0(FP), DI")
	w("\tMOVQ src+8(FP), SI")
	w("\tMOVQ ldb+16(FP), R9")
	w("\tSHLQ $2, R9 // row stride in bytes")
	w("\tMOVQ R9, AX")
	w("\tSHLQ $4, AX // 16 rows")
	w("\tMOVQ kb+24(FP), CX")
	w("packBT_block:")
	w("\tCMPQ CX, $16")
	w("\tJB   packBT_tail")
	for half := 0; half < 2; half++ {
		w("\t// rows %d..%d, depth steps q..q+15", 16*half, 16*half+15)
		if half == 0 {
			w("\tMOVQ SI, R11")
		} else {
			w("\tLEAQ (SI)(AX*1), R11")
		}
		for r := 0; r < 16; r++ {
			w("\tVMOVUPS (R11), Z%d", r)
			if r < 15 {
				w("\tADDQ R9, R11")
			}
		}
		// Stage 1: interleave row pairs.
		for i := 0; i < 8; i++ {
			w("\tVUNPCKLPS Z%d, Z%d, Z%d", 2*i+1, 2*i, 16+2*i)
			w("\tVUNPCKHPS Z%d, Z%d, Z%d", 2*i+1, 2*i, 16+2*i+1)
		}
		// Stage 2: interleave pairs of pairs; u[4i+j] lane L = rows 4i..4i+3 of column 4L+j.
		for i := 0; i < 4; i++ {
			t := 16 + 4*i
			w("\tVUNPCKLPD Z%d, Z%d, Z%d", t+2, t, 4*i)
			w("\tVUNPCKHPD Z%d, Z%d, Z%d", t+2, t, 4*i+1)
			w("\tVUNPCKLPD Z%d, Z%d, Z%d", t+3, t+1, 4*i+2)
			w("\tVUNPCKHPD Z%d, Z%d, Z%d", t+3, t+1, 4*i+3)
		}
		// Stages 3 and 4: a 4×4 transpose of 128-bit lanes for each j.
		for j := 0; j < 4; j++ {
			w("\tVSHUFF32X4 $0x44, Z%d, Z%d, Z16", 4+j, j)
			w("\tVSHUFF32X4 $0xEE, Z%d, Z%d, Z17", 4+j, j)
			w("\tVSHUFF32X4 $0x44, Z%d, Z%d, Z18", 12+j, 8+j)
			w("\tVSHUFF32X4 $0xEE, Z%d, Z%d, Z19", 12+j, 8+j)
			w("\tVSHUFF32X4 $0x88, Z18, Z16, Z20")
			w("\tVSHUFF32X4 $0xDD, Z18, Z16, Z21")
			w("\tVSHUFF32X4 $0x88, Z19, Z17, Z22")
			w("\tVSHUFF32X4 $0xDD, Z19, Z17, Z23")
			for l := 0; l < 4; l++ { // output row c = 4l + j
				w("\tVMOVUPS Z%d, %d(DI)", 20+l, (4*l+j)*128+64*half)
			}
		}
	}
	w("\tADDQ $64, SI")
	w("\tADDQ $2048, DI")
	w("\tSUBQ $16, CX")
	w("\tJMP  packBT_block")
	w("packBT_tail:")
	w("\tTESTQ CX, CX")
	w("\tJZ    packBT_done")
	w("\tLEAQ (SI)(AX*1), R10")
	w("\tMOVQ idx+32(FP), R11")
	w("\tVMOVDQU32 (R11), Z31")
	w("packBT_loop:")
	w("\tKXNORW K1, K1, K1")
	w("\tVGATHERDPS (SI)(Z31*4), K1, Z0")
	w("\tKXNORW K2, K2, K2")
	w("\tVGATHERDPS (R10)(Z31*4), K2, Z1")
	w("\tVMOVUPS Z0, (DI)")
	w("\tVMOVUPS Z1, 64(DI)")
	w("\tADDQ $4, SI")
	w("\tADDQ $4, R10")
	w("\tADDQ $128, DI")
	w("\tDECQ CX")
	w("\tJNZ  packBT_loop")
	w("packBT_done:")
	w("\tVZEROUPPER")
	w("\tRET")
}

// packBT16 writes the AVX2 packing of a transposed B for 16-column strips: blocks of 8 depth
// steps go through two 8×8 register transposes (24 shuffles each); Go packs the kb mod 8 tail.
func packBT16() {
	w("// func packBTransAVX2(dst, src *float32, ldb, kb int)")
	w("//")
	w("// dst[q·16 + j] = src[j·ldb + q] for j < 16, q < kb; kb is a multiple of 8.")
	w("TEXT ·packBTransAVX2(SB), NOSPLIT, $0-32")
	w("\tMOVQ dst+0(FP), DI")
	w("\tMOVQ src+8(FP), SI")
	w("\tMOVQ ldb+16(FP), R9")
	w("\tSHLQ $2, R9 // row stride in bytes")
	w("\tMOVQ R9, AX")
	w("\tSHLQ $3, AX // 8 rows")
	w("\tMOVQ kb+24(FP), CX")
	w("\tSHRQ $3, CX")
	w("\tJZ   packBT16_done")
	w("packBT16_block:")
	for half := 0; half < 2; half++ {
		w("\t// rows %d..%d, depth steps q..q+7", 8*half, 8*half+7)
		if half == 0 {
			w("\tMOVQ SI, R11")
		} else {
			w("\tLEAQ (SI)(AX*1), R11")
		}
		for r := 0; r < 8; r++ {
			w("\tVMOVUPS (R11), Y%d", r)
			if r < 7 {
				w("\tADDQ R9, R11")
			}
		}
		for i := 0; i < 4; i++ {
			w("\tVUNPCKLPS Y%d, Y%d, Y%d", 2*i+1, 2*i, 8+2*i)
			w("\tVUNPCKHPS Y%d, Y%d, Y%d", 2*i+1, 2*i, 8+2*i+1)
		}
		for g := 0; g < 2; g++ { // rows 0-3, rows 4-7
			t := 8 + 4*g
			w("\tVSHUFPS $0x44, Y%d, Y%d, Y%d", t+2, t, 4*g)
			w("\tVSHUFPS $0xEE, Y%d, Y%d, Y%d", t+2, t, 4*g+1)
			w("\tVSHUFPS $0x44, Y%d, Y%d, Y%d", t+3, t+1, 4*g+2)
			w("\tVSHUFPS $0xEE, Y%d, Y%d, Y%d", t+3, t+1, 4*g+3)
		}
		for c := 0; c < 4; c++ { // Y(c) holds column c (lane 0) and c+4 (lane 1) of rows 0-3; Y(4+c) of rows 4-7
			w("\tVPERM2F128 $0x20, Y%d, Y%d, Y8", 4+c, c)
			w("\tVPERM2F128 $0x31, Y%d, Y%d, Y9", 4+c, c)
			w("\tVMOVUPS Y8, %d(DI)", c*64+32*half)
			w("\tVMOVUPS Y9, %d(DI)", (c+4)*64+32*half)
		}
	}
	w("\tADDQ $32, SI")
	w("\tADDQ $512, DI")
	w("\tDECQ CX")
	w("\tJNZ  packBT16_block")
	w("packBT16_done:")
	w("\tVZEROUPPER")
	w("\tRET")
}

func main() {
	w("// Code generated by gen_amd64.go; DO NOT EDIT.")
	w("")
	w("#include \"textflag.h\"")
	w("")
	w("// Each kernel keeps an mr×nr tile of C in vector registers. A depth step loads one nr-wide row of")
	w("// B (two vectors) and, for each of the mr rows, broadcasts one value of A and issues two FMAs.")
	w("// A is addressed through a row stride and a step stride, so the same code reads packed panels")
	w("// (ra = 1, sa = mr), a row-major A in place (ra = lda, sa = 1) or a transposed one (ra = 1,")
	w("// sa = lda); B likewise through its step stride sb.")
	w("")
	kernel("sgemmAVX512_12x32", 12, 2, 64, "Z")
	kernel("sgemmAVX512_12x16", 12, 1, 64, "Z")
	kernel("sgemmAVX2_6x16", 6, 2, 32, "Y")
	kernel("sgemmAVX2_6x8", 6, 1, 32, "Y")
	packBT()
	packBT16()
	out := "kernel_amd64.s"
	if len(os.Args) > 1 { // a test writes elsewhere to check the committed file is current
		out = os.Args[1]
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
