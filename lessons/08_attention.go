//go:build ignore

// %% [markdown]
// # 8. Self-attention
//
// **You will learn**
// - how *self-attention* lets every word look at the other words of the sentence and take what it needs;
// - queries, keys and values, the attention scores and their softmax, computed step by step on
//   *"the animal didn't cross the street because it was too tired"*;
// - that attention is *learned*: we train a small transformer on generated sentences where the next word
//   depends on what "it" refers to, and watch its attention point "it" at *animal* when the animal was
//   tired and at *street* when the street was wide;
// - why a GPT (causal attention) resolves "it" one word late, and how an *encoder* (attention without the
//   mask, as in BERT) lets the word "it" itself look at *animal*.

// %% [markdown]
// ## The problem
//
// *The animal didn't cross the street because **it** was too tired.* What was tired? The animal. Change
// one word — *because it was too **wide*** — and "it" is the street. The bigram model of lesson 7 sees only
// the previous word and can never tell. A model needs a way for the word "it" to look back at the other
// words and pick the right one, depending on the context. That mechanism is **attention**.
//
// ## Queries, keys and values
//
// Every word starts as a vector of numbers (its *embedding*). Attention computes three new vectors per
// word, each a matrix product with learned weights:
// - a **query** `q = x·W_Q`: what this word is looking for;
// - a **key** `k = x·W_K`: what this word offers, to be matched against queries;
// - a **value** `v = x·W_V`: what this word hands over when it is chosen.
//
// The **score** of word `i` looking at word `j` is the dot product `qᵢ·kⱼ` (large when they match),
// divided by `√d` to keep the numbers tame. A softmax over each row turns scores into *attention
// weights* that sum to 1, and word `i`'s output is the weighted average of the values: `Σⱼ wᵢⱼ vⱼ`.
//
// To see the arithmetic, we first use tiny embeddings with 6 readable features and hand-picked weights.
// (A real model learns features and weights that nobody picked; that comes in the second half.)

// %%
words := strings.Fields("the animal didn't cross the street because it was too tired")
// features:      noun animate place pronoun tired-ish wide-ish
feature := map[string][]float32{
	"animal":  {1, 1, 0, 0, 0, 0},
	"street":  {1, 0, 1, 0, 0, 0},
	"it":      {0, 0, 0, 1, 0, 0},
	"tired":   {0, 0, 0, 0, 1, 0},
	"wide":    {0, 0, 0, 0, 0, 1},
	"the":     {0, 0, 0, 0, 0, 0},
	"didn't":  {0, 0, 0, 0, 0, 0},
	"cross":   {0, 0, 0, 0, 0, 0},
	"because": {0, 0, 0, 0, 0, 0},
	"was":     {0, 0, 0, 0, 0, 0},
	"too":     {0, 0, 0, 0, 0, 0},
}
embed := func(ws []string) *nn.Tensor {
	var rows [][]float32
	for _, w := range ws {
		rows = append(rows, feature[w])
	}
	return nn.FromRows(rows)
}
X := embed(words)
fmt.Println("X: one row per word, shape", X.Shape())

// %% [markdown]
// The query matrix turns "I am a pronoun" into "I am looking for a noun" (scaled by 3), "tired" into
// "looking for something animate", "wide" into "looking for a place". The key matrix lets nouns
// advertise that they are nouns, animate or places. Values simply pass the features on.

// %%
WQ := nn.Zeros(6, 3) // query features: wants-noun, wants-animate, wants-place
WK := nn.Zeros(6, 3) // key features:   is-noun,    is-animate,    is-place
WQ = WQ.Add(nn.FromRows([][]float32{
	{0, 0, 0}, {0, 0, 0}, {0, 0, 0},
	{3, 0, 0}, // pronoun → wants a noun
	{0, 3, 0}, // tired   → wants something animate
	{0, 0, 3}, // wide    → wants a place
}))
WK = WK.Add(nn.FromRows([][]float32{
	{1, 0, 0}, // noun
	{0, 1, 0}, // animate
	{0, 0, 1}, // place
	{0, 0, 0}, {0, 0, 0}, {0, 0, 0},
}))
WV := nn.Eye(6)

