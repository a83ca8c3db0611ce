package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

func TestString(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name string
		t    *nn.Tensor
		want string
	}{
		{"integers", nn.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3), "tensor([[1., 2., 3.],\n        [4., 5., 6.]]) shape=[2 3]"},
		{"fractions", nn.New([]float32{1.5, -2, 3.25}, 3), "tensor([ 1.5000, -2.0000,  3.2500]) shape=[3]"},
		{"3-D", nn.Arange(0, 8, 1).Reshape(2, 2, 2), "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]]) shape=[2 2 2]"},
		{"scalar", nn.Scalar(3.5), "tensor(3.5000) shape=[]"},
		{"nan and inf", nn.New([]float32{1, nan, -inf, inf}, 4), "tensor([1., nan, -inf, inf]) shape=[4]"},
		{"integers spanning 10³", nn.New([]float32{1, 2000}, 2), "tensor([1.0000e+00, 2.0000e+03]) shape=[2]"},
		{"scientific", nn.New([]float32{1e-6, 2, -inf}, 3), "tensor([1.0000e-06, 2.0000e+00,       -inf]) shape=[3]"},
		{"huge", nn.New([]float32{1e9, 1}, 2), "tensor([1.0000e+09, 1.0000e+00]) shape=[2]"},
		{"wide range", nn.New([]float32{0.001, 5}, 2), "tensor([1.0000e-03, 5.0000e+00]) shape=[2]"},
		{"narrow range", nn.New([]float32{0.01, 5}, 2), "tensor([0.0100, 5.0000]) shape=[2]"},
		{"big integers", nn.New([]float32{1e8, 0}, 2), "tensor([100000000.,         0.]) shape=[2]"},
		{"zeros", nn.Zeros(2), "tensor([0., 0.]) shape=[2]"},
		{"empty", nn.Zeros(0), "tensor([]) shape=[0]"},
		{"requires grad", nn.Ones(2).SetRequiresGrad(true), "tensor([1., 1.]) shape=[2] requires_grad"},
		{"grad fn", nn.Ones(2).SetRequiresGrad(true).Exp().Sum(), "tensor(5.4366) shape=[] grad_fn=sum"},
		{"large summarised", nn.Arange(1000, 3000, 1).Reshape(40, 50),
			"tensor([[1000., 1001., 1002.,  ..., 1047., 1048., 1049.],\n" +
				"        [1050., 1051., 1052.,  ..., 1097., 1098., 1099.],\n" +
				"        [1100., 1101., 1102.,  ..., 1147., 1148., 1149.],\n" +
				"        ...,\n" +
				"        [2850., 2851., 2852.,  ..., 2897., 2898., 2899.],\n" +
				"        [2900., 2901., 2902.,  ..., 2947., 2948., 2949.],\n" +
				"        [2950., 2951., 2952.,  ..., 2997., 2998., 2999.]]) shape=[40 50]"},
		{"1000 not summarised", nn.Zeros(1000), ""},
		{"1001 summarised", nn.Zeros(1001), "tensor([0., 0., 0.,  ..., 0., 0., 0.]) shape=[1001]"},
	}
	for _, c := range cases {
		got := c.t.String()
		if c.want == "" { // only check that nothing is elided
			if len(got) < 1000*4 {
				t.Errorf("%s: summarised below the threshold: %d characters", c.name, len(got))
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got: %q\nwant: %q", c.name, got, c.want)
		}
	}
	if s := fmt.Sprintf("%v", nn.Ones(1)); s != "tensor([1.]) shape=[1]" {
		t.Errorf("%%v uses String: %q", s)
	}
	if s := fmt.Sprintf("%#v", nn.Ones(2, 3)); s != "nn.Tensor[2 3]" {
		t.Errorf("%%#v: %q", s)
	}
}

