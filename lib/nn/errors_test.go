package nn_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

// catchNN runs f and returns the *nn.Error it panics with; it fails the test when f does not panic
// or panics with something else.
func catchNN(t *testing.T, f func()) (err *nn.Error) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic")
		}
		e, ok := r.(error)
		if !ok || !errors.As(e, &err) {
			t.Fatalf("panic with %T %v, want *nn.Error", r, r)
		}
	}()
	f()
	return nil
}

func TestErrorMessages(t *testing.T) {
	m34, m52 := nn.Zeros(3, 4), nn.Zeros(5, 2)
	x23 := nn.Zeros(2, 3)
	leaf := nn.Ones(2).SetRequiresGrad(true)
	cases := []struct {
		name, op, want string
		f              func()
	}{
		{"matmul inner dims", "matmul", "matmul: [3 4] × [5 2]: inner dimensions 4 and 5 differ",
			func() { m34.MatMul(m52) }},
		{"matmul rank", "matmul", "matmul: [3] × [3 2]: both operands need at least 2 dimensions",
			func() { nn.MatMul(nn.Zeros(3), nn.Zeros(3, 2)) }},
		{"matmul batch", "matmul", "matmul: [2 3 4] × [3 4 5]: batch dimensions [2] and [3] do not broadcast",
			func() { nn.Zeros(2, 3, 4).MatMul(nn.Zeros(3, 4, 5)) }},
		{"broadcast", "add", "add: [2 3], [4]: cannot broadcast: dimension 1 is 3 and 4",
			func() { x23.Add(nn.Zeros(4)) }},
		{"broadcast to", "broadcast", "broadcast: [2 3], [3 3]: cannot broadcast: dimension 0 is 2 and 3",
			func() { x23.BroadcastTo(3, 3) }},
		{"reshape size", "reshape", "reshape: [2 3], [4 2]: sizes differ: 6 and 8 elements",
			func() { x23.Reshape(4, 2) }},
		{"reshape infer", "reshape", "reshape: [2 3], [4 -1]: cannot infer the −1 dimension for 6 elements",
			func() { x23.Reshape(4, -1) }},
		{"reshape two -1", "reshape", "reshape: [2 3], [-1 -1]: invalid dimension -1",
			func() { x23.Reshape(-1, -1) }},
		{"axis out of range", "sum", "sum: [2 3]: axis 2 out of range for 2 dimensions",
			func() { x23.Sum(2) }},
		{"negative axis out of range", "softmax", "softmax: [2 3]: axis -3 out of range for 2 dimensions",
			func() { x23.Softmax(-3) }},
		{"unsqueeze axis", "unsqueeze", "unsqueeze: [2 3]: axis 4 out of range for 2 dimensions",
			func() { x23.Unsqueeze(4) }},
		{"squeeze non-1 axis", "squeeze", "squeeze: [2 3]: axis 1 has size 3, not 1",
			func() { x23.Squeeze(1) }},
		{"cross-entropy target range", "cross_entropy", "cross_entropy: [2 3]: target 3 at row 1 is not a class in [0, 3)",
			func() { nn.CrossEntropy(x23, []int{0, 3}) }},
		{"cross-entropy negative target", "cross_entropy", "cross_entropy: [2 3]: target -1 at row 0 is not a class in [0, 3)",
			func() { nn.CrossEntropy(x23, []int{-1, 0}) }},
		{"cross-entropy count", "cross_entropy", "cross_entropy: [2 3]: 3 targets for 2 rows of logits",
			func() { nn.CrossEntropy(x23, []int{0, 1, 2}) }},
		{"embedding id", "embedding", "embedding: [4 2]: id 4 at position 1 is outside the vocabulary [0, 4)",
			func() { nn.Embedding(nn.Zeros(4, 2), []int{0, 4}) }},
		{"embedding table rank", "embedding", "embedding: [8]: table must be 2-D [vocab, dim]",
			func() { nn.Embedding(nn.Zeros(8), []int{0}) }},
		{"backward non-scalar", "backward", "backward: [2 3]: needs a scalar, this tensor has 6 elements (use BackwardWith with an upstream gradient of its shape)",
			func() { nn.Ones(2, 3).SetRequiresGrad(true).Mul(nn.Ones(2, 3)).Backward() }},
		{"backward without grad", "backward", "backward: []: tensor does not require grad (no input had SetRequiresGrad(true), or it was computed under NoGrad)",
			func() { nn.Ones(3).Sum().Backward() }},
		{"backward upstream shape", "backward", "backward: [2], [3]: upstream gradient shape differs from the tensor's",
			func() { leaf.MulScalar(2).BackwardWith(nn.Ones(3)) }},
		{"backward twice", "backward", "backward: []: the graph through this tensor was already released by an earlier Backward; run the forward pass again, or add the losses and call Backward once",
			func() {
				l := leaf.Exp().Sum()
				l.Backward()
				l.Backward()
			}},
		{"across devices", "add", "add: [2 3], [2 3]: tensors are on different devices: cpu and testdev",
			func() { x23.Add(x23.To("testdev")) }},
		{"unknown device", "to", `to: [2 3]: nn: no device "tpu" (available: [cpu testdev])`,
			func() { x23.To("tpu") }},
		{"slice bounds", "slice", "slice: [3 4]: range 2:5 out of bounds for axis 1 of size 4",
			func() { m34.Slice(1, 2, 5) }},
		{"index bounds", "index", "index: [3 4]: index 3 out of range for axis 0 of size 3",
			func() { m34.Index(0, 3) }},
		{"concat rank", "concat", "concat: [2 3], [3]: ranks differ",
			func() { nn.Concat(0, x23, nn.Zeros(3)) }},
		{"concat dims", "concat", "concat: [2 3], [2 4]: dimension 1 differs",
			func() { nn.Concat(0, x23, nn.Zeros(2, 4)) }},
		{"concat nothing", "concat", "concat: no tensors",
			func() { nn.Concat(0) }},
		{"split sizes", "split", "split: [2 3]: sizes [1 1] add up to 2, axis 1 has 3",
			func() { x23.Split(1, 1, 1) }},
		{"chunk", "chunk", "chunk: [2 3]: axis 1 of size 3 does not split into 2 equal pieces",
			func() { x23.Chunk(2, 1) }},
		{"permute", "permute", "permute: [2 3]: [0 0] is not a permutation of 2 axes",
			func() { x23.Permute(0, 0) }},
		{"new length", "new", "new: [2 3]: shape needs 6 values, got 5",
			func() { nn.New(make([]float32, 5), 2, 3) }},
		{"negative dimension", "zeros", "zeros: [2 -1]: negative dimension -1",
			func() { nn.Zeros(2, -1) }},
		{"ragged rows", "fromrows", "fromrows: row 1 has 1 values, row 0 has 2",
			func() { nn.FromRows([][]float32{{1, 2}, {3}}) }},
		{"item", "item", "item: [2 3]: need exactly one element, have 6",
			func() { x23.Item() }},
		{"at", "at", "at: [2 3]: index [1 3] out of range on axis 1",
			func() { x23.At(1, 3) }},
		{"rows", "rows", "rows: [2 3 1]: need a 2-D tensor",
			func() { nn.Zeros(2, 3, 1).Rows() }},
		{"layer norm gain", "layer_norm", "layer_norm: [2 3], [2]: gain and bias need shape [3]",
			func() { nn.LayerNorm(x23, nn.Ones(2), nil, 1e-5) }},
		{"mse shapes", "mse", "mse: [2 3], [3 2]: prediction and target shapes differ",
			func() { nn.MSE(x23, nn.Zeros(3, 2)) }},
		{"masked fill", "masked_fill", "masked_fill: [2 3], [3 3]: cannot broadcast: dimension 0 is 2 and 3",
			func() { x23.MaskedFill(nn.CausalMask(3), 0) }},
		{"masked fill rank", "masked_fill", "masked_fill: [2 3], [2 1 3]: mask must broadcast to the tensor's shape",
			func() { x23.MaskedFill(nn.Zeros(2, 1, 3), 0) }},
		{"dropout p", "dropout", "dropout: [2 3]: probability 1 must be in [0, 1)",
			func() { nn.Dropout(x23, 1, true) }},
		{"requires grad off", "setrequiresgrad", "setrequiresgrad: [2]: cannot turn off gradients of a computed tensor; use Detach",
			func() { leaf.MulScalar(2).SetRequiresGrad(false) }},
		{"arange", "arange", "arange: step -1 cannot go from 0 to 3",
			func() { nn.Arange(0, 3, -1) }},
		{"max over empty axis", "max", "max: [0 3]: cannot take the maximum over axis 0 of size 0",
			func() { nn.Zeros(0, 3).Max(0) }},
		{"randint", "randint", "randint: n = 0 must be positive",
			func() { nn.RandInt(0) }},
		{"arange not finite", "arange", "arange: start 0, stop NaN and step 1 must be finite",
			func() { nn.Arange(0, float32(math.NaN()), 1) }},
		{"dropout NaN", "dropout", "dropout: [3]: probability NaN must be in [0, 1)",
			func() { nn.Dropout(nn.Ones(3), float32(math.NaN()), true) }},
		{"backward device", "backward", "backward: [2], [2]: tensors are on different devices: cpu and testdev",
			func() { leaf.MulScalar(2).BackwardWith(nn.Ones(2).To("testdev")) }},
		{"backward nil", "backward", "backward: [2]: the upstream gradient is nil",
			func() { leaf.MulScalar(2).BackwardWith(nil) }},
		{"nil operand", "add", "add: operand 2 is a nil tensor",
			func() { x23.Add(nil) }},
		{"T", "T", "T: [2 3 1]: needs a 2-D tensor; use Transpose or Permute",
			func() { nn.Zeros(2, 3, 1).T() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := catchNN(t, c.f)
			if err.Error() != c.want {
				t.Errorf("message\n got: %s\nwant: %s", err.Error(), c.want)
			}
			if err.Op != c.op {
				t.Errorf("Op = %q, want %q", err.Op, c.op)
			}
		})
	}
	if len(cases) < 12 {
		t.Fatalf("only %d misuse cases", len(cases))
	}
}

func TestCheckFinite(t *testing.T) {
	if err := nn.CheckFinite("loss", nn.New([]float32{1, -2, 0}, 3)); err != nil {
		t.Errorf("finite values: %v", err)
	}
	for _, c := range []struct {
		v    float32
		want string
	}{
		{float32(math.NaN()), "loss: element 1 of [3] is NaN"},
		{float32(math.Inf(1)), "loss: element 1 of [3] is +Inf"},
		{float32(math.Inf(-1)), "loss: element 1 of [3] is -Inf"},
	} {
		err := nn.CheckFinite("loss", nn.New([]float32{1, c.v, 2}, 3))
		if err == nil || err.Error() != c.want {
			t.Errorf("CheckFinite(%v) = %v, want %q", c.v, err, c.want)
		}
	}
	// A diverging loss is caught: log of a negative probability.
	loss := nn.New([]float32{-0.5}, 1).Log().Mean()
	if err := nn.CheckFinite("loss", loss); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("CheckFinite(log(-0.5)) = %v", err)
	}
}
