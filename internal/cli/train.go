package cli

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strconv"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/gemm"
)

// defaultGoCorpusBytes caps the Go-source corpus used when no --data is given.
const defaultGoCorpusBytes = 4 << 20

// trainCmd is `notmagic train`: it trains a GPT on a text file (default: the Go standard library's
// source under `go env GOROOT`), evaluating every --eval-every steps, saving a checkpoint (weights,
// config and tokenizer, safetensors) at each evaluation and at the end, and drawing a progress line
// on stderr. Ctrl-C stops after the current step and saves.
func trainCmd(s Streams, args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return train(ctx, s, args)
}

// train is trainCmd with a context that stops it; evaluation lines go to s.Out.
func train(ctx context.Context, s Streams, args []string) error {
	out, errOut := s.Out, s.Err
	fs := newFlags(s, "train", "usage: notmagic train [--data FILE] [--iters N] [--out FILE] [flags]")
	var f modelFlags
	data := fs.String("data", "", "text file to train on (default: the Go source tree under GOROOT)")
	maxBytes := fs.Int("max-bytes", defaultGoCorpusBytes, "cap on the Go-source corpus when --data is not given")
	tokKind := fs.String("tokenizer", "char", "char (one token per character) or bpe (byte-level BPE)")
	bpeVocab := fs.Int("bpe-vocab", 512, "vocabulary size of the BPE tokenizer")
	wd := fs.Float64("weight-decay", 0.1, "AdamW weight decay on matrices")
	clip := fs.Float64("clip", 1.0, "global gradient-norm clip (0: none)")
	outPath := fs.String("out", "gpt.safetensors", "checkpoint file to write")
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.threads > 0 {
		runtime.GOMAXPROCS(f.threads)
		gemm.SetThreads(f.threads)
	}
	nn.Seed(f.seed)
	var text string
	var err error
	if *data != "" {
		text, err = nn.ReadCorpus(*data)
	} else {
		text, err = nn.GoSourceCorpus(*maxBytes)
		if err == nil {
			fmt.Fprintf(errOut, "training on %d bytes of Go source from GOROOT (use --data FILE for another text)\n", len(text))
		}
	}
	if err != nil {
		return err
	}
	var tok nn.Tokenizer
	switch *tokKind {
	case "char":
		tok = nn.NewCharTokenizer(text)
	case "bpe":
		if tok, err = nn.TrainBPE(text, *bpeVocab); err != nil {
			return err
		}
	default:
		return fmt.Errorf("--tokenizer %q: use char or bpe", *tokKind)
	}
	ids, err := tok.Encode(text)
	if err != nil {
		return err
	}
	ds, err := nn.NewDataset(ids, 0.9)
	if err != nil {
		return err
	}
	if len(ds.Val) <= f.block {
		return fmt.Errorf("the text is too short: %d validation tokens for a context of %d (use a longer text or a smaller --block)", len(ds.Val), f.block)
	}
	if _, err := openDevice(f.device); err != nil {
		return err
	}
	if err := f.setPrecision(); err != nil {
		return err
	}
	model, err := nn.NewGPT(f.config(tok.VocabSize()))
	if err != nil {
		return err
	}
	if err := model.To(f.device); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "%v; %s tokenizer, %d tokens (%d train, %d val)\n", model, tok.Kind(), len(ids), len(ds.Train), len(ds.Val))
	opt := nn.NewAdamW(model.Parameters(), float32(f.lr), float32(*wd))
	trainer := nn.NewTrainer(model, opt, float32(max(*clip, 0)))
	save := func(step int, val float64) error {
		meta := map[string]string{"step": strconv.Itoa(step), "val_loss": strconv.FormatFloat(val, 'f', 4, 64)}
		return nn.SaveCheckpoint(*outPath, model, tok, meta)
	}
	pr := newProgress(errOut, f.iters)
	best := inf
	for it := 0; it <= f.iters; it++ {
		stopped := ctx.Err() != nil
		if it%f.evalEvery == 0 || it == f.iters || stopped {
			tr, va, err := evaluate(model, ds, f.batch, f.block, f.evalIters)
			if err != nil {
				return err
			}
			best = min(best, va)
			jsonLine(out, "iter", it, "train_loss", pyRound(tr, 4), "val_loss", pyRound(va, 4))
			if it > 0 || it == f.iters || stopped {
				if err := save(it, va); err != nil {
					return err
				}
				pr.println("step %d: train loss %.4f, val loss %.4f; saved %s", it, tr, va, *outPath)
			}
		}
		if stopped {
			pr.done()
			return fmt.Errorf("interrupted at step %d (checkpoint saved to %s)", it, *outPath)
		}
		if it == f.iters {
			break
		}
		opt.SetLR(float32(nn.CosineLR(it, f.warmup, f.iters, f.lr, f.minLR)))
		x, y, err := ds.Batch("train", f.batch, f.block)
		if err != nil {
			return err
		}
		l := float64(trainer.Step(x, y, f.batch, f.block))
		if math.IsNaN(l) || math.IsInf(l, 0) {
			pr.done()
			return fmt.Errorf("step %d: training diverged (the loss is %v); try a lower --lr", it, l)
		}
		pr.update(it+1, l, (it+1)*f.batch*f.block)
	}
	pr.done()
	fmt.Fprintf(errOut, "best val loss %.4f; checkpoint %s\n", best, *outPath)
	return nil
}