func TestConversions(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6}
	x := nn.New(src, 2, 3)
	src[0] = 100
	if x.At(0, 0) != 1 {
		t.Error("New does not copy its data")
	}
	d := x.Data()
	d[1] = 100
	if x.At(0, 1) != 2 {
		t.Error("Data does not return a copy")
	}
	if got := fmt.Sprint(x.Rows()); got != "[[1 2 3] [4 5 6]]" {
		t.Errorf("Rows = %s", got)
	}
	r := x.Rows()
	r[0] = append(r[0], 9) // must not run into row 1
	if x.Rows()[1][0] != 4 || r[1][0] != 4 {
		t.Error("Rows' slices overlap")
	}
	if y := nn.FromRows([][]float32{{1, 2, 3}, {4, 5, 6}}); fmt.Sprint(y.Shape(), y.Data()) != "[2 3] [1 2 3 4 5 6]" {
		t.Errorf("FromRows: %v", y)
	}
	if y := nn.FromRows(nil); fmt.Sprint(y.Shape()) != "[0 0]" {
		t.Errorf("FromRows(nil) shape %v", y.Shape())
	}
	if x.At(-1, -1) != 6 || x.At(1, 0) != 4 {
		t.Error("At with negative indices")
	}
	if nn.Scalar(2.5).Item() != 2.5 || nn.Ones(1, 1).Item() != 1 {
		t.Error("Item")
	}
	if got := fmt.Sprint(nn.FromFloat64s([]float64{0.5, 1.5}).Float64s()); got != "[0.5 1.5]" {
		t.Errorf("Float64s round trip: %s", got)
	}
	if x.Rank() != 2 || x.Len() != 6 || x.Dim(-1) != 3 || x.Dim(0) != 2 || x.Device() != "cpu" {
		t.Errorf("rank %d len %d dims %d %d device %s", x.Rank(), x.Len(), x.Dim(0), x.Dim(-1), x.Device())
	}
	s := x.Shape()
	s[0] = 7
	if x.Dim(0) != 2 {
		t.Error("Shape does not return a copy")
	}
}

func TestCreation(t *testing.T) {
	for _, c := range []struct {
		name, got, want string
	}{
		{"zeros", vals(nn.Zeros(2, 2)), "[0 0 0 0]"},
		{"ones", vals(nn.Ones(3)), "[1 1 1]"},
		{"full", vals(nn.Full(-2, 2)), "[-2 -2]"},
		{"arange", vals(nn.Arange(0, 5, 1)), "[0 1 2 3 4]"},
		{"arange step", vals(nn.Arange(1, 2, 0.25)), "[1 1.25 1.5 1.75]"},
		{"arange down", vals(nn.Arange(3, 0, -1)), "[3 2 1]"},
		{"arange empty", vals(nn.Arange(2, 2, 1)), "[]"},
		{"eye", vals(nn.Eye(3)), "[1 0 0 0 1 0 0 0 1]"},
		{"zeros like", fmt.Sprint(nn.ZerosLike(nn.Ones(2, 3)).Shape()), "[2 3]"},
		{"scalar shape", fmt.Sprint(nn.Scalar(1).Shape()), "[]"},
		{"causal mask", vals(nn.CausalMask(3)), "[0 1 1 0 0 1 0 0 0]"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.name, c.got, c.want)
		}
	}
}