Q := nn.MatMul(X, WQ)
K := nn.MatMul(X, WK)
V := nn.MatMul(X, WV)
scores := nn.MatMul(Q, K.T()).MulScalar(float32(1 / math.Sqrt(3)))
plots.Heatmap("Attention scores q·k/√d (rows: the word looking, columns: the word looked at)",
	scores, words, words).Annotate().Labels("key (looked at)", "query (looking)").ColorLabel("score").Size(9, 7.5)

// %% [markdown]
// Most rows are zero: words with no query features look for nothing. The row of **it** scores *animal*
// and *street* equally (both are nouns), and the row of **tired** scores *animal*. After the softmax,
// each row becomes a set of weights summing to 1:

// %%
weights := scores.Softmax(-1)
plots.Attention("Attention weights softmax(q·k/√d)", weights, words)

// %% [markdown]
// "it" splits its attention between *animal* and *street*: from its own features alone it cannot decide.
// The deciding word, *tired*, comes later. In a *bidirectional* transformer (BERT reads a sentence this
// way: every word sees every other, before and after it), several attention layers are stacked, and an
// earlier layer can first move information from "tired" into the vector of "it". We imitate that first
// layer by hand: add the vector of the adjective into the vector of "it", then recompute only the row of
// "it", once with *tired* and once with *wide*. (A GPT is *causal* — a word sees only the words before
// it — so there "it" cannot know about "tired" at all; we come back to that below.)

// %%
itRow := func(adjective string) []float64 {
	ws := append(append([]string(nil), words[:10]...), adjective)
	x := embed(ws)
	itIdx := 7
	xit := x.Index(0, itIdx).Add(x.Index(0, 10)).Reshape(1, 6) // "it" after an earlier layer mixed in the adjective
	q := nn.MatMul(xit, WQ)
	k := nn.MatMul(x, WK)
	return nn.MatMul(q, k.T()).MulScalar(float32(1 / math.Sqrt(3))).Softmax(-1).Float64s()
}
handTired, handWide := itRow("tired"), itRow("wide")
plots.Heatmap("Where \"it\" looks, with the adjective mixed in (hand-set weights)",
	[][]float64{handTired, handWide},
	[]string{"…too tired: it →", "…too wide: it →"}, words).Annotate().Labels("word looked at", "sentence").ColorLabel("attention weight").Size(10, 2.8)

// %% [markdown]
// With *tired*, "it" now puts most of its weight on *animal*; with *wide*, on *street*. The output of
// attention for "it" is then mostly the value of the right noun: "it" has been *resolved*.
//
// But we chose every weight by hand. Can a model find such weights itself, from nothing but the task of
// predicting the next word?
//
// ## Learning attention: a generated corpus
//
// We generate sentences of the form
//
// *the [old] X didn't cross the [big] Y because it was too ADJECTIVE → ANSWER*
//
// where the answer — the word the model must write after the adjective, saying what "it" was — is X (the
// one who didn't cross) when the adjective is *tired, scared, slow* or *lazy*, and Y (the thing not
// crossed) when it is *wide, busy, icy* or *long*. X and Y are drawn from the same twelve nouns —
// *animal, cat, dog, horse, cow, fox, street, road, river, bridge, field, track* — so a street may fail to
// cross a cat. That sounds silly, but it means the model cannot cheat by learning that cats get tired
// and roads are wide: it has to work out from the sentence itself who did what. The optional *old*/*big*
// shift the positions, and we leave out the pair *animal … street* entirely, so the sentences we test on
// at the end are new to the model. To predict the answer the model must find the right noun and copy
// it. Nobody tells it how.

// %%
nouns := []string{"animal", "cat", "dog", "horse", "cow", "fox", "street", "road", "river", "bridge", "field", "track"}
subjectAdj := []string{"tired", "scared", "slow", "lazy"}
objectAdj := []string{"wide", "busy", "icy", "long"}
vocab := []string{".", "the", "old", "big", "didn't", "cross", "because", "it", "was", "too"}
vocab = append(append(append(vocab, nouns...), subjectAdj...), objectAdj...)
tokID := map[string]int{}
for i, w := range vocab {
	tokID[w] = i
}
const T = 14 // every example is padded on the left with "." to 14 tokens: 13 inputs, 13 targets

