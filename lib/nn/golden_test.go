package nn_test

// Golden tests: lib/nn against values PyTorch computed (testdata/gen_golden.py wrote
// testdata/golden/ops.json; the test needs only the JSON).
//
// For every case the JSON holds the inputs, PyTorch's output, weights W of the output's shape and
// the gradients of Σ W·output. Both sides compute in float32, but not with the same summation order or
// the same elementary functions, so values agree to a few float32 ulps times the conditioning of the
// op. Tolerance: |got − want| ≤ 1e-5 + 1e-4·|want| for outputs and gradients (the cases with logits
// of order 100 get an absolute 1e-3·max|want|: their results are differences of numbers near 100).

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

type goldenTensor struct {
	Shape []int         `json:"shape"`
	Data  []goldenFloat `json:"data"`
}

// goldenFloat is a JSON number, or one of the strings "nan", "inf" and "-inf".
type goldenFloat float64

func (f *goldenFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"nan"`:
		*f = goldenFloat(math.NaN())
	case `"inf"`:
		*f = goldenFloat(math.Inf(1))
	case `"-inf"`:
		*f = goldenFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = goldenFloat(v)
	}
	return nil
}

func (g goldenTensor) float64s() []float64 {
	v := make([]float64, len(g.Data))
	for i, x := range g.Data {
		v[i] = float64(x)
	}
	return v
}

type goldenCase struct {
	Name    string          `json:"name"`
	Inputs  []goldenTensor  `json:"inputs"`
	Output  goldenTensor    `json:"output"`
	Ints    []int           `json:"ints"`
	Weights *goldenTensor   `json:"weights"`
	Grads   []*goldenTensor `json:"grads"`
}

func (g goldenTensor) tensor() *nn.Tensor {
	if len(g.Shape) == 0 {
		return nn.Scalar(float32(g.Data[0]))
	}
	return nn.FromFloat64s(g.float64s(), g.Shape...)
}

// goldenOps is lib/nn's side of every case in testdata/golden/ops.json.
var goldenOps = map[string]func(x []*nn.Tensor, ints []int) *nn.Tensor{
	"add_broadcast": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Add(x[1]) },
	"sub_broadcast": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Sub(x[1]) },
	"mul_broadcast": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Mul(x[1]) },
	"div_broadcast": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Div(x[1]) },
	"add_scalar":    func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].AddScalar(2.5) },
	"mul_scalar":    func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MulScalar(-1.5) },
	"pow3":          func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Pow(3) },
	"pow_half":      func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Pow(0.5) },
	"neg":           func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Neg() },
	"exp":           func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Exp() },
	"log":           func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Log() },
	"sqrt":          func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Sqrt() },
	"tanh":          func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Tanh() },
	"sigmoid":       func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Sigmoid() },
	"relu":          func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].ReLU() },
	"gelu":          func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].GELU() },
	"abs":           func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Abs() },
	"clamp_min":     func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].ClampMin(0.3) },

	"sum_all":        func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Sum() },
	"sum_keep_0_2":   func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].SumKeep(0, 2) },
	"mean_1":         func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Mean(1) },
	"mean_keep_last": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MeanKeep(-1) },
	"amax_0_2":       func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Max(0, 2) },
	"amax_all":       func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Max() },
	"amax_ties":      func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MaxKeep(1) },
	"argmax_1":       func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].ArgMax(1, false) },

	"reshape":   func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Reshape(4, 6).Mul(x[0].Reshape(4, -1)) },
	"permute":   func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Permute(2, 0, 1) },
	"transpose": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Transpose(0, 2) },
	"slice":     func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Slice(1, 2, 5) },
	"index":     func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Index(1, -1).Add(x[0].Index(0, 1)) },
	"concat":    func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.Concat(1, x[0], x[1], x[0]) },
	"stack":     func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.Stack(1, x[0], x[1]) },
	"split": func(x []*nn.Tensor, _ []int) *nn.Tensor {
		p := x[0].Split(1, 2, 1, 4)
		return nn.Concat(1, p[2], p[1], p[0])
	},
	"broadcast_to": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].BroadcastTo(2, 3, 4) },

	"matmul_2d":        func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.MatMul(x[0], x[1]) },
	"matmul_batched":   func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MatMul(x[1]) },
	"matmul_broadcast": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MatMul(x[1]) },
	"matmul_shared_a":  func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MatMul(x[1]) },
	"matmul_shared_b":  func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MatMul(x[1]) },
	"matmul_self":      func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].MatMul(x[0].T()) },

	"softmax_last":      func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Softmax(-1) },
	"softmax_axis0":     func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Softmax(0) },
	"softmax_large":     func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].Softmax(-1) },
	"log_softmax_axis1": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].LogSoftmax(1) },
	"log_softmax_large": func(x []*nn.Tensor, _ []int) *nn.Tensor { return x[0].LogSoftmax(-1) },

	"cross_entropy":        func(x []*nn.Tensor, t []int) *nn.Tensor { return nn.CrossEntropy(x[0], t) },
	"cross_entropy_3d":     func(x []*nn.Tensor, t []int) *nn.Tensor { return nn.CrossEntropy(x[0], t) },
	"cross_entropy_ignore": func(x []*nn.Tensor, t []int) *nn.Tensor { return nn.CrossEntropyIgnore(x[0], t, -1) },
	"cross_entropy_large":  func(x []*nn.Tensor, t []int) *nn.Tensor { return nn.CrossEntropy(x[0], t) },
	"mse":                  func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.MSE(x[0], x[1]) },
	"binary_cross_entropy": func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.BinaryCrossEntropy(x[0], x[1]) },
	"bce_with_logits":      func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.BinaryCrossEntropyWithLogits(x[0], x[1]) },

	"layer_norm":       func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.LayerNorm(x[0], x[1], x[2], 1e-5) },
	"layer_norm_plain": func(x []*nn.Tensor, _ []int) *nn.Tensor { return nn.LayerNorm(x[0], nil, nil, 1e-5) },
	"embedding":        func(x []*nn.Tensor, ids []int) *nn.Tensor { return nn.Embedding(x[0], ids) },
	"masked_softmax": func(x []*nn.Tensor, _ []int) *nn.Tensor {
		return x[0].MaskedFill(nn.CausalMask(4), nn.NegInf()).Softmax(-1)
	},
	"attention": func(x []*nn.Tensor, _ []int) *nn.Tensor {
		q, k, v := x[0].MatMul(x[1]), x[0].MatMul(x[2]), x[0].MatMul(x[3])
		s := q.MatMul(k.Transpose(1, 2)).MulScalar(float32(1 / math.Sqrt(6)))
		return s.MaskedFill(nn.CausalMask(4), nn.NegInf()).Softmax(-1).MatMul(v)
	},
	"mlp_loss": func(x []*nn.Tensor, t []int) *nn.Tensor {
		return nn.CrossEntropy(x[0].MatMul(x[1]).Add(x[2]).GELU().MatMul(x[3]), t)
	},
}

// goldenLarge names the cases whose inputs are of order 100 (absolute tolerance scaled by the values).
var goldenLarge = map[string]bool{"softmax_large": true, "log_softmax_large": true, "cross_entropy_large": true}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "ops.json"))
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 lib/nn/testdata/gen_golden.py)", err)
	}
	if len(b) > 1<<20 {
		t.Errorf("testdata/golden/ops.json is %d bytes; keep the golden data under 1 MB", len(b))
	}
	var f struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 50 {
		t.Fatalf("only %d golden cases", len(f.Cases))
	}
	return f.Cases
}

// goldenCompare reports where got differs from want beyond the tolerance; it returns the largest
// absolute difference.
func goldenCompare(t *testing.T, what string, got *nn.Tensor, want goldenTensor, large bool) float64 {
	t.Helper()
	if len(got.Shape()) != len(want.Shape) || got.Len() != len(want.Data) {
		t.Errorf("%s: shape %v, PyTorch %v", what, got.Shape(), want.Shape)
		return 0
	}
	for i, d := range got.Shape() {
		if d != want.Shape[i] {
			t.Errorf("%s: shape %v, PyTorch %v", what, got.Shape(), want.Shape)
			return 0
		}
	}
	atol, scale := 1e-5, 0.0
	wants := want.float64s()
	for _, w := range wants {
		scale = max(scale, math.Abs(w))
	}
	if large {
		atol = 1e-3 * scale
	}
	worst := 0.0
	bad := 0
	for i, g := range got.Data() {
		w := wants[i]
		d := math.Abs(float64(g) - w)
		if math.IsNaN(float64(g)) != math.IsNaN(w) || d > atol+1e-4*math.Abs(w) {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d]: %.7g, PyTorch %.7g", what, i, g, w)
			}
		}
		if !math.IsNaN(d) {
			worst = max(worst, d)
		}
	}
	return worst
}

func TestGoldenPyTorch(t *testing.T) {
	cases := loadGolden(t)
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			f := goldenOps[c.Name]
			if f == nil {
				t.Fatalf("no lib/nn version of golden case %q", c.Name)
			}
			ins := make([]*nn.Tensor, len(c.Inputs))
			for i, in := range c.Inputs {
				ins[i] = in.tensor().SetRequiresGrad(c.Grads != nil)
			}
			out := f(ins, c.Ints)
			worst := goldenCompare(t, "output", out, c.Output, goldenLarge[c.Name])
			if c.Grads == nil {
				return
			}
			out.BackwardWith(c.Weights.tensor())
			for i, want := range c.Grads {
				if want == nil {
					continue
				}
				g := ins[i].Grad()
				if g == nil {
					t.Errorf("input %d: no gradient, PyTorch has one", i)
					continue
				}
				worst = max(worst, goldenCompare(t, "grad "+string(rune('0'+i)), g, *want, goldenLarge[c.Name]))
			}
			t.Logf("largest difference from PyTorch %.2g", worst)
		})
	}
	for name := range goldenOps {
		if !seen[name] {
			t.Errorf("golden case %q is not in testdata/golden/ops.json: regenerate it", name)
		}
	}
}

// TestStringMatchesPyTorch compares String, less its " shape=…" suffix, with PyTorch's str() of the
// same values (testdata/golden/ops.json, "strings").
func TestStringMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "ops.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Strings []struct {
			goldenTensor
			Str string `json:"str"`
		} `json:"strings"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Strings) < 10 {
		t.Fatalf("only %d string cases", len(f.Strings))
	}
	for _, c := range f.Strings {
		got := c.tensor().String()
		got, _, _ = strings.Cut(got, " shape=")
		if got != c.Str {
			t.Errorf("String of %v:\n got: %s\nwant: %s", c.Shape, got, c.Str)
		}
	}
}
