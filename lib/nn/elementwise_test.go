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

// TestSumSquaresHost holds the gradient-clipping sum Σ x² (assembly where the family has it) to a
// float64 loop: 1e-13 relative, float64 sums taken in another order.
func TestSumSquaresHost(t *testing.T) { forEachFamily(t, testSumSquaresHost) }

func testSumSquaresHost(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 43))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 1000, 100001} {
		x := randSlice(r, n, 0.5, 2)
		var want float64
		for _, v := range x {
			want += float64(v) * float64(v)
		}
		if got := sumSquaresHost(x); math.Abs(got-want) > 1e-13*want {
			t.Fatalf("n=%d: Σx² = %v, want %v", n, got, want)
		}
	}
}
