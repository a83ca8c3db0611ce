package nn_test

// Gradient checks: every differentiable operation of lib/nn is compared with central finite
// differences computed in float64.
//
// Method. For a case with inputs x₁…xₙ and an output y = f(x) of any shape, the checker draws fixed
// random weights R of y's shape and checks the gradient of the scalar L(x) = Σ R·f(x):
//   - analytic: f is run on tensors that require grad and y.BackwardWith(R) sends R back (so the
//     check does not rely on Mul or Sum being right);
//   - numeric: every element of every input is moved by ±eps, the forward pass is run (float32, under
//     NoGrad), L is summed in float64, and ∂L/∂x ≈ (L(x⁺) − L(x⁻)) / (x⁺ − x⁻), where x± are the
//     float32 values actually used (so the rounding of x ± eps to float32 does not bias the step).
//
// Tolerance. The forward pass is float32, so L carries rounding noise of about 1e-7·Σ|Rᵢyᵢ| over the
// outputs that move; dividing by 2·eps, eps = 1e-2 keeps that noise near 1e-4 while the truncation
// error of the central difference, eps²·f‴/6, stays near 1e-5 on inputs of order one. A case passes
// when |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric| for every element (a relative 1e-2 with an
// absolute floor). Inputs of non-smooth operations (ReLU, Abs, ClampMin, Max) are drawn at least
// 0.05 away from their kinks and ties, so the finite difference never straddles one.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

// gcGen draws n input values.
type gcGen func(r *rand.Rand, n int) []float64

// gcNormal draws standard normal values.
func gcNormal(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

// gcUniform returns a generator of values uniform in [lo, hi).
func gcUniform(lo, hi float64) gcGen {
	return func(r *rand.Rand, n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = lo + (hi-lo)*r.Float64()
		}
		return v
	}
}

// gcAwayFrom returns normal values at least 0.05 away from kink.
func gcAwayFrom(kink float64) gcGen {
	return func(r *rand.Rand, n int) []float64 {
		v := gcNormal(r, n)
		for i, x := range v {
			if math.Abs(x-kink) < 0.05 {
				v[i] = kink + math.Copysign(0.05+math.Abs(x-kink), x-kink)
			}
		}
		return v
	}
}

// gcNonZero draws values of magnitude in [0.5, 2) with random signs (denominators).
func gcNonZero(r *rand.Rand, n int) []float64 {
	v := gcUniform(0.5, 2)(r, n)
	for i := range v {
		if r.IntN(2) == 0 {
			v[i] = -v[i]
		}
	}
	return v
}

// gcDistinct draws a shuffled grid with spacing 0.1: no two values within 2·eps (for Max).
func gcDistinct(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 0.1*float64(i) - 0.05*float64(n) + 0.02*r.Float64()
	}
	r.Shuffle(n, func(i, j int) { v[i], v[j] = v[j], v[i] })
	return v
}

// gcCase is one row of the gradient-check table.
type gcCase struct {
	name   string                          // unique; seeds the inputs
	covers []string                        // the exported operations it checks
	shapes [][]int                         // input shapes (every input requires grad)
	gen    []gcGen                         // per-input generators (default normal); a short list repeats its last
	f      func(x []*nn.Tensor) *nn.Tensor // the function under test
}

