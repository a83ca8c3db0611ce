package nn

import "sync/atomic"

// node is one recorded operation of the graph: its inputs and how to send a gradient back to them.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(g *Tensor) // g is the gradient of the op's output; it accumulates into the inputs
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
	checkInterrupt()
	if !GradEnabled() {
		return out
	}
	for _, in := range inputs {
		if in.requiresGrad {
			out.requiresGrad = true
			out.node = &node{op: op, inputs: inputs, backward: backward}
			return out
		}
	}
	return out
}

// accumulate adds g to t's gradient. fresh says g was made for this call alone and may be kept as is.
func accumulate(t *Tensor, g *Tensor, fresh bool) {
	if !t.requiresGrad {
		if fresh {
			recycle(g.buf)
		}
		return
	}
	if t.grad == nil {
		if fresh {
			t.grad = g
		} else {
			t.grad, t.gradShared = g, true
		}
		return
	}
	if t.gradShared {
		c := empty(t.grad.backend(), t.grad.shape)
		c.backend().Axpy(c.buf, 1, t.grad.buf)
		t.grad, t.gradShared = c, false
	}
	t.backend().Axpy(t.grad.buf, 1, g.buf)
	if fresh {
		recycle(g.buf)
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
	// Topological order by iterative depth-first search over nodes.
	var order []*Tensor
	visited := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t, 0}}
	visited[t] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil && f.next < len(f.t.node.inputs) {
			in := f.t.node.inputs[f.next]
			f.next++
			if !visited[in] && in.requiresGrad {
				if in.released {
					fail("backward", shapes(in), "%s", releasedMsg)
				}
				visited[in] = true
				stack = append(stack, frame{in, 0})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	prev := SetGradEnabled(false)
	defer SetGradEnabled(prev)
	accumulate(t, g, false)
	for i := len(order) - 1; i >= 0; i-- {
		x := order[i]
		if x.node == nil {
			continue
		}
		if x.grad != nil {
			x.node.backward(x.grad)
			if !x.gradShared && !lent(x) {
				recycle(x.grad.buf) // dead: no other tensor holds it
			}
		}
		if x.transient && !x.shared {
			// Every op that read x ran its backward before this point (reverse topological order),
			// and no caller holds x: its storage is dead too.
			recycle(x.buf)
		}
		// Release the graph: computed tensors forget their inputs and their gradient.
		x.node, x.released = nil, true
		x.grad, x.gradShared = nil, false
	}
}

// markTransient marks the computed tensors of out's graph, out excepted, as transient: a model's
// forward pass calls it on the output it returns, so that Backward may recycle the activations in
// between, which no caller can hold. It stops at leaves and at tensors already marked.
func markTransient(out *Tensor) {
	if out.node == nil {
		return
	}
	stack := append([]*Tensor(nil), out.node.inputs...)
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if t.node == nil || t.transient {
			continue
		}
		t.transient = true
		stack = append(stack, t.node.inputs...)
	}
}

// lent reports whether an input of x's node took x's gradient as its own (directly or as a view).
func lent(x *Tensor) bool {
	for _, in := range x.node.inputs {
		if in.grad != nil && (in.grad == x.grad || sameStorage(in.grad.buf, x.grad.buf)) {
			return true
		}
	}
	return false
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
