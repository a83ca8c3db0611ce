//go:build amd64

#include "textflag.h"

// Constants of expShiftAVX2 (float32 bit patterns): Cephes' expf, ln 2 split in two for the range
// reduction, and the clamp below which eˣ would leave the normal range.
DATA expConsts<>+0(SB)/4, $0x3fb8aa3b  // log₂e
DATA expConsts<>+4(SB)/4, $0x3f318000  // ln 2, high part
DATA expConsts<>+8(SB)/4, $0xb95e8083  // ln 2, low part
DATA expConsts<>+12(SB)/4, $0x39506967 // c5
DATA expConsts<>+16(SB)/4, $0x3ab743ce // c4
DATA expConsts<>+20(SB)/4, $0x3c088908 // c3
DATA expConsts<>+24(SB)/4, $0x3d2aa9c1 // c2
DATA expConsts<>+28(SB)/4, $0x3e2aaaaa // c1
DATA expConsts<>+32(SB)/4, $0x3f000000 // c0 = 1/2
DATA expConsts<>+36(SB)/4, $0x3f800000 // 1
DATA expConsts<>+40(SB)/4, $0xc2aeac50 // −87.3365: e to this is float32's smallest normal
DATA expConsts<>+44(SB)/4, $127        // the exponent bias
GLOBL expConsts<>(SB), RODATA|NOPTR, $48

// func maxAVX2(x *float32, n int) float32
//
// The largest of n (a multiple of 8, at least 8) values.
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHLQ $2, CX
	VMOVUPS (SI), Y0
	MOVQ $32, AX

maxloop:
	CMPQ AX, CX
	JAE maxdone
	VMAXPS (SI)(AX*1), Y0, Y0
	ADDQ $32, AX
	JMP maxloop

maxdone:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func expShiftAVX2(x *float32, n int, m float32) (sum float64)
//
// Replaces each of n (a multiple of 8) values x by e^(x−m) and returns their sum, added in float64.
// eˣ is Cephes' expf: x = k·ln 2 + r with |r| ≤ ln 2/2, a degree-7 polynomial for eʳ, times 2ᵏ built in
// the exponent field; about 2 ulp. Arguments below −87.34 give 1.2e-38 instead of less.
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHLQ $2, CX
	VBROADCASTSS m+16(FP), Y15
	LEAQ expConsts<>(SB), BX
	VBROADCASTSS 0(BX), Y14  // log₂e
	VBROADCASTSS 4(BX), Y13  // ln 2 high
	VBROADCASTSS 8(BX), Y12  // ln 2 low
	VBROADCASTSS 36(BX), Y11 // 1
	VBROADCASTSS 40(BX), Y10 // clamp
	VPBROADCASTD 44(BX), Y9  // 127
	VXORPD Y7, Y7, Y7        // sums
	VXORPD Y8, Y8, Y8
	XORQ AX, AX

exploop:
	CMPQ AX, CX
	JAE expdone
	VMOVUPS (SI)(AX*1), Y0
	VSUBPS Y15, Y0, Y0
	VMAXPS Y10, Y0, Y0       // x, clamped
	VMULPS Y14, Y0, Y1
	VROUNDPS $0, Y1, Y1      // k = round(x·log₂e)
	VFNMADD231PS Y13, Y1, Y0 // r = x − k·ln2hi
	VFNMADD231PS Y12, Y1, Y0 // r −= k·ln2lo
	VBROADCASTSS 12(BX), Y2  // p = c5
	VBROADCASTSS 16(BX), Y3
	VFMADD213PS Y3, Y0, Y2
	VBROADCASTSS 20(BX), Y3
	VFMADD213PS Y3, Y0, Y2
	VBROADCASTSS 24(BX), Y3
	VFMADD213PS Y3, Y0, Y2
	VBROADCASTSS 28(BX), Y3
	VFMADD213PS Y3, Y0, Y2
	VBROADCASTSS 32(BX), Y3
	VFMADD213PS Y3, Y0, Y2   // p = ((((c5·r + c4)·r + c3)·r + c2)·r + c1)·r + c0
	VMULPS Y0, Y0, Y3        // r²
	VADDPS Y11, Y0, Y4       // 1 + r
	VFMADD231PS Y3, Y2, Y4   // eʳ = 1 + r + p·r²
	VCVTPS2DQ Y1, Y1
	VPADDD Y9, Y1, Y1
	VPSLLD $23, Y1, Y1       // 2ᵏ
	VMULPS Y1, Y4, Y4
	VMOVUPS Y4, (SI)(AX*1)
	VCVTPS2PD X4, Y5
	VEXTRACTF128 $1, Y4, X6
	VCVTPS2PD X6, Y6
	VADDPD Y5, Y7, Y7
	VADDPD Y6, Y8, Y8
	ADDQ $32, AX
	JMP exploop

expdone:
	VADDPD Y8, Y7, Y7
	VEXTRACTF128 $1, Y7, X8
	VADDPD X8, X7, X7
	VHADDPD X7, X7, X7
	MOVSD X7, sum+24(FP)
	VZEROUPPER
	RET

// func scaleAVX2(x *float32, n int, s float32)
//
// Multiplies each of n (a multiple of 8) values by s.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHLQ $2, CX
	VBROADCASTSS s+16(FP), Y1
	XORQ AX, AX

scaleloop:
	CMPQ AX, CX
	JAE scaledone
	VMULPS (SI)(AX*1), Y1, Y0
	VMOVUPS Y0, (SI)(AX*1)
	ADDQ $32, AX
	JMP scaleloop

scaledone:
	VZEROUPPER
	RET

// func softmaxGradRowAVX2(p, d *float32, n int, scale float32)
//
// The softmax gradient for one row of n values, in place: d = p·(d − Σ p·d)·scale, 8 at a time and the
// last n mod 8 one at a time; the sum runs over 8 float32 lanes, then the rest in order.
TEXT ·softmaxGradRowAVX2(SB), NOSPLIT, $0-28
	MOVQ p+0(FP), SI
	MOVQ d+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ CX, DX
	ANDQ $-8, DX
	SHLQ $2, CX              // bytes in the row
	SHLQ $2, DX              // bytes in whole blocks of 8
	VBROADCASTSS scale+24(FP), Y15
	VXORPS Y0, Y0, Y0
	XORQ AX, AX

dotloop:
	CMPQ AX, DX
	JAE dotsum
	VMOVUPS (SI)(AX*1), Y1
	VFMADD231PS (DI)(AX*1), Y1, Y0
	ADDQ $32, AX
	JMP dotloop

dotsum:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0

dottail:
	CMPQ AX, CX
	JAE dotdone
	VMOVSS (SI)(AX*1), X1
	VFMADD231SS (DI)(AX*1), X1, X0
	ADDQ $4, AX
	JMP dottail

dotdone:
	VBROADCASTSS X0, Y0      // Σ p·d
	XORQ AX, AX

gradloop:
	CMPQ AX, DX
	JAE gradtail
	VMOVUPS (DI)(AX*1), Y1
	VSUBPS Y0, Y1, Y1
	VMULPS (SI)(AX*1), Y1, Y1
	VMULPS Y15, Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	JMP gradloop

gradtail:
	CMPQ AX, CX
	JAE graddone
	VMOVSS (DI)(AX*1), X1
	VSUBSS X0, X1, X1
	VMULSS (SI)(AX*1), X1, X1
	VMULSS X15, X1, X1
	VMOVSS X1, (DI)(AX*1)
	ADDQ $4, AX
	JMP gradtail

graddone:
	VZEROUPPER
	RET
