//go:build ignore
//notmagic:notebook full

// %% [markdown]
// # 12. What the model knows
//
// **You will learn**
// - how *temperature* trades safe, repetitive text for varied, error-prone text;
// - how to check whether a generated line is new or copied, by finding its nearest lines in the corpus;
// - that a language model states things fluently whether or not its data ever said them: it is a mirror
//   of its data, not a source of truth.

// %% [markdown]
// ## The model
//
// We load the checkpoint lesson 10 saved. If there is none (you skipped lesson 10, or this is a fresh
// folder) we train a small one here the same way, which takes under a minute.

// %%
quick := display.Quick()
var model *nn.GPT
var tok nn.Tokenizer
corpusBytes := 4 << 20 // lesson 10's corpus: the first 4 MB of the Go sources (1 MB in quick mode)
if quick {
	corpusBytes = 1 << 20
}
for _, path := range []string{"out/gpt-go.safetensors", "out/gpt-go-quick.safetensors"} {
	if model != nil {
		break
	}
	if ck, err := nn.LoadCheckpoint(path); err == nil && ck.Tokenizer != nil && ck.Metadata["corpus"] == "GOROOT/src" {
		model, tok = ck.Model, ck.Tokenizer
		if n, err := strconv.Atoi(ck.Metadata["corpus_bytes"]); err == nil {
			corpusBytes = n
		}
		fmt.Println("loaded", path, "—", ck.Model)
	}
}
corpus, err := nn.GoSourceCorpus(corpusBytes)
if err != nil {
	panic(err)
}
if model == nil {
	fmt.Printf("no checkpoint from lesson 10: training a small model on %.0f MB of Go source\n", float64(len(corpus))/1e6)
	tok = nn.NewCharTokenizer(corpus)
	ids, _ := tok.Encode(corpus)
	data, _ := nn.NewDataset(ids, 0.9)
	nn.Seed(12)
	cfg := nn.Config{Vocab: tok.VocabSize(), Block: 64, Layers: 2, Heads: 2, Embd: 64}
	model = nn.MustGPT(cfg)
	opt := nn.NewAdamW(model.Parameters(), 2e-3, 0.1)
	steps := 600
	if quick {
		steps = 300
	}
	progress := plots.NewProgress(steps, "Training a small GPT").Label("loss")
	for step := 0; step < steps; step++ {
		xb, yb, _ := data.Batch("train", 8, cfg.Block)
		loss := model.Loss(model.Forward(xb, 8, cfg.Block), yb)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		progress.Add(step, "train", float64(loss.Item()))
		progress.Update(step, "")
	}
	progress.Done()
}
fmt.Printf("the corpus it learned from: %.1f MB of Go source\n", float64(len(corpus))/1e6)
model.Train(false)
encode := func(s string) []int {
	ids, err := tok.Encode(s)
	if err != nil {
		panic(err)
	}
	return ids
}
generate := func(prompt string, n int, temperature float64, seed uint64) string {
	out, err := nn.Generate(model, encode(prompt), n, nn.SampleOptions{Temperature: temperature, Seed: seed})
	if err != nil {
		return err.Error()
	}
	return prompt + tok.Decode(out)
}

// %% [markdown]
// ## Temperature
//
// The model outputs logits; sampling divides them by a **temperature** before the softmax. Temperature 1
// samples the model's own probabilities. Below 1 the largest logit dominates more and more (0 means
// always take the most likely character, *greedy* decoding); above 1 the distribution flattens towards
// uniform. Here is the next-character distribution after `"func (t *T) "` at four temperatures:

// %%
context := encode("func (t *T) ")
var last []float32
nn.NoGrad(func() {
	logits := model.Forward(context, 1, len(context))
	last = logits.Reshape(len(context), -1).Index(0, len(context)-1).Data()
})
// the 12 most likely characters
order := make([]int, len(last))
for i := range order {
	order[i] = i
}
sort.Slice(order, func(a, b int) bool { return last[order[a]] > last[order[b]] })
top := order[:12]
var cols []string
for _, id := range top {
	cols = append(cols, fmt.Sprintf("%q", tok.Decode([]int{id})))
}
temps := []float64{0.25, 0.5, 1, 2}
var grid [][]float64
var rowNames []string
for _, T := range temps {
	scaled := nn.New(last, len(last)).MulScalar(float32(1 / T)).Softmax(0).Data()
	var row []float64
	rest := 1.0 // the probability of every character not shown, so that each row sums to 1
	for _, id := range top {
		row = append(row, float64(scaled[id]))
		rest -= float64(scaled[id])
	}
	grid = append(grid, append(row, math.Max(rest, 0)))
	rowNames = append(rowNames, fmt.Sprintf("T = %g", T))
}
plots.Heatmap("Next-character probabilities after \"func (t *T) \"", grid, rowNames, append(cols, "all others")).
	Annotate().Labels("next character", "temperature").ColorLabel("probability").Size(10.5, 3.6)

// %% [markdown]
// And whole samples from the same prompt at each temperature:

// %%
for _, T := range []float64{0, 0.5, 1, 1.5} {
	fmt.Printf("—— temperature %g ——\n%s\n\n", T, generate("func (t *T) ", 160, T, 3))
}

