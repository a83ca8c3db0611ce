//go:build ignore

// %% [markdown]
// # 9. The transformer block
//
// **You will learn**
// - the four parts of a GPT's building block: layer norm, causal self-attention, the MLP, and the
//   residual paths that tie them together;
// - what the causal mask looks like and why a GPT needs it;
// - multi-head attention: several small heads side by side, each with its own pattern;
// - the whole GPT written out in about 70 lines of tensor operations, checked against the library's
//   `nn.GPT` (same weights, same logits, same gradients);
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
	plots.Heatmap("mask (1 = forbidden)", mask, pos, pos).Labels("key position", "query position").ColorLabel("forbidden"),
	plots.Heatmap("attention weights after masking", weights, pos, pos).Labels("key position", "query position").ColorLabel("attention weight"),
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
// ## The whole GPT, written out
//
// So far the library built the model for us. Now we write it ourselves from tensor operations, with
// nothing hidden: every weight is a tensor in a map, named as the library names its parameters, and every
// step of the forward pass is a line below. A tiny model is enough to see everything: a vocabulary of
// the words of lesson 8's sentence, 2 blocks, width 32, **4 heads**.

// %%
words := strings.Fields("the animal didn't cross the street because it")
var vocab []string
wordID := map[string]int{}
for _, wd := range words {
	if _, ok := wordID[wd]; !ok {
		wordID[wd] = len(vocab)
		vocab = append(vocab, wd)
	}
}
small := nn.Config{Vocab: len(vocab), Block: len(words), Layers: 2, Heads: 4, Embd: 32}
d, heads := small.Embd, small.Heads
hd := d / heads // each head works in hd = 8 dimensions

// The weights, drawn at random (std 0.3, larger than a real start, so that every part matters below).
nn.Seed(90)
w := map[string]*nn.Tensor{}
draw := func(name string, std float32, shape ...int) { w[name] = nn.Normal(0, std, shape...).SetRequiresGrad(true) }
gain := func(name string) { w[name] = nn.Normal(1, 0.1, d).SetRequiresGrad(true) }
draw("wte.weight", 0.3, small.Vocab, d) // token embeddings, also the output layer ("tied")
draw("wpe.weight", 0.3, small.Block, d) // position embeddings
for l := 0; l < small.Layers; l++ {
	b := fmt.Sprintf("blocks.%d.", l)
	gain(b + "ln1.weight")
	draw(b+"qkv.weight", 0.3, 3*d, d) // rows 0…d-1 make queries, d…2d-1 keys, 2d…3d-1 values
	draw(b+"proj.weight", 0.3, d, d)  // mixes the heads' outputs
	gain(b + "ln2.weight")
	draw(b+"fc.weight", 0.3, 4*d, d) // the MLP: expand 4×
	draw(b+"out.weight", 0.1, d, 4*d) //          and back
}
gain("ln_f.weight")

// linear applies a weight [out, in] to the last axis of x: x·Wᵀ.
linear := func(x, weight *nn.Tensor) *nn.Tensor { return nn.MatMulT(x, weight) }

// attentionHead is lesson 8's attention with the causal mask: x [B, T, d] → [B, T, hd], and the weights.
attentionHead := func(x, wq, wk, wv *nn.Tensor) (*nn.Tensor, *nn.Tensor) {
	q, k, v := linear(x, wq), linear(x, wk), linear(x, wv)
	scores := nn.MatMulT(q, k).MulScalar(float32(1 / math.Sqrt(float64(hd))))
	weights := scores.MaskedFill(nn.CausalMask(x.Dim(1)), nn.NegInf()).Softmax(-1)
	return weights.MatMul(v), weights
}

// multiHead runs the heads side by side, each with its own slice of the qkv rows, joins their outputs
// and mixes them with proj.
multiHead := func(x, qkv, proj *nn.Tensor) (*nn.Tensor, []*nn.Tensor) {
	var outs, patterns []*nn.Tensor
	for h := 0; h < heads; h++ {
		rows := func(part int) *nn.Tensor { return qkv.Slice(0, part*d+h*hd, part*d+(h+1)*hd) }
		out, weights := attentionHead(x, rows(0), rows(1), rows(2))
		outs, patterns = append(outs, out), append(patterns, weights)
	}
	return linear(nn.Concat(2, outs...), proj), patterns
}

// block is x += Attention(LayerNorm(x)); x += MLP(LayerNorm(x)), with block l's weights.
block := func(x *nn.Tensor, l int) (*nn.Tensor, []*nn.Tensor) {
	b := fmt.Sprintf("blocks.%d.", l)
	att, patterns := multiHead(nn.LayerNorm(x, w[b+"ln1.weight"], nil, 1e-5), w[b+"qkv.weight"], w[b+"proj.weight"])
	x = x.Add(att)
	hidden := linear(nn.LayerNorm(x, w[b+"ln2.weight"], nil, 1e-5), w[b+"fc.weight"]).GELU()
	return x.Add(linear(hidden, w[b+"out.weight"])), patterns
}

// gpt maps B rows of T token ids to logits [B, T, vocab], and returns block 0's attention patterns.
gpt := func(ids []int, B, T int) (*nn.Tensor, []*nn.Tensor) {
	positions := make([]int, T)
	for i := range positions {
		positions[i] = i
	}
	x := nn.Embedding(w["wte.weight"], ids).Reshape(B, T, d).Add(nn.Embedding(w["wpe.weight"], positions))
	var first []*nn.Tensor
	for l := 0; l < small.Layers; l++ {
		var patterns []*nn.Tensor
		x, patterns = block(x, l)
		if l == 0 {
			first = patterns
		}
	}
	x = nn.LayerNorm(x, w["ln_f.weight"], nil, 1e-5)
	return nn.MatMulT(x, w["wte.weight"]), first // tied: the output layer is the token table
}