// sentence returns the words of one example; the last is the answer, what "it" refers to.
sentence := func(x, y, adj string, oldX, bigY bool) []string {
	ws := []string{"the"}
	if oldX {
		ws = append(ws, "old")
	}
	ws = append(ws, x, "didn't", "cross", "the")
	if bigY {
		ws = append(ws, "big")
	}
	ws = append(ws, y, "because", "it", "was", "too", adj)
	answer := x
	for _, a := range objectAdj {
		if a == adj {
			answer = y
		}
	}
	return append(ws, answer)
}

// encode pads a sentence to T ids. Its targets are the next tokens, all −1 (ignored by the loss) except
// the answer after the adjective.
encode := func(ws []string) ([]int, []int) {
	ids := make([]int, 0, T)
	for len(ids)+len(ws) < T {
		ids = append(ids, tokID["."])
	}
	for _, w := range ws {
		ids = append(ids, tokID[w])
	}
	in, target := ids[:T-1], append([]int(nil), ids[1:]...)
	for i := 0; i < T-2; i++ {
		target[i] = -1
	}
	return in, target
}

randomExample := func() []string {
	for {
		x, y := nouns[nn.RandInt(len(nouns))], nouns[nn.RandInt(len(nouns))]
		if x == y || (x == "animal" && y == "street") {
			continue // two different nouns; the test pair is held out
		}
		adj := subjectAdj[nn.RandInt(4)]
		if nn.RandInt(2) == 0 {
			adj = objectAdj[nn.RandInt(4)]
		}
		return sentence(x, y, adj, nn.RandInt(3) == 0, nn.RandInt(3) == 0)
	}
}
nn.Seed(8)
for i := 0; i < 5; i++ {
	ws := randomExample()
	fmt.Println(strings.Join(ws[:len(ws)-1], " "), "→ it =", ws[len(ws)-1])
}

// %% [markdown]
// ## A small transformer
//
// The model is the library's GPT (lesson 9 opens it up): token and position embeddings, **2 layers**,
// each with one attention head and a small MLP, 32 numbers per token, about 26,000 parameters. Its
// attention is *causal*: a word sees only itself and the words before it. So the word "it" itself cannot
// know yet whether the animal or the street is meant — the deciding adjective comes later. The question
// is answered at the adjective, the first position that has seen the whole sentence.
//
// We train with AdamW on batches of 32 fresh random sentences to predict the answer. (A GPT is scored on
// every next token; here the other words are random choices that cannot be predicted, and scoring them
// would only drown the one prediction we care about.)

// %%
nn.Seed(80)
model := nn.MustGPT(nn.Config{Vocab: len(vocab), Block: T, Layers: 2, Heads: 1, Embd: 32})
fmt.Println(model)
opt := nn.NewAdamW(model.Parameters(), 4e-3, 0)
batch := func(B int) ([]int, []int) {
	var in, target []int
	for b := 0; b < B; b++ {
		i, t := encode(randomExample())
		in, target = append(in, i...), append(target, t...)
	}
	return in, target
}
steps := 1500
if display.Quick() {
	steps = 600
}
const B = 32
progress := plots.NewProgress(steps, "Training the attention model").Label("cross-entropy loss").LogY()
var xs, ys []int
for step := 1; step <= steps; step++ {
	xs, ys = batch(B)
	logits := model.Forward(xs, B, T-1)
	loss := nn.CrossEntropyIgnore(logits.Reshape(-1, len(vocab)), ys, -1)
	opt.ZeroGrad()
	loss.Backward()
	opt.Step()
	progress.Add(step, "train", float64(loss.Item()))
	progress.Update(step, "")
}
progress.Done()

// %% [markdown]
// The loss first sits near `log 12 ≈ 2.5`: the model has learned that the answer is one of the twelve
// nouns, but not which one, so it spreads its bet over all of them. Then it drops steeply, straight past
// `log 2 ≈ 0.7` (a coin flip between the sentence's two nouns), once attention has found how to look back
// at the right one. How often does it now answer right? We test on 500 new sentences:

// %%
answerAccuracy := func(n int) float64 {
	xs, ys := batch(n)
	var pred []int
	nn.NoGrad(func() { pred = model.Forward(xs, n, T-1).Reshape(n, T-1, len(vocab)).Index(1, T-2).ArgMaxes() })
	ok := 0
	for b := 0; b < n; b++ {
		if pred[b] == ys[b*(T-1)+T-2] {
			ok++
		}
	}
	return float64(ok) / float64(n)
}
model.Train(false)
fmt.Printf("answer accuracy on new sentences: %.1f%% (a coin flip between the two nouns: 50%%)\n", 100*answerAccuracy(500))

// %% [markdown]
// ## What did it learn to look at?
//
// Now the held-out sentences: *the animal didn't cross the street because it was too tired* and the same
// with *wide*. `ForwardAttention` returns the attention weights of every layer, `[batch, heads, T, T]`
// each.

// %%
attentionOf := func(adj string) ([]string, []*nn.Tensor, string) {
	var toks []string
	var att []*nn.Tensor
	ws := sentence("animal", "street", adj, false, false)
	ids, _ := encode(ws)
	for _, id := range ids {
		toks = append(toks, vocab[id])
	}
	var logits *nn.Tensor
	nn.NoGrad(func() { logits, att = model.ForwardAttention(ids, 1, T-1) })
	return toks, att, vocab[logits.Reshape(T-1, len(vocab)).ArgMaxes()[T-2]]
}
toks, attTired, answerTired := attentionOf("tired")
toksWide, attWide, answerWide := attentionOf("wide")
fmt.Printf("the animal didn't cross the street because it was too tired → it = %s\n", answerTired)
fmt.Printf("the animal didn't cross the street because it was too wide  → it = %s\n", answerWide)
plots.Panels("Learned attention (rows: the word looking, columns: the word looked at)", 2,
	plots.Attention("…too tired", nn.Stack(0, attTired[0].Index(0, 0), attTired[1].Index(0, 0)), toks),
	plots.Attention("…too wide", nn.Stack(0, attWide[0].Index(0, 0), attWide[1].Index(0, 0)), toksWide),
).Size(12, 7.5)

// %% [markdown]
// Read the grids row by row (the upper triangles are empty: attention is causal). The last row is the
// position that must say what "it" refers to. In layer 0, with *tired* it looks at *animal*; with *wide*
// it looks at *street*. (Most other rows of layer 0 look at the first noun, a habit that costs nothing
// because only the last position is scored.) Layer 1 spreads its attention evenly and mostly passes on
// what layer 0 fetched. Here is the deciding row, layer 0's last, for both sentences:

// %%
lastRow := func(att []*nn.Tensor) []float64 {
	return att[0].Index(0, 0).Mean(0).Index(0, T-2).Float64s() // layer 0, batch 0, mean of heads (one), last query
}
itTired, itWide := lastRow(attTired), lastRow(attWide)
position := func(w string) int {
	for i, t := range toks {
		if t == w {
			return i
		}
	}
	return -1
}
iAnimal, iStreet := position("animal"), position("street")
tiredOnAnimal, tiredOnStreet := itTired[iAnimal], itTired[iStreet]
wideOnAnimal, wideOnStreet := itWide[iAnimal], itWide[iStreet]
fmt.Printf("too tired: to resolve \"it\" the model attends %.2f to animal, %.2f to street\n", tiredOnAnimal, tiredOnStreet)
fmt.Printf("too wide:  to resolve \"it\" the model attends %.2f to animal, %.2f to street\n", wideOnAnimal, wideOnStreet)
cols := append([]string(nil), toks...)
cols[T-2] = "tired/wide"
plots.Heatmap("Where the model looks to resolve \"it\" (learned, layer 0)",
	[][]float64{itTired, itWide}, []string{"…too tired → it =", "…too wide → it ="}, cols).
	Annotate().Labels("word looked at", "sentence").ColorLabel("attention weight").Size(11, 2.8)

