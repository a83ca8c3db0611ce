//go:build amd64

#include "textflag.h"

// Constants of geluAVX512, in float64.
DATA gelu<>+0(SB)/8, $0x3fe0000000000000 // half = 0.5
DATA gelu<>+8(SB)/8, $0x3ff0000000000000 // one = 1.0
DATA gelu<>+16(SB)/8, $0xbfe0000000000000 // mhalf = -0.5
DATA gelu<>+24(SB)/8, $0xc086200000000000 // expmin = -708.0
DATA gelu<>+32(SB)/8, $0x3ff71547652b82fe // log2e = 1.4426950408889634
DATA gelu<>+40(SB)/8, $0x3fe62e42fee00000 // ln2hi = 0.6931471803691238
DATA gelu<>+48(SB)/8, $0x3dea39ef00000000 // ln2lo = 1.9082146973659064e-10
DATA gelu<>+56(SB)/8, $0x3fd9884533d43651 // invsqrt2pi = 0.3989422804014327
DATA gelu<>+64(SB)/8, $0x3fd6a09e667f3bcc // halfinvsqrt2 = 0.35355339059327373
DATA gelu<>+72(SB)/8, $0x4024000000000000 // ten = 10.0
DATA gelu<>+80(SB)/8, $0x3efa01a01a01a01a // exp coefficient 1/8!
DATA gelu<>+88(SB)/8, $0x3f2a01a01a01a01a // exp coefficient 1/7!
DATA gelu<>+96(SB)/8, $0x3f56c16c16c16c17 // exp coefficient 1/6!
DATA gelu<>+104(SB)/8, $0x3f81111111111111 // exp coefficient 1/5!
DATA gelu<>+112(SB)/8, $0x3fa5555555555555 // exp coefficient 1/4!
DATA gelu<>+120(SB)/8, $0x3fc5555555555555 // exp coefficient 1/3!
DATA gelu<>+128(SB)/8, $0x3fe0000000000000 // exp coefficient 1/2!
DATA gelu<>+136(SB)/8, $0x3ff0000000000000 // exp coefficient 1/1!
DATA gelu<>+144(SB)/8, $0x3ff0000000000000 // exp coefficient 1/0!
DATA gelu<>+152(SB)/8, $0x3fc5df28af76a5a4 // erfc coefficient 0.17087277
DATA gelu<>+160(SB)/8, $0xbfea4f123185defd // erfc coefficient -0.82215223
DATA gelu<>+168(SB)/8, $0x3ff7d0f60453a1be // erfc coefficient 1.48851587
DATA gelu<>+176(SB)/8, $0xbff229cba6063980 // erfc coefficient -1.13520398
DATA gelu<>+184(SB)/8, $0x3fd1d8f976231ce6 // erfc coefficient 0.27886807
DATA gelu<>+192(SB)/8, $0xbfc7d84982aaeaa5 // erfc coefficient -0.18628806
DATA gelu<>+200(SB)/8, $0x3fb8c6d917dec3f0 // erfc coefficient 0.09678418
DATA gelu<>+208(SB)/8, $0x3fd7f11f677960ea // erfc coefficient 0.37409196
DATA gelu<>+216(SB)/8, $0x3ff00018d48d3588 // erfc coefficient 1.00002368
DATA gelu<>+224(SB)/8, $0xbff43f89c0889bc5 // erfc coefficient -1.26551223
DATA gelu<>+232(SB)/8, $0x7fffffffffffffff // abs mask
GLOBL gelu<>(SB), RODATA|NOPTR, $240

// EXP sets out = e^in for 8 float64 lanes (in is clamped to ≥ −708, so 2ⁿ stays normal): in = n·ln2 + r
// with |r| ≤ ln2/2, e^r by its Taylor polynomial to r⁸/8! (truncation below 3e-10 relative), 2ⁿ added to
// the exponent bits. Clobbers in, n and r.
#define EXP(in, out, n, r) \
	VMAXPD Z19, in, in; \
	VMULPD Z20, in, n; \
	VRNDSCALEPD $0, n, n; \
	VMOVAPD in, r; \
	VFNMADD231PD Z21, n, r; \
	VFNMADD231PD Z22, n, r; \
	VBROADCASTSD gelu<>+80(SB), out; \
	VFMADD213PD.BCST gelu<>+88(SB), r, out; \
	VFMADD213PD.BCST gelu<>+96(SB), r, out; \
	VFMADD213PD.BCST gelu<>+104(SB), r, out; \
	VFMADD213PD.BCST gelu<>+112(SB), r, out; \
	VFMADD213PD.BCST gelu<>+120(SB), r, out; \
	VFMADD213PD.BCST gelu<>+128(SB), r, out; \
	VFMADD213PD.BCST gelu<>+136(SB), r, out; \
	VFMADD213PD.BCST gelu<>+144(SB), r, out; \
	VCVTPD2QQ n, n; \
	VPSLLQ $52, n, n; \
	VPADDQ n, out, out

