//go:build ignore

// %% [markdown]
// # 5. Backpropagation
//
// **You will learn**
// - how a program can compute the gradient of any formula built from simple operations: by recording
//   the operations and walking them backwards with the chain rule (*backpropagation*);
// - by writing a complete scalar autograd engine, in about 60 lines of Go, right here in the notebook;
// - how to trust a gradient: compare it with the library `nn` and with *finite differences*.

// %% [markdown]
// ## The chain rule, one operation at a time
//
// Lesson 4 needed `∂L/∂w` for every parameter `w`. Deriving formulas by hand does not scale to millions of
// parameters, but a program can do it mechanically. Every value remembers which operation produced it
// and from which inputs. If `out = a + b`, a nudge to `a` nudges `out` by the same amount, so `a`
// receives `out`'s gradient unchanged. If `out = a · b`, a nudge to `a` is multiplied by `b`, so `a`
// receives `b · out.Grad`. If `out = tanh(a)`, `a` receives `(1 − out²) · out.Grad`.
//
// Going backwards from the loss, each operation passes gradients to its inputs; a value used twice sums
// what it receives (`+=`). That is all of backpropagation.

// %%
// Value is one number in a computation, with the gradient of the final output with respect to it.
type Value struct {
	Data, Grad float64
	Op         string   // the operation that produced it ("" for inputs)
	Prev       []*Value // its inputs
	back       func()   // passes Grad to the inputs' Grad
}

func Val(x float64) *Value { return &Value{Data: x} }

func (a *Value) Add(b *Value) *Value {
	out := &Value{Data: a.Data + b.Data, Op: "+", Prev: []*Value{a, b}}
	out.back = func() {
		a.Grad += out.Grad
		b.Grad += out.Grad
	}
	return out
}

func (a *Value) Mul(b *Value) *Value {
	out := &Value{Data: a.Data * b.Data, Op: "*", Prev: []*Value{a, b}}
	out.back = func() {
		a.Grad += b.Data * out.Grad
		b.Grad += a.Data * out.Grad
	}
	return out
}

func (a *Value) Sub(b *Value) *Value { return a.Add(b.Mul(Val(-1))) }

func (a *Value) Tanh() *Value {
	t := math.Tanh(a.Data)
	out := &Value{Data: t, Op: "tanh", Prev: []*Value{a}}
	out.back = func() { a.Grad += (1 - t*t) * out.Grad }
	return out
}

// Backward sets the gradient of v with respect to every value it depends on.
func (v *Value) Backward() {
	// Order the graph so that every value comes after its inputs (a topological sort).
	var order []*Value
	seen := map[*Value]bool{}
	var visit func(n *Value)
	visit = func(n *Value) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, p := range n.Prev {
			visit(p)
		}
		order = append(order, n)
	}
	visit(v)
	for _, n := range order {
		n.Grad = 0
	}
	v.Grad = 1 // ∂v/∂v
	for i := len(order) - 1; i >= 0; i-- {
		if order[i].back != nil {
			order[i].back()
		}
	}
}

// %% [markdown]
// ## One neuron, forwards and backwards
//
// A neuron with two inputs and a tanh: `o = tanh(x₁w₁ + x₂w₂ + b)`. We build it from `Value`s, call
// `Backward`, and print every intermediate value with its gradient.

// %%
x1, x2 := Val(1.5), Val(-0.5)
w1, w2, b := Val(0.8), Val(-1.2), Val(0.3)
s1 := x1.Mul(w1)
s2 := x2.Mul(w2)
z := s1.Add(s2).Add(b)
o := z.Tanh()
o.Backward()
names := []*Value{x1, x2, w1, w2, b, s1, s2, z, o}
labels := []string{"x1", "x2", "w1", "w2", "b", "x1·w1", "x2·w2", "z", "o = tanh z"}
for i, n := range names {
	fmt.Printf("%-11s data %8.4f   grad ∂o/∂· %8.4f\n", labels[i], n.Data, n.Grad)
}

// %% [markdown]
// The same computation as a picture: one box per value with its data (computed forwards, left to right)
// and its gradient (computed backwards, right to left), and a circle for the operation that made it.

// %%
// graphOf lists v and every value it depends on, inputs first, as nodes for plots.Graph.
graphOf := func(v *Value, names map[*Value]string) []plots.Node {
	index := map[*Value]int{}
	var nodes []plots.Node
	var visit func(n *Value) int
	visit = func(n *Value) int {
		if i, ok := index[n]; ok {
			return i
		}
		var inputs []int
		for _, p := range n.Prev {
			inputs = append(inputs, visit(p))
		}
		index[n] = len(nodes)
		nodes = append(nodes, plots.Node{Label: names[n], Op: n.Op, Value: fmt.Sprintf("%.4f", n.Data),
			Grad: fmt.Sprintf("%.4f", n.Grad), Inputs: inputs})
		return index[n]
	}
	visit(v)
	return nodes
}
valueNames := map[*Value]string{x1: "x1", x2: "x2", w1: "w1", w2: "w2", b: "b", s1: "x1·w1", s2: "x2·w2", z: "z", o: "o"}
plots.Graph("o = tanh(x1·w1 + x2·w2 + b): data forwards, grad backwards", graphOf(o, valueNames))