// %% [markdown]
// The model was never told about pronouns, subjects or objects. Trained only to predict one word, it
// learned attention that resolves "it" to *animal* when the sentence says *tired* and to *street* when it
// says *wide* — on a sentence it had never seen. Nobody set these weights: they came out of gradient
// descent on the next-word loss, like every other weight in this course.
//
// ## Reading both ways: an encoder
//
// The GPT answered at the adjective, one word after "it", because its attention is *causal*: a word sees
// itself and the words before it, never the ones after. That is not a weakness of attention but a rule
// of the game: a model that predicts the next word must not see it. The transformer of 2017 had a second
// half without that rule, the **encoder**, and models such as BERT (2018) are encoders only. There every
// word looks at every word — before and after — at the same time, so the word "it" itself can look at
// *animal*. That is the picture of the talk; let us train it.
//
// The model is the same library GPT with one setting changed, `Attend: nn.AttendAll` (no mask), and a
// fill-in-the-blank objective (a *masked token*, as BERT is trained): the model reads the whole sentence
// and must say, at the position of "it", which noun "it" stands for. Nothing else is scored. To answer,
// "it" has to find out what the sentence says about it (*tired* or *wide*, three words later) and then
// fetch the right noun: two steps, so the encoder has 2 layers, each with 2 heads.
//
// One choice we make for it: the second layer's queries and keys start 3× larger than the library's
// default and learn twice as fast as the other weights. With everything equal, training often finds
// another circuit first — the *adjective* fetches the noun in layer 0, and "it" copies the noun from the
// adjective in layer 1 — or sits for thousands of steps on a plateau. Which of several solutions gradient
// descent finds depends on where it starts and how fast each part moves: a real property of neural
// networks, and one reason why initial weights and learning rates are chosen with care.

// %%
// encodeBlank pads a sentence without its answer to T-1 tokens, as encode does; its one target is at
// "it": the noun "it" stands for.
encodeBlank := func(ws []string) ([]int, []int) {
	in, _ := encode(ws)
	target := make([]int, len(in))
	for i, id := range in {
		target[i] = -1
		if vocab[id] == "it" {
			target[i] = tokID[ws[len(ws)-1]]
		}
	}
	return in, target
}

// trainEncoder builds the encoder from seed and trains it for steps batches of 32 new sentences,
// reporting the loss to progress when it is not nil.
trainEncoder := func(seed uint64, steps int, progress *plots.Progress) *nn.GPT {
	nn.Seed(seed)
	m := nn.MustGPT(nn.Config{Vocab: len(vocab), Block: T - 1, Layers: 2, Heads: 2, Embd: 32, Attend: nn.AttendAll})
	state := nn.StateDict(m)
	state["blocks.1.qkv.weight"] = state["blocks.1.qkv.weight"].MulScalar(3) // layer 1's queries, keys, values
	if err := nn.LoadState(m, state); err != nil {
		panic(err)
	}
	var upper, rest []*nn.Param
	for _, p := range m.Parameters() {
		if p.Name == "blocks.1.qkv.weight" {
			upper = append(upper, p)
		} else {
			rest = append(rest, p)
		}
	}
	opt, optUpper := nn.NewAdamW(rest, 3e-3, 0), nn.NewAdamW(upper, 6e-3, 0)
	for step := 1; step <= steps; step++ {
		var in, target []int
		for b := 0; b < 32; b++ {
			i, t := encodeBlank(randomExample())
			in, target = append(in, i...), append(target, t...)
		}
		loss := nn.CrossEntropyIgnore(m.Forward(in, 32, T-1).Reshape(-1, len(vocab)), target, -1)
		opt.ZeroGrad()
		optUpper.ZeroGrad()
		loss.Backward()
		opt.Step()
		optUpper.Step()
		if progress != nil {
			progress.Add(step, "train", float64(loss.Item()))
			progress.Update(step, "")
		}
	}
	m.Train(false)
	return m
}

const encoderSeed = 3
encoderSteps := 2500
if display.Quick() {
	encoderSteps = 1200
}
untrained := trainEncoder(encoderSeed, 0, nil) // the same starting weights, before any training
encoderProgress := plots.NewProgress(encoderSteps, "Training the encoder").Label("cross-entropy loss").LogY()
encoder := trainEncoder(encoderSeed, encoderSteps, encoderProgress)
encoderProgress.Done()

