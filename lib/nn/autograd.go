package nn

import (
	"sync/atomic"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// node is one recorded operation of the graph: its inputs and how to send a gradient back to them.
// It lives in its output tensor (Tensor.nd). An op sends the gradient back either through a closure
// (backward) or, on the hot path of training, through a plain function (back) that reads what the
// op saved in the node's fields, since a closure is a heap allocation per op and step.
type node struct {
	op       string
	inputs   []*Tensor
	in       [3]*Tensor      // storage for inputs
	backward func(g *Tensor) // g is the gradient of the op's output; it accumulates into the inputs
	back     func(out, g *Tensor)

	// What back needs, by op; each op's record call fills the fields it names.
	bufs             [2]Buffer        // cross_entropy: the log-sum-exp; layer_norm: mean and 1/std; attention: the probabilities
	batch, rows      int              // matmul_t, attention: the batch; cross_entropy, layer_norm: the rows; matmul_t: m; attention: T
	cols, inner      int              // matmul_t: n and k; cross_entropy, layer_norm, embedding: the row width; attention: heads and head size
	strideA, strideB int              // matmul_t: the operands' batch strides
	ignore, count    int              // cross_entropy: the ignored target and the number of rows that count
	binop            backend.BinaryOp // binary ops: which
	hasGain          bool             // layer_norm: inputs[1] is the gain
	scale            float32          // attention: the scores' scale
	idx              *[]int32         // cross_entropy, embedding: the targets or ids (from int32Scratch; returned by back)
	keep             bool             // attention: the probabilities were handed to the caller (not recycled)
}

// run sends g, the gradient of out, back to the node's inputs.
func (n *node) run(out, g *Tensor) {
	if n.back != nil {
		n.back(out, g)
		return
	}
	n.backward(g)
}

var gradDisabled atomic.Int32

// GradEnabled reports whether operations are being recorded for Backward.
func GradEnabled() bool { return gradDisabled.Load() == 0 }

// NoGrad runs f without recording operations (for evaluation, sampling and optimizer updates).
func NoGrad(f func()) {
	gradDisabled.Add(1)
	defer gradDisabled.Add(-1)
	f()
}

// SetGradEnabled turns graph recording on or off and returns the previous state; prefer NoGrad.
func SetGradEnabled(on bool) bool {
	prev := GradEnabled()
	if on && !prev {
		gradDisabled.Add(-1)
	} else if !on && prev {
		gradDisabled.Add(1)
	}
	return prev
}

// record attaches an operation to out when any input needs a gradient and recording is on; it returns out.
func record(out *Tensor, op string, inputs []*Tensor, backward func(g *Tensor)) *Tensor {
	if needsNode(inputs) {
		out.nd = node{op: op, inputs: inputs, backward: backward}
		out.requiresGrad, out.node = true, &out.nd
	}
	return out
}

// recordFunc attaches an operation whose gradient back computes from the node's fields, which the
// caller fills in through the returned node (nil when nothing is recorded). ins are copied, so
// that the variadic slice stays on the caller's stack.
func recordFunc(out *Tensor, op string, back func(out, g *Tensor), ins ...*Tensor) *node {
	if !needsNode(ins) {
		return nil
	}
	out.nd = node{op: op, back: back}
	n := &out.nd
	if k := copy(n.in[:], ins); k == len(ins) {
		n.inputs = n.in[:k:k]
	} else {
		n.inputs = append([]*Tensor(nil), ins...)
	}
	out.requiresGrad, out.node = true, n
	return n
}

// needsNode reports whether an op on inputs is recorded: recording is on and an input needs a
// gradient. It is also where a long computation notices an interrupt.
func needsNode(inputs []*Tensor) bool {
	checkInterrupt()
	if !GradEnabled() {
		return false
	}
	for _, in := range inputs {
		if in.requiresGrad {
			return true
		}
	}
	return false
}

// RequiresGrad reports whether gradients are computed for this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (a parameter) as needing gradients and returns it.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil && !on {
		fail("setrequiresgrad", shapes(t), "cannot turn off gradients of a computed tensor; use Detach")
	}
	t.requiresGrad = on
	return t
}

