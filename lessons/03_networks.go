//go:build ignore

// %% [markdown]
// # 3. Networks
//
// **You will learn**
// - how neurons are arranged in *layers*: an input layer, hidden layers and an output layer;
// - how to count a network's parameters (the numbers learning will tune), by formula and by the library;
// - what a forward pass of a small classifier computes, shape by shape, ending in probabilities.

// %% [markdown]
// ## From one neuron to a layer
//
// A *layer* is many neurons reading the same inputs. With `n` inputs and `m` neurons, the weights form
// an `n × m` matrix (one column per neuron) and the biases a vector of `m` numbers. One matrix product
// computes all the neurons at once, for all the examples at once.
//
// The library's `nn.Linear` is exactly this: it holds `Weight` (stored `[out, in]`, PyTorch's
// convention) and `Bias`, and `Forward` computes `x·Wᵀ + b`.

// %%
nn.Seed(7)
layer := nn.NewLinear(4, 3, true, 0.5) // 4 inputs → 3 neurons, weights drawn from N(0, 0.5)
fmt.Println("weight:", layer.Weight.Shape(), " bias:", layer.Bias.Shape())
in := nn.Randn(2, 4) // two examples
out := layer.Forward(in)
fmt.Println("output:", out.Shape(), "— one row per example, one column per neuron")
by := nn.MatMul(in, layer.Weight.T()).Add(layer.Bias) // the same by hand
fmt.Printf("largest difference from x·Wᵀ + b: %.2g\n", out.Sub(by).Abs().Max().Item())

// %% [markdown]
// ## A classifier: 2 → 16 → 16 → 3
//
// Our network reads a point of the plane (2 numbers), passes it through two hidden layers of 16
// neurons with a `tanh` after each (lesson 2: without it the layers would collapse), and ends in an
// output layer of 3 neurons, one per class. Their outputs, called *logits*, become probabilities through
// the **softmax**: `p_i = e^{z_i} / Σ_j e^{z_j}` — positive, summing to 1, largest where the logit is largest.
//
// Here the network is three `Linear` layers and a function that chains them.

// %%
nn.Seed(11)
sizes := []int{2, 16, 16, 3}
var layers []*nn.Linear
for i := 0; i+1 < len(sizes); i++ {
	layers = append(layers, nn.NewLinear(sizes[i], sizes[i+1], true, float32(1/math.Sqrt(float64(sizes[i])))))
}
forward := func(x *nn.Tensor, verbose bool) *nn.Tensor {
	h := x
	for i, l := range layers {
		h = l.Forward(h)
		if i < len(layers)-1 {
			h = h.Tanh()
		}
		if verbose {
			fmt.Printf("after layer %d: shape %v\n", i+1, h.Shape())
		}
	}
	return h
}
points := nn.FromRows([][]float32{{0, 0}, {1, 2}, {-1, 0.5}, {2, -2}, {-0.5, -1.5}})
logits := forward(points, true)
probs := logits.Softmax(-1)
fmt.Println("probabilities (each row sums to 1):\n", probs)

// %% [markdown]
// The network as a picture: 2 inputs, two hidden layers of 16, 3 outputs, a line for each of its
// 2·16 + 16·16 + 16·3 = 336 weights (biases are not drawn), thick and blue for large positive weights,
// thick and red for large negative ones. The weights are random: nothing has been learned yet.

// %%
plots.Network("The untrained 2 → 16 → 16 → 3 network", layers[0].Weight, layers[1].Weight, layers[2].Weight).
	LayerNames("input", "hidden 1", "hidden 2", "output").Size(7, 6).DPI(120)

// %% [markdown]
// The untrained network has random weights, so its probabilities are close to a third each, with mild
// preferences. Drawn as a heatmap, one row per input point:

// %%
plots.Heatmap("Untrained classifier: class probabilities", probs,
	[]string{"(0, 0)", "(1, 2)", "(−1, 0.5)", "(2, −2)", "(−0.5, −1.5)"},
	[]string{"class A", "class B", "class C"}).Annotate().Labels("class", "input point").ColorLabel("probability")

// %% [markdown]
// And over the whole plane: each point coloured by the class the network prefers. Random weights already
// carve the plane into regions with curved borders (a single neuron could only draw a straight line);
// training (lesson 6) will move those borders to where the data needs them.

// %%
// predict gives the class the network prefers for each point (xs[i], ys[i]).
predict := nn.Classify(func(x *nn.Tensor) *nn.Tensor { return forward(x, false) })
// 60 random points, each labelled with the class the network prefers for it.
nn.Seed(12)
rnd := nn.Uniform(-3, 3, 60, 2).Float64s()
var px, py []float64
for i := 0; i < 60; i++ {
	px, py = append(px, rnd[2*i]), append(py, rnd[2*i+1])
}
var pts [][]float64
var cls []int
for i, c := range predict(px, py) {
	pts = append(pts, []float64{px[i], py[i]})
	cls = append(cls, int(c))
}
plots.Scatter("Regions of the untrained 2 → 16 → 16 → 3 network", pts, cls).
	BoundaryBatch(predict).ClassNames("class A", "class B", "class C").Labels("x₁", "x₂")

// %% [markdown]
// ## Counting parameters
//
// A `Linear` layer from `n` to `m` has `n·m` weights and `m` biases. Summing over our layers:

// %%
total := 0
for i, l := range layers {
	n, m := sizes[i], sizes[i+1]
	count := 0
	for _, p := range l.Parameters() {
		count += p.Value.Len()
	}
	fmt.Printf("layer %d: %2d×%-2d weights + %2d biases = %4d  (library: %d)\n", i+1, n, m, m, n*m+m, count)
	total += count
}
fmt.Println("total parameters:", total)

// %% [markdown]
// The count grows with the *square* of the width: doubling every hidden layer roughly quadruples the
// parameters. GPT-2 small has 124 million parameters; frontier models have hundreds of billions. The
// plot shows the count for our shape of network as the hidden width grows, on log scales both ways (a
// square is a straight line of slope 2 there), against those published sizes: our network would need
// hidden layers about 11,000 wide to match GPT-2 small and 640,000 wide to match Llama 3.1.

// %%
var widths, counts []float64
for wdt := 4; wdt <= 1 << 20; wdt *= 2 {
	c := 2*wdt + wdt + wdt*wdt + wdt + wdt*3 + 3
	widths = append(widths, float64(wdt))
	counts = append(counts, float64(c))
}
// Published sizes, as horizontal marks: how wide would our little network have to be to match them?
mark := func(name string, n float64) plots.Series {
	return plots.XY(name, []float64{widths[0], widths[len(widths)-1]}, []float64{n, n})
}
plots.Line("Parameters of a 2 → w → w → 3 network",
	plots.XY("2 → w → w → 3", widths, counts),
	mark("GPT-2 small: 124M", 124e6), mark("GPT-3: 175B", 175e9), mark("Llama 3.1: 405B", 405e9)).
	Labels("hidden width w", "number of parameters").LogX().LogY()

// %% [markdown]
// ## Takeaways
// - A layer is a matrix of weights and a vector of biases; `x·Wᵀ + b` computes every neuron for every
//   example in one product.
// - A network chains layers with activations between them; the last layer's logits become probabilities
//   through the softmax.
// - Parameters: `n·m + m` per layer, growing with the square of the width. Everything the network
//   "knows" lives in these numbers.
//
// **Try this:** set `sizes` to `[]int{2, 64, 64, 3}` and watch the parameter count grow with the square of
// the width, and the untrained regions' borders get more curved.
