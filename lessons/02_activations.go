//go:build ignore

// %% [markdown]
// # 2. Activation functions
//
// **You will learn**
// - the four activation functions you meet everywhere: ReLU, sigmoid, tanh and GELU, and their slopes
//   (derivatives);
// - how the library computes those slopes for you (automatic differentiation), checked against formulas;
// - why networks need them at all: a stack of linear layers collapses into one linear layer — shown with
//   numbers — while a non-linearity between the layers does not collapse.

// %% [markdown]
// ## Bending the line
//
// Lesson 1 ended with a limitation: a neuron computes `w·x + b`, a straight line. An *activation
// function* is a fixed, simple curve applied to the neuron's output, `y = f(w·x + b)`. Four common ones:
//
// | name | formula | used in |
// |---|---|---|
// | ReLU | `max(0, x)` | most image networks |
// | sigmoid | `1 / (1 + e⁻ˣ)` | probabilities of yes/no answers |
// | tanh | `(eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)` | older networks, squashes to (−1, 1) |
// | GELU | `x · Φ(x)` (Φ: the normal distribution's CDF) | GPT and most transformers |

// %%
relu := func(v float64) float64 { return math.Max(0, v) }
sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
gelu := func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }
plots.Func("Activation functions", -4, 4,
	plots.Fn{Name: "ReLU", F: relu},
	plots.Fn{Name: "sigmoid", F: sigmoid},
	plots.Fn{Name: "tanh", F: math.Tanh},
	plots.Fn{Name: "GELU", F: gelu},
).Labels("input x", "f(x)").YRange(-1.5, 3)

// %% [markdown]
// ## Their slopes, computed by the library
//
// Learning (lesson 4) needs the slope of every function in the network: how much the output moves when
// the input moves a little. The library `nn` records every operation on a tensor that *requires
// gradients*, and `Backward` walks that record backwards to compute slopes. Here we ask for the slope of
// each activation at 801 points at once: summing the outputs first gives a single number whose gradient
// with respect to each input is exactly that input's slope.

// %%
slopes := func(act func(*nn.Tensor) *nn.Tensor) (xs, ys []float64) {
	in := nn.Arange(-4, 4.01, 0.01).SetRequiresGrad(true)
	act(in).Sum().Backward()
	return in.Float64s(), in.Grad().Float64s()
}
xr, dr := slopes(func(t *nn.Tensor) *nn.Tensor { return t.ReLU() })
xs, ds := slopes(func(t *nn.Tensor) *nn.Tensor { return t.Sigmoid() })
xt, dt := slopes(func(t *nn.Tensor) *nn.Tensor { return t.Tanh() })
xg, dg := slopes(func(t *nn.Tensor) *nn.Tensor { return t.GELU() })
plots.Line("Slopes (derivatives) computed by nn's autograd",
	plots.XY("ReLU′", xr, dr), plots.XY("sigmoid′", xs, ds),
	plots.XY("tanh′", xt, dt), plots.XY("GELU′", xg, dg),
).Labels("input x", "f′(x)")

// %% [markdown]
// The shapes tell a story. ReLU's slope is 0 or 1: a switch. Sigmoid and tanh flatten out far from zero,
// where their slope is almost 0 (they *saturate*: the signal for learning fades). GELU is a smooth ReLU
// with a small dip below zero.
//
// Do the library's slopes agree with the formulas from calculus? `sigmoid′ = σ(1−σ)`,
// `tanh′ = 1 − tanh²`. We compare at every point:

// %%
maxErr := func(xs, got []float64, want func(float64) float64) float64 {
	worst := 0.0
	for i, v := range xs {
		worst = math.Max(worst, math.Abs(got[i]-want(v)))
	}
	return worst
}
fmt.Printf("sigmoid′: largest difference from σ(1−σ):  %.2g\n",
	maxErr(xs, ds, func(v float64) float64 { s := sigmoid(v); return s * (1 - s) }))
fmt.Printf("tanh′:    largest difference from 1−tanh²: %.2g\n",
	maxErr(xt, dt, func(v float64) float64 { t := math.Tanh(v); return 1 - t*t }))

// %% [markdown]
// The differences are at the level of 32-bit rounding (about 1e-7): the library's calculus is right.
//
// ## Without activations, depth is useless
//
// Why not leave the activations out? Because two linear layers in a row are just one linear layer.
// Layer 1 computes `h = x·W₁ + b₁`, layer 2 computes `y = h·W₂ + b₂ = x·(W₁W₂) + (b₁W₂ + b₂)`: a
// single layer with weights `W₁W₂` and bias `b₁W₂ + b₂`. Let us check with three random layers.

