//go:build ignore

// %% [markdown]
// # 9. The transformer block
//
// **You will learn**
// - the four parts of a GPT's building block: layer norm, causal self-attention, the MLP, and the
//   residual paths that tie them together;
// - what the causal mask looks like and why a GPT needs it;
// - how to count a GPT's parameters, and check the count against the library and against GPT-2.

// %% [markdown]
// ## The block in one picture
//
// A GPT is a stack of identical *blocks*. Each block reads a sequence of vectors (one per token, the
// *residual stream*) and adds two corrections to it:
//
// ```
// x = x + Attention(LayerNorm(x))   // tokens exchange information
// x = x + MLP(LayerNorm(x))         // each token thinks on its own
// ```
//
// Here is a small model from the library, with the shapes of its parameters (those of block 0; the
// other blocks have the same). The parts of a block are ordinary layers we can also build on their own:
// `nn.NewLayerNorm`, `nn.NewCausalSelfAttention`, `nn.NewMLP`.

// %%
nn.Seed(9)
cfg := nn.Config{Vocab: 64, Block: 8, Layers: 4, Heads: 4, Embd: 64}
model := nn.MustGPT(cfg)
fmt.Println(model)
for _, p := range model.Parameters() {
	if strings.HasPrefix(p.Name, "blocks.0.") || !strings.HasPrefix(p.Name, "blocks.") {
		fmt.Printf("  %-20s %v\n", p.Name, p.Value.Shape())
	}
}

// %% [markdown]
// ## Layer norm
//
// Numbers flowing through many layers can drift to very large or very small scales, which makes
// training unstable. **Layer norm** rescales each token's vector to mean 0 and standard deviation 1, then
// multiplies by a learned *gain* per feature (it starts at 1). Four token vectors with wildly different
// scales, before and after:

// %%
scales := []float32{0.1, 1, 10, 100}
var rows []*nn.Tensor
for _, s := range scales {
	rows = append(rows, nn.Randn(1, 64).MulScalar(s).AddScalar(s))
}
x := nn.Concat(0, rows...)
ln := nn.NewLayerNorm(64, false)
y := ln.Forward(x)
for i := range scales {
	xi := x.Index(0, i)
	yi := y.Index(0, i)
	fmt.Printf("token %d: before mean %8.3f std %8.3f   after mean %6.3f std %5.3f\n", i,
		xi.Mean().Item(), xi.Sub(xi.Mean()).Square().Mean().Sqrt().Item(),
		yi.Mean().Item(), yi.Sub(yi.Mean()).Square().Mean().Sqrt().Item())
}
plots.Panels("Layer norm puts every token on the same scale", 2,
	plots.Histograms("before", 30, plots.S("scale 0.1", x.Index(0, 0)), plots.S("scale 1", x.Index(0, 1)), plots.S("scale 10", x.Index(0, 2))).Labels("value", "count"),
	plots.Histograms("after", 30, plots.S("scale 0.1", y.Index(0, 0)), plots.S("scale 1", y.Index(0, 1)), plots.S("scale 10", y.Index(0, 2))).Labels("value", "count"),
).Size(11, 4)

// %% [markdown]
// ## The causal mask
//
// A GPT is trained to predict each next token from the ones before it, on all positions of a sequence
// at once. If position 3 could look at position 4, it would simply read the answer. So before the
// softmax, every score of a query looking at a *later* key is replaced by −∞, whose softmax weight is 0.
// The mask is a triangle:

// %%
const T = 8
mask := nn.CausalMask(T)
pos := []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"}
scores := nn.Randn(T, T)
weights := scores.MaskedFill(mask, nn.NegInf()).Softmax(-1)
plots.Panels("The causal mask: a token sees only itself and the past", 2,
	plots.Heatmap("mask (1 = forbidden)", mask, pos, pos).Labels("key position", "query position"),
	plots.Heatmap("attention weights after masking", weights, pos, pos).Labels("key position", "query position"),
).Size(11, 4.8)

