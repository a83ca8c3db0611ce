//go:build ignore

// %% [markdown]
// # 1. A neuron
//
// **You will learn**
// - what one artificial neuron computes: a weighted sum of its inputs plus a bias, `w·x + b`;
// - how to compute it by hand in a loop, and with the tensor library `nn` as a matrix product;
// - that the weights and the bias are *knobs*: turning them moves the output, and learning is nothing
//   more than finding good settings for the knobs.
//
// Every large language model is built from this one operation, repeated billions of times.
// Nothing in this lesson is hidden: each cell is plain Go that you can change and run again.

// %% [markdown]
// ## wx + b by hand
//
// A neuron receives a few numbers, its *inputs* `x₁ … xₙ`. It holds one *weight* `wᵢ` per input and
// one *bias* `b`. Its output is
//
// `y = w₁·x₁ + w₂·x₂ + … + wₙ·xₙ + b`
//
// Think of a weight as how much the neuron cares about an input (negative: it dislikes it), and of the
// bias as its mood before it has seen anything. Here are three inputs and a neuron's settings:

// %%
x := []float64{2.0, -1.0, 0.5}
w := []float64{0.8, 0.3, -1.2}
b := 0.1

y := b
for i := range x {
	y += w[i] * x[i]
	fmt.Printf("w%d·x%d = %5.2f · %5.2f = %6.2f\n", i+1, i+1, w[i], x[i], w[i]*x[i])
}
fmt.Printf("plus the bias %.2f gives y = %.2f\n", b, y)

// %% [markdown]
// As a picture: the inputs on the left, the neuron on the right, one line per weight. A line's thickness
// is the size of its weight and its colour the sign (blue positive, red negative): the neuron cares most
// about x₃, and dislikes it.

// %%
plots.Network("One neuron: three inputs, one output", [][]float64{w}).LayerNames("inputs x₁, x₂, x₃", "output y")

// %% [markdown]
// ## The same neuron with the tensor library
//
// A *tensor* is an array of numbers with a shape. Writing the inputs as a row `[1×3]` and the weights
// as a column `[3×1]`, the weighted sum is a matrix product: `y = x·w + b`. The library `nn` does the
// loop for us, in compiled Go, which matters later when there are millions of weights.

// %%
xt := nn.New([]float32{2.0, -1.0, 0.5}, 1, 3)
wt := nn.New([]float32{0.8, 0.3, -1.2}, 3, 1)
bt := nn.Scalar(0.1)
yt := nn.MatMul(xt, wt).Add(bt)
fmt.Println("x·w + b =", yt.Item())

// %% [markdown]
// Both give the same number, up to the last digit: the library stores numbers as 32-bit floats
// (`float32`, about 7 significant digits), which is what neural networks use, so 0.8 prints as
// 0.79999995. The matrix form has a second advantage: several inputs can go through the
// neuron at once. Stack four examples as the rows of a `[4×3]` matrix and one product gives four outputs.

// %%
batch := nn.FromRows([][]float32{
	{2.0, -1.0, 0.5},
	{0.0, 0.0, 0.0},
	{1.0, 1.0, 1.0},
	{-2.0, 3.0, 0.0},
})
outs := nn.MatMul(batch, wt).Add(bt)
fmt.Println("four outputs:", outs.Data())

// %% [markdown]
// ## Weights and bias are knobs
//
// Hold the inputs fixed and turn one knob at a time. The output changes *linearly* with every weight:
// turning `w₁` by one unit changes `y` by exactly `x₁`. That slope is the first hint of what
// learning will use: if we know how the output responds to each knob, we know which way to turn it.

// %%
neuron := func(w1, w2, w3, bias float64) float64 {
	return w1*x[0] + w2*x[1] + w3*x[2] + bias
}
plots.Func("Turning one knob at a time (x = [2, −1, 0.5])", -3, 3,
	plots.Fn{Name: "vary w₁ (slope x₁ = 2)", F: func(k float64) float64 { return neuron(k, w[1], w[2], b) }},
	plots.Fn{Name: "vary w₂ (slope x₂ = −1)", F: func(k float64) float64 { return neuron(w[0], k, w[2], b) }},
	plots.Fn{Name: "vary w₃ (slope x₃ = 0.5)", F: func(k float64) float64 { return neuron(w[0], w[1], k, b) }},
	plots.Fn{Name: "vary b (slope 1)", F: func(k float64) float64 { return neuron(w[0], w[1], w[2], k) }},
).Labels("value of the knob", "neuron output y")

