package nn

import "sync/atomic"

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

	// What back needs, by op (see each op's record call).
	bufs [2]Buffer
	ints [6]int
	f    float32
	idx  *[]int32 // from int32Scratch; returned by back
	keep bool
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

// accumulate adds g to t's gradient. fresh says g was made for this call alone and may be kept as is.
func accumulate(t *Tensor, g *Tensor, fresh bool) {
	if !t.requiresGrad {
		if fresh {
			release(g)
		}
		return
	}
	if t.grad == nil {
		if fresh {
			t.grad = g
		} else {
			t.grad, t.gradShared = g, true
			g.borrowers++
		}
		return
	}
	if t.gradShared {
		c := empty(t.grad.backend(), t.grad.shape)
		c.backend().Axpy(c.buf, 1, t.grad.buf)
		unborrow(t.grad)
		t.grad, t.gradShared = c, false
	}
	t.backend().Axpy(t.grad.buf, 1, g.buf)
	if fresh {
		release(g)
	}
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
func (t *Tensor) ZeroGrad() { t.grad, t.gradShared = nil, false }

// Detach returns a tensor sharing t's values that is cut from the graph and needs no gradient.
func (t *Tensor) Detach() *Tensor {
	t.shared = true
	return &Tensor{shape: t.shape, buf: t.buf, shared: true}
}

// IsLeaf reports whether the tensor was created by the user rather than computed by an operation.
func (t *Tensor) IsLeaf() bool { return t.node == nil && !t.released }

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
	if t.released {
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
			if in.mark != mark && in.requiresGrad && (in.node != nil || in.released) {
				if in.released {
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
			byHeader, byStorage := lent(x)
			switch {
			case byStorage: // a view of g's storage lives on as an input's gradient
				g.pinned = true
				if x.gradShared {
					g.borrowers--
				}
			case x.gradShared:
				unborrow(g)
			case byHeader:
				g.ownerDone = true // inputs borrowed it: the last of them recycles it
			default:
				release(g) // dead: no other tensor holds it
			}
		}
		// Release the graph: computed tensors forget their inputs and their gradient.
		x.node, x.nd, x.released = nil, node{}, true
		x.grad, x.gradShared = nil, false
		if x.transient && !x.shared {
			// Every op that read x ran its backward before this point (reverse topological order),
			// and no caller holds x: x is dead, storage and header.
			release(x)
		}
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

// markTransient marks the computed tensors of out's graph, out excepted, as transient: a model's
// forward pass calls it on the output it returns, so that Backward may recycle the activations in
// between, which no caller can hold. It stops at leaves and at tensors already marked.
func markTransient(out *Tensor) {
	if out.node == nil {
		return
	}
	sc := getBackwardScratch()
	defer putBackwardScratch(sc)
	stack := append(sc.order[:0], out.node.inputs...)
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if t.node == nil || t.transient {
			continue
		}
		t.transient = true
		stack = append(stack, t.node.inputs...)
	}
	sc.order = stack
}

// lent reports whether an input of x's node took x's gradient as its own: the same tensor
// (byHeader), or a view of its storage (byStorage).
func lent(x *Tensor) (byHeader, byStorage bool) {
	for _, in := range x.node.inputs {
		switch {
		case in.grad == nil:
		case in.grad == x.grad:
			byHeader = true
		case sameStorage(in.grad.buf, x.grad.buf):
			byStorage = true
		}
	}
	return byHeader, byStorage
}

// unborrow drops one borrower's hold on the gradient g, recycling g when that was the last hold
// and its owner is done with it.
func unborrow(g *Tensor) {
	g.borrowers--
	if g.borrowers == 0 && g.ownerDone && !g.pinned {
		release(g)
	}
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