// Grad returns the accumulated gradient (nil before any Backward reaches this tensor).
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad forgets the accumulated gradient.
func (t *Tensor) ZeroGrad() { t.grad, t.life.gradShared = nil, false }

// Detach returns a tensor sharing t's values that is cut from the graph and needs no gradient.
func (t *Tensor) Detach() *Tensor {
	return view(t, t.shape)
}

// IsLeaf reports whether the tensor was created by the user rather than computed by an operation.
func (t *Tensor) IsLeaf() bool { return t.node == nil && !t.life.released }

// Backward computes the gradient of a scalar t with respect to every tensor that requires one,
// accumulating into their Grad. The graph is released afterwards: computed tensors drop their
// inputs (so memory does not grow across training steps), and a later Backward that reaches one of
// them panics instead of silently sending no gradient. A tensor used several times in the graph
// receives the sum of the gradients of its uses. Do not run Backward concurrently on graphs that
// share tensors requiring gradients (they accumulate into the same Grad).
func (t *Tensor) Backward() {
	if t.Len() != 1 {
		fail("backward", shapes(t), "needs a scalar, this tensor has %d elements (use BackwardWith with an upstream gradient of its shape)", t.Len())
	}
	t.BackwardWith(Full(1, t.shape...).To(t.Device()))
}

// BackwardWith is Backward with an explicit upstream gradient of t's shape.
func (t *Tensor) BackwardWith(g *Tensor) {
	if g == nil {
		fail("backward", shapes(t), "the upstream gradient is nil")
	}
	if !t.requiresGrad {
		fail("backward", shapes(t), "tensor does not require grad (no input had SetRequiresGrad(true), or it was computed under NoGrad)")
	}
	if !equalShape(g.shape, t.shape) {
		fail("backward", shapes(t, g), "upstream gradient shape differs from the tensor's")
	}
	sameDevice("backward", t, g)
	if t.life.released {
		fail("backward", shapes(t), "%s", releasedMsg)
	}
	// Topological order of the computed tensors by iterative depth-first search over nodes (leaves
	// need no visit: nothing is sent back from them).
	sc := getBackwardScratch()
	defer putBackwardScratch(sc)
	mark := visitMark.Add(1)
	order, stack := sc.order[:0], sc.stack[:0]
	stack = append(stack, frame{t, 0})
	t.mark = mark
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil && f.next < len(f.t.node.inputs) {
			in := f.t.node.inputs[f.next]
			f.next++
			if in.mark != mark && in.requiresGrad && (in.node != nil || in.life.released) {
				if in.life.released {
					fail("backward", shapes(in), "%s", releasedMsg)
				}
				in.mark = mark
				stack = append(stack, frame{in, 0})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	sc.order, sc.stack = order, stack
	prev := SetGradEnabled(false)
	defer SetGradEnabled(prev)
	accumulate(t, g, false)
	for i := len(order) - 1; i >= 0; i-- {
		x := order[i]
		if x.node == nil {
			continue
		}
		if g := x.grad; g != nil {
			x.node.run(x, g)
		}
		releaseAfterBackward(x)
	}
}

// visitMark numbers Backward's graph walks; a tensor visited by the current one carries its number.
var visitMark atomic.Uint32

// frame is a tensor on Backward's depth-first stack and the next of its inputs to visit.
type frame struct {
	t    *Tensor
	next int
}

// backwardScratch is Backward's working memory, kept between calls.
type backwardScratch struct {
	order []*Tensor
	stack []frame
}

var backwardScratches = freeList[backwardScratch]{max: 8}

func getBackwardScratch() *backwardScratch {
	if sc := backwardScratches.get(); sc != nil {
		return sc
	}
	return new(backwardScratch)
}

// putBackwardScratch keeps sc for the next Backward, holding no tensor.
func putBackwardScratch(sc *backwardScratch) {
	clear(sc.order[:cap(sc.order)])
	clear(sc.stack[:cap(sc.stack)])
	backwardScratches.put(sc)
}

// releasedMsg explains the failure of a Backward that reaches a graph an earlier Backward released.
const releasedMsg = "the graph through this tensor was already released by an earlier Backward; " +
	"run the forward pass again, or add the losses and call Backward once"

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