// %% [markdown]
// ## A neuron with one input draws a line
//
// With a single input the neuron is `y = w·x + b`: a straight line. The weight sets its steepness and
// the bias moves it up and down. Whatever the knobs, a single neuron can only ever draw a straight line.

// %%
line := func(wv, bv float64) func(float64) float64 {
	return func(v float64) float64 { return wv*v + bv }
}
plots.Func("One input: y = w·x + b", -3, 3,
	plots.Fn{Name: "w = 1, b = 0", F: line(1, 0)},
	plots.Fn{Name: "w = 2, b = 0", F: line(2, 0)},
	plots.Fn{Name: "w = −0.5, b = 0", F: line(-0.5, 0)},
	plots.Fn{Name: "w = 1, b = 2", F: line(1, 2)},
).Labels("input x", "output y")

// %% [markdown]
// ## A neuron with two inputs splits the plane
//
// Give the neuron two inputs, a point `(x₁, x₂)` on the plane, and read its output as a vote: positive
// means "class 1", negative "class 0". The points where `w₁x₁ + w₂x₂ + b = 0` form a straight line, the
// *decision boundary*. Below, a neuron with hand-picked knobs separates two clouds of points. Change
// `w1`, `w2` or `bias` and run the cell again to see the boundary turn and slide.

// %%
nn.Seed(1)
noise := nn.Randn(100, 2).Float64s()
var pts [][]float64
var labels []int
for i := 0; i < 100; i++ {
	c := i % 2
	cx, cy := -1.0, -1.0
	if c == 1 {
		cx, cy = 1.0, 1.0
	}
	pts = append(pts, []float64{cx + 0.6*noise[2*i], cy + 0.6*noise[2*i+1]})
	labels = append(labels, c)
}
w1, w2, bias := 1.0, 0.7, 0.2
plots.Scatter("A neuron's decision boundary: w₁x₁ + w₂x₂ + b = 0", pts, labels).
	Boundary(func(p, q float64) float64 { return w1*p + w2*q + bias }).
	ClassNames("class 0", "class 1").Labels("x₁", "x₂")

// %% [markdown]
// How many points does it get right? Counting is one line of arithmetic per point:

// %%
correct := 0
for i, p := range pts {
	vote := 0
	if w1*p[0]+w2*p[1]+bias > 0 {
		vote = 1
	}
	if vote == labels[i] {
		correct++
	}
}
fmt.Printf("%d of %d points on the right side\n", correct, len(pts))

// %% [markdown]
// ## Turn the knobs yourself
//
// Editing numbers and re-running is slow. Below, the three knobs are sliders: drag `w₁`, `w₂` or `b` and
// the boundary and the count redraw as you move. Finding good settings by hand for three knobs is a
// game; for the millions of knobs of a language model it takes an algorithm (lesson 4). In a terminal
// (`notmagic run`) or a stored notebook the cell shows one frame, for the sliders' starting values.

// %%
k1 := widgets.NewFloatSlider("w₁", 1, -3, 3, 0.1)
k2 := widgets.NewFloatSlider("w₂", 0.7, -3, 3, 0.1)
kb := widgets.NewFloatSlider("b", 0.2, -4, 4, 0.1)
widgets.Interact(func(w1, w2, b float64) *plots.Figure {
	right := 0
	for i, p := range pts {
		if (w1*p[0]+w2*p[1]+b > 0) == (labels[i] == 1) {
			right++
		}
	}
	return plots.Scatter(fmt.Sprintf("w₁ = %.1f, w₂ = %.1f, b = %.1f: %d of %d right", w1, w2, b, right, len(pts)), pts, labels).
		Boundary(func(p, q float64) float64 { return w1*p + w2*q + b }).
		ClassNames("class 0", "class 1").Labels("x₁", "x₂")
}, k1, k2, kb)

// %% [markdown]
// ## Takeaways
// - A neuron computes `w·x + b`: multiply, add, add a bias. Nothing more.
// - In matrix form, `x·W + b` pushes many inputs through many neurons with one call.
// - The output responds to each weight with a slope equal to that weight's input: this is the gradient
//   that learning will follow (lesson 4).
// - One neuron draws a straight line (or a flat plane): to bend it, the next lesson adds an activation
//   function.
//
// **Try this:** drag `b` to 2 and watch the boundary slide away from the clouds (and the count of right
// answers fall); drag `w₂` to 0 and the boundary turns vertical: the neuron ignores `x₂`. Can you get
// more than 96 right?
