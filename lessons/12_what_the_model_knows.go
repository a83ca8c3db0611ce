//go:build ignore

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
corpus, err := nn.GoSourceCorpus(1 << 20)
if err != nil {
	panic(err)
}
// (Inside a function: yaegi v0.16.1 mishandles `a, b :=` in top-level loops and if statements.)
loadOrTrain := func() (*nn.GPT, nn.Tokenizer) {
	for _, path := range []string{"out/gpt-go.safetensors", "out/gpt-go-quick.safetensors"} {
		if ck, err := nn.LoadCheckpoint(path); err == nil && ck.Tokenizer != nil {
			fmt.Println("loaded", path, "—", ck.Model)
			return ck.Model, ck.Tokenizer
		}
	}
	fmt.Println("no checkpoint from lesson 10: training a small model on 1 MB of Go source")
	ct := nn.NewCharTokenizer(corpus)
	ids, _ := ct.Encode(corpus)
	data, _ := nn.NewDataset(ids, 0.9)
	nn.Seed(12)
	cfg := nn.Config{Vocab: ct.VocabSize(), Block: 64, Layers: 2, Heads: 2, Embd: 64}
	m := nn.MustGPT(cfg)
	opt := nn.NewAdamW(m.Parameters(), 2e-3, 0.1)
	steps := 600
	if quick {
		steps = 300
	}
	progress := plots.NewProgress(steps, "Training a small GPT").Label("loss")
	for step := 0; step < steps; step++ {
		xb, yb, _ := data.Batch("train", 8, cfg.Block)
		loss := m.Loss(m.Forward(xb, 8, cfg.Block), yb)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		progress.Add(step, "train", float64(loss.Item()))
		progress.Update(step, "")
	}
	progress.Done()
	return m, ct
}
model, tok := loadOrTrain()
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
	for _, id := range top {
		row = append(row, float64(scaled[id]))
	}
	grid = append(grid, row)
	rowNames = append(rowNames, fmt.Sprintf("T = %g", T))
}
plots.Heatmap("Next-character probabilities after \"func (t *T) \"", grid, rowNames, cols).
	Annotate().Labels("next character", "temperature").Size(10, 3.6)

// %% [markdown]
// And whole samples from the same prompt at each temperature:

// %%
for _, T := range []float64{0, 0.5, 1, 1.5} {
	fmt.Printf("—— temperature %g ——\n%s\n\n", T, generate("func (t *T) ", 160, T, 3))
}

// %% [markdown]
// Greedy decoding repeats itself: the most likely continuation of a common pattern leads back into the
// same pattern. Low temperatures give tidy but dull text; high temperatures invent more and break more
// (misspelled identifiers, unbalanced brackets). Chat assistants typically sample at temperatures
// around 0.7–1.
//
// ## New text or copied text?
//
// Does the model write new lines, or recite lines it has seen? For each generated line we look for the
// most similar line in the corpus: we index every corpus line by its three-character pieces (*trigrams*)
// and rank lines by the share of trigrams they have in common with the generated one.

// %%
lines := strings.Split(corpus, "\n")
index := map[string][]int{}
lineTri := map[int]int{} // trigrams indexed per line
seen := map[string]bool{}
for i, l := range lines {
	l = strings.TrimSpace(l)
	if len(l) < 12 || seen[l] {
		continue
	}
	seen[l] = true
	for j := 0; j+3 <= len(l); j += 2 {
		index[l[j:j+3]] = append(index[l[j:j+3]], i)
		lineTri[i]++
	}
}
nearest := func(q string) (string, float64) {
	votes := map[int]int{}
	tri := 0
	for j := 0; j+3 <= len(q); j++ {
		tri++
		for _, i := range index[q[j:j+3]] {
			votes[i]++
		}
	}
	// score: shared trigrams relative to the larger of the two lines (1 = the same line)
	best, bestS := -1, 0.0
	for i, v := range votes {
		s := float64(v) / math.Max(float64(tri)/2, float64(lineTri[i]))
		if s > bestS || (s == bestS && i < best) {
			best, bestS = i, s
		}
	}
	if best < 0 {
		return "", 0
	}
	m := strings.TrimSpace(lines[best])
	if len(m) > 90 {
		m = m[:90] + "…"
	}
	return m, bestS
}
sample := generate("\n", 600, 0.8, 7)
copied, fresh := 0, 0
report := func(l string) {
	match, score := nearest(l)
	fmt.Printf("generated: %s\n  nearest:  %s   (in corpus verbatim: %v, trigram overlap %.0f%%)\n", l, match, seen[l], 100*math.Min(score, 1))
}
shown := 0
for _, l := range strings.Split(sample, "\n") {
	l = strings.TrimSpace(l)
	if len(l) < 16 {
		continue
	}
	if seen[l] {
		copied++
	} else {
		fresh++
	}
	if shown < 6 {
		report(l)
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
// The model continues confidently, in the style of the documentation it was trained on, about a package
// that does not exist. It has no way to know, and nothing in its training asked it to know: it was
// trained only to continue text the way its corpus would. A small model's prose is halting; a large
// model's is fluent and persuasive, but the mechanism is the same. Fluency is a property of the text, not
// evidence that what it says is true.
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
