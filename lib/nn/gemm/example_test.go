package gemm_test

import (
	"fmt"

	"github.com/notmagic/notmagic/lib/nn/gemm"
)

// A 2×3 matrix times the transpose of a 2×3 matrix: C = A·Bᵀ, a 2×2 result.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // stored 2×3, used as its 3×2 transpose
		1, 0, 1,
		0, 1, 0,
	}
	c := make([]float32, 4)
	gemm.Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}