// %% [markdown]
// Check one by hand: `∂o/∂w₁ = (1 − o²) · x₁`. With `o ≈ 0.9705` that is `(1 − 0.9419) · 1.5 ≈ 0.0873`,
// the number printed for `w1`. The engine did the calculus.
//
// ## Checking against the library and against finite differences
//
// Two independent checks:
// 1. **The library `nn`** does the same thing on whole tensors; its gradients must agree.
// 2. **Finite differences** need no calculus at all: nudge one parameter by a tiny `h` both ways and
//    measure the slope, `(f(w + h) − f(w − h)) / 2h`. This is how every gradient in `nn` is tested.

// %%
// nn: the same neuron with tensors (float32).
xT := nn.New([]float32{1.5, -0.5}, 1, 2)
wT := nn.New([]float32{0.8, -1.2}, 2, 1).SetRequiresGrad(true)
bT := nn.New([]float32{0.3}, 1).SetRequiresGrad(true)
nn.MatMul(xT, wT).Add(bT).Tanh().Sum().Backward()

// Finite differences in float64.
neuron := func(p []float64) float64 { return math.Tanh(1.5*p[0] - 0.5*p[1] + p[2]) }
params := []float64{0.8, -1.2, 0.3}
h := 1e-6
var fd []float64
for i := range params {
	up := append([]float64(nil), params...)
	down := append([]float64(nil), params...)
	up[i] += h
	down[i] -= h
	fd = append(fd, (neuron(up)-neuron(down))/(2*h))
}
ours := []float64{w1.Grad, w2.Grad, b.Grad}
lib := append(wT.Grad().Float64s(), bT.Grad().Float64s()...)
fmt.Println("param   ours       nn         finite diff")
for i, name := range []string{"w1", "w2", "b"} {
	fmt.Printf("%-5s %9.6f  %9.6f  %9.6f\n", name, ours[i], lib[i], fd[i])
}

// %% [markdown]
// The library records the same kind of graph, on whole tensors: every operation remembers its inputs
// and how to send a gradient back to them. `Graph` runs the backward pass and returns that graph with
// every value and gradient, so we can draw it just like ours:

// %%
wG := nn.New([]float32{0.8, -1.2}, 2, 1).SetRequiresGrad(true)
bG := nn.New([]float32{0.3}, 1).SetRequiresGrad(true)
oG := nn.MatMul(xT, wG).Add(bG).Tanh().Sum()
plots.Graph("The same neuron in nn: the graph the library records",
	oG.Graph(map[*nn.Tensor]string{xT: "x", wG: "w", bG: "b", oG: "o"}))

// %% [markdown]
// ## A whole network
//
// The engine is general: any formula made of `+`, `·` and `tanh` works. Here is a small network,
// 3 inputs → 4 hidden neurons (tanh) → 1 output, with a mean squared error over 4 examples: 21 parameters.
// We compute all 21 gradients three ways and plot them side by side.

// %%
nn.Seed(5)
W1init := nn.Randn(3, 4).MulScalar(0.7)
W2init := nn.Randn(4, 1).MulScalar(0.7)
X := [][]float64{{2, 3, -1}, {3, -1, 0.5}, {0.5, 1, 1}, {1, 1, -1}}
Y := []float64{1, -1, -1, 1}

// The network's parameters as Values: 12 + 4 hidden weights and biases, 4 + 1 output ones.
var P []*Value
for _, v := range W1init.Float64s() {
	P = append(P, Val(v))
}
for i := 0; i < 4; i++ {
	P = append(P, Val(0))
}
for _, v := range W2init.Float64s() {
	P = append(P, Val(v))
}
P = append(P, Val(0))

mlpLoss := func(P []*Value) *Value {
	total := Val(0)
	for n, x := range X {
		out := P[20] // output bias
		for j := 0; j < 4; j++ {
			hj := P[12+j] // hidden bias j
			for i := 0; i < 3; i++ {
				hj = hj.Add(Val(x[i]).Mul(P[i*4+j]))
			}
			out = out.Add(hj.Tanh().Mul(P[16+j]))
		}
		d := out.Sub(Val(Y[n]))
		total = total.Add(d.Mul(d))
	}
	return total.Mul(Val(1.0 / float64(len(X))))
}
L := mlpLoss(P)
L.Backward()
fmt.Printf("loss %.5f\n", L.Data)