// %% [markdown]
// ## The MLP
//
// After attention has moved information between tokens, the **MLP** processes each token separately: a
// layer 4× wider than the model, a GELU, and a layer back to the model's width. It holds two thirds of
// a block's weights; it is where much of what a model "knows" is stored.

// %%
mlp := nn.NewMLP(cfg.Embd, 4*cfg.Embd, false, 0.02, 0.02, 0)
h := nn.Randn(1, T, cfg.Embd)
fmt.Println("input      ", h.Shape())
fmt.Println("fc (expand)", mlp.FC.Forward(h).Shape(), "weight", mlp.FC.Weight.Shape())
fmt.Println("out (back) ", mlp.Forward(h).Shape(), "weight", mlp.Out.Weight.Shape())

// %% [markdown]
// ## Residual paths
//
// The `x = x + …` is the **residual path**: each part only adds a correction to the stream, and the
// stream itself passes through untouched. At initialisation the corrections are small (the library
// starts the last layer of each part with small weights), so a freshly built 4-block model hands its
// input through almost unchanged — and gradients flow back through the additions just as easily. That is
// what makes stacks of dozens of blocks trainable. We measure how much each block changes the stream:

// %%
stream := nn.Randn(1, T, cfg.Embd)
var change []float64
for i, b := range model.Blocks {
	next := b.Forward(stream)
	rel := next.Sub(stream).Square().Sum().Sqrt().Item() / stream.Square().Sum().Sqrt().Item()
	change = append(change, float64(rel))
	fmt.Printf("block %d changes the stream by %.1f%%\n", i, 100*rel)
	stream = next
}

// %% [markdown]
// ## Counting a GPT's parameters
//
// With model width `d`, one block holds `3d²` (query, key and value projections) `+ d²` (attention
// output) `+ 4d² + 4d²` (MLP) `= 12d²` weights, plus `2d` layer-norm gains. The model adds the token table
// `V·d` (reused as the output layer: *tied* embeddings), the position table `T·d`, and a final layer
// norm `d`. Our formula against the library:

// %%
count := func(V, T, L, d int) int { return V*d + T*d + L*(12*d*d+2*d) + d }
fmt.Printf("formula: %d   library: %d\n", count(cfg.Vocab, cfg.Block, cfg.Layers, cfg.Embd), model.NumParams())
gpt2 := count(50257, 1024, 12, 768)
fmt.Printf("GPT-2 small (V=50257, T=1024, 12 layers, d=768): %d parameters (published: 124M)\n", gpt2)

// %% [markdown]
// Parameters grow with layers × width², so width is the expensive knob. For three depths:

// %%
var ds []float64
var p6, p12, p24 []float64
for d := 128; d <= 4096; d *= 2 {
	ds = append(ds, float64(d))
	p6 = append(p6, float64(count(50257, 1024, 6, d)))
	p12 = append(p12, float64(count(50257, 1024, 12, d)))
	p24 = append(p24, float64(count(50257, 1024, 24, d)))
}
plots.Line("GPT parameters vs width (vocabulary 50,257)",
	plots.XY("6 layers", ds, p6), plots.XY("12 layers", ds, p12), plots.XY("24 layers", ds, p24)).
	Labels("model width d", "parameters").LogY()

// %% [markdown]
// ## Takeaways
// - A block is `x += Attention(LayerNorm(x))`, then `x += MLP(LayerNorm(x))`.
// - Layer norm keeps every token's vector on one scale; the causal mask keeps each position from seeing
//   the future; the MLP works on each token alone.
// - Residual paths let information and gradients pass through deep stacks.
// - Parameters ≈ `12·layers·d² + vocabulary·d`: GPT-2 small's 124 million follow from its shape.
//
// **Try this:** call `count(50257, 1024, 24, 1024)` for GPT-2 medium's shape and compare it with the
// published 355M; or double `Embd` in `cfg` and watch the library's count roughly quadruple.