func TestRandom(t *testing.T) {
	nn.Seed(42)
	a := nn.Randn(1000)
	b := nn.Rand(10)
	nn.Seed(42)
	if vals(nn.Randn(1000)) != vals(a) || vals(nn.Rand(10)) != vals(b) {
		t.Fatal("Seed does not make Randn and Rand reproducible")
	}
	nn.Seed(43)
	if vals(nn.Randn(1000)) == vals(a) {
		t.Fatal("different seeds give the same values")
	}
	stats := func(x *nn.Tensor) (mean, std float64) {
		d := x.Float64s()
		for _, v := range d {
			mean += v
		}
		mean /= float64(len(d))
		for _, v := range d {
			std += (v - mean) * (v - mean)
		}
		return mean, math.Sqrt(std / float64(len(d)))
	}
	nn.Seed(1)
	if m, s := stats(nn.Normal(3, 2, 100, 100)); math.Abs(m-3) > 0.05 || math.Abs(s-2) > 0.05 {
		t.Errorf("Normal(3, 2): mean %.3f std %.3f", m, s)
	}
	u := nn.Uniform(-1, 3, 100, 100)
	if m, s := stats(u); math.Abs(m-1) > 0.05 || math.Abs(s-4/math.Sqrt(12)) > 0.05 {
		t.Errorf("Uniform(-1, 3): mean %.3f std %.3f", m, s)
	}
	for _, v := range u.Data() {
		if v < -1 || v >= 3 {
			t.Fatalf("Uniform(-1, 3) gave %v", v)
		}
	}
	for i := 0; i < 100; i++ {
		if n := nn.RandInt(5); n < 0 || n >= 5 {
			t.Fatalf("RandInt(5) = %d", n)
		}
	}
}

// TestShapeOps checks the values (not only the gradients) of the shape operations.
func TestShapeOps(t *testing.T) {
	x := nn.Arange(0, 6, 1).Reshape(2, 3)
	for _, c := range []struct {
		name, got, want string
	}{
		{"T", fmt.Sprint(x.T().Shape(), x.T().Data()), "[3 2] [0 3 1 4 2 5]"},
		{"permute", vals(nn.Arange(0, 8, 1).Reshape(2, 2, 2).Permute(2, 0, 1)), "[0 2 4 6 1 3 5 7]"},
		{"slice", vals(x.Slice(1, 1, 3)), "[1 2 4 5]"},
		{"slice negative", vals(x.Slice(-1, -2, 3)), "[1 2 4 5]"},
		{"index", vals(x.Index(0, -1)), "[3 4 5]"},
		{"concat", vals(nn.Concat(0, x, x.Slice(0, 0, 1))), "[0 1 2 3 4 5 0 1 2]"},
		{"stack", fmt.Sprint(nn.Stack(0, x, x).Shape()), "[2 2 3]"},
		{"stack last", vals(nn.Stack(-1, nn.Ones(2), nn.Zeros(2))), "[1 0 1 0]"},
		{"split", fmt.Sprint(x.Split(1, 1, 2)[1].Data()), "[1 2 4 5]"},
		{"chunk", fmt.Sprint(len(x.Chunk(3, 1)), x.Chunk(3, 1)[2].Data()), "3 [2 5]"},
		{"squeeze", fmt.Sprint(nn.Zeros(1, 3, 1).Squeeze().Shape(), nn.Zeros(1, 3, 1).Squeeze(0).Shape()), "[3] [3 1]"},
		{"unsqueeze", fmt.Sprint(x.Unsqueeze(0).Shape(), x.Unsqueeze(-1).Shape()), "[1 2 3] [2 3 1]"},
		{"broadcast", vals(nn.New([]float32{1, 2}, 2, 1).BroadcastTo(2, 3)), "[1 1 1 2 2 2]"},
		{"reshape infer", fmt.Sprint(x.Reshape(-1, 2).Shape()), "[3 2]"},
		{"flatten", fmt.Sprint(x.Flatten().Shape()), "[6]"},
		{"sum", vals(x.Sum(0)), "[3 5 7]"},
		{"mean keep", fmt.Sprint(x.MeanKeep(1).Shape(), x.MeanKeep(1).Data()), "[2 1] [1 4]"},
		{"max", vals(x.Max(1)), "[2 5]"},
		{"argmax", fmt.Sprint(nn.New([]float32{1, 9, 9, 7, 0, 8}, 2, 3).ArgMax(1, false).Data()), "[1 2]"},
		{"argmax keep", fmt.Sprint(x.ArgMax(0, true).Shape()), "[1 3]"},
		{"argmaxes", fmt.Sprint(nn.New([]float32{1, 9, 3, 7, 0, 8}, 2, 3).ArgMaxes()), "[1 2]"},
		{"matmul", vals(x.MatMul(x.T())), "[5 14 14 50]"},
		{"softmax sums to 1", vals(nn.New([]float32{1, 2, 3, 4}, 2, 2).Softmax(-1).Sum(-1)), "[1 1]"},
		{"gelu", vals(nn.New([]float32{0, 1}, 2).GELU()), fmt.Sprint([]float32{0, 0.841344746})},
		{"layer norm", vals(nn.LayerNorm(nn.New([]float32{1, 3}, 1, 2), nil, nil, 0)), "[-1 1]"},
		{"embedding", vals(nn.Embedding(x, []int{1, 1, 0})), "[3 4 5 3 4 5 0 1 2]"},
		{"masked fill", vals(nn.Ones(2, 2).MaskedFill(nn.CausalMask(2), -1)), "[1 -1 1 1]"},
		{"mse", vals(nn.MSE(nn.New([]float32{1, 2}, 2), nn.New([]float32{3, 2}, 2))), "[2]"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.name, c.got, c.want)
		}
	}
}