// %% [markdown]
// The same plateau near `log 2` as before (a coin flip between the two nouns), then a cliff: the moment
// the two steps click together. Now the held-out sentences, read by the encoder. `itRows` returns the
// attention row of "it" in every layer and head: where the word "it" itself looks.

// %%
// itRows runs model m on the held-out sentence ending in adj and returns the attention row of "it" for
// each layer and head, their labels, the sentence's tokens and the model's answer for "it".
itRows := func(m *nn.GPT, adj string) ([][]float64, []string, []string, string) {
	in, _ := encodeBlank(sentence("animal", "street", adj, false, false))
	var toks []string
	it := -1
	for i, id := range in {
		toks = append(toks, vocab[id])
		if vocab[id] == "it" {
			it = i
		}
	}
	var logits *nn.Tensor
	var att []*nn.Tensor
	nn.NoGrad(func() { logits, att = m.ForwardAttention(in, 1, T-1) })
	var rows [][]float64
	var labels []string
	for l := range att {
		for h := 0; h < m.Config.Heads; h++ {
			rows = append(rows, att[l].Index(0, 0).Index(0, h).Index(0, it).Float64s())
			labels = append(labels, fmt.Sprintf("\"it\", layer %d head %d", l, h))
		}
	}
	return rows, labels, toks, vocab[logits.Reshape(T-1, len(vocab)).ArgMaxes()[it]]
}

// itOnNouns returns, for head h of m's last layer, the weight "it" puts on animal in the sentence
// ending in tired and on street in the one ending in wide.
itOnNouns := func(m *nn.GPT, h int) (float64, float64) {
	tired, _, toks, _ := itRows(m, "tired")
	wide, _, _, _ := itRows(m, "wide")
	row := (m.Config.Layers-1)*m.Config.Heads + h
	return tired[row][slices.Index(toks, "animal")], wide[row][slices.Index(toks, "street")]
}

// resolvingHead returns the head of m's last layer whose "it" looks hardest at the right noun in both.
resolvingHead := func(m *nn.GPT) int {
	best, score := 0, -1.0
	for h := 0; h < m.Config.Heads; h++ {
		if a, s := itOnNouns(m, h); math.Min(a, s) > score {
			best, score = h, math.Min(a, s)
		}
	}
	return best
}

rowsTired, labels, encToks, encAnswerTired := itRows(encoder, "tired")
rowsWide, _, encToksWide, encAnswerWide := itRows(encoder, "wide")
rowsUntrained, _, _, _ := itRows(untrained, "tired")
head := resolvingHead(encoder)
itOnAnimal, itOnStreet := itOnNouns(encoder, head)
untrainedOnAnimal, untrainedOnStreet := itOnNouns(untrained, head)
fmt.Printf("the animal didn't cross the street because it was too tired → it = %s\n", encAnswerTired)
fmt.Printf("the animal didn't cross the street because it was too wide  → it = %s\n", encAnswerWide)
fmt.Printf("layer 1, head %d: \"it\" looks %.2f at animal when tired, %.2f at street when wide\n", head, itOnAnimal, itOnStreet)
fmt.Printf("the same head untrained: %.2f and %.2f (evenly spread would be 1/%d = %.2f)\n", untrainedOnAnimal, untrainedOnStreet, T-1, 1/float64(T-1))
plots.Panels("Where the word \"it\" looks, in the encoder (one row per layer and head)", 3,
	plots.Heatmap("untrained, …too tired", rowsUntrained, labels, encToks).Annotate().ColorLabel("attention weight").ColorRange(0, 1),
	plots.Heatmap("trained, …too tired", rowsTired, labels, encToks).Annotate().ColorLabel("attention weight").ColorRange(0, 1),
	plots.Heatmap("trained, …too wide", rowsWide, labels, encToksWide).Annotate().ColorLabel("attention weight").ColorRange(0, 1),
).Size(17, 4.2)

// %% [markdown]
// Read the rows of layer 1. With *tired*, the word "it" itself puts almost all its weight on *animal*;
// change the one word to *wide* and it moves to *street*. The untrained model, with the same starting
// weights, spreads its attention evenly (every cell near 1/13, on the same colour scale as the trained
// rows): the pattern was learned, not built in.
//
// How does layer 1 know which noun to pick? Its query at "it" cannot see *tired* directly; layer 0 must
// first carry the adjective somewhere layer 1 can use it. Layer 0's rows show where it went in this run:
// how much *animal*, *street* and "it" each look at the adjective.