func gcCases() []gcCase {
	var none []gcGen
	pos := []gcGen{gcUniform(0.5, 2)}
	ce := func(logits *nn.Tensor, targets []int) *nn.Tensor { return nn.CrossEntropy(logits, targets) }
	return []gcCase{
		// Elementwise with broadcasting, odd sizes.
		{"add/broadcast", []string{"Add"}, [][]int{{7, 1, 3}, {17, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Add(x[1]) }},
		{"add/scalar-operand", []string{"Add"}, [][]int{{3, 7}, {}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Add(x[1]) }},
		{"sub/broadcast", []string{"Sub"}, [][]int{{3, 1}, {1, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Sub(x[1]) }},
		{"mul/broadcast", []string{"Mul"}, [][]int{{2, 3, 7}, {3, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Mul(x[1]) }},
		{"mul/size1", []string{"Mul"}, [][]int{{1}, {1, 1, 17}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Mul(x[1]) }},
		{"div/broadcast", []string{"Div"}, [][]int{{3, 7}, {7}}, []gcGen{gcNormal, gcNonZero}, func(x []*nn.Tensor) *nn.Tensor { return x[0].Div(x[1]) }},
		{"div/numerator-broadcast", []string{"Div"}, [][]int{{1, 7}, {3, 1}}, []gcGen{gcNormal, gcNonZero}, func(x []*nn.Tensor) *nn.Tensor { return x[0].Div(x[1]) }},
		{"addscalar", []string{"AddScalar"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].AddScalar(2.5) }},
		{"mulscalar", []string{"MulScalar"}, [][]int{{17}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MulScalar(-1.5) }},
		{"pow/2", []string{"Pow"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Pow(2) }},
		{"pow/3", []string{"Pow"}, [][]int{{17}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Pow(3) }},
		{"pow/0.5", []string{"Pow"}, [][]int{{3, 7}}, pos, func(x []*nn.Tensor) *nn.Tensor { return x[0].Pow(0.5) }},
		{"pow/-1.5", []string{"Pow"}, [][]int{{7}}, pos, func(x []*nn.Tensor) *nn.Tensor { return x[0].Pow(-1.5) }},
		{"square", []string{"Square"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Square() }},
		{"neg", []string{"Neg"}, [][]int{{7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Neg() }},
		{"exp", []string{"Exp"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Exp() }},
		{"log", []string{"Log"}, [][]int{{3, 7}}, pos, func(x []*nn.Tensor) *nn.Tensor { return x[0].Log() }},
		{"sqrt", []string{"Sqrt"}, [][]int{{17}}, pos, func(x []*nn.Tensor) *nn.Tensor { return x[0].Sqrt() }},
		{"abs", []string{"Abs"}, [][]int{{3, 7}}, []gcGen{gcAwayFrom(0)}, func(x []*nn.Tensor) *nn.Tensor { return x[0].Abs() }},
		{"clampmin", []string{"ClampMin"}, [][]int{{3, 7}}, []gcGen{gcAwayFrom(0.3)}, func(x []*nn.Tensor) *nn.Tensor { return x[0].ClampMin(0.3) }},
		{"tanh", []string{"Tanh"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Tanh() }},
		{"sigmoid", []string{"Sigmoid"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Sigmoid() }},
		{"relu", []string{"ReLU"}, [][]int{{3, 17}}, []gcGen{gcAwayFrom(0)}, func(x []*nn.Tensor) *nn.Tensor { return x[0].ReLU() }},
		{"gelu", []string{"GELU"}, [][]int{{3, 17}}, []gcGen{gcUniform(-4, 4)}, func(x []*nn.Tensor) *nn.Tensor { return x[0].GELU() }},

		// Reductions over one and several axes, with and without kept dimensions.
		{"sum/all", []string{"Sum"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Sum() }},
		{"sum/axis1", []string{"Sum"}, [][]int{{3, 7, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Sum(1) }},
		{"sum/size1-axis", []string{"Sum"}, [][]int{{3, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Sum(1) }},
		{"sumkeep/0,2", []string{"SumKeep"}, [][]int{{3, 7, 2}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].SumKeep(0, 2) }},
		{"sumkeep/-1", []string{"SumKeep"}, [][]int{{2, 3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].SumKeep(-1) }},
		{"mean/all", []string{"Mean"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Mean() }},
		{"mean/1,2", []string{"Mean"}, [][]int{{2, 3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Mean(1, 2) }},
		{"meankeep/0,-1", []string{"MeanKeep"}, [][]int{{3, 2, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MeanKeep(0, -1) }},
		{"max/all", []string{"Max"}, [][]int{{3, 7}}, []gcGen{gcDistinct}, func(x []*nn.Tensor) *nn.Tensor { return x[0].Max() }},
		{"max/axis0", []string{"Max"}, [][]int{{7, 3}}, []gcGen{gcDistinct}, func(x []*nn.Tensor) *nn.Tensor { return x[0].Max(0) }},
		{"max/0,2", []string{"Max"}, [][]int{{3, 2, 7}}, []gcGen{gcDistinct}, func(x []*nn.Tensor) *nn.Tensor { return x[0].Max(0, 2) }},
		{"maxkeep/1", []string{"MaxKeep"}, [][]int{{3, 7, 2}}, []gcGen{gcDistinct}, func(x []*nn.Tensor) *nn.Tensor { return x[0].MaxKeep(1) }},
		{"maxkeep/all", []string{"MaxKeep"}, [][]int{{3, 1, 7}}, []gcGen{gcDistinct}, func(x []*nn.Tensor) *nn.Tensor { return x[0].MaxKeep() }},

		// Shape operations.
		{"reshape", []string{"Reshape"}, [][]int{{3, 7, 2}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Reshape(7, -1).Mul(x[0].Reshape(7, 6)) }},
		{"flatten", []string{"Flatten"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Flatten() }},
		{"unsqueeze", []string{"Unsqueeze"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Unsqueeze(1).Add(x[0].Unsqueeze(-1)) }},
		{"squeeze", []string{"Squeeze"}, [][]int{{3, 1, 7, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Squeeze().Add(x[0].Squeeze(1, 3)) }},
		{"permute", []string{"Permute"}, [][]int{{2, 3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Permute(2, 0, 1) }},
		{"transpose", []string{"Transpose"}, [][]int{{2, 3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Transpose(0, -1) }},
		{"T", []string{"T"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].T() }},
		{"slice", []string{"Slice"}, [][]int{{3, 17}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Slice(1, 2, -3) }},
		{"slice/axis0", []string{"Slice"}, [][]int{{7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Slice(0, 1, 4) }},
		{"index", []string{"Index"}, [][]int{{3, 3, 2}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Index(1, -1).Add(x[0].Index(0, 1)) }},
		{"broadcastto", []string{"BroadcastTo"}, [][]int{{3, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].BroadcastTo(2, 3, 7) }},
		{"concat/axis1", []string{"Concat"}, [][]int{{3, 1}, {3, 7}, {3, 2}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.Concat(1, x...) }},
		{"concat/axis0", []string{"Concat"}, [][]int{{1, 3}, {7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.Concat(0, x[0], x[1], x[0]) }},
		{"stack", []string{"Stack"}, [][]int{{3, 7}, {3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.Stack(1, x[0], x[1]) }},
		{"split", []string{"Split"}, [][]int{{3, 17}}, none, func(x []*nn.Tensor) *nn.Tensor {
			p := x[0].Split(1, 7, 1, 9)
			return nn.Concat(1, p[2], p[0].Exp(), p[1])
		}},
		{"chunk", []string{"Chunk"}, [][]int{{6, 7}}, none, func(x []*nn.Tensor) *nn.Tensor {
			p := x[0].Chunk(3, 0)
			return p[2].Mul(p[0]).Sub(p[1])
		}},
		{"clone", []string{"Clone"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Clone().Mul(x[0]) }},

		// Matrix products: 2-D, batched, broadcast batch, shared operands, one operand used twice.
		{"matmul/2d", []string{"MatMul", "Tensor.MatMul"}, [][]int{{3, 7}, {7, 17}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.MatMul(x[0], x[1]) }},
		{"matmul/ones", []string{"Tensor.MatMul"}, [][]int{{1, 1}, {1, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[1]) }},
		{"matmul/batched", []string{"Tensor.MatMul"}, [][]int{{2, 3, 7}, {2, 7, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[1]) }},
		{"matmul/broadcast-batch", []string{"Tensor.MatMul"}, [][]int{{2, 1, 3, 7}, {3, 7, 2}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[1]) }},
		{"matmul/shared-a", []string{"Tensor.MatMul"}, [][]int{{3, 7}, {2, 7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[1]) }},
		{"matmul/shared-b", []string{"Tensor.MatMul"}, [][]int{{2, 3, 7}, {7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[1]) }},
		{"matmul/same-operand", []string{"Tensor.MatMul"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[0].T()) }},
		{"matmul/square-self", []string{"Tensor.MatMul"}, [][]int{{2, 3, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MatMul(x[0]) }},
		{"matmul_t/shared", []string{"MatMulT"}, [][]int{{2, 3, 7}, {5, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.MatMulT(x[0], x[1]) }},
		{"matmul_t/batched", []string{"MatMulT"}, [][]int{{2, 3, 7}, {2, 1, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.MatMulT(x[0], x[1]) }},
		{"matmul_t/self", []string{"MatMulT"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.MatMulT(x[0], x[0]) }},

		// Softmax family, along the last and other axes.
		{"softmax/-1", []string{"Softmax"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Softmax(-1) }},
		{"softmax/0", []string{"Softmax"}, [][]int{{3, 2, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Softmax(0) }},
		{"softmax/1", []string{"Softmax"}, [][]int{{3, 7, 2}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Softmax(1) }},
		{"softmax/size1", []string{"Softmax"}, [][]int{{3, 1}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Softmax(1).Add(x[0]) }},
		{"logsoftmax/-1", []string{"LogSoftmax"}, [][]int{{3, 17}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].LogSoftmax(-1) }},
		{"logsoftmax/1", []string{"LogSoftmax"}, [][]int{{2, 7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].LogSoftmax(1) }},

		// Losses.
		{"cross_entropy", []string{"CrossEntropy"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return ce(x[0], []int{6, 0, 3}) }},
		{"cross_entropy/3d", []string{"CrossEntropy"}, [][]int{{2, 3, 17}}, none, func(x []*nn.Tensor) *nn.Tensor { return ce(x[0], []int{1, 16, 1, 0, 5, 1}) }},
		{"cross_entropy/ignore", []string{"CrossEntropyIgnore"}, [][]int{{4, 7}}, none, func(x []*nn.Tensor) *nn.Tensor {
			return nn.CrossEntropyIgnore(x[0], []int{2, -1, 6, -1}, -1)
		}},
		{"cross_entropy/ignore-100", []string{"CrossEntropy"}, [][]int{{3, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return ce(x[0], []int{-100, 2, 0}) }},
		{"cross_entropy/all-ignored", []string{"CrossEntropyIgnore"}, [][]int{{2, 3}}, none, func(x []*nn.Tensor) *nn.Tensor {
			return nn.CrossEntropyIgnore(x[0], []int{5, 5}, 5).Add(x[0].Sum().MulScalar(0.1))
		}},
		{"mse", []string{"MSE"}, [][]int{{3, 7}, {3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.MSE(x[0], x[1]) }},
		{"binary_cross_entropy", []string{"BinaryCrossEntropy"}, [][]int{{3, 7}, {3, 7}}, []gcGen{gcUniform(0.05, 0.95), gcUniform(0, 1)},
			func(x []*nn.Tensor) *nn.Tensor { return nn.BinaryCrossEntropy(x[0], x[1]) }},
		{"bce_with_logits", []string{"BinaryCrossEntropyWithLogits"}, [][]int{{3, 7}, {3, 7}}, []gcGen{gcAwayFrom(0), gcUniform(0, 1)},
			func(x []*nn.Tensor) *nn.Tensor { return nn.BinaryCrossEntropyWithLogits(x[0], x[1]) }},
		{"bce_with_logits/large", []string{"BinaryCrossEntropyWithLogits"}, [][]int{{7}, {7}}, []gcGen{gcUniform(20, 40), gcUniform(0, 1)},
			func(x []*nn.Tensor) *nn.Tensor { return nn.BinaryCrossEntropyWithLogits(x[0].Neg(), x[1]) }},

		// Normalisation, lookup, masking, dropout.
		{"layer_norm/gain+bias", []string{"LayerNorm"}, [][]int{{3, 7}, {7}, {7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.LayerNorm(x[0], x[1], x[2], 1e-5) }},
		{"layer_norm/none", []string{"LayerNorm"}, [][]int{{2, 3, 17}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.LayerNorm(x[0], nil, nil, 1e-5) }},
		{"layer_norm/gain", []string{"LayerNorm"}, [][]int{{3, 7}, {7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.LayerNorm(x[0], x[1], nil, 1e-5) }},
		{"layer_norm/bias", []string{"LayerNorm"}, [][]int{{3, 7}, {7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.LayerNorm(x[0], nil, x[1], 1e-5) }},
		{"layer_norm/3", []string{"LayerNorm"}, [][]int{{1, 3}, {3}, {3}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.LayerNorm(x[0], x[1], x[2], 1e-5) }},
		{"embedding/repeated", []string{"Embedding"}, [][]int{{7, 3}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.Embedding(x[0], []int{1, 6, 1, 0, 1, 6}) }},
		{"masked_fill/causal", []string{"MaskedFill"}, [][]int{{2, 7, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].MaskedFill(nn.CausalMask(7), -3) }},
		{"masked_fill/-inf+softmax", []string{"MaskedFill"}, [][]int{{3, 3}}, none, func(x []*nn.Tensor) *nn.Tensor {
			return x[0].MaskedFill(nn.CausalMask(3), nn.NegInf()).Softmax(-1)
		}},
		{"dropout/train", []string{"Dropout"}, [][]int{{3, 17}}, none, func(x []*nn.Tensor) *nn.Tensor {
			nn.Seed(7) // the same mask on every forward pass
			return nn.Dropout(x[0], 0.3, true)
		}},
		{"dropout/eval", []string{"Dropout"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return nn.Dropout(x[0], 0.3, false).Mul(x[0]) }},

		// Graphs that use one tensor several times and chain many ops.
		{"reuse/add-self", []string{"Add"}, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor { return x[0].Add(x[0]).Mul(x[0]) }},
		{"reuse/diamond", nil, [][]int{{3, 7}}, none, func(x []*nn.Tensor) *nn.Tensor {
			y := x[0].Tanh()
			return y.Mul(y.Sum(1).Unsqueeze(1)).Add(y.Exp())
		}},
		{"chain/attention", nil, [][]int{{2, 3, 7}, {7, 7}}, none, func(x []*nn.Tensor) *nn.Tensor {
			q := x[0].MatMul(x[1])
			s := q.MatMul(x[0].Transpose(1, 2)).MulScalar(0.3).MaskedFill(nn.CausalMask(3), nn.NegInf())
			return nn.LayerNorm(s.Softmax(-1).MatMul(x[0]).GELU(), nil, nil, 1e-5)
		}},
		{"chain/mlp-loss", nil, [][]int{{3, 7}, {7, 17}, {17}, {17, 3}}, none, func(x []*nn.Tensor) *nn.Tensor {
			h := x[0].MatMul(x[1]).Add(x[2]).Tanh()
			return nn.CrossEntropy(h.MatMul(x[3]), []int{2, 0, 1})
		}},
	}
}

// gcSeed derives a seed from a case name.
func gcSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

func gcNumel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// gcTensor makes a tensor of the shape from float64 values (a 0-D one for an empty shape).
func gcTensor(v []float64, shape []int) *nn.Tensor {
	if len(shape) == 0 {
		return nn.Scalar(float32(v[0]))
	}
	return nn.FromFloat64s(v, shape...)
}

// gcForward runs f on the inputs without recording and returns L = Σ R·f(x) in float64.
func gcForward(c gcCase, xs [][]float64, r []float64) float64 {
	var l float64
	nn.NoGrad(func() {
		ins := make([]*nn.Tensor, len(xs))
		for i, x := range xs {
			ins[i] = gcTensor(x, c.shapes[i])
		}
		for i, v := range c.f(ins).Data() {
			l += float64(v) * r[i]
		}
	})
	return l
}

const (
	gcEps  = 1e-2
	gcAtol = 2e-3
	gcRtol = 1e-2
)

// gradCheck compares the analytic gradient of one case with central differences; it returns the
// failures and the largest absolute and relative differences seen.
func gradCheck(c gcCase) (fails []string, maxAbs, maxRel float64) {
	rng := rand.New(rand.NewPCG(gcSeed(c.name), 2026))
	xs := make([][]float64, len(c.shapes))
	for i, s := range c.shapes {
		gen := gcNormal
		if len(c.gen) > 0 {
			gen = c.gen[min(i, len(c.gen)-1)]
		}
		xs[i] = gen(rng, gcNumel(s))
		for j, v := range xs[i] {
			xs[i][j] = float64(float32(v)) // the values the float32 forward pass sees
		}
	}
	// Analytic gradients.
	ins := make([]*nn.Tensor, len(xs))
	for i, x := range xs {
		ins[i] = gcTensor(x, c.shapes[i]).SetRequiresGrad(true)
	}
	out := c.f(ins)
	r := gcNormal(rng, out.Len())
	for i := range r {
		r[i] = float64(float32(r[i]))
	}
	// The output's values must not depend on whether the graph is recorded.
	var plain []float32
	nn.NoGrad(func() {
		p := make([]*nn.Tensor, len(xs))
		for i, x := range xs {
			p[i] = gcTensor(x, c.shapes[i])
		}
		plain = c.f(p).Data()
	})
	for i, v := range out.Data() {
		if v != plain[i] && !(v != v && plain[i] != plain[i]) {
			return []string{fmt.Sprintf("%s: output %d is %v with grad recording and %v without", c.name, i, v, plain[i])}, 0, 0
		}
	}
	out.BackwardWith(gcTensor(r, out.Shape()))
	for i, in := range ins {
		g := in.Grad()
		ana := make([]float64, len(xs[i]))
		if g != nil {
			if fmt.Sprint(g.Shape()) != fmt.Sprint(c.shapes[i]) {
				return []string{fmt.Sprintf("%s: gradient of input %d has shape %v, input has %v", c.name, i, g.Shape(), c.shapes[i])}, 0, 0
			}
			for j, v := range g.Data() {
				ana[j] = float64(v)
			}
		}
		for j := range xs[i] {
			x0 := xs[i][j]
			xp, xm := float64(float32(x0+gcEps)), float64(float32(x0-gcEps))
			xs[i][j] = xp
			lp := gcForward(c, xs, r)
			xs[i][j] = xm
			lm := gcForward(c, xs, r)
			xs[i][j] = x0
			num := (lp - lm) / (xp - xm)
			d := math.Abs(ana[j] - num)
			if math.IsNaN(d) || d > gcAtol+gcRtol*math.Abs(num) {
				fails = append(fails, fmt.Sprintf("%s: ∂L/∂x%d[%d]: analytic %.6g, numeric %.6g (difference %.3g)", c.name, i, j, ana[j], num, d))
			}
			maxAbs = max(maxAbs, d)
			if num != 0 {
				maxRel = max(maxRel, d/math.Abs(num))
			}
		}
	}
	return fails, maxAbs, maxRel
}

func TestGradCheck(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range gcCases() {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			fails, a, r := gradCheck(c)
			for i, f := range fails {
				if i == 10 {
					t.Errorf("… and %d more", len(fails)-10)
					break
				}
				t.Error(f)
			}
			t.Logf("max |analytic−numeric| %.2g, max relative %.2g", a, r)
		})
	}
}

// TestGradCheckCatchesWrongGradient makes sure the checker fails on a wrong gradient: a function
// whose backward pass is deliberately off (x·Detach(x) has gradient x, while the true one is 2x).
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	c := gcCase{name: "wrong", shapes: [][]int{{3}}, f: func(x []*nn.Tensor) *nn.Tensor { return x[0].Mul(x[0].Detach()) }}
	if fails, _, _ := gradCheck(c); len(fails) != 3 {
		t.Fatal("the gradient checker accepted the gradient x for x², which is 2x")
	}
}

// notDifferentiable lists the exported tensor-valued API of the core files that has no gradient
// to check, with the reason.
var notDifferentiable = map[string]string{
	"New": "creation", "FromFloat64s": "creation", "FromRows": "creation", "Scalar": "creation",
	"Zeros": "creation", "Full": "creation", "Ones": "creation", "Arange": "creation", "Eye": "creation",
	"ZerosLike": "creation", "Uniform": "random creation", "Rand": "random creation",
	"Normal": "random creation", "Randn": "random creation", "CausalMask": "constant mask",
	"Tensor.ArgMax": "integer valued", "Tensor.Detach": "cuts the graph (tested in autograd tests)",
	"Tensor.To": "device copy, a new leaf", "Tensor.Grad": "accessor",
	"Tensor.SetRequiresGrad": "flag", "Tensor.ArgMaxes": "integer valued",
}

// TestGradCheckCoversEveryOp parses the core source files and fails when an exported function or
// method returning tensors is neither in the gradient-check table nor listed as not differentiable.
func TestGradCheckCoversEveryOp(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range gcCases() {
		for _, n := range c.covers {
			covered[n] = true
		}
	}
	files, _ := filepath.Glob("ops_*.go")
	files = append(files, "tensor.go", "autograd.go", "random.go")
	fset := token.NewFileSet()
	var missing []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() || fn.Type.Results == nil {
				continue
			}
			returnsTensor := false
			for _, r := range fn.Type.Results.List {
				s := types(r.Type)
				returnsTensor = returnsTensor || s == "*Tensor" || s == "[]*Tensor"
			}
			if !returnsTensor {
				continue
			}
			name := fn.Name.Name
			if fn.Recv != nil {
				name = "Tensor." + name
			}
			short := strings.TrimPrefix(name, "Tensor.")
			if !covered[name] && !covered[short] && notDifferentiable[name] == "" {
				missing = append(missing, name+" ("+f+")")
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations without a gradient check: %s", strings.Join(missing, ", "))
	}
}

// types renders a type expression of the forms the check needs.
func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + types(e.X)
	case *ast.ArrayType:
		return "[]" + types(e.Elt)
	}
	return ""
}