// %% [markdown]
// Greedy decoding repeats itself: the most likely continuation of a common pattern leads back into the
// same pattern. Low temperatures give tidy but dull text; high temperatures invent more and break more
// (misspelled identifiers, unbalanced brackets). Chat applications commonly sample somewhere between
// 0.7 and 1: a convention, not a rule.
//
// ## New text or copied text?
//
// Does the model write new lines, or recite lines it has seen? For each generated line we look for the
// most similar line in the corpus: `nn.NewLineIndex` indexes every corpus line by its three-character
// pieces (*trigrams*) and ranks lines by the share of trigrams they have in common with the generated one.

// %%
index := nn.NewLineIndex(corpus, 12)
fmt.Printf("%d distinct corpus lines indexed\n", index.Len())
sample := generate("\n", 600, 0.8, 7)
copied, fresh, shown := 0, 0, 0
for _, l := range strings.Split(sample, "\n") {
	l = strings.TrimSpace(l)
	if len(l) < 16 {
		continue
	}
	if index.Contains(l) {
		copied++
	} else {
		fresh++
	}
	if shown < 6 {
		match, overlap := index.Nearest(l)
		if len(match) > 90 {
			match = match[:90] + "…"
		}
		fmt.Printf("generated: %s\n  nearest:  %s   (in corpus verbatim: %v, trigram overlap %.0f%%)\n", l, match, index.Contains(l), 100*overlap)
		shown++
	}
}
fmt.Printf("\nof %d generated lines of 16+ characters, %d appear verbatim in the corpus, %d are new\n", copied+fresh, copied, fresh)

// %% [markdown]
// Most lines are new combinations of familiar pieces: each resembles corpus lines (a shared keyword, a
// common idiom) without being one. A model this small is more likely to produce nonsense than to recite;
// large models trained for long on the same data do memorise frequent passages verbatim, which is why
// training data matters for copyright and privacy.
//
// ## Fluent and made up
//
// Finally, ask the model about something that does not exist. The standard library has no package named
// `zebra`; the corpus never mentions it. We prompt with the opening of a package comment:

// %%
prompt := "// Package zebra implements"
fmt.Println("does the corpus ever mention \"zebra\"?", strings.Contains(strings.ToLower(corpus), "zebra"))
for seed := uint64(1); seed <= 3; seed++ {
	out := generate(prompt, 120, 0.7, seed)
	fmt.Printf("\n%s\n", strings.SplitN(out, "\n\n", 2)[0])
}

// %% [markdown]
// The model continues in the form of the package comments it was trained on — comment markers,
// "implements", sentence-shaped phrases, then code — about a package that does not exist. It has no way
// to know, and nothing in its training asked it to know: it was trained only to continue text the way its
// corpus would. Its words are still half-formed (a model of 0.8 million parameters, trained for a few
// minutes, has learned Go's shape better than English); a large model's would be fluent and persuasive,
// but the mechanism is the same. Fluency is a property of the text, not evidence that what it says is
// true.
//
// ## From a next-character model to an assistant
//
// Ask this model a question and it does not answer: it continues the text the way its corpus would. A
// question is just more text to continue:

// %%
question := "// Q: How do I reverse a slice in Go?\n// A:"
for seed := uint64(1); seed <= 2; seed++ {
	fmt.Printf("%s\n\n", generate(question, 160, 0.7, seed))
}

// %% [markdown]
// Chat assistants start as exactly this kind of model, a *base model* trained on next-token prediction,
// and are then trained further (Ouyang et al. 2022, *Training language models to follow instructions with
// human feedback*, the InstructGPT paper behind ChatGPT):
//
// 1. **Instruction tuning** (supervised fine-tuning): more next-token training, now on conversations that
//    people wrote as examples of the answers they want. The model learns that a question is followed by
//    an answer.
// 2. **Reinforcement learning from human feedback (RLHF):** people rank several answers of the model; a
//    second network learns to predict those rankings (a *reward model*), and the assistant is trained to
//    write answers that score well.
//
// In that paper, people preferred the answers of a 1.3-billion-parameter model trained this way to those
// of the 175-billion-parameter base GPT-3. Both steps are the same gradient descent as lesson 4, on a
// different loss; neither adds a source of truth. The assistant is still a model of likely text, now
// shaped towards text that people rate as helpful.
//
// ## Takeaways
// - Temperature reshapes the next-token distribution: low is repetitive and safe, high is varied and
//   error-prone.
// - Generated text is mostly new combinations of pieces of the training data; comparing with the nearest
//   corpus lines shows which.
// - A language model writes what is *likely* given its data, including fluent statements about things
//   its data never contained. It is a mirror of its data, not a source of truth.
// - Everything in this course — the neuron, the loss, backpropagation, attention, the scale — is
//   ordinary arithmetic. ChatGPT is not magic; it is this, repeated at scale.
// - A chat assistant is this model trained further on examples and human preferences (instruction tuning,
//   RLHF): the same arithmetic, aimed at answers people prefer.
//
// **Try this:** sample the *zebra* prompt at temperature 0 and at 1.5 and compare how confident each is;
// or ask about a package that does exist (`// Package strings implements`) and compare with the real
// package comment under `$(go env GOROOT)/src/strings`.
