//go:build amd64

#include "textflag.h"

// func addAVX2(d, a, b *float32, n int)
//
// d[i] = a + b for n values: 8 at a time, then one at a time.
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	ANDQ $-8, BX
	SHLQ $2, CX
	SHLQ $2, BX
	XORQ AX, AX

add8:
	CMPQ AX, BX
	JAE add1
	VMOVUPS (SI)(AX*1), Y0
	VADDPS (DX)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP add8

add1:
	CMPQ AX, CX
	JAE adddone
	VMOVSS (SI)(AX*1), X0
	VADDSS (DX)(AX*1), X0, X0
	VMOVSS X0, (DI)(AX*1)
	ADDQ $4, AX
	JMP add1

adddone:
	VZEROUPPER
	RET

// func subAVX2(d, a, b *float32, n int)
//
// d[i] = a − b for n values: 8 at a time, then one at a time.
TEXT ·subAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	ANDQ $-8, BX
	SHLQ $2, CX
	SHLQ $2, BX
	XORQ AX, AX

sub8:
	CMPQ AX, BX
	JAE sub1
	VMOVUPS (SI)(AX*1), Y0
	VSUBPS (DX)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP sub8

sub1:
	CMPQ AX, CX
	JAE subdone
	VMOVSS (SI)(AX*1), X0
	VSUBSS (DX)(AX*1), X0, X0
	VMOVSS X0, (DI)(AX*1)
	ADDQ $4, AX
	JMP sub1

subdone:
	VZEROUPPER
	RET

// func mulAVX2(d, a, b *float32, n int)
//
// d[i] = a·b for n values: 8 at a time, then one at a time.
TEXT ·mulAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	ANDQ $-8, BX
	SHLQ $2, CX
	SHLQ $2, BX
	XORQ AX, AX

mul8:
	CMPQ AX, BX
	JAE mul1
	VMOVUPS (SI)(AX*1), Y0
	VMULPS (DX)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP mul8

mul1:
	CMPQ AX, CX
	JAE muldone
	VMOVSS (SI)(AX*1), X0
	VMULSS (DX)(AX*1), X0, X0
	VMOVSS X0, (DI)(AX*1)
	ADDQ $4, AX
	JMP mul1

muldone:
	VZEROUPPER
	RET

// func axpyAVX2(d, s *float32, n int, alpha float32)
//
// d[i] += alpha·s[i] for n values (a multiply, then an add: the Go loop's bits), 8 at a time, then one.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-28
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS alpha+24(FP), Y1
	MOVQ CX, BX
	ANDQ $-8, BX
	SHLQ $2, CX
	SHLQ $2, BX
	XORQ AX, AX

axpy8:
	CMPQ AX, BX
	JAE axpy1
	VMULPS (SI)(AX*1), Y1, Y0
	VADDPS (DI)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP axpy8

axpy1:
	CMPQ AX, CX
	JAE axpydone
	VMULSS (SI)(AX*1), X1, X0
	VADDSS (DI)(AX*1), X0, X0
	VMOVSS X0, (DI)(AX*1)
	ADDQ $4, AX
	JMP axpy1

axpydone:
	VZEROUPPER
	RET
// func sumSquaresAVX2(x *float32, n int) float64
//
// Σ x[i]² over n (a multiple of 8) values, each squared and added in float64 (two chains of 4 lanes).
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHLQ $2, CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ AX, AX

sq8:
	CMPQ AX, CX
	JAE sqdone
	VCVTPS2PD (SI)(AX*1), Y2
	VCVTPS2PD 16(SI)(AX*1), Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ $32, AX
	JMP sq8

sqdone:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	MOVSD X0, ret+16(FP)
	VZEROUPPER
	RET
