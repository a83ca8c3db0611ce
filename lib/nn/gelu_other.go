//go:build !amd64 && !arm64

package nn

// geluBlock sets y = gelu(x) and d = gelu'(x) (the scalar path).
func geluBlock(y, d, x []float32) {
	for i, v := range x {
		y[i], d[i] = geluAndGrad(v)
	}
}
