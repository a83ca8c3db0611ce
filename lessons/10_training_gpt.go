//go:build ignore
//notmagic:notebook full

// %% [markdown]
// # 10. Training a GPT
//
// **You will learn**
// - how all the pieces of the previous lessons make a GPT that writes text: tokens, embeddings,
//   attention blocks, next-token loss, AdamW;
// - how to train it on a real corpus — the Go source code installed on your machine — while watching the
//   training and validation loss live;
// - what the model writes before and after training, and how to save it to a checkpoint.
//
// **Time:** quick mode (`NOTMAGIC_QUICK=1`) trains a tiny model for a few hundred steps in seconds; the
// full lesson trains a 0.8-million-parameter model for 1,500 steps of 12 × 128 characters, about 3 minutes
// on a 2-core machine with AVX-512 (measured: 7.8 steps/s; the cell prints the speed; slower CPUs take
// several times longer).

// %% [markdown]
// ## The corpus
//
// Every Go installation ships the source of the standard library under `go env GOROOT`: millions of
// characters of well-formatted code that every user of this course already has. By default we read the
// first few megabytes of it; set the environment variable `NOTMAGIC_CORPUS` to the path of any text file
// to train on your own text instead.

// %%
quick := display.Quick()
var text string
var err error
if path := os.Getenv("NOTMAGIC_CORPUS"); path != "" {
	text, err = nn.ReadCorpus(path)
} else {
	size := 4 << 20
	if quick {
		size = 1 << 20
	}
	text, err = nn.GoSourceCorpus(size)
}
if err != nil {
	panic(err)
}
fmt.Printf("corpus: %d characters. A sample from the middle:\n\n%s\n", len(text), text[len(text)/2:len(text)/2+400])

// %% [markdown]
// ## Tokens
//
// We use the simplest tokenizer: one token per character. (Production GPTs use byte-pair encoding, which
// merges frequent character sequences into single tokens; `nn.TrainBPE` implements it, but characters
// keep this lesson's vocabulary small and its samples easy to read.) The first 90% of the text is for
// training, the last 10% for validation: text the model never trains on, to check that it learns Go
// rather than memorising its training set.

// %%
tok := nn.NewCharTokenizer(text)
ids, err := tok.Encode(text)
if err != nil {
	panic(err)
}
data, err := nn.NewDataset(ids, 0.9)
if err != nil {
	panic(err)
}
fmt.Printf("vocabulary: %d distinct characters; %d training and %d validation tokens\n",
	tok.VocabSize(), len(data.Train), len(data.Val))
fmt.Printf("\"func main\" as tokens: %v\n", func() []int { t, _ := tok.Encode("func main"); return t }())

// %% [markdown]
// ## The model
//
// A GPT as in lesson 9. The full lesson uses 4 blocks of width 128 with 4 attention heads and a context of
// 128 characters; quick mode a model small enough to train in seconds.

// %%
nn.Seed(10)
cfg := nn.Config{Vocab: tok.VocabSize(), Block: 128, Layers: 4, Heads: 4, Embd: 128}
steps, batchSize, evalEvery := 1500, 12, 100
if quick {
	cfg = nn.Config{Vocab: tok.VocabSize(), Block: 64, Layers: 2, Heads: 2, Embd: 64}
	steps, batchSize, evalEvery = 300, 8, 50
}
model := nn.MustGPT(cfg)
fmt.Println(model)
fmt.Printf("training FLOPs per token ≈ %.2e (6 × parameters + attention; lesson 11)\n", model.FLOPsPerToken())

// %% [markdown]
// ## Before training
//
// An untrained model gives every character about the same probability, so its text is noise. Its loss is
// about `log(vocabulary)`:

// %%
prompt, _ := tok.Encode("func ")
sampleText := func(n int, seed uint64) string {
	out, err := nn.Generate(model, prompt, n, nn.SampleOptions{Temperature: 0.8, Seed: seed})
	if err != nil {
		return err.Error()
	}
	return "func " + tok.Decode(out)
}
fmt.Printf("log(vocabulary) = %.2f\n\n", math.Log(float64(tok.VocabSize())))
fmt.Println(sampleText(200, 1))

