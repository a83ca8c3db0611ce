package nn_test

import (
	"fmt"
	"strings"

	"github.com/notmagic/notmagic/lib/nn"
)

// A character-level GPT trained for a few steps on a tiny text, then asked to continue it.
func ExampleGPT() {
	nn.Seed(1)
	text := strings.Repeat("hello world. ", 50)
	tok := nn.NewCharTokenizer(text)
	ids, _ := tok.Encode(text)
	data, _ := nn.NewDataset(ids, 0.9)

	model := nn.MustGPT(nn.Config{Vocab: tok.VocabSize(), Block: 16, Layers: 1, Heads: 2, Embd: 16})
	opt := nn.NewAdamW(model.Parameters(), 1e-2, 0.1)
	for step := 0; step < 60; step++ {
		x, y, _ := data.Batch("train", 4, 16)
		loss := model.Loss(model.Forward(x, 4, 16), y)
		opt.ZeroGrad()
		loss.Backward()
		nn.ClipGradNorm(model.Parameters(), 1)
		opt.Step()
	}
	prompt, _ := tok.Encode("hello")
	out, _ := nn.Generate(model, prompt, 8, nn.SampleOptions{Temperature: 0})
	fmt.Println(model.NumParams(), "parameters")
	fmt.Printf("%q\n", "hello"+tok.Decode(out))
	// Output:
	// 3520 parameters
	// "hello world. "
}

func ExampleCharTokenizer() {
	tok := nn.NewCharTokenizer("to be or not to be")
	ids, _ := tok.Encode("be")
	fmt.Println(tok.VocabSize(), ids, tok.Decode(ids))
	// Output: 7 [1 2] be
}