// func geluAVX512(x, y, d *float32, n int) (special int)
//
// For n (a multiple of 8) values: y = x·Φ(x) and d = Φ(x) + x·φ(x), computed in float64 with
// Φ(x) = ½·erfc(−x/√2) from the erfc approximation of Numerical Recipes (erfcc: relative error
// below 1.2e-7 for every argument) and φ(x) = e^(−x²/2)/√(2π), the exponential shared by both.
// special is non-zero when some |x| > 10 or is NaN: the caller then recomputes the block on the
// scalar path, which treats the tails exactly.
TEXT ·geluAVX512(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD gelu<>+0(SB), Z16  // ½
	VBROADCASTSD gelu<>+8(SB), Z17  // 1
	VBROADCASTSD gelu<>+16(SB), Z18 // −½
	VBROADCASTSD gelu<>+24(SB), Z19 // −708
	VBROADCASTSD gelu<>+32(SB), Z20 // log₂e
	VBROADCASTSD gelu<>+40(SB), Z21 // ln2 (high part)
	VBROADCASTSD gelu<>+48(SB), Z22 // ln2 (low part)
	VBROADCASTSD gelu<>+56(SB), Z23 // 1/√(2π)
	VBROADCASTSD gelu<>+64(SB), Z24 // ½/√2
	VBROADCASTSD gelu<>+72(SB), Z25 // 10
	VBROADCASTSD gelu<>+232(SB), Z26 // |·| mask
	VPXORQ Z27, Z27, Z27             // 0
	KXORW K3, K3, K3
	SHRQ $3, CX
	JZ done

loop:
	VCVTPS2PD (SI), Z0      // x
	VPANDQ Z26, Z0, Z1      // |x|
	VCMPPD $6, Z25, Z1, K2  // !(|x| ≤ 10): large or NaN
	KORW K2, K3, K3
	VMULPD Z0, Z0, Z2
	VMULPD Z18, Z2, Z2      // −x²/2
	EXP(Z2, Z3, Z4, Z5)     // E = e^(−x²/2)
	VMULPD Z24, Z1, Z6
	VADDPD Z17, Z6, Z6
	VDIVPD Z6, Z17, Z7      // t = 1/(1 + z/2), z = |x|/√2
	VBROADCASTSD gelu<>+152(SB), Z8
	VFMADD213PD.BCST gelu<>+160(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+168(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+176(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+184(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+192(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+200(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+208(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+216(SB), Z7, Z8
	VFMADD213PD.BCST gelu<>+224(SB), Z7, Z8 // Q(t)
	EXP(Z8, Z9, Z4, Z5)     // e^Q
	VMULPD Z3, Z7, Z10
	VMULPD Z9, Z10, Z10     // erfc(z) = t·E·e^Q
	VMULPD Z16, Z10, Z10    // Φ(−|x|) = erfc(z)/2
	VSUBPD Z10, Z17, Z11    // Φ(|x|) = 1 − Φ(−|x|)
	VCMPPD $1, Z27, Z0, K1  // x < 0
	VMOVAPD Z10, K1, Z11    // Φ(x)
	VMULPD Z11, Z0, Z13     // y = x·Φ(x)
	VMULPD Z23, Z3, Z14     // φ(x)
	VFMADD213PD Z11, Z0, Z14 // d = x·φ(x) + Φ(x)
	VCVTPD2PS Z13, Y13
	VCVTPD2PS Z14, Y14
	VMOVUPS Y13, (DI)
	VMOVUPS Y14, (DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ loop

done:
	KMOVW K3, AX
	MOVQ AX, special+32(FP)
	VZEROUPPER
	RET
