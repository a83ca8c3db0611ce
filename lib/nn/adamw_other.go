//go:build !amd64 && !arm64

package nn

// adamwBlock is AdamW over whole slices.
func adamwBlock(ps, gs, ms, vs []float32, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	adamwScalar(ps, gs, ms, vs, lr, b1, b2, eps, wd, bc1, bc2)
}