// %% [markdown]
// ## Training
//
// The loop is lesson 6's, with three additions every GPT training uses: a learning-rate schedule (a short
// warm-up, then a cosine decay), gradient clipping (a cap on the gradient's overall size, against the
// occasional huge step), and a validation loss measured now and then on text the model does not train
// on. The chart updates while it runs.

// %%
opt := nn.NewAdamW(model.Parameters(), 3e-3, 0.1)
valLoss := func() float64 {
	model.Train(false)
	defer model.Train(true)
	total := 0.0
	for i := 0; i < 4; i++ {
		x, y, err := data.Batch("val", batchSize, cfg.Block)
		if err != nil {
			panic(err)
		}
		nn.NoGrad(func() { total += float64(model.Loss(model.Forward(x, batchSize, cfg.Block), y).Item()) })
	}
	return total / 4
}
progress := plots.NewProgress(steps, "Training a GPT on Go source").Label("cross-entropy loss (nats per character)").
	PerStep(float64(batchSize*cfg.Block), "tok")
var trainLoss []float64
var xb, yb []int
start := time.Now()
for step := 0; step < steps; step++ {
	opt.SetLR(float32(nn.CosineLR(step, steps/20, steps, 3e-3, 3e-4)))
	xb, yb, err = data.Batch("train", batchSize, cfg.Block)
	if err != nil {
		panic(err)
	}
	loss := model.Loss(model.Forward(xb, batchSize, cfg.Block), yb)
	opt.ZeroGrad()
	loss.Backward()
	nn.ClipGradNorm(model.Parameters(), 1)
	opt.Step()
	trainLoss = append(trainLoss, float64(loss.Item()))
	progress.Add(step, "train", float64(loss.Item()))
	if step%evalEvery == 0 || step == steps-1 {
		progress.Add(step, "validation", valLoss())
	}
	progress.Update(step, "")
}
progress.Done()
elapsed := time.Since(start)
tokensPerSec := float64(steps*batchSize*cfg.Block) / elapsed.Seconds()
fmt.Printf("%d steps in %v: %.0f tokens/s; final train loss %.3f, validation loss %.3f\n",
	steps, elapsed.Round(time.Second), tokensPerSec, trainLoss[len(trainLoss)-1], valLoss())

// %% [markdown]
// That loop is all a trainer is: forward pass, loss, zeroed gradients, backward pass, clipped gradients,
// one optimizer step. (`nn.Trainer` runs the same step as one call; `notmagic train` uses it.)
//
// The loss falls fast at first (the model learns which characters are common, then spaces, keywords and
// brackets) and then more slowly. The validation loss is measured on the last tenth of the corpus, which
// holds *other packages* than the model trains on: other identifiers, other comments, other topics. It
// follows the training loss down while the model learns Go itself (syntax, formatting, common words), then
// levels off while the training loss keeps falling: what the model learns from then on is mostly about
// the packages it trains on, which does not carry over to the others. That widening gap is memorising,
// and a longer run on this corpus would mostly widen it. Here is the whole run, smoothed:

// %%
plots.Line("Training loss", plots.S("train", trainLoss)).Smooth(25).
	Labels("step", "cross-entropy loss (nats per character)")

// %% [markdown]
// ## After training
//
// The same prompt and the same random seed as before training:

// %%
fmt.Println(sampleText(400, 1))

// %% [markdown]
// The model now writes text with the *shape* of Go: keywords, brackets, indentation, plausible identifiers
// and comments. (In quick mode it only gets as far as spacing and common words.) Nobody taught it Go's
// grammar; it is what predicting the next character well requires.
//
// ## y = f(x)
//
// Step back: the whole trained model is one function. Text goes in (the prompt, `x`), the probabilities
// of the next character come out, and a sample of them is `y`. Repeating `f` on its own output writes
// text. Nothing else happens inside — no lookup, no rules, no memory between calls — only the arithmetic
// of lessons 1 to 9 with these learned numbers:

