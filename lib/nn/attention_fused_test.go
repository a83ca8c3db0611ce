package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// composedAttention is the reference: the head split, masked softmax and merge as separate ops.
func composedAttention(qkv *Tensor, H int) *Tensor {
	B, T, C := qkv.shape[0], qkv.shape[1], qkv.shape[2]/3
	D := C / H
	x := qkv.Reshape(B, T, 3, H, D).Permute(2, 0, 3, 1, 4)
	q, k, v := x.Index(0, 0), x.Index(0, 1), x.Index(0, 2)
	att := MatMulT(q, k).MulScalar(float32(1/math.Sqrt(float64(D)))).MaskedFill(CausalMask(T), NegInf()).Softmax(-1)
	return att.MatMul(v).Permute(0, 2, 1, 3).Reshape(B, T, C)
}

// TestFusedAttention compares the fused CPU attention (values and the gradient of a random linear
// function of the output) with the composed ops, on shapes with T and D at edge sizes, serial (one
// head-task) and parallel. Tolerance: 2e-5 relative to the largest magnitude (float32 sums in another order).
func TestFusedAttention(t *testing.T) {
	Seed(7)
	for _, s := range []struct{ B, T, H, D int }{
		{1, 1, 1, 1}, {1, 7, 1, 3}, {2, 17, 3, 5}, {3, 65, 2, 7}, {2, 64, 4, 32}, {1, 33, 4, 17},
	} {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			C := s.H * s.D
			x := Randn(s.B, s.T, 3*C).MulScalar(2).Detach().SetRequiresGrad(true)
			r := Randn(s.B, s.T, C)
			y, att := causalAttention(CPU.(backend.FusedAttention), x, s.H, true)
			y.Mul(r).Sum().Backward()
			g := x.Grad().Data()
			x.ZeroGrad()
			want := composedAttention(x, s.H)
			want.Mul(r).Sum().Backward()
			compareClose(t, "y", y.Data(), want.Data(), 2e-5)
			compareClose(t, "dqkv", g, x.Grad().Data(), 2e-5)
			a := att.Data()
			for b := 0; b < s.B*s.H; b++ {
				for i := 0; i < s.T; i++ {
					var sum float64
					for j := 0; j < s.T; j++ {
						v := a[(b*s.T+i)*s.T+j]
						if j > i && v != 0 {
							t.Fatalf("att[%d,%d,%d] = %v above the diagonal", b, i, j, v)
						}
						sum += float64(v)
					}
					if math.Abs(sum-1) > 1e-5 {
						t.Fatalf("row %d,%d sums to %v", b, i, sum)
					}
				}
			}
		})
	}
}

// compareClose fails unless |got−want| ≤ tol·max|want| element by element.
func compareClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*max(scale, 1e-6) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %v, want %v (scale %v)", name, i, got[i], want[i], scale)
		}
	}
}
