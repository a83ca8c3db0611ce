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

// Constants of geluAVX2, each repeated in 4 lanes so that it serves as a 256-bit memory operand.
DATA gelu2<>+0(SB)/8, $0x3fe0000000000000 // half
DATA gelu2<>+8(SB)/8, $0x3fe0000000000000
DATA gelu2<>+16(SB)/8, $0x3fe0000000000000
DATA gelu2<>+24(SB)/8, $0x3fe0000000000000
DATA gelu2<>+32(SB)/8, $0x3ff0000000000000 // one
DATA gelu2<>+40(SB)/8, $0x3ff0000000000000
DATA gelu2<>+48(SB)/8, $0x3ff0000000000000
DATA gelu2<>+56(SB)/8, $0x3ff0000000000000
DATA gelu2<>+64(SB)/8, $0xbfe0000000000000 // mhalf
DATA gelu2<>+72(SB)/8, $0xbfe0000000000000
DATA gelu2<>+80(SB)/8, $0xbfe0000000000000
DATA gelu2<>+88(SB)/8, $0xbfe0000000000000
DATA gelu2<>+96(SB)/8, $0xc086200000000000 // expmin
DATA gelu2<>+104(SB)/8, $0xc086200000000000
DATA gelu2<>+112(SB)/8, $0xc086200000000000
DATA gelu2<>+120(SB)/8, $0xc086200000000000
DATA gelu2<>+128(SB)/8, $0x3ff71547652b82fe // log2e
DATA gelu2<>+136(SB)/8, $0x3ff71547652b82fe
DATA gelu2<>+144(SB)/8, $0x3ff71547652b82fe
DATA gelu2<>+152(SB)/8, $0x3ff71547652b82fe
DATA gelu2<>+160(SB)/8, $0x3fe62e42fee00000 // ln2hi
DATA gelu2<>+168(SB)/8, $0x3fe62e42fee00000
DATA gelu2<>+176(SB)/8, $0x3fe62e42fee00000
DATA gelu2<>+184(SB)/8, $0x3fe62e42fee00000
DATA gelu2<>+192(SB)/8, $0x3dea39ef00000000 // ln2lo
DATA gelu2<>+200(SB)/8, $0x3dea39ef00000000
DATA gelu2<>+208(SB)/8, $0x3dea39ef00000000
DATA gelu2<>+216(SB)/8, $0x3dea39ef00000000
DATA gelu2<>+224(SB)/8, $0x3fd9884533d43651 // invsqrt2pi
DATA gelu2<>+232(SB)/8, $0x3fd9884533d43651
DATA gelu2<>+240(SB)/8, $0x3fd9884533d43651
DATA gelu2<>+248(SB)/8, $0x3fd9884533d43651
DATA gelu2<>+256(SB)/8, $0x3fd6a09e667f3bcc // halfinvsqrt2
DATA gelu2<>+264(SB)/8, $0x3fd6a09e667f3bcc
DATA gelu2<>+272(SB)/8, $0x3fd6a09e667f3bcc
DATA gelu2<>+280(SB)/8, $0x3fd6a09e667f3bcc
DATA gelu2<>+288(SB)/8, $0x4024000000000000 // ten
DATA gelu2<>+296(SB)/8, $0x4024000000000000
DATA gelu2<>+304(SB)/8, $0x4024000000000000
DATA gelu2<>+312(SB)/8, $0x4024000000000000
DATA gelu2<>+320(SB)/8, $0x3efa01a01a01a01a // e8
DATA gelu2<>+328(SB)/8, $0x3efa01a01a01a01a
DATA gelu2<>+336(SB)/8, $0x3efa01a01a01a01a
DATA gelu2<>+344(SB)/8, $0x3efa01a01a01a01a
DATA gelu2<>+352(SB)/8, $0x3f2a01a01a01a01a // e7
DATA gelu2<>+360(SB)/8, $0x3f2a01a01a01a01a
DATA gelu2<>+368(SB)/8, $0x3f2a01a01a01a01a
DATA gelu2<>+376(SB)/8, $0x3f2a01a01a01a01a
DATA gelu2<>+384(SB)/8, $0x3f56c16c16c16c17 // e6
DATA gelu2<>+392(SB)/8, $0x3f56c16c16c16c17
DATA gelu2<>+400(SB)/8, $0x3f56c16c16c16c17
DATA gelu2<>+408(SB)/8, $0x3f56c16c16c16c17
DATA gelu2<>+416(SB)/8, $0x3f81111111111111 // e5
DATA gelu2<>+424(SB)/8, $0x3f81111111111111
DATA gelu2<>+432(SB)/8, $0x3f81111111111111
DATA gelu2<>+440(SB)/8, $0x3f81111111111111
DATA gelu2<>+448(SB)/8, $0x3fa5555555555555 // e4
DATA gelu2<>+456(SB)/8, $0x3fa5555555555555
DATA gelu2<>+464(SB)/8, $0x3fa5555555555555
DATA gelu2<>+472(SB)/8, $0x3fa5555555555555
DATA gelu2<>+480(SB)/8, $0x3fc5555555555555 // e3
DATA gelu2<>+488(SB)/8, $0x3fc5555555555555
DATA gelu2<>+496(SB)/8, $0x3fc5555555555555
DATA gelu2<>+504(SB)/8, $0x3fc5555555555555
DATA gelu2<>+512(SB)/8, $0x3fe0000000000000 // e2
DATA gelu2<>+520(SB)/8, $0x3fe0000000000000
DATA gelu2<>+528(SB)/8, $0x3fe0000000000000
DATA gelu2<>+536(SB)/8, $0x3fe0000000000000
DATA gelu2<>+544(SB)/8, $0x3ff0000000000000 // e1
DATA gelu2<>+552(SB)/8, $0x3ff0000000000000
DATA gelu2<>+560(SB)/8, $0x3ff0000000000000
DATA gelu2<>+568(SB)/8, $0x3ff0000000000000
DATA gelu2<>+576(SB)/8, $0x3ff0000000000000 // e0
DATA gelu2<>+584(SB)/8, $0x3ff0000000000000
DATA gelu2<>+592(SB)/8, $0x3ff0000000000000
DATA gelu2<>+600(SB)/8, $0x3ff0000000000000
DATA gelu2<>+608(SB)/8, $0x3fc5df28af76a5a4 // q0
DATA gelu2<>+616(SB)/8, $0x3fc5df28af76a5a4
DATA gelu2<>+624(SB)/8, $0x3fc5df28af76a5a4
DATA gelu2<>+632(SB)/8, $0x3fc5df28af76a5a4
DATA gelu2<>+640(SB)/8, $0xbfea4f123185defd // q1
DATA gelu2<>+648(SB)/8, $0xbfea4f123185defd
DATA gelu2<>+656(SB)/8, $0xbfea4f123185defd
DATA gelu2<>+664(SB)/8, $0xbfea4f123185defd
DATA gelu2<>+672(SB)/8, $0x3ff7d0f60453a1be // q2
DATA gelu2<>+680(SB)/8, $0x3ff7d0f60453a1be
DATA gelu2<>+688(SB)/8, $0x3ff7d0f60453a1be
DATA gelu2<>+696(SB)/8, $0x3ff7d0f60453a1be
DATA gelu2<>+704(SB)/8, $0xbff229cba6063980 // q3
DATA gelu2<>+712(SB)/8, $0xbff229cba6063980
DATA gelu2<>+720(SB)/8, $0xbff229cba6063980
DATA gelu2<>+728(SB)/8, $0xbff229cba6063980
DATA gelu2<>+736(SB)/8, $0x3fd1d8f976231ce6 // q4
DATA gelu2<>+744(SB)/8, $0x3fd1d8f976231ce6
DATA gelu2<>+752(SB)/8, $0x3fd1d8f976231ce6
DATA gelu2<>+760(SB)/8, $0x3fd1d8f976231ce6
DATA gelu2<>+768(SB)/8, $0xbfc7d84982aaeaa5 // q5
DATA gelu2<>+776(SB)/8, $0xbfc7d84982aaeaa5
DATA gelu2<>+784(SB)/8, $0xbfc7d84982aaeaa5
DATA gelu2<>+792(SB)/8, $0xbfc7d84982aaeaa5
DATA gelu2<>+800(SB)/8, $0x3fb8c6d917dec3f0 // q6
DATA gelu2<>+808(SB)/8, $0x3fb8c6d917dec3f0
DATA gelu2<>+816(SB)/8, $0x3fb8c6d917dec3f0
DATA gelu2<>+824(SB)/8, $0x3fb8c6d917dec3f0
DATA gelu2<>+832(SB)/8, $0x3fd7f11f677960ea // q7
DATA gelu2<>+840(SB)/8, $0x3fd7f11f677960ea
DATA gelu2<>+848(SB)/8, $0x3fd7f11f677960ea
DATA gelu2<>+856(SB)/8, $0x3fd7f11f677960ea
DATA gelu2<>+864(SB)/8, $0x3ff00018d48d3588 // q8
DATA gelu2<>+872(SB)/8, $0x3ff00018d48d3588
DATA gelu2<>+880(SB)/8, $0x3ff00018d48d3588
DATA gelu2<>+888(SB)/8, $0x3ff00018d48d3588
DATA gelu2<>+896(SB)/8, $0xbff43f89c0889bc5 // q9
DATA gelu2<>+904(SB)/8, $0xbff43f89c0889bc5
DATA gelu2<>+912(SB)/8, $0xbff43f89c0889bc5
DATA gelu2<>+920(SB)/8, $0xbff43f89c0889bc5
DATA gelu2<>+928(SB)/8, $0x7fffffffffffffff // abs
DATA gelu2<>+936(SB)/8, $0x7fffffffffffffff
DATA gelu2<>+944(SB)/8, $0x7fffffffffffffff
DATA gelu2<>+952(SB)/8, $0x7fffffffffffffff
DATA gelu2<>+960(SB)/8, $0x43380000000003ff // magic
DATA gelu2<>+968(SB)/8, $0x43380000000003ff
DATA gelu2<>+976(SB)/8, $0x43380000000003ff
DATA gelu2<>+984(SB)/8, $0x43380000000003ff
GLOBL gelu2<>(SB), RODATA|NOPTR, $992

