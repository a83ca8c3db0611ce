package nn

import (
	"strings"
	"testing"
)

// TestGraph: the graph of a small expression lists its tensors inputs first, names the operations, and
// carries the same gradients as Backward computes on an identical graph.
func TestGraph(t *testing.T) {
	build := func() (x, w, b, loss *Tensor) {
		Seed(40)
		x = Randn(2, 3)
		w = Randn(3, 2).SetRequiresGrad(true)
		b = Randn(2).SetRequiresGrad(true)
		loss = x.MatMul(w).Add(b).Tanh().Sum()
		return
	}
	x, w, b, loss := build()
	nodes := loss.Graph(map[*Tensor]string{x: "x", w: "w", b: "b", loss: "loss"})
	if len(nodes) != 7 {
		t.Fatalf("%d nodes, want 7 (x, w, x@w, b, +, tanh, sum): %+v", len(nodes), nodes)
	}
	byLabel := map[string]GraphNode{}
	var ops []string
	for i, n := range nodes {
		byLabel[n.Label] = n
		for _, j := range n.Inputs {
			if j >= i {
				t.Errorf("node %d (%s) has input %d, not before it", i, n.Label, j)
			}
		}
		if n.Op != "" {
			ops = append(ops, n.Op)
		}
	}
	if got := strings.Join(ops, " "); got != "@ + tanh sum" {
		t.Errorf("operations %q, want \"@ + tanh sum\"", got)
	}
	if last := nodes[len(nodes)-1]; last.Label != "loss" || last.Grad != "1" {
		t.Errorf("the output node is %+v, want loss with gradient 1", last)
	}
	if byLabel["x"].Grad != "" || byLabel["x"].Op != "" {
		t.Errorf("x needs no gradient and is a leaf: %+v", byLabel["x"])
	}
	_, w2, b2, loss2 := build()
	loss2.Backward()
	if got, want := byLabel["w"].Grad, formatValues(w2.Grad()); got != want {
		t.Errorf("w's gradient %s, Backward's %s", got, want)
	}
	if got, want := byLabel["b"].Grad, formatValues(b2.Grad()); got != want {
		t.Errorf("b's gradient %s, Backward's %s", got, want)
	}
	for _, n := range nodes {
		if n.Op == "tanh" && n.Grad == "" {
			t.Errorf("the intermediate tanh kept no gradient: %+v", n)
		}
	}
	defer func() {
		if _, ok := recover().(*Error); !ok {
			t.Errorf("Graph of a non-scalar did not fail with *Error")
		}
	}()
	w.MatMul(w.T()).Graph(nil)
}