// %%
for _, adj := range []string{"tired", "wide"} {
	in, _ := encodeBlank(sentence("animal", "street", adj, false, false))
	var att []*nn.Tensor
	nn.NoGrad(func() { _, att = encoder.ForwardAttention(in, 1, T-1) })
	for h := 0; h < encoder.Config.Heads; h++ {
		w := att[0].Index(0, 0).Index(0, h)
		fmt.Printf("…too %-5s layer 0 head %d: animal → %s %.2f, street → %s %.2f, it → %s %.2f\n", adj, h,
			adj, w.At(slices.Index(encToks, "animal"), T-2), adj, w.At(slices.Index(encToks, "street"), T-2), adj, w.At(slices.Index(encToks, "it"), T-2))
	}
}

// %% [markdown]
// In our run the *nouns* read the adjective in layer 0, far more than "it" does: each noun learns what the
// sentence says (tired or wide) and, from its own place in the sentence, whether that makes it the one
// "it" means. In layer 1, "it" asks for that noun and finds it. (A run from other starting weights may
// route the adjective through the row of "it" instead; both are working circuits, and in both the word
// "it" itself ends up looking at the noun.)
//
// The GPT could not do this: under its mask "it" cannot see *tired*, so it resolves the question one word
// later, at the adjective, the first position that has seen the whole sentence. An encoder relates every
// word to every word at once, which is why encoders read (search, classification, BERT) and decoders write
// (GPT): a writer cannot look at words it has not written yet.


// %% [markdown]
// ## Why this changed language models in 2017
//
// Before the transformer (Vaswani et al. 2017, *Attention Is All You Need*), language models read through
// a fixed window of the last few words (n-gram counts, as in lesson 7, and feed-forward networks), or
// carried a running summary from word to word (recurrent networks, whose memory of early words fades:
// the gradient that would teach them to keep it shrinks with every step it travels back — Bengio, Simard
// and Frasconi 1994, *Learning long-term dependencies with gradient descent is difficult*). Attention
// looks at every earlier position directly, however far back.
//
// A measurement, on a task that needs a long memory and nothing else: a sequence of 32 tokens holds one
// *key* (A, B, C or D) somewhere and random filler everywhere else, and the last position must name the
// key. Two models learn it from the same examples: one sees a fixed window of the last 8 tokens (an MLP
// over their embeddings, the pre-2017 way), the other is a one-layer GPT with attention.

// %%
const longKeys, longFillers, longT, window = 4, 8, 32, 8
longVocab := longKeys + longFillers
// longExample returns a sequence whose key (0…3) stands d positions before its end, filler tokens
// (4…11) everywhere else, and the key.
longExample := func(d int) ([]int, int) {
	seq := make([]int, longT)
	for i := range seq {
		seq[i] = longKeys + nn.RandInt(longFillers)
	}
	key := nn.RandInt(longKeys)
	seq[longT-d] = key
	return seq, key
}
longBatch := func(B int) (seqs [][]int, keys []int) {
	for b := 0; b < B; b++ {
		s, k := longExample(1 + nn.RandInt(longT-1))
		seqs, keys = append(seqs, s), append(keys, k)
	}
	return seqs, keys
}

// The fixed-window model: embed the last 8 tokens, one hidden layer, 4 logits.
nn.Seed(81)
windowEmb := nn.Normal(0, 0.5, longVocab, 16).SetRequiresGrad(true)
windowHidden := nn.NewLinear(window*16, 64, true, 0.1)
windowOut := nn.NewLinear(64, longKeys, true, 0.1)
windowModel := func(seqs [][]int) *nn.Tensor {
	var last []int
	for _, s := range seqs {
		last = append(last, s[longT-window:]...)
	}
	x := nn.Embedding(windowEmb, last).Reshape(len(seqs), window*16)
	return windowOut.Forward(windowHidden.Forward(x).ReLU())
}
windowParams := append([]*nn.Param{{Name: "embedding", Value: windowEmb}}, windowHidden.Parameters()...)
windowParams = append(windowParams, windowOut.Parameters()...)