// %%
f := func(prompt string) string {
	ids, err := tok.Encode(prompt)
	if err != nil {
		return err.Error()
	}
	out, err := nn.Generate(model, ids, 60, nn.SampleOptions{Temperature: 0.8, Seed: 2})
	if err != nil {
		return err.Error()
	}
	return tok.Decode(out)
}
fmt.Printf("f has %d parameters and does about %.1e arithmetic operations per character it writes\n\n",
	model.NumParams(), model.FLOPsPerToken()/3) // forward only: a third of training's 6N (lesson 11)
for _, x := range []string{"func (b *Buffer) ", "\tif err != nil {\n\t\t", "// Package sort "} {
	fmt.Printf("x = %q\ny = %q\n\n", x, f(x))
}

// %% [markdown]
//
// ## A checkpoint
//
// The trained weights, the configuration and the tokenizer go into one file in the *safetensors* format
// (a small JSON header and the raw numbers), the format the Python world uses too. Lesson 12 loads it.

// %%
os.MkdirAll("out", 0o755)
ckpt := "out/gpt-go.safetensors"
if quick {
	ckpt = "out/gpt-go-quick.safetensors"
}
meta := map[string]string{"steps": fmt.Sprint(steps), "corpus": "GOROOT/src", "corpus_bytes": fmt.Sprint(len(text))}
if os.Getenv("NOTMAGIC_CORPUS") != "" {
	meta["corpus"] = os.Getenv("NOTMAGIC_CORPUS")
}
if err := nn.SaveCheckpoint(ckpt, model, tok, meta); err != nil {
	panic(err)
}
info, _ := os.Stat(ckpt)
loaded, err := nn.LoadCheckpoint(ckpt)
if err != nil {
	panic(err)
}
fmt.Printf("saved %s (%.1f MB); reloaded: %v\n", ckpt, float64(info.Size())/1e6, loaded.Model)

// %% [markdown]
// ## The weights as a compressed file
//
// Everything the model learned from the corpus is in that file. Compare the sizes:

// %%
weightBytes := float64(info.Size())
corpusBytes := float64(len(text))
compression := corpusBytes / weightBytes
fmt.Printf("corpus %.1f MB, weights %.1f MB: the weights are %.2f× smaller than the text they learned from\n",
	corpusBytes/1e6, weightBytes/1e6, compression)
// A frontier model, by the same measure: Llama 3.1 405B, 405 × 10⁹ parameters of 2 bytes (bfloat16),
// trained on 15.6 × 10¹² tokens (Meta 2024, The Llama 3 Herd of Models) of about 4 bytes each (a rule of
// thumb for English text: our assumption).
llamaWeights, llamaText := 405e9*2, 15.6e12*4
fmt.Printf("Llama 3.1 405B: text %.0f TB, weights %.2f TB: %.0f× smaller\n", llamaText/1e12, llamaWeights/1e12, llamaText/llamaWeights)

// %% [markdown]
// Our small model is hardly smaller than its 4 MB of text: it has room to store much of it. A frontier
// model's weights are about 80 times smaller than its training text, so it cannot keep it: it must
// find the patterns that let a little describe a lot, which is the same as generalising. That is why
// large models can write fluently about things they never read word for word — and also why what they
// say is a reconstruction, not a quotation (lesson 12).

// %% [markdown]
// ## Takeaways
// - A GPT is trained exactly like lesson 6's classifier: forward, cross-entropy on the next token,
//   backward, AdamW — on text cut into random windows.
// - Watch the validation loss: it tells learning from memorising.
// - The text it writes gets its shape from the data: trained on Go, it writes Go-like code.
// - The model is one function, y = f(x); a checkpoint is just its numbers — configuration, tokenizer and
//   weights in one file, about the size of our corpus here and ~80× smaller than its corpus for a frontier
//   model.
//
// **Try this:** set `NOTMAGIC_CORPUS` to a text file of your own (a book, your project's source) and
// train on it; or halve `cfg.Embd` and see how much worse the final loss and samples get.
