package nn_test

import (
	"errors"
	"fmt"

	"github.com/notmagic/notmagic/lib/nn"
)

// A neuron is wx+b; training it is a loss, Backward, and a step against the gradient.
func Example() {
	w := nn.New([]float32{0.5, -0.5}, 2, 1).SetRequiresGrad(true)
	b := nn.Scalar(0).SetRequiresGrad(true)
	x := nn.New([]float32{1, 2, 3, 4}, 2, 2)
	y := nn.New([]float32{1, 2}, 2, 1)

	loss := nn.MSE(x.MatMul(w).Add(b), y)
	loss.Backward()
	fmt.Println("loss:", loss.Item())
	fmt.Println("∂loss/∂w:", w.Grad().Data())
	fmt.Println("∂loss/∂b:", b.Grad().Item())
	// Output:
	// loss: 4.25
	// ∂loss/∂w: [-9 -13]
	// ∂loss/∂b: -4
}

func ExampleNew() {
	x := nn.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x)
	fmt.Println(x.Shape(), x.At(1, 2), x.Rows())
	// Output:
	// tensor([[1., 2., 3.],
	//         [4., 5., 6.]]) shape=[2 3]
	// [2 3] 6 [[1 2 3] [4 5 6]]
}

func ExampleMatMul() {
	a := nn.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := nn.New([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	fmt.Println(nn.MatMul(a, b))

	// Leading dimensions are batches; a 2-D operand is shared by every batch.
	batch := nn.Ones(4, 2, 3)
	fmt.Println(batch.MatMul(b).Shape())
	// Output:
	// tensor([[ 4.,  5.],
	//         [10., 11.]]) shape=[2 2]
	// [4 2 2]
}

func ExampleTensor_Backward() {
	x := nn.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	y := x.Mul(x).Sum() // y = Σ x², so ∂y/∂x = 2x
	y.Backward()
	fmt.Println(x.Grad())

	// Gradients accumulate until ZeroGrad.
	x.Mul(x).Sum().Backward()
	fmt.Println(x.Grad().Data())
	x.ZeroGrad()
	fmt.Println(x.Grad() == nil)
	// Output:
	// tensor([2., 4., 6.]) shape=[3]
	// [4 8 12]
	// true
}

func ExampleCrossEntropy() {
	logits := nn.New([]float32{
		2, 0, 0, // confident in class 0
		0, 0, 0, // no idea: loss ln 3
	}, 2, 3).SetRequiresGrad(true)
	loss := nn.CrossEntropy(logits, []int{0, 2})
	loss.Backward()
	fmt.Printf("%.4f\n", loss.Item())
	fmt.Println(logits.Grad()) // (softmax − one-hot) / rows
	// Output:
	// 0.6691
	// tensor([[-0.1065,  0.0533,  0.0533],
	//         [ 0.1667,  0.1667, -0.3333]]) shape=[2 3]
}

func ExampleCrossEntropyIgnore() {
	logits := nn.Zeros(3, 4)
	// The middle row is padding: its target is the ignore index and it does not count.
	fmt.Printf("%.4f\n", nn.CrossEntropyIgnore(logits, []int{1, -1, 3}, -1).Item())
	// Output:
	// 1.3863
}

func ExampleTensor_Softmax() {
	scores := nn.New([]float32{1, 2, 3, 1000, 1000, 1000}, 2, 3)
	fmt.Println(scores.Softmax(-1)) // stable for large scores
	// Output:
	// tensor([[0.0900, 0.2447, 0.6652],
	//         [0.3333, 0.3333, 0.3333]]) shape=[2 3]
}

func ExampleTensor_MaskedFill() {
	scores := nn.Zeros(3, 3)
	// Position i may only look at positions j ≤ i.
	fmt.Println(scores.MaskedFill(nn.CausalMask(3), nn.NegInf()).Softmax(-1))
	// Output:
	// tensor([[1.0000, 0.0000, 0.0000],
	//         [0.5000, 0.5000, 0.0000],
	//         [0.3333, 0.3333, 0.3333]]) shape=[3 3]
}

func ExampleNoGrad() {
	w := nn.Ones(2, 2).SetRequiresGrad(true)
	var y *nn.Tensor
	nn.NoGrad(func() {
		y = w.MatMul(w) // evaluation: nothing is recorded
	})
	fmt.Println(y.RequiresGrad(), w.MatMul(w).RequiresGrad())
	// Output:
	// false true
}

func ExampleLayerNorm() {
	x := nn.New([]float32{1, 2, 3, 4, 10, 20, 30, 40}, 2, 4)
	gain := nn.Full(2, 4)
	bias := nn.Ones(4)
	fmt.Println(nn.LayerNorm(x, nil, nil, 1e-5))                       // each row: mean 0, variance 1
	fmt.Printf("%.4f\n", nn.LayerNorm(x, gain, bias, 1e-5).Data()[:2]) // 2·x̂ + 1
	// Output:
	// tensor([[-1.3416, -0.4472,  0.4472,  1.3416],
	//         [-1.3416, -0.4472,  0.4472,  1.3416]]) shape=[2 4]
	// [-1.6833 0.1056]
}

func ExampleError() {
	defer func() {
		var err *nn.Error
		if errors.As(recover().(error), &err) {
			fmt.Println(err)
			fmt.Println(err.Op, err.Shapes)
		}
	}()
	nn.Zeros(3, 4).MatMul(nn.Zeros(5, 2))
	// Output:
	// matmul: [3 4] × [5 2]: inner dimensions 4 and 5 differ
	// matmul [[3 4] [5 2]]
}

func ExampleCheckFinite() {
	loss := nn.New([]float32{-1}, 1).Log().Mean()
	if err := nn.CheckFinite("loss", loss); err != nil {
		fmt.Println(err)
	}
	// Output:
	// loss: element 0 of [] is NaN
}

func ExampleBinaryCrossEntropyWithLogits() {
	logits := nn.New([]float32{-100, 0, 100}, 3)
	targets := nn.New([]float32{0, 1, 0}, 3)
	// Stable even where the sigmoid rounds to exactly 0 or 1: (0 + ln 2 + 100) / 3.
	fmt.Printf("%.4f\n", nn.BinaryCrossEntropyWithLogits(logits, targets).Item())
	// Output:
	// 33.5644
}
