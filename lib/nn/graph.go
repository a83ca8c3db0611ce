package nn

import (
	"fmt"
	"strings"
)

// GraphNode is one tensor of a computation graph, as Tensor.Graph returns it; plots.Graph draws a
// slice of them, micrograd style.
type GraphNode struct {
	Label  string // the name given to Graph, or the tensor's shape
	Op     string // the operation that computed it ("+", "*", "@", "tanh", "sum", …); empty for a leaf
	Value  string // its value: the number, or the shape and the first numbers
	Grad   string // the gradient of the graph's output with respect to it, formatted like Value
	Inputs []int  // indices of the nodes it was computed from
}

// opSymbols shortens the recorded names of the arithmetic ops for drawing.
var opSymbols = map[string]string{"add": "+", "sub": "−", "mul": "*", "div": "/", "matmul": "@", "matmul_t": "@ᵀ", "neg": "−x"}

// Graph runs the backward pass from the scalar t, like Backward, and returns the graph it went
// through: every tensor from the leaves to t, each with its operation, its value and the gradient of t
// with respect to it, inputs before the tensors computed from them. Unlike Backward it keeps every
// intermediate gradient for the picture, so call it instead of Backward (not after it) and only on
// small graphs. labels names tensors (x, w, loss…); the others are labelled by their shape.
//
//	loss := x.MatMul(w).Add(b).Tanh().Sum()
//	plots.Graph("loss", loss.Graph(map[*nn.Tensor]string{x: "x", w: "w", b: "b", loss: "loss"}))
func (t *Tensor) Graph(labels map[*Tensor]string) []GraphNode {
	if t.Len() != 1 {
		fail("graph", shapes(t), "needs a scalar output, this tensor has %d elements", t.Len())
	}
	if t.life.released {
		fail("graph", shapes(t), "%s", releasedMsg)
	}
	// Every tensor of the graph, inputs first (depth-first postorder).
	index := map[*Tensor]int{}
	var order []*Tensor
	var visit func(x *Tensor)
	visit = func(x *Tensor) {
		if _, ok := index[x]; ok {
			return
		}
		index[x] = -1 // visiting
		if x.node != nil {
			for _, in := range x.node.inputs {
				if in.life.released {
					fail("graph", shapes(in), "%s", releasedMsg)
				}
				visit(in)
			}
		}
		index[x] = len(order)
		order = append(order, x)
	}
	visit(t)
	if len(order) > 10_000 {
		fail("graph", shapes(t), "the graph has %d tensors; Graph is for pictures of small ones", len(order))
	}
	if t.requiresGrad {
		prev := SetGradEnabled(false)
		accumulate(t, Full(1, t.shape...).To(t.Device()), true)
		for i := len(order) - 1; i >= 0; i-- {
			if x := order[i]; x.node != nil && x.grad != nil {
				x.node.run(x, x.grad)
			}
		}
		SetGradEnabled(prev)
	}
	out := make([]GraphNode, len(order))
	for i, x := range order {
		n := &out[i]
		n.Label = labels[x]
		if n.Label == "" {
			n.Label = shapeString(x.shape)
		}
		n.Value = formatValues(x)
		if x.grad != nil {
			n.Grad = formatValues(x.grad)
		}
		if x.node != nil {
			n.Op = x.node.op
			if s, ok := opSymbols[n.Op]; ok {
				n.Op = s
			}
			for _, in := range x.node.inputs {
				n.Inputs = append(n.Inputs, index[in])
			}
		}
	}
	return out
}

// formatValues writes a tensor compactly: a scalar as its number, a small tensor as its numbers, a
// larger one as its shape and first three numbers.
func formatValues(x *Tensor) string {
	d := x.Data()
	if len(d) == 1 && len(x.shape) == 0 {
		return fmt.Sprintf("%.4g", d[0])
	}
	var b strings.Builder
	if len(d) > 4 {
		b.WriteString(shapeString(x.shape) + " ")
	}
	b.WriteString("[")
	for i, v := range d {
		if i == 3 && len(d) > 4 {
			b.WriteString(" …")
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.3g", v)
	}
	b.WriteString("]")
	return b.String()
}
