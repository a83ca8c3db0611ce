package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// TestElementwiseKernelsMatchGo runs the CPU backend's add, sub, mul and axpy loops (assembly where the
// family has kernels) at lengths around the 8-wide blocks and requires the bits of the plain Go loops.
func TestElementwiseKernelsMatchGo(t *testing.T) { forEachFamily(t, testElementwiseKernelsMatchGo) }

func testElementwiseKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 23))
	ops := []struct {
		op backend.BinaryOp
		f  func(a, b float32) float32
	}{
		{backend.OpAdd, func(a, b float32) float32 { return a + b }},
		{backend.OpSub, func(a, b float32) float32 { return a - b }},
		{backend.OpMul, func(a, b float32) float32 { return a * b }},
		{backend.OpDiv, func(a, b float32) float32 { return a / b }},
	}
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000} {
		a, b := randSlice(r, n, 0, 1), randSlice(r, n, 0, 1)
		for _, o := range ops {
			got := make([]float32, n)
			binaryKernel{o.op, got, a, b}.run(0, n)
			for i := range got {
				if want := o.f(a[i], b[i]); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("op %v, n=%d: d[%d] = %v, want %v", o.op, n, i, got[i], want)
				}
			}
		}
		for _, alpha := range []float32{1, -0.37} {
			got := randSlice(r, n, 0, 1)
			want := append([]float32(nil), got...)
			axpyKernel{d: got, s: a, alpha: alpha}.run(0, n)
			for i := range want {
				want[i] += alpha * a[i]
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("axpy alpha %v, n=%d: d[%d] = %v, want %v", alpha, n, i, got[i], want[i])
				}
			}
		}
	}
}
