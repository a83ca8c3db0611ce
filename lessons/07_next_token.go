//go:build ignore

// %% [markdown]
// # 7. Next-token prediction
//
// **You will learn**
// - the one task every GPT is trained on: given the text so far, give a probability to every possible
//   next word (*token*);
// - the simplest model that does it, the *bigram* model: count which word follows which;
// - how to *sample* text from such a model, and how to score it with the loss `−log p(right token)`;
// - that the same model is a one-layer neural network, which gradient descent finds on its own.

// %% [markdown]
// ## "the cat sat on the …"
//
// Finish the sentence: *the cat sat on the …* You probably thought *mat*. A language model does the
// same thing with numbers: it assigns a probability to each word of its vocabulary. To have something to
// learn from, we generate a small corpus of simple sentences. Cats mostly sit on mats, dogs prefer rugs,
// and so on — patterns the model should pick up.

// %%
nn.Seed(7)
subjects := []string{"cat", "cat", "cat", "dog", "dog", "bird"}
verbs := []string{"sat", "sat", "slept", "stood"}
places := map[string][]string{
	"cat":  {"mat", "mat", "mat", "sofa", "rug"},
	"dog":  {"rug", "rug", "floor", "mat"},
	"bird": {"roof", "roof", "floor"},
}
pick := func(xs []string) string { return xs[nn.RandInt(len(xs))] }
var corpus []string
for i := 0; i < 2000; i++ {
	s := pick(subjects)
	prep := "on"
	if nn.RandInt(5) == 0 {
		prep = "under"
	}
	corpus = append(corpus, "the", s, pick(verbs), prep, "the", pick(places[s]), ".")
}
fmt.Println("corpus:", len(corpus), "words. It begins:")
fmt.Println(strings.Join(corpus[:42], " "))

// %% [markdown]
// ## Tokens
//
// Models work with numbers, so each distinct word gets an id: the *vocabulary*. (GPTs split text into
// pieces of words, but the idea is the same.)

// %%
vocab := []string{".", "the", "cat", "dog", "bird", "sat", "slept", "stood", "on", "under", "mat", "rug", "sofa", "floor", "roof"}
id := map[string]int{}
for i, w := range vocab {
	id[w] = i
}
var ids []int
for _, w := range corpus {
	ids = append(ids, id[w])
}
V := len(vocab)
fmt.Println("vocabulary size:", V, "— first ids:", ids[:14])

// %% [markdown]
// ## The bigram model: counting
//
// The simplest guess for the next word looks only at the current one. Count, for every pair of words,
// how often the second follows the first. Row = current word, column = next word:

// %%
counts := make([][]float64, V)
for i := range counts {
	counts[i] = make([]float64, V)
}
for i := 0; i+1 < len(ids); i++ {
	counts[ids[i]][ids[i+1]]++
}
plots.Heatmap("Bigram counts: how often the column word follows the row word", counts, vocab, vocab).
	Annotate().Labels("next word", "current word").ColorLabel("count").Size(9, 7.5)

// %% [markdown]
// Dividing each row by its total turns counts into probabilities `P(next | current)`. What does the model
// expect after "the"?

// %%
probs := make([][]float64, V)
for i := range counts {
	total := 0.0
	for _, c := range counts[i] {
		total += c
	}
	probs[i] = make([]float64, V)
	for j, c := range counts[i] {
		if total > 0 {
			probs[i][j] = c / total
		}
	}
}
for j, p := range probs[id["the"]] {
	if p > 0 {
		fmt.Printf("P(%-5s | the) = %.3f\n", vocab[j], p)
	}
}

// %% [markdown]
// Here is the bigram model's weakness. After "the cat sat on the", it only sees the last word, "the",
// and "the" is followed by animals as often as by places. It gives *mat* 0.19 and *cat* 0.24 (the table
// above): it would rather the cat sat on the cat. It has forgotten the sentence. Fixing this — looking back at the *whole* context —
// is what attention (lesson 8) is for.
//
// ## Sampling
//
// To *generate* text, start from the sentence boundary ".", draw the next word at random with the model's
// probabilities, append it, and repeat. Drawing from a distribution is one loop: take a uniform random
// number `u` in [0, 1) and walk the cumulative probabilities until they pass `u`.

// %%
sample := func(p []float64) int {
	u := float64(nn.Rand(1).Item())
	acc := 0.0
	for j, pj := range p {
		acc += pj
		if u < acc {
			return j
		}
	}
	return len(p) - 1
}
for n := 0; n < 6; n++ {
	cur := id["."]
	var words []string
	for len(words) < 12 {
		cur = sample(probs[cur])
		words = append(words, vocab[cur])
		if vocab[cur] == "." {
			break
		}
	}
	fmt.Println(strings.Join(words, " "))
}

