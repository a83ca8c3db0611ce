//go:build amd64

#include "textflag.h"

// func layerNormRowAVX2(x, y, gain, bias *float32, n int, eps float32) (mean, rstd float32)
//
// One row of LayerNorm, n a multiple of 8: the mean and the variance summed in float64 (4 lanes, two
// accumulators each), rstd = 1/√(var + eps), then y = ((x − mean)·rstd)·gain + bias in float32 with the
// scalar loop's operations and order (no fused multiply-add), so y has its bits whenever mean and rstd
// round to the same float32. gain and bias may be nil.
TEXT ·layerNormRowAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ gain+16(FP), R8
	MOVQ bias+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ CX, DX
	SHLQ $2, DX              // bytes in the row

	// mean, in float64
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ AX, AX

sum:
	VCVTPS2PD (SI)(AX*1), Y2
	VCVTPS2PD 16(SI)(AX*1), Y3
	VADDPD Y2, Y0, Y0
	VADDPD Y3, Y1, Y1
	ADDQ $32, AX
	CMPQ AX, DX
	JB sum
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	CVTSQ2SD CX, X4          // n
	VDIVSD X4, X0, X0        // mean (float64)
	VBROADCASTSD X0, Y5

	// variance, in float64
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX

sq:
	VCVTPS2PD (SI)(AX*1), Y2
	VCVTPS2PD 16(SI)(AX*1), Y3
	VSUBPD Y5, Y2, Y2
	VSUBPD Y5, Y3, Y3
	VFMADD231PD Y2, Y2, Y6
	VFMADD231PD Y3, Y3, Y7
	ADDQ $32, AX
	CMPQ AX, DX
	JB sq
	VADDPD Y7, Y6, Y6
	VEXTRACTF128 $1, Y6, X7
	VADDPD X7, X6, X6
	VHADDPD X6, X6, X6
	VDIVSD X4, X6, X6        // variance
	MOVSS eps+40(FP), X8
	CVTSS2SD X8, X8
	VADDSD X8, X6, X6
	VSQRTSD X6, X6, X6
	MOVQ $0x3FF0000000000000, BX
	MOVQ BX, X9              // 1.0
	VDIVSD X6, X9, X6        // rstd (float64)
	CVTSD2SS X0, X10         // mean (float32)
	CVTSD2SS X6, X11         // rstd (float32)
	MOVSS X10, mean+48(FP)
	MOVSS X11, rstd+52(FP)
	VBROADCASTSS X10, Y10
	VBROADCASTSS X11, Y11

	// y = ((x − mean)·rstd)·gain + bias
	XORQ AX, AX

out:
	VMOVUPS (SI)(AX*1), Y2
	VSUBPS Y10, Y2, Y2
	VMULPS Y11, Y2, Y2
	TESTQ R8, R8
	JZ nogain
	VMULPS (R8)(AX*1), Y2, Y2

nogain:
	TESTQ R9, R9
	JZ nobias
	VADDPS (R9)(AX*1), Y2, Y2

nobias:
	VMOVUPS Y2, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, DX
	JB out
	VZEROUPPER
	RET

// func layerNormGradRowAVX2(x, dy, dx, gain, dgain, dbias *float32, n int, mean, rstd float32)
//
// One row of LayerNorm's gradient, n a multiple of 8, 8 lanes at a time: with x̂ = (x − mean)·rstd and
// d = dy·gain, it adds dy·x̂ into dgain and dy into dbias, then rstd·(d − mean(d) − x̂·mean(d·x̂)) into dx.
// The two means are summed in float32 over 8 lanes (the scalar loop sums one lane in order), and the
// last step uses fused multiply-adds: dx differs from the scalar loop's by float32 rounding only. gain,
// dgain and dbias may be nil.
TEXT ·layerNormGradRowAVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ dy+8(FP), BX
	MOVQ dx+16(FP), DI
	MOVQ gain+24(FP), R8
	MOVQ dgain+32(FP), R10
	MOVQ dbias+40(FP), R11
	MOVQ n+48(FP), CX
	MOVQ CX, DX
	SHLQ $2, DX
	VBROADCASTSS mean+56(FP), Y14
	VBROADCASTSS rstd+60(FP), Y15
	VXORPS Y0, Y0, Y0        // Σ d
	VXORPS Y1, Y1, Y1        // Σ d·x̂
	XORQ AX, AX

sums:
	VMOVUPS (SI)(AX*1), Y2
	VSUBPS Y14, Y2, Y2
	VMULPS Y15, Y2, Y2       // x̂
	VMOVUPS (BX)(AX*1), Y3   // dy
	VMOVAPS Y3, Y4
	TESTQ R8, R8
	JZ g1
	VMULPS (R8)(AX*1), Y3, Y4 // d = dy·gain

g1:
	VADDPS Y4, Y0, Y0
	VFMADD231PS Y4, Y2, Y1
	TESTQ R10, R10
	JZ g2
	VMOVUPS (R10)(AX*1), Y5
	VFMADD231PS Y3, Y2, Y5
	VMOVUPS Y5, (R10)(AX*1)  // dgain += dy·x̂

g2:
	TESTQ R11, R11
	JZ g3
	VADDPS (R11)(AX*1), Y3, Y5
	VMOVUPS Y5, (R11)(AX*1)  // dbias += dy

g3:
	ADDQ $32, AX
	CMPQ AX, DX
	JB sums

	// the two means, broadcast
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VADDPS X3, X1, X1
	VHADDPS X1, X1, X1
	VHADDPS X1, X1, X1
	CVTSQ2SS CX, X6
	VDIVSS X6, X0, X0
	VDIVSS X6, X1, X1
	VBROADCASTSS X0, Y12     // mean(d)
	VBROADCASTSS X1, Y13     // mean(d·x̂)
	XORQ AX, AX

grad:
	VMOVUPS (SI)(AX*1), Y2
	VSUBPS Y14, Y2, Y2
	VMULPS Y15, Y2, Y2       // x̂
	VMOVUPS (BX)(AX*1), Y4
	TESTQ R8, R8
	JZ g4
	VMULPS (R8)(AX*1), Y4, Y4 // d

g4:
	VSUBPS Y12, Y4, Y4       // d − mean(d)
	VFNMADD231PS Y13, Y2, Y4 // − x̂·mean(d·x̂)
	VMOVUPS (DI)(AX*1), Y5
	VFMADD231PS Y15, Y4, Y5  // dx += rstd·(…)
	VMOVUPS Y5, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, DX
	JB grad
	VZEROUPPER
	RET