// %%
nn.Seed(2)
W1, b1 := nn.Randn(3, 8), nn.Randn(1, 8)
W2, b2 := nn.Randn(8, 8), nn.Randn(1, 8)
W3, b3 := nn.Randn(8, 2), nn.Randn(1, 2)
inputs := nn.Randn(5, 3) // five examples, three features each

deep := nn.MatMul(nn.MatMul(nn.MatMul(inputs, W1).Add(b1), W2).Add(b2), W3).Add(b3)

W := nn.MatMul(nn.MatMul(W1, W2), W3)                // one 3×2 matrix
B := nn.MatMul(nn.MatMul(b1, W2).Add(b2), W3).Add(b3) // one bias
shallow := nn.MatMul(inputs, W).Add(B)

fmt.Println("three linear layers:\n", deep)
fmt.Println("one linear layer:\n", shallow)
fmt.Printf("largest difference: %.2g (relative to outputs of size %.1f)\n",
	deep.Sub(shallow).Abs().Max().Item(), deep.Abs().Max().Item())

// %% [markdown]
// Identical up to rounding: three layers holding 24 + 64 + 16 weights compute nothing that one 3×2
// matrix and a bias cannot. Now put `tanh`
// between the layers. No single linear map can reproduce the result, and we can prove it with one test
// that every linear (strictly: *affine*) map passes: `f(a + b) − f(a) − f(b) + f(0) = 0` for all inputs
// `a` and `b`.

// %%
affineGap := func(f func(*nn.Tensor) *nn.Tensor) float32 {
	a, bb := nn.Randn(1, 3), nn.Randn(1, 3)
	gap := f(a.Add(bb)).Sub(f(a)).Sub(f(bb)).Add(f(nn.Zeros(1, 3)))
	return gap.Abs().Max().Item()
}
linearNet := func(t *nn.Tensor) *nn.Tensor {
	return nn.MatMul(nn.MatMul(nn.MatMul(t, W1).Add(b1), W2).Add(b2), W3).Add(b3)
}
tanhNet := func(t *nn.Tensor) *nn.Tensor {
	return nn.MatMul(nn.MatMul(nn.MatMul(t, W1).Add(b1).Tanh(), W2).Add(b2).Tanh(), W3).Add(b3)
}
fmt.Printf("linear stack: f(a+b) − f(a) − f(b) + f(0) = %.2g\n", affineGap(linearNet))
fmt.Printf("tanh stack:   f(a+b) − f(a) − f(b) + f(0) = %.2g\n", affineGap(tanhNet))

// %% [markdown]
// ## Seeing the difference
//
// With one input and one output we can draw both networks as curves. The purely linear stack, however
// many layers it has, is a straight line. Put ReLUs between the same layers and the line bends at a few
// places: each ReLU of the first hidden layer adds at most one kink (where its input crosses zero), and a
// ReLU of the second layer can add several, one wherever its own bent input crosses zero. With enough
// hidden neurons such kinks can follow any curve — that is why networks with activations can learn
// almost anything.

// %%
nn.Seed(3)
V1, c1 := nn.Randn(1, 6), nn.Randn(1, 6)
V2, c2 := nn.Randn(6, 6), nn.Randn(1, 6)
V3, c3 := nn.Randn(6, 1), nn.Randn(1, 1)
grid := nn.Arange(-3, 3.01, 0.02).Reshape(-1, 1)
lin := nn.MatMul(nn.MatMul(nn.MatMul(grid, V1).Add(c1), V2).Add(c2), V3).Add(c3)
bent := nn.MatMul(nn.MatMul(nn.MatMul(grid, V1).Add(c1).ReLU(), V2).Add(c2).ReLU(), V3).Add(c3)
plots.Line("Same weights, three layers: without and with ReLU",
	plots.XY("no activation: a straight line", grid, lin),
	plots.XY("ReLU between layers: bends", grid, bent),
).Labels("input x", "network output")

// %% [markdown]
// ## Takeaways
// - An activation function bends a neuron's output: ReLU, sigmoid, tanh, GELU (GPT uses GELU).
// - The library computes derivatives automatically, and they match the calculus formulas.
// - Linear layers stacked without activations collapse into one linear layer — exactly, as the numbers
//   showed. A non-linearity between them is what makes depth worth having.
//
// **Try this:** replace `.ReLU()` by `.Tanh()` in the "Seeing the difference" cell — the kinks become
// smooth bends; change `nn.Seed(3)` to see other random networks bend in other places.