// EXP2 is EXP for 4 lanes of AVX2: the same reduction and polynomial, with 2ⁿ made by adding a magic
// constant (1.5·2⁵² + 1023) to n and shifting the low bits into the exponent field, then multiplied in.
#define EXP2(in, out, n, r) \
	VMAXPD gelu2<>+96(SB), in, in; \
	VMULPD gelu2<>+128(SB), in, n; \
	VROUNDPD $0, n, n; \
	VMOVAPD in, r; \
	VFNMADD231PD gelu2<>+160(SB), n, r; \
	VFNMADD231PD gelu2<>+192(SB), n, r; \
	VMOVUPD gelu2<>+320(SB), out; \
	VFMADD213PD gelu2<>+352(SB), r, out; \
	VFMADD213PD gelu2<>+384(SB), r, out; \
	VFMADD213PD gelu2<>+416(SB), r, out; \
	VFMADD213PD gelu2<>+448(SB), r, out; \
	VFMADD213PD gelu2<>+480(SB), r, out; \
	VFMADD213PD gelu2<>+512(SB), r, out; \
	VFMADD213PD gelu2<>+544(SB), r, out; \
	VFMADD213PD gelu2<>+576(SB), r, out; \
	VADDPD gelu2<>+960(SB), n, n; \
	VPSLLQ $52, n, n; \
	VMULPD n, out, out