// TestEmptyTensors checks operations on tensors with a dimension of size 0: they give empty or
// zero results as PyTorch does, never a crash.
func TestEmptyTensors(t *testing.T) {
	a := nn.Ones(2, 0).SetRequiresGrad(true)
	b := nn.Ones(0, 3).SetRequiresGrad(true)
	p := a.MatMul(b) // an empty sum: zeros
	if fmt.Sprint(p.Shape(), p.Data()) != "[2 3] [0 0 0 0 0 0]" {
		t.Errorf("[2 0]×[0 3] = %v", p)
	}
	p.Sum().Backward()
	if fmt.Sprint(a.Grad().Shape(), b.Grad().Shape()) != "[2 0] [0 3]" {
		t.Errorf("gradient shapes %v %v", a.Grad().Shape(), b.Grad().Shape())
	}
	for _, c := range []struct {
		name, got, want string
	}{
		{"matmul m=0", fmt.Sprint(nn.Zeros(0, 3).MatMul(nn.Zeros(3, 2)).Shape()), "[0 2]"},
		{"matmul n=0", fmt.Sprint(nn.Zeros(2, 3).MatMul(nn.Zeros(3, 0)).Shape()), "[2 0]"},
		{"matmul batch 0", fmt.Sprint(nn.Zeros(0, 2, 3).MatMul(nn.Zeros(3, 4)).Shape()), "[0 2 4]"},
		{"sum of nothing", vals(nn.Zeros(0).Sum()), "[0]"},
		{"sum over empty axis", vals(nn.Zeros(0, 3).Sum(0)), "[0 0 0]"},
		{"sum of empty rows", fmt.Sprint(nn.Zeros(0, 3).Sum(1).Shape()), "[0]"},
		{"mean of nothing", vals(nn.Zeros(0).Mean()), "[NaN]"},
		{"max of empty rows", fmt.Sprint(nn.Zeros(0, 3).Max(1).Shape()), "[0]"},
		{"softmax", fmt.Sprint(nn.Zeros(0, 3).Softmax(-1).Shape(), nn.Zeros(3, 0).Softmax(0).Shape()), "[0 3] [3 0]"},
		{"layer norm", fmt.Sprint(nn.LayerNorm(nn.Zeros(2, 0), nil, nil, 1e-5).Shape()), "[2 0]"},
		{"embedding", fmt.Sprint(nn.Embedding(nn.Zeros(3, 2), nil).Shape()), "[0 2]"},
		{"slice", fmt.Sprint(nn.Ones(3).Slice(0, 2, 2).Shape()), "[0]"},
		{"concat", vals(nn.Concat(0, nn.Ones(2), nn.Zeros(0))), "[1 1]"},
		{"string", nn.Zeros(2, 0).String(), "tensor([[],\n        []]) shape=[2 0]"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.name, c.got, c.want)
		}
	}
}
