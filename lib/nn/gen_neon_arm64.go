//go:build ignore

// gen_neon_arm64 writes neon_arm64.s, the NEON versions of the training step's elementwise kernels
// (GELU with its derivative, and AdamW): run `go generate` in this folder after editing it.
//
// Go's arm64 assembler knows NEON loads, stores, integer and bitwise operations and the fused
// VFMLA/VFMLS, but none of the other floating-point vector instructions (FADD, FMUL, FDIV, FSQRT,
// FMAX, compares, conversions, rounding). Those are written here as WORD directives, each followed
// by the instruction in the standard syntax as a comment; TestNEONEncodings assembles the comments
// with clang and checks that it produces the same words.
package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

var b strings.Builder

func w(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

// Arrangements: s4 is four float32 lanes, d2 two float64 lanes.
const (
	s4 = iota
	d2
)

func arr(t int) string { return [...]string{"4s", "2d"}[t] }

func sz(t int) uint32 { return uint32(t) << 22 }

// three emits a three-register floating-point instruction: op Vd, Vn, Vm.
func three(name string, base uint32, t, d, n, m int) {
	word := base | sz(t) | uint32(m)<<16 | uint32(n)<<5 | uint32(d)
	w("\tWORD $0x%08x // %s v%d.%s, v%d.%s, v%d.%s", word, name, d, arr(t), n, arr(t), m, arr(t))
}

// two emits a two-register floating-point instruction: op Vd, Vn.
func two(name string, base uint32, t, d, n int) {
	word := base | sz(t) | uint32(n)<<5 | uint32(d)
	w("\tWORD $0x%08x // %s v%d.%s, v%d.%s", word, name, d, arr(t), n, arr(t))
}

func fadd(t, d, n, m int)  { three("fadd", 0x4E20D400, t, d, n, m) }
func fsub(t, d, n, m int)  { three("fsub", 0x4EA0D400, t, d, n, m) }
func fmul(t, d, n, m int)  { three("fmul", 0x6E20DC00, t, d, n, m) }
func fdiv(t, d, n, m int)  { three("fdiv", 0x6E20FC00, t, d, n, m) }
func fmax(t, d, n, m int)  { three("fmax", 0x4E20F400, t, d, n, m) }
func fcmge(t, d, n, m int) { three("fcmge", 0x6E20E400, t, d, n, m) }
func fsqrt(t, d, n int)    { two("fsqrt", 0x6EA1F800, t, d, n) }
func fabs(t, d, n int)     { two("fabs", 0x4EA0F800, t, d, n) }
func frintn(t, d, n int)   { two("frintn", 0x4E218800, t, d, n) }
func fcvtzs(t, d, n int)   { two("fcvtzs", 0x4EA1B800, t, d, n) }

func fcmltz(t, d, n int) {
	w("\tWORD $0x%08x // fcmlt v%d.%s, v%d.%s, #0.0", 0x4EA0E800|sz(t)|uint32(n)<<5|uint32(d), d, arr(t), n, arr(t))
}

// shl52 shifts each 64-bit lane left by 52 (an integer into a float64's exponent field).
func shl52(d, n int) {
	w("\tWORD $0x%08x // shl v%d.2d, v%d.2d, #52", 0x4F745400|uint32(n)<<5|uint32(d), d, n)
}

// fcvtl widens the low (high with hi) two float32 lanes of Vn to float64.
func fcvtl(d, n int, hi bool) {
	if hi {
		w("\tWORD $0x%08x // fcvtl2 v%d.2d, v%d.4s", 0x4E617800|uint32(n)<<5|uint32(d), d, n)
		return
	}
	w("\tWORD $0x%08x // fcvtl v%d.2d, v%d.2s", 0x0E617800|uint32(n)<<5|uint32(d), d, n)
}

// fcvtn narrows Vn's two float64 lanes into the low (high with hi) float32 lanes of Vd.
func fcvtn(d, n int, hi bool) {
	if hi {
		w("\tWORD $0x%08x // fcvtn2 v%d.4s, v%d.2d", 0x4E616800|uint32(n)<<5|uint32(d), d, n)
		return
	}
	w("\tWORD $0x%08x // fcvtn v%d.2s, v%d.2d", 0x0E616800|uint32(n)<<5|uint32(d), d, n)
}

func adamw() {
	w("// func adamwNEON(p, grad, m, v *float32, n int, k *adamwConsts)")
	w("//")
	w("// AdamW on n values (a multiple of 4), 4 at a time, with adamwScalar's operations in its order and")
	w("// no fused multiply-adds, so both give the same bits:")
	w("//   m = b1·m + (1−b1)·g;  v = b2·v + ((1−b2)·g)·g")
	w("//   p −= lr·((m/bc1)/(√(v/bc2) + eps) + wd·p)")
	w("TEXT ·adamwNEON(SB), NOSPLIT, $0-48")
	w("\tMOVD p+0(FP), R0")
	w("\tMOVD grad+8(FP), R1")
	w("\tMOVD m+16(FP), R2")
	w("\tMOVD v+24(FP), R3")
	w("\tMOVD n+32(FP), R4")
	w("\tMOVD k+40(FP), R5")
	for i, name := range []string{"lr", "b1", "b2", "eps", "wd", "bc1", "bc2", "1 − b1", "1 − b2"} {
		w("\tVLD1R.P 4(R5), [V%d.S4] // %s", 16+i, name)
	}
	w("\tLSR $2, R4, R4")
	w("\tCBZ R4, adamw_done")
	w("adamw_loop:")
	w("\tVLD1 (R1), [V0.S4] // g")
	w("\tVLD1 (R2), [V1.S4] // m")
	w("\tVLD1 (R3), [V2.S4] // v")
	w("\tVLD1 (R0), [V3.S4] // p")
	fmul(s4, 1, 17, 1) // b1·m
	fmul(s4, 4, 23, 0) // (1−b1)·g
	fadd(s4, 1, 1, 4)  // m
	fmul(s4, 2, 18, 2) // b2·v
	fmul(s4, 5, 24, 0) // (1−b2)·g
	fmul(s4, 5, 5, 0)  // ((1−b2)·g)·g
	fadd(s4, 2, 2, 5)  // v
	w("\tVST1.P [V1.S4], 16(R2)")
	w("\tVST1.P [V2.S4], 16(R3)")
	fdiv(s4, 6, 1, 21) // m/bc1
	fdiv(s4, 7, 2, 22) // v/bc2
	fsqrt(s4, 7, 7)
	fadd(s4, 7, 7, 19) // √(v/bc2) + eps
	fdiv(s4, 6, 6, 7)
	fmul(s4, 8, 20, 3) // wd·p
	fadd(s4, 6, 6, 8)
	fmul(s4, 6, 16, 6) // lr·(…)
	fsub(s4, 3, 3, 6)
	w("\tVST1.P [V3.S4], 16(R0)")
	w("\tADD $16, R1, R1")
	w("\tSUBS $1, R4, R4")
	w("\tBNE adamw_loop")
	w("adamw_done:")
	w("\tRET")
}

// The constants of geluNEON, in float64, as in gelu_amd64.s.
var geluConsts = []struct {
	v    float64
	name string
}{
	{0.5, "half"}, {1, "one"}, {-0.5, "−½"}, {-708, "expmin"}, {1.4426950408889634, "log₂e"},
	{0.6931471803691238, "ln2 (high part)"}, {1.9082146973659064e-10, "ln2 (low part)"},
	{0.3989422804014327, "1/√(2π)"}, {0.35355339059327373, "½/√2"}, {10, "ten"},
	// e^r by its Taylor polynomial: 1/8! … 1/0!
	{1.0 / 40320, "exp coefficient 1/8!"}, {1.0 / 5040, "exp coefficient 1/7!"}, {1.0 / 720, "exp coefficient 1/6!"},
	{1.0 / 120, "exp coefficient 1/5!"}, {1.0 / 24, "exp coefficient 1/4!"}, {1.0 / 6, "exp coefficient 1/3!"},
	{0.5, "exp coefficient 1/2!"}, {1, "exp coefficient 1/1!"}, {1, "exp coefficient 1/0!"},
	// erfc(z) ≈ t·e^(−z²+Q(t)) (Numerical Recipes' erfcc), Q's coefficients from the highest power
	{0.17087277, "erfc coefficient"}, {-0.82215223, "erfc coefficient"}, {1.48851587, "erfc coefficient"},
	{-1.13520398, "erfc coefficient"}, {0.27886807, "erfc coefficient"}, {-0.18628806, "erfc coefficient"},
	{0.09678418, "erfc coefficient"}, {0.37409196, "erfc coefficient"}, {1.00002368, "erfc coefficient"},
	{-1.26551223, "erfc coefficient"},
}

const (
	expCoef  = 10 // index of the first exp coefficient in geluConsts
	erfcCoef = 19 // index of the first erfc coefficient
)

// Registers of geluNEON: V16–V25 hold the first ten constants, V26 the running "every |x| ≤ 10"
// mask; V0–V13 are working registers of one half (two lanes), V14 and V15 collect y and d.
const (
	rHalf, rOne, rMhalf, rExpmin, rLog2e, rLn2hi, rLn2lo, rInvSqrt2pi, rHalfInvSqrt2, rTen = 16, 17, 18, 19, 20, 21, 22, 23, 24, 25
	rOK                                                                                    = 26
)

// exp sets out = e^in for two float64 lanes: in = n·ln2 + r with |r| ≤ ln2/2 (in is clamped to ≥ −708, so
// 2ⁿ stays normal), e^r by its Taylor polynomial (Horner, fused), 2ⁿ added to the exponent bits. It
// clobbers in, n, r and t; R11 walks the coefficient table.
func exp(in, out, n, r, t int) {
	fmax(d2, in, in, rExpmin)
	fmul(d2, n, in, rLog2e)
	frintn(d2, n, n)
	w("\tVMOV V%d.B16, V%d.B16", in, r)
	w("\tVFMLS V%d.D2, V%d.D2, V%d.D2 // r −= n·ln2hi", rLn2hi, n, r)
	w("\tVFMLS V%d.D2, V%d.D2, V%d.D2 // r −= n·ln2lo", rLn2lo, n, r)
	horner(out, r, t, expCoef, 9)
	fcvtzs(d2, n, n)
	shl52(n, n)
	w("\tVADD V%d.D2, V%d.D2, V%d.D2 // ·2ⁿ", n, out, out)
}

// horner sets out = P(x), P's count coefficients starting at geluConsts[first] (highest power first).
func horner(out, x, t, first, count int) {
	w("\tMOVD $gelu<>+%d(SB), R11", 8*first)
	w("\tVLD1R.P 8(R11), [V%d.D2]", out)
	for i := 1; i < count; i++ {
		w("\tVLD1R.P 8(R11), [V%d.D2]", t)
		w("\tVFMLA V%d.D2, V%d.D2, V%d.D2", out, x, t)
		w("\tVMOV V%d.B16, V%d.B16", t, out)
	}
}

// geluHalf computes y and d for two lanes of the four float32 values in V28 (the high two with hi)
// into the matching lanes of V14 and V15.
func geluHalf(hi bool) {
	const x, ax, q, e, t, qq, eq, n, r, tmp, phi, y, d, neg = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
	fcvtl(x, 28, hi)
	fabs(d2, ax, x)
	fcmge(d2, tmp, rTen, ax) // |x| ≤ 10 (false for NaN)
	w("\tVAND V%d.B16, V%d.B16, V%d.B16", tmp, rOK, rOK)
	fmul(d2, q, x, x)
	fmul(d2, q, q, rMhalf) // −x²/2
	exp(q, e, n, r, tmp)   // E = e^(−x²/2)
	fmul(d2, t, ax, rHalfInvSqrt2)
	fadd(d2, t, t, rOne)
	fdiv(d2, t, rOne, t) // t = 1/(1 + z/2), z = |x|/√2
	horner(qq, t, tmp, erfcCoef, 10)
	exp(qq, eq, n, r, tmp) // e^Q
	fmul(d2, r, t, e)
	fmul(d2, r, r, eq)    // erfc(z) = t·E·e^Q
	fmul(d2, r, r, rHalf) // Φ(−|x|) = erfc(z)/2
	fsub(d2, y, rOne, r)  // Φ(|x|) = 1 − Φ(−|x|)
	fcmltz(d2, neg, x)
	w("\tVBIT V%d.B16, V%d.B16, V%d.B16 // Φ(x): Φ(−|x|) where x < 0", neg, r, y)
	w("\tVMOV V%d.B16, V%d.B16", y, d) // d = Φ(x)
	fmul(d2, y, x, y)                  // y = x·Φ(x)
	fmul(d2, phi, rInvSqrt2pi, e)      // φ(x)
	w("\tVFMLA V%d.D2, V%d.D2, V%d.D2 // d = Φ(x) + x·φ(x)", phi, x, d)
	fcvtn(14, y, hi)
	fcvtn(15, d, hi)
}

func gelu() {
	for i, c := range geluConsts {
		w("DATA gelu<>+%d(SB)/8, $0x%016x // %s = %v", 8*i, math.Float64bits(c.v), c.name, c.v)
	}
	w("GLOBL gelu<>(SB), RODATA|NOPTR, $%d", 8*len(geluConsts))
	w("")
	w("// func geluNEON(x, y, d *float32, n int) (special int)")
	w("//")
	w("// For n (a multiple of 4) values: y = x·Φ(x) and d = Φ(x) + x·φ(x), computed in float64 as geluAVX512")
	w("// does (gelu_amd64.s): Φ(x) = ½·erfc(−x/√2) from Numerical Recipes' erfc approximation (relative")
	w("// error below 1.2e-7) and φ(x) = e^(−x²/2)/√(2π). special is non-zero when some |x| > 10 or is NaN:")
	w("// the caller then recomputes the block on the scalar path, which treats the tails exactly.")
	w("TEXT ·geluNEON(SB), NOSPLIT, $0-40")
	w("\tMOVD x+0(FP), R0")
	w("\tMOVD y+8(FP), R1")
	w("\tMOVD d+16(FP), R2")
	w("\tMOVD n+24(FP), R3")
	w("\tMOVD $gelu<>(SB), R10")
	for i := 0; i < 10; i++ {
		w("\tVLD1R.P 8(R10), [V%d.D2] // %s", 16+i, geluConsts[i].name)
	}
	w("\tVMOVI $255, V%d.B16 // every lane so far: |x| ≤ 10", rOK)
	w("\tLSR $2, R3, R3")
	w("\tCBZ R3, gelu_done")
	w("gelu_loop:")
	w("\tVLD1.P 16(R0), [V28.S4] // x")
	geluHalf(false)
	geluHalf(true)
	w("\tVST1.P [V14.S4], 16(R1)")
	w("\tVST1.P [V15.S4], 16(R2)")
	w("\tSUBS $1, R3, R3")
	w("\tBNE gelu_loop")
	w("gelu_done:")
	w("\tVMOV V%d.D[0], R4", rOK)
	w("\tVMOV V%d.D[1], R5", rOK)
	w("\tAND R5, R4, R4")
	w("\tMVN R4, R4 // zero when every lane was |x| ≤ 10")
	w("\tMOVD R4, special+32(FP)")
	w("\tRET")
}

func main() {
	w("// Code generated by gen_neon_arm64.go; DO NOT EDIT.")
	w("")
	w("//go:build arm64")
	w("")
	w("#include \"textflag.h\"")
	w("")
	adamw()
	w("")
	gelu()
	out := "neon_arm64.s"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
