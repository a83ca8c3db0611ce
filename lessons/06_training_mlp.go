//go:build ignore

// %% [markdown]
// # 6. Training a network
//
// **You will learn**
// - the complete training loop: forward pass, loss, backward pass, optimizer step — repeated;
// - the *cross-entropy* loss for classification;
// - how to watch training (a live loss curve) and what the trained network has learned (its decision
//   boundary bending around the data).

// %% [markdown]
// ## A data set no straight line can separate
//
// We generate three interleaved spiral arms in the plane, one class per arm. Each point is
// `r·(cos θ, sin θ)` where the angle `θ` grows with the radius `r`, plus a little noise. No single
// neuron (a straight line) could separate them; a network with hidden layers can.

// %%
nn.Seed(6)
const perClass, classes = 100, 3
noise := nn.Randn(perClass*classes, 2).Float64s()
var pts [][]float64
var labels []int
for c := 0; c < classes; c++ {
	for i := 0; i < perClass; i++ {
		r := float64(i) / perClass
		theta := 7*r + 2*math.Pi*float64(c)/classes
		n := c*perClass + i
		x := r*math.Cos(theta) + 0.04*noise[2*n]
		y := r*math.Sin(theta) + 0.04*noise[2*n+1]
		pts = append(pts, []float64{x, y})
		labels = append(labels, c)
	}
}
X := nn.FromPoints(pts)
plots.Scatter("Three spirals (300 points)", pts, labels).
	ClassNames("arm 0", "arm 1", "arm 2").Labels("x₁", "x₂")

// %% [markdown]
// ## The model and the loss
//
// A network 2 → 64 → 64 → 3 with ReLU activations (4,547 parameters). For classification the loss is the
// **cross-entropy**: turn the 3 logits into probabilities with the softmax and take `−log p` of the
// correct class, averaged over the points. A confident right answer (`p ≈ 1`) costs almost nothing; a
// confident wrong one (`p ≈ 0`) costs a lot. Guessing uniformly costs `log 3 ≈ 1.10`, the value to beat.

// %%
nn.Seed(60)
l1 := nn.NewLinear(2, 64, true, float32(math.Sqrt(2.0/2)))
l2 := nn.NewLinear(64, 64, true, float32(math.Sqrt(2.0/64)))
l3 := nn.NewLinear(64, 3, true, float32(math.Sqrt(1.0/64)))
model := func(x *nn.Tensor) *nn.Tensor {
	return l3.Forward(l2.Forward(l1.Forward(x).ReLU()).ReLU())
}
var params []*nn.Param
for _, l := range []*nn.Linear{l1, l2, l3} {
	params = append(params, l.Parameters()...)
}
count := 0
for _, p := range params {
	count += p.Value.Len()
}
fmt.Println("parameters:", count)
fmt.Printf("loss before training: %.3f (uniform guessing: %.3f)\n",
	nn.CrossEntropy(model(X), labels).Item(), math.Log(3))

// %% [markdown]
// A helper draws the model's decision regions: it asks the model for the class of every point of a
// fine grid, in one batched call.

// %%
predict := nn.Classify(model)
accuracy := func() float64 {
	var pred []int
	nn.NoGrad(func() { pred = model(X).ArgMaxes() })
	ok := 0
	for i, p := range pred {
		if p == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}
boundary := func(title string) *plots.Figure {
	return plots.Scatter(title, pts, labels).BoundaryBatch(predict).ClassNames("arm 0", "arm 1", "arm 2").Labels("x₁", "x₂")
}
before := boundary(fmt.Sprintf("step 0 (accuracy %.0f%%)", 100*accuracy()))

// %% [markdown]
// ## The training loop
//
// Each step: compute the loss on all 300 points (forward), `Backward` for the gradients, and let the
// optimizer change the parameters. We use **AdamW**, the optimizer GPTs are trained with: gradient
// descent that keeps a running average of each parameter's gradient and of its square, so every
// parameter gets a well-scaled step. The loss curve updates live while the loop runs.

// %%
steps := 1500
if display.Quick() {
	steps = 300
}
opt := nn.NewAdamW(params, 0.01, 0)
progress := plots.NewProgress(steps, "Training the spiral classifier").Label("cross-entropy loss").LogY()
var snapshots []*plots.Figure
snapshots = append(snapshots, before)
var losses []float64
for step := 1; step <= steps; step++ {
	loss := nn.CrossEntropy(model(X), labels)
	opt.ZeroGrad()
	loss.Backward()
	opt.Step()
	losses = append(losses, float64(loss.Item()))
	progress.Add(step, "train", float64(loss.Item()))
	progress.Update(step, "")
	if step == steps/30 || step == steps/6 {
		snapshots = append(snapshots, boundary(fmt.Sprintf("step %d (accuracy %.0f%%)", step, 100*accuracy())))
	}
}
progress.Done()
snapshots = append(snapshots, boundary(fmt.Sprintf("step %d (accuracy %.0f%%)", steps, 100*accuracy())))
fmt.Printf("loss after %d steps: %.4f, accuracy %.1f%%\n", steps, losses[len(losses)-1], 100*accuracy())

// %% [markdown]
// ## What the network learned
//
// The decision regions at four moments of training. At step 0 the random network splits the plane
// arbitrarily; the borders then rotate and bend until each arm of the spiral has its own region.

// %%
plots.Panels("Decision boundary during training", 2, snapshots...)

// %% [markdown]
// The final boundary, larger:

// %%
boundary(fmt.Sprintf("Trained 2 → 64 → 64 → 3 network: accuracy %.0f%%", 100*accuracy()))

// %% [markdown]
// And the trained network itself: every weight a line, thick where the weight is large, blue where it is
// positive, red where negative. Compare it with the random network of lesson 3: training has made a few
// connections strong and left most of them weak.

// %%
plots.Network("The trained 2 → 64 → 64 → 3 network's weights", l1.Weight, l2.Weight, l3.Weight).
	LayerNames("input", "hidden 1", "hidden 2", "output").Size(7, 6.5).DPI(100)

// %% [markdown]
// ## Takeaways
// - Training is a loop of four calls: forward, loss, backward, optimizer step.
// - Cross-entropy scores a classifier by `−log p(correct class)`; uniform guessing scores `log(classes)`.
// - Hidden layers with ReLUs let the network bend its decision boundary around data that no straight
//   line can separate.
// - A network this small trains in seconds because every heavy operation runs in compiled code; the cell
//   only makes a handful of calls per step.
//
// **Try this:** remove the middle layer (`l2`) and retrain: can 2 → 64 → 3 still wind around three
// spirals? Or set AdamW's learning rate to `0.1` and watch the loss curve turn jagged.
