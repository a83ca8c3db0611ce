//go:build !amd64

package nn

import "github.com/notmagic/notmagic/lib/nn/backend"

// binarySIMD reports false: this architecture has no element-wise kernels in assembly yet.
func binarySIMD(op backend.BinaryOp, d, a, b []float32) bool { return false }

// axpySIMD reports false: this architecture has no element-wise kernels in assembly yet.
func axpySIMD(d, s []float32, alpha float32) bool { return false }

// sumSquaresHost returns Σ x² in float64.
func sumSquaresHost(x []float32) float64 {
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	return sum
}
