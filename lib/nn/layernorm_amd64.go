package nn

import "github.com/notmagic/notmagic/lib/nn/internal/isa"

// layerNormRowAVX2 normalizes one row of n (a multiple of 8) values; see layernorm_amd64.s.
//
//go:noescape
func layerNormRowAVX2(x, y, gain, bias *float32, n int, eps float32) (mean, rstd float32)

// layerNormGradRowAVX2 is one row of LayerNorm's gradient, n a multiple of 8; see layernorm_amd64.s.
//
//go:noescape
func layerNormGradRowAVX2(x, dy, dx, gain, dgain, dbias *float32, n int, mean, rstd float32)

// layerNormRowsSIMD runs layerNormRows in assembly where the CPU has AVX2 (as NOTMAGIC_KERNELS allows)
// and cols is a multiple of 8, and reports whether it did.
func layerNormRowsSIMD(ys, ms, rs, xs, gs, bs []float32, lo, hi, cols int, eps float32) bool {
	if cols%8 != 0 || cols == 0 || !isa.Allows(isa.AVX2) {
		return false
	}
	g, b := firstOf(gs, cols), firstOf(bs, cols)
	for r := lo; r < hi; r++ {
		x, y := xs[r*cols:(r+1)*cols], ys[r*cols:(r+1)*cols]
		ms[r], rs[r] = layerNormRowAVX2(&x[0], &y[0], g, b, cols, eps)
	}
	return true
}

// layerNormGradRowsSIMD runs layerNormGradRows in assembly where the CPU has AVX2 (as NOTMAGIC_KERNELS
// allows) and cols is a multiple of 8, and reports whether it did.
func layerNormGradRowsSIMD(gx, gg, gb, g, xs, ms, rs, gs []float32, lo, hi, cols int) bool {
	if cols%8 != 0 || cols == 0 || !isa.Allows(isa.AVX2) {
		return false
	}
	gain, dgain, dbias := firstOf(gs, cols), firstOf(gg, cols), firstOf(gb, cols)
	for r := lo; r < hi; r++ {
		x, dy, dx := xs[r*cols:(r+1)*cols], g[r*cols:(r+1)*cols], gx[r*cols:(r+1)*cols]
		layerNormGradRowAVX2(&x[0], &dy[0], &dx[0], gain, dgain, dbias, cols, ms[r], rs[r])
	}
	return true
}

// firstOf returns &s[0] after checking that s holds n values, or nil for a nil s.
func firstOf(s []float32, n int) *float32 {
	if s == nil {
		return nil
	}
	return &s[:n][0]
}
