//go:build ignore

// %% [markdown]
// # 4. Loss and gradient descent
//
// **You will learn**
// - what a *loss* is: one number that says how wrong the model is on the data;
// - that the loss, as a function of the parameters, is a landscape with valleys;
// - how *gradient descent* walks down it, one step against the slope at a time;
// - why the *learning rate* (step size) matters: too small crawls, too large flies out of the valley.

// %% [markdown]
// ## A model with two knobs
//
// The smallest interesting model is one neuron with one input: `ŷ = w·x + b`. We generate 30 points
// from the line `y = 2x + 1` with some noise, and ask which `(w, b)` fits them best. "Best" needs a
// measure: the **mean squared error** `L(w, b) = mean((w·xᵢ + b − yᵢ)²)`, the loss. A perfect fit has
// loss 0; every mistake adds its square.

// %%
nn.Seed(4)
const N = 30
xs := nn.Uniform(0, 2, N).Float64s()
noise := nn.Randn(N).Float64s()
ys := make([]float64, N)
for i := range xs {
	ys[i] = 2*xs[i] + 1 + 0.3*noise[i]
}
loss := func(w, b float64) float64 {
	s := 0.0
	for i := range xs {
		d := w*xs[i] + b - ys[i]
		s += d * d
	}
	return s / N
}
fmt.Printf("loss at (w, b) = (2, 1):  %.3f\n", loss(2, 1))
fmt.Printf("loss at (w, b) = (0, 0):  %.3f\n", loss(0, 0))
fmt.Printf("loss at (w, b) = (-1, 4): %.3f\n", loss(-1, 4))

// %% [markdown]
// ## The loss landscape
//
// Two parameters means we can draw the loss for every `(w, b)` as a map: dark is low, bright is high.
// The best fit sits at the bottom of a long, narrow valley. The valley is tilted because `w` and `b`
// trade off: a steeper line with a lower starting point fits almost as well.

// %%
plots.Landscape("Loss landscape of ŷ = w·x + b (mean squared error)", loss, -2, 5, -3, 6).
	Labels("weight w", "bias b")

// %% [markdown]
// ## Gradient descent
//
// Standing somewhere in the landscape, the **gradient** `(∂L/∂w, ∂L/∂b)` points uphill, in the direction
// where the loss grows fastest. So step the other way:
//
// `w ← w − η · ∂L/∂w`,  `b ← b − η · ∂L/∂b`
//
// where `η` (eta), the **learning rate**, sets the step size. We let the library compute the gradient:
// `w` and `b` are tensors that require gradients, the loss is built from tensor operations, and
// `Backward` fills in `w.Grad()` and `b.Grad()`. Calculus gives `∂L/∂w = 2·mean((ŷ−y)·x)` and
// `∂L/∂b = 2·mean(ŷ−y)`; the first step checks that the library agrees.

// %%
xT := nn.FromFloat64s(xs, N)
yT := nn.FromFloat64s(ys, N)

gradAt := func(w0, b0 float64) (lossV, gw, gb float64) {
	w := nn.Scalar(float32(w0)).SetRequiresGrad(true)
	b := nn.Scalar(float32(b0)).SetRequiresGrad(true)
	l := nn.MSE(xT.Mul(w).Add(b), yT)
	l.Backward()
	return float64(l.Item()), float64(w.Grad().Item()), float64(b.Grad().Item())
}
_, gw, gb := gradAt(-1, 4)
hw, hb := 0.0, 0.0
for i := range xs {
	r := -1*xs[i] + 4 - ys[i]
	hw += 2 * r * xs[i] / N
	hb += 2 * r / N
}
fmt.Printf("library: ∂L/∂w = %.4f  ∂L/∂b = %.4f\n", gw, gb)
fmt.Printf("formula: ∂L/∂w = %.4f  ∂L/∂b = %.4f\n", hw, hb)

// %% [markdown]
// Now the descent itself, from the same start `(−1, 4)`, with three learning rates. How large may a step
// be? The loss curves upwards more steeply in some directions than in others; the steepest curvature
// `λ` is the largest eigenvalue of the matrix of second derivatives, here
// `2·[[mean x², mean x], [mean x, 1]]`. The theory of gradient descent says steps stay stable only while
// `η < 2/λ`. We compute `λ` from the data and pick a small rate, a good one, and one just over the edge.

