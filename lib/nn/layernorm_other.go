//go:build !amd64

package nn

// layerNormRowsSIMD reports false: this architecture has no LayerNorm kernel in assembly yet.
func layerNormRowsSIMD(ys, ms, rs, xs, gs, bs []float32, lo, hi, cols int, eps float32) bool {
	return false
}

// layerNormGradRowsSIMD reports false: this architecture has no LayerNorm kernel in assembly yet.
func layerNormGradRowsSIMD(gx, gg, gb, g, xs, ms, rs, gs []float32, lo, hi, cols int) bool {
	return false
}