// GELU4 is geluAVX2's body for the 4 values at off(SI):
// y = x·Φ(x) to off(DI) and d = Φ(x) + x·φ(x) to off(DX), with the lanes that need the scalar path ORed
// into Y15. It works in the registers it is given (X and XL name one register, as do E and EL), so two
// copies with disjoint registers give the core two independent chains to overlap.
#define GELU4(off, X, XL, A, E, EL, T, P, N, R) \
	VCVTPS2PD off(SI), X; \
	VANDPD gelu2<>+928(SB), X, A; \
	VCMPPD $6, gelu2<>+288(SB), A, T; \
	VORPD T, Y15, Y15; \
	VMULPD gelu2<>+256(SB), A, A; \
	VADDPD gelu2<>+32(SB), A, A; \
	VMOVUPD gelu2<>+32(SB), T; \
	VDIVPD A, T, T; \
	VMULPD X, X, A; \
	VMULPD gelu2<>+64(SB), A, A; \
	EXP2(A, E, N, R); \
	VMOVUPD gelu2<>+608(SB), P; \
	VFMADD213PD gelu2<>+640(SB), T, P; \
	VFMADD213PD gelu2<>+672(SB), T, P; \
	VFMADD213PD gelu2<>+704(SB), T, P; \
	VFMADD213PD gelu2<>+736(SB), T, P; \
	VFMADD213PD gelu2<>+768(SB), T, P; \
	VFMADD213PD gelu2<>+800(SB), T, P; \
	VFMADD213PD gelu2<>+832(SB), T, P; \
	VFMADD213PD gelu2<>+864(SB), T, P; \
	VFMADD213PD gelu2<>+896(SB), T, P; \
	EXP2(P, A, N, R); \
	VMULPD E, T, T; \
	VMULPD A, T, T; \
	VMULPD gelu2<>+0(SB), T, T; \
	VMOVUPD gelu2<>+32(SB), A; \
	VSUBPD T, A, A; \
	VXORPD P, P, P; \
	VCMPPD $1, P, X, P; \
	VBLENDVPD P, T, A, A; \
	VMULPD gelu2<>+224(SB), E, E; \
	VFMADD213PD A, X, E; \
	VMULPD A, X, X; \
	VCVTPD2PSY X, XL; \
	VCVTPD2PSY E, EL; \
	VMOVUPS XL, off(DI); \
	VMOVUPS EL, off(DX)

// func geluAVX2(x, y, d *float32, n int) (special int)
//
// geluAVX512 for AVX2 CPUs: n a multiple of 4, 4 values at a time in float64, the same formulas and
// constants; special is non-zero when some |x| > 10 or is NaN.
TEXT ·geluAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPD Y15, Y15, Y15    // lanes that need the scalar path
	SHRQ $2, CX
	JZ done2

pairs2:
	CMPQ CX, $2
	JB loop2
	GELU4(0, Y0, X0, Y1, Y2, X2, Y3, Y4, Y5, Y6)
	GELU4(16, Y8, X8, Y9, Y10, X10, Y11, Y12, Y13, Y14)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $2, CX
	JNZ pairs2
	JMP done2

loop2:
	GELU4(0, Y0, X0, Y1, Y2, X2, Y3, Y4, Y5, Y6)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, DX
	DECQ CX
	JNZ loop2

done2:
	VMOVMSKPD Y15, AX
	MOVQ AX, special+32(FP)
	VZEROUPPER
	RET