// %% [markdown]
// Some samples are sensible, others are not: a sentence may stop right after "the mat", or a cat may sit
// on another cat and carry on. Every pair of neighbours is plausible, but the model has no memory
// beyond one word.
//
// ## Scoring a model: −log p
//
// How good is a model? Show it real text and look at the probability it gave to each word that actually
// came next. A good model gives high probability to what happens. Multiplying these probabilities over a
// long text gives tiny numbers, so we add their logarithms instead, and flip the sign to get a loss to
// minimise: `loss = mean(−log p(actual next word))`. This is the *cross-entropy*, the loss GPTs are
// trained on. A model that guesses uniformly among 15 words scores `log 15 ≈ 2.71`.

// %%
sentence := strings.Fields("the cat sat on the mat .")
total := 0.0
for i := 0; i+1 < len(sentence); i++ {
	p := probs[id[sentence[i]]][id[sentence[i+1]]]
	fmt.Printf("P(%-4s | %-4s) = %.3f   −log p = %.3f\n", sentence[i+1], sentence[i], p, math.Abs(math.Log(p)))
	total += -math.Log(p)
}
fmt.Printf("mean −log p on this sentence: %.3f\n", total/float64(len(sentence)-1))
countLoss := 0.0
for i := 0; i+1 < len(ids); i++ {
	countLoss += -math.Log(probs[ids[i]][ids[i+1]])
}
countLoss /= float64(len(ids) - 1)
fmt.Printf("mean −log p on the whole corpus: %.3f (uniform guessing: %.3f)\n", countLoss, math.Log(float64(V)))

// %% [markdown]
// ## The same model as a neural network
//
// Now forget counting. Take a `V × V` matrix of weights `W`, all zero. For the current word `i`, read row
// `i` as 15 logits and turn them into probabilities with the softmax. That is a one-layer network whose
// input is the current word as a *one-hot* vector (a 1 at position `i`, 0 elsewhere): `one-hot · W` just
// picks row `i`, which is what `nn.Embedding` does. Train `W` by gradient descent on the cross-entropy,
// and see what it learns.

// %%
inputs, targets := ids[:len(ids)-1], ids[1:]
W := nn.Zeros(V, V).SetRequiresGrad(true)
opt := nn.NewSGD([]*nn.Param{{Name: "W", Value: W}}, 20, 0.9)
steps := 300
if display.Quick() {
	steps = 100
}
var losses []float64
for s := 0; s < steps; s++ {
	logits := nn.Embedding(W, inputs) // one row of W per input word: [N, V]
	loss := nn.CrossEntropy(logits, targets)
	opt.ZeroGrad()
	loss.Backward()
	opt.Step()
	losses = append(losses, float64(loss.Item()))
}
flatLine := make([]float64, steps)
for i := range flatLine {
	flatLine[i] = countLoss
}
fmt.Printf("network loss after %d steps: %.4f; counting model: %.4f\n", steps, losses[steps-1], countLoss)
plots.Line("A one-layer network learns the bigram model",
	plots.S("network (gradient descent)", losses), plots.S("counting model", flatLine)).
	Labels("step", "cross-entropy loss (mean −log p)")

// %% [markdown]
// The loss falls to the counting model's value and stops there: no bigram model can do better on this
// data. And the learned probabilities, `softmax(W)` row by row, are the counted ones:

// %%
learned := W.Detach().Softmax(1)
plots.Panels("P(next | current): counted vs learned by gradient descent", 2,
	plots.Heatmap("counted", probs, vocab, vocab).Labels("next word", "current word").ColorLabel("probability"),
	plots.Heatmap("learned: softmax(W)", learned, vocab, vocab).Labels("next word", "current word").ColorLabel("probability"),
).Size(12, 5.5)

// %% [markdown]
// ## Takeaways
// - A language model gives a probability to every possible next token; generating text is sampling from
//   it again and again.
// - The loss is `mean(−log p(actual next token))`, the cross-entropy; uniform guessing scores `log V`.
// - The bigram model counts pairs. A one-layer network trained by gradient descent learns the same
//   probabilities — counting and learning agree.
// - Seeing only one word back is the bigram model's limit: "the cat sat on the …" needs the whole
//   sentence. The next lesson's attention lets every word look back at all the others.
//
// **Try this:** make cats prefer sofas (change `places["cat"]`) and watch row *the* of the counts and the
// learned `softmax(W)` move together; or sample with a different `nn.Seed` and compare the sentences.