// %% [markdown]
// The same network in `nn` (matrices instead of loops), and finite differences on a float64 copy:

// %%
W1 := W1init.Detach().SetRequiresGrad(true)
B1 := nn.Zeros(4).SetRequiresGrad(true)
W2 := W2init.Detach().SetRequiresGrad(true)
B2 := nn.Zeros(1).SetRequiresGrad(true)
var flatX []float64
for _, r := range X {
	flatX = append(flatX, r...)
}
pred := nn.MatMul(nn.MatMul(nn.FromFloat64s(flatX, 4, 3), W1).Add(B1).Tanh(), W2).Add(B2)
lossT := nn.MSE(pred, nn.FromFloat64s(Y, 4, 1))
lossT.Backward()
var libG []float64
for _, t := range []*nn.Tensor{W1, B1, W2, B2} {
	libG = append(libG, t.Grad().Float64s()...)
}

lossAt := func(vals []float64) float64 {
	q := make([]*Value, len(vals))
	for i, v := range vals {
		q[i] = Val(v)
	}
	return mlpLoss(q).Data
}
base := make([]float64, len(P))
for i, p := range P {
	base[i] = p.Data
}
var oursG, fdG []float64
worstLib, worstFD := 0.0, 0.0
for i := range P {
	up := append([]float64(nil), base...)
	down := append([]float64(nil), base...)
	up[i] += h
	down[i] -= h
	fdG = append(fdG, (lossAt(up)-lossAt(down))/(2*h))
	oursG = append(oursG, P[i].Grad)
	worstLib = math.Max(worstLib, math.Abs(P[i].Grad-libG[i]))
	worstFD = math.Max(worstFD, math.Abs(P[i].Grad-fdG[i]))
}
fmt.Printf("nn's loss %.5f; largest gradient difference: vs nn %.1e, vs finite differences %.1e\n",
	lossT.Item(), worstLib, worstFD)

// Each gradient of nn and of finite differences against ours: agreement puts every point on y = x. The
// right panel shows how far off they are, per parameter (a floor of 1e-16 stands for exactly equal).
var param, diffLib, diffFD []float64
lo, hi := 0.0, 0.0
for i := range oursG {
	param = append(param, float64(i))
	diffLib = append(diffLib, math.Max(math.Abs(oursG[i]-libG[i]), 1e-16))
	diffFD = append(diffFD, math.Max(math.Abs(oursG[i]-fdG[i]), 1e-16))
	lo, hi = math.Min(lo, oursG[i]), math.Max(hi, oursG[i])
}
plots.Panels("21 gradients of the loss, computed three ways", 2,
	plots.Line("each method against our engine",
		plots.Points("nn (float32)", oursG, libG), plots.Points("finite differences", oursG, fdG),
		plots.XY("y = x", []float64{lo, hi}, []float64{lo, hi})).Labels("our engine's gradient", "the other method's gradient"),
	plots.Line("how far from our engine",
		plots.Points("nn (float32)", param, diffLib), plots.Points("finite differences", param, diffFD)).
		Labels("parameter number", "|difference|").LogY(),
).Size(12, 4.5)

// %% [markdown]
// Every point sits on the diagonal: the three methods agree. The right panel measures by how much:
// up to about `1e-7` between our float64 engine and the float32 library (float32's rounding), and `1e-10`
// against finite differences. (Finite differences are exact enough to
// check, but far too slow to train with: they need two passes over the network *per parameter*;
// backpropagation gets all gradients in one backward pass.)
//
// ## Training with our own engine
//
// With gradients in hand, lesson 4's loop trains the network: compute the loss, backpropagate, step each
// parameter against its gradient.

// %%
steps := 200
if display.Quick() {
	steps = 40
}
var losses []float64
for s := 0; s < steps; s++ {
	L := mlpLoss(P)
	L.Backward()
	for _, p := range P {
		p.Data -= 0.1 * p.Grad
	}
	losses = append(losses, L.Data)
}
fmt.Printf("loss: %.4f at the start, %.4f after %d steps\n", losses[0], losses[len(losses)-1], steps)
plots.Line("Training the network with the hand-written autograd", plots.S("loss", losses)).
	Labels("step", "mean squared error").LogY()

// %% [markdown]
// ## Takeaways
// - Backpropagation is the chain rule applied mechanically: record each operation, then walk the record
//   backwards, each operation passing `local slope × incoming gradient` to its inputs.
// - Our 60-line engine, the library `nn` and finite differences agree on every gradient.
// - The library does exactly this, but on whole tensors in compiled Go, so one `Backward` call handles
//   millions of parameters — which is what makes training a GPT possible.
//
// **Try this:** change the learning rate `0.1` in the training loop to `0.5` and to `0.01`; or add a
// `Sigmoid` operation to `Value` (its slope is `s·(1 − s)`) and check it against `nn` the same way.