// %% [markdown]
// ### Multi-head attention
//
// One head computes one pattern: one idea of which earlier words matter. A model wants several at once —
// one head may track the previous word, another the subject of the sentence, another a repeated name —
// so attention is split into `heads` smaller heads, each with its own queries, keys and values in `hd`
// of the `d` dimensions. They run side by side, their outputs are laid next to each other (`Concat`),
// and `proj` mixes them back into one vector per token. Same number of weights as one wide head; many
// patterns instead of one. Here are the 4 patterns of block 0 on our sentence (random weights, so the
// patterns are random too; lesson 10 trains them):

// %%
ids := make([]int, len(words))
for i, wd := range words {
	ids[i] = wordID[wd]
}
_, patterns := gpt(ids, 1, len(words))
var panels []*plots.Figure
for h, p := range patterns {
	panels = append(panels, plots.Heatmap(fmt.Sprintf("head %d", h), p.Index(0, 0), words, words).Labels("looks at", "word").ColorLabel("attention weight"))
}
plots.Panels("Four heads, four attention patterns on one sentence (block 0)", 4, panels...).Size(16, 4.6)

// %% [markdown]
// ### The same model, in the library
//
// `nn.GPT` is this code, made fast (fused attention kernels, one matrix product for all heads). We load
// our weights into it by name and feed both the same sentence. The logits must agree, and so must the
// gradients of a loss with respect to every weight — backpropagation through our 70 lines and through the
// library's kernels. Both compute in float32, in different orders (the fused kernel sums in blocks), so
// they agree to rounding: we allow 1e-4, where a wrong mask, head split or layer would differ by about 1.

// %%
lib := nn.MustGPT(small)
if err := nn.LoadState(lib, w); err != nil {
	panic(err)
}
targets := append(ids[1:], ids[0]) // any targets will do: we compare gradients, not train
ours, _ := gpt(ids, 1, len(words))
theirs := lib.Forward(ids, 1, len(words))
logitDiff := ours.Sub(theirs).Abs().Max().Item()
nn.CrossEntropy(ours.Reshape(-1, small.Vocab), targets).Backward()
nn.CrossEntropy(theirs.Reshape(-1, small.Vocab), targets).Backward()
gradDiff := 0.0
for _, p := range lib.Parameters() {
	diff := float64(w[p.Name].Grad().Sub(p.Value.Grad()).Abs().Max().Item())
	scale := float64(p.Value.Grad().Abs().Max().Item())
	gradDiff = math.Max(gradDiff, diff/math.Max(scale, 1e-6))
}
fmt.Printf("largest logit difference: %.2g (logits range over ±%.1f)\n", logitDiff, theirs.Abs().Max().Item())
fmt.Printf("largest gradient difference, relative to each weight's largest gradient: %.2g over %d tensors\n", gradDiff, len(lib.Parameters()))

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
// Parameters grow with layers × width², so width is the expensive knob. On log scales both ways a power
// law is a straight line; the dots are published models (their shapes: GPT-2 small 12 layers of 768,
// GPT-3 96 of 12,288, Llama 3.1 405B 126 of 16,384 — Llama's MLP and vocabulary differ from GPT's, so it
// sits off the 12·d² lines).

// %%
var ds []float64
var p12, p48, p96 []float64
for d := 128; d <= 32768; d *= 2 {
	ds = append(ds, float64(d))
	p12 = append(p12, float64(count(50257, 1024, 12, d)))
	p48 = append(p48, float64(count(50257, 1024, 48, d)))
	p96 = append(p96, float64(count(50257, 1024, 96, d)))
}
plots.Line("GPT parameters vs width (vocabulary 50,257)",
	plots.XY("12 layers", ds, p12), plots.XY("48 layers", ds, p48), plots.XY("96 layers", ds, p96),
	plots.Points("GPT-2 small (124M)", []float64{768}, []float64{124e6}),
	plots.Points("GPT-3 (175B)", []float64{12288}, []float64{175e9}),
	plots.Points("Llama 3.1 405B", []float64{16384}, []float64{405e9})).
	Labels("model width d", "parameters").LogX().LogY()

// %% [markdown]
// ## Takeaways
// - A block is `x += Attention(LayerNorm(x))`, then `x += MLP(LayerNorm(x))`.
// - Layer norm keeps every token's vector on one scale; the causal mask keeps each position from seeing
//   the future; the MLP works on each token alone.
// - Residual paths let information and gradients pass through deep stacks.
// - Multi-head attention runs several small heads side by side, each with its own pattern, and mixes
//   their outputs; the whole GPT is embeddings, blocks, a final layer norm and the tied output layer —
//   about 70 lines, which `nn.GPT` reproduces to rounding.
// - Parameters ≈ `12·layers·d² + vocabulary·d`: GPT-2 small's 124 million follow from its shape.
//
// **Try this:** in `multiHead`, give every head the first head's rows (`h` → `0` inside `rows`) and watch
// the written-out GPT disagree with `nn.GPT`; or call `count(50257, 1024, 24, 1024)` for GPT-2 medium's shape and compare it with the
// published 355M; or double `Embd` in `cfg` and watch the library's count roughly quadruple.