// The attention model: a one-layer GPT; its logits at the last position name the key.
nn.Seed(82)
attnModel := nn.MustGPT(nn.Config{Vocab: longVocab, Block: longT, Layers: 1, Heads: 1, Embd: 32})
attnModelLast := func(seqs [][]int) *nn.Tensor {
	var flat []int
	for _, s := range seqs {
		flat = append(flat, s...)
	}
	return attnModel.Forward(flat, len(seqs), longT).Reshape(len(seqs), longT, longVocab).Index(1, longT-1)
}

longSteps := 400
if display.Quick() {
	longSteps = 150
}
for _, m := range []struct {
	predict func([][]int) *nn.Tensor
	params  []*nn.Param
}{{windowModel, windowParams}, {attnModelLast, attnModel.Parameters()}} {
	opt := nn.NewAdamW(m.params, 3e-3, 0)
	for step := 0; step < longSteps; step++ {
		seqs, keys := longBatch(64)
		loss := nn.CrossEntropy(m.predict(seqs), keys)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
}

// Accuracy on 400 new sequences for each distance between the key and the end.
accuracyAt := func(predict func([][]int) *nn.Tensor, d int) float64 {
	var seqs [][]int
	var keys []int
	for i := 0; i < 400; i++ {
		s, k := longExample(d)
		seqs, keys = append(seqs, s), append(keys, k)
	}
	var pred []int
	nn.NoGrad(func() { pred = predict(seqs).ArgMaxes() })
	right := 0
	for i, p := range pred {
		if p == keys[i] {
			right++
		}
	}
	return float64(right) / float64(len(keys))
}
var distances, windowAcc, attnAcc []float64
for _, d := range []int{1, 2, 4, 6, 8, 10, 12, 16, 24, 31} {
	distances = append(distances, float64(d))
	windowAcc = append(windowAcc, accuracyAt(windowModel, d))
	attnAcc = append(attnAcc, accuracyAt(attnModelLast, d))
}
fmt.Printf("key 4 tokens back:  window %.0f%%, attention %.0f%%\n", 100*windowAcc[2], 100*attnAcc[2])
fmt.Printf("key 24 tokens back: window %.0f%%, attention %.0f%% (guessing: 25%%)\n", 100*windowAcc[8], 100*attnAcc[8])
plots.Line("Remembering a key: fixed window vs attention",
	plots.XY("fixed window of 8 tokens", distances, windowAcc),
	plots.XY("attention (1-layer GPT)", distances, attnAcc),
	plots.XY("guessing", []float64{1, 31}, []float64{0.25, 0.25}),
).Labels("distance from the key to the end (tokens)", "accuracy")

// %% [markdown]
// The window model is perfect while the key is inside its 8 tokens and guesses (25%) beyond them; no
// amount of training can change that. The attention model is right at every distance: its last position
// looks straight at the key wherever it is. Attention's cost is that every position compares itself
// with every earlier one — `T²` work for a context of `T` tokens — which is what GPUs made affordable.
//
// ## Takeaways
// - Attention: each word makes a query, a key and a value; scores `q·k/√d`, a softmax per row, and a
//   weighted average of values.
// - It lets a word gather information from anywhere in the context, which the bigram model could not.
// - The weights `W_Q, W_K, W_V` are learned by gradient descent like any others; what to attend to
//   emerges from the next-word task.
// - In a GPT attention only looks back, so a word is understood at the first position that has seen
//   everything it depends on — here, the adjective after "it".
// - Without the mask (`Attend: nn.AttendAll`, an encoder) every word sees every word at once, and the word
//   "it" itself learns to look at *animal* or *street*; untrained, it looks everywhere evenly.
// - Before attention, models saw a fixed window or a fading summary: a key 24 tokens back was lost to the
//   window model and found every time by attention.
//
// **Try this:** change `window` to 16 and watch the window model's cliff move to 16 tokens; or give the
// attention model `Embd: 8` and see how small it can be and still find the key; or train the encoder with
// equal starting weights and learning rates (drop the `MulScalar(3)` and give `upper` the same 3e-3) and
// look at where layer 1's "it" looks now.