// %%
mx, mxx := 0.0, 0.0
for _, v := range xs {
	mx += v / N
	mxx += v * v / N
}
a, c, d := 2*mxx, 2*mx, 2.0 // the symmetric matrix [[a, c], [c, d]]
lamMax := (a+d)/2 + math.Sqrt((a-d)*(a-d)/4+c*c)
lamMin := (a+d)/2 - math.Sqrt((a-d)*(a-d)/4+c*c)
etaSmall, etaGood, etaLarge := 0.25/lamMax, 2/(lamMax+lamMin), 2.2/lamMax
fmt.Printf("curvature: steepest λ = %.2f, flattest %.2f → stable while η < %.3f\n", lamMax, lamMin, 2/lamMax)
fmt.Printf("learning rates: small %.3f, good %.3f, too large %.3f\n", etaSmall, etaGood, etaLarge)

// %%
descend := func(lr float64, steps int) (ws, bs, losses []float64) {
	w, b := -1.0, 4.0
	for s := 0; s <= steps; s++ {
		l, gw, gb := gradAt(w, b)
		ws, bs, losses = append(ws, w), append(bs, b), append(losses, l)
		if w < -2 || w > 5 || b < -3 || b > 6 {
			break // left the map: it has diverged
		}
		w -= lr * gw
		b -= lr * gb
	}
	return
}
steps := 60
ws1, bs1, l1 := descend(etaSmall, steps)
ws2, bs2, l2 := descend(etaGood, steps)
ws3, bs3, l3 := descend(etaLarge, steps)
plots.Landscape("Gradient descent with three learning rates", loss, -2, 5, -3, 6).
	Labels("weight w", "bias b").
	Path(fmt.Sprintf("η = %.2f (too small)", etaSmall), ws1, bs1).
	Path(fmt.Sprintf("η = %.2f (good)", etaGood), ws2, bs2).
	Path(fmt.Sprintf("η = %.2f (too large)", etaLarge), ws3, bs3)

// %% [markdown]
// Read the paths like a ball rolling down the valley (ring: start, dot: end):
// - the **small** rate creeps: after 60 steps it is still far from the bottom.
// - the **good** rate bounces between the valley's walls a little, each bounce smaller, and settles at
//   the bottom within a few dozen steps.
// - the **too large** rate overshoots every time, landing a little higher on the opposite wall at each step,
//   until it leaves the map: the loss explodes.
//
// The same story as loss curves (log scale):

// %%
plots.Line("Loss during gradient descent",
	plots.S("small η", l1), plots.S("good η", l2), plots.S("too large η", l3)).
	Labels("step", "loss (mean squared error)").LogY()

// %% [markdown]
// ## Drag the learning rate
//
// The learning rate is a knob you can turn. Drag it and watch the path and the final loss change: below
// the stability limit the ball settles, above it the path bounces further out at each step. (In a
// terminal or a stored notebook the cell shows one frame, at the good rate.)

// %%
eta := widgets.NewFloatSlider("η", math.Round(etaGood*100)/100, 0.01, math.Round(2.4/lamMax*100)/100, 0.01)
nSteps := widgets.NewIntSlider("steps", 30, 1, 100, 1)
widgets.Interact(func(lr float64, n int) *plots.Figure {
	ws, bs, ls := descend(lr, n)
	verdict := "settles"
	switch {
	case lr >= 2/lamMax:
		verdict = "diverges: η ≥ 2/λ"
	case ls[len(ls)-1] > 2*ls[0]/3:
		verdict = "crawls"
	}
	return plots.Landscape(fmt.Sprintf("η = %.2f, %d steps: loss %.3f, %s", lr, n, ls[len(ls)-1], verdict), loss, -2, 5, -3, 6).
		Labels("weight w", "bias b").Path(fmt.Sprintf("η = %.2f", lr), ws, bs)
}, eta, nSteps)

// %% [markdown]
// And the fitted line at the end of the good run, against the data:

// %%
wBest, bBest := ws2[len(ws2)-1], bs2[len(bs2)-1]
fmt.Printf("learned: y = %.3f·x + %.3f   (the data came from y = 2x + 1 plus noise)\n", wBest, bBest)
plots.Line("The fitted line",
	plots.Points("data", xs, ys),
	plots.XY(fmt.Sprintf("ŷ = %.2f·x + %.2f", wBest, bBest), []float64{0, 2}, []float64{bBest, 2*wBest + bBest}),
).Labels("x", "y")

// %% [markdown]
// ## Takeaways
// - The loss turns "how wrong is the model?" into one number; as a function of the parameters it is a
//   landscape.
// - Gradient descent repeats one rule: compute the gradient, step against it, `θ ← θ − η·∇L`.
// - The learning rate is the most important knob of training: too small wastes steps, too large diverges.
// - Training GPT is this same loop, with 124 million parameters instead of two and a smarter variant
//   of the step (AdamW, lesson 6).
//
// **Try this:** drag `η` just under and just over the stability limit `2/λ` printed above and watch the
// path settle or bounce out; or halve the good rate and count the extra steps it needs to reach the same
// loss.
