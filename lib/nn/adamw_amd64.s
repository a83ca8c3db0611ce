//go:build amd64

#include "textflag.h"

// func adamwAVX512(p, grad, m, v *float32, n int, k *adamwConsts)
//
// AdamW on n values (a multiple of 16), 16 at a time, with the scalar loop's operations in the
// scalar loop's order and no fused multiply-adds, so both give the same bits:
//   m = b1·m + (1−b1)·g;  v = b2·v + ((1−b2)·g)·g
//   p −= lr·((m/bc1)/(√(v/bc2) + eps) + wd·p)
TEXT ·adamwAVX512(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Z16  // lr
	VBROADCASTSS 4(AX), Z17  // b1
	VBROADCASTSS 8(AX), Z18  // b2
	VBROADCASTSS 12(AX), Z19 // eps
	VBROADCASTSS 16(AX), Z20 // wd
	VBROADCASTSS 20(AX), Z21 // bc1
	VBROADCASTSS 24(AX), Z22 // bc2
	VBROADCASTSS 28(AX), Z23 // 1 − b1
	VBROADCASTSS 32(AX), Z24 // 1 − b2
	SHRQ $4, CX
	JZ done

loop:
	VMOVUPS (SI), Z0         // g
	VMOVUPS (R8), Z1         // m
	VMOVUPS (R9), Z2         // v
	VMOVUPS (DI), Z3         // p
	VMULPS Z17, Z1, Z1       // b1·m
	VMULPS Z23, Z0, Z4       // (1−b1)·g
	VADDPS Z4, Z1, Z1        // m
	VMULPS Z18, Z2, Z2       // b2·v
	VMULPS Z24, Z0, Z5       // (1−b2)·g
	VMULPS Z0, Z5, Z5        // ((1−b2)·g)·g
	VADDPS Z5, Z2, Z2        // v
	VMOVUPS Z1, (R8)
	VMOVUPS Z2, (R9)
	VDIVPS Z21, Z1, Z6       // m/bc1
	VDIVPS Z22, Z2, Z7       // v/bc2
	VSQRTPS Z7, Z7
	VADDPS Z19, Z7, Z7       // √(v/bc2) + eps
	VDIVPS Z7, Z6, Z6        // (m/bc1)/(√(v/bc2) + eps)
	VMULPS Z20, Z3, Z8       // wd·p
	VADDPS Z8, Z6, Z6
	VMULPS Z16, Z6, Z6       // lr·(…)
	VSUBPS Z6, Z3, Z3
	VMOVUPS Z3, (DI)
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, DI
	DECQ CX
	JNZ loop

done:
	VZEROUPPER
	RET
