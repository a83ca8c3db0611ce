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

// func adamwAVX2(p, grad, m, v *float32, n int, k *adamwConsts)
//
// adamwAVX512 for AVX2 CPUs: n a multiple of 8, 8 at a time, the same operations in the same order
// (so the same bits as the scalar loop), with the nine constants held in Y7–Y15.
TEXT ·adamwAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Y7   // lr
	VBROADCASTSS 4(AX), Y8   // b1
	VBROADCASTSS 8(AX), Y9   // b2
	VBROADCASTSS 12(AX), Y10 // eps
	VBROADCASTSS 16(AX), Y11 // wd
	VBROADCASTSS 20(AX), Y12 // bc1
	VBROADCASTSS 24(AX), Y13 // bc2
	VBROADCASTSS 28(AX), Y14 // 1 − b1
	VBROADCASTSS 32(AX), Y15 // 1 − b2
	SHRQ $3, CX
	JZ done2

loop2:
	VMOVUPS (SI), Y0         // g
	VMOVUPS (R8), Y1         // m
	VMOVUPS (R9), Y2         // v
	VMOVUPS (DI), Y3         // p
	VMULPS Y8, Y1, Y1        // b1·m
	VMULPS Y14, Y0, Y4       // (1−b1)·g
	VADDPS Y4, Y1, Y1        // m
	VMULPS Y9, Y2, Y2        // b2·v
	VMULPS Y15, Y0, Y5       // (1−b2)·g
	VMULPS Y0, Y5, Y5        // ((1−b2)·g)·g
	VADDPS Y5, Y2, Y2        // v
	VMOVUPS Y1, (R8)
	VMOVUPS Y2, (R9)
	VDIVPS Y12, Y1, Y4       // m/bc1
	VDIVPS Y13, Y2, Y5       // v/bc2
	VSQRTPS Y5, Y5
	VADDPS Y10, Y5, Y5       // √(v/bc2) + eps
	VDIVPS Y5, Y4, Y4        // (m/bc1)/(√(v/bc2) + eps)
	VMULPS Y11, Y3, Y5       // wd·p
	VADDPS Y5, Y4, Y4
	VMULPS Y7, Y4, Y4        // lr·(…)
	VSUBPS Y4, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, DI
	DECQ CX
	JNZ loop2

done2:
	VZEROUPPER
	RET
