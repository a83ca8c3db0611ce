package cli

import (
	"fmt"
	"io"

	"github.com/notmagic/notmagic/lib/nn"
)

// sampleCmd is `notmagic sample`: it loads a checkpoint written by train and streams generated text
// to s.Out as each token is chosen.
func sampleCmd(s Streams, args []string) error {
	out := s.Out
	fs := newFlags(s, "sample", "usage: notmagic sample [--ckpt FILE] [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--seed N]")
	ckpt := fs.String("ckpt", "gpt.safetensors", "checkpoint written by notmagic train")
	prompt := fs.String("prompt", "\n", "text to continue")
	tokens := fs.Int("tokens", 500, "number of tokens to generate")
	temp := fs.Float64("temperature", 0.8, "sampling temperature (0: always the most likely token)")
	topK := fs.Int("top-k", 0, "sample among the K most likely tokens only (0: all)")
	seed := fs.Uint64("seed", 1337, "random seed (the same seed gives the same text)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *tokens < 0 {
		return fmt.Errorf("--tokens %d must be ≥ 0", *tokens)
	}
	ck, err := nn.LoadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	if ck.Tokenizer == nil {
		return fmt.Errorf("%s holds no tokenizer, so text cannot be encoded", *ckpt)
	}
	ids, err := ck.Tokenizer.Encode(*prompt)
	if err != nil {
		return fmt.Errorf("--prompt: %w", err)
	}
	if len(ids) == 0 {
		return fmt.Errorf("--prompt is empty: give at least one character")
	}
	io.WriteString(out, *prompt)
	var werr error
	_, err = nn.Generate(ck.Model, ids, *tokens, nn.SampleOptions{
		Temperature: *temp, TopK: *topK, Seed: *seed,
		OnToken: func(id int) bool {
			_, werr = io.WriteString(out, ck.Tokenizer.Decode([]int{id}))
			return werr == nil
		},
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	io.WriteString(out, "\n")
	return nil
}
