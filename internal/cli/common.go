package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/notmagic/notmagic/lib/nn"
)

// modelFlags are the model and optimisation flags shared by train and bench gpt, with the
// recipe's defaults (torch_gpt.py's).
type modelFlags struct {
	iters, block, batch, layers, heads, embd int
	lr, minLR                                float64
	warmup, evalEvery, evalIters             int
	seed                                     uint64
	threads                                  int
	dropout                                  float64
	device                                   string
	precision                                string // "", fp32, tf32 or bf16: the products on cuda
	flash                                    bool   // causal attention through lib/gpu's FlashAttention
}

func (f *modelFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.iters, "iters", 2000, "training iterations")
	fs.IntVar(&f.block, "block", 64, "context length (tokens per window)")
	fs.IntVar(&f.batch, "batch", 12, "windows per batch")
	fs.IntVar(&f.layers, "layers", 4, "transformer blocks")
	fs.IntVar(&f.heads, "heads", 4, "attention heads")
	fs.IntVar(&f.embd, "embd", 128, "model width")
	fs.Float64Var(&f.lr, "lr", 1e-3, "peak learning rate")
	fs.Float64Var(&f.minLR, "min-lr", 1e-4, "learning rate at the end of the cosine")
	fs.IntVar(&f.warmup, "warmup", 100, "linear warmup iterations")
	fs.IntVar(&f.evalEvery, "eval-every", 250, "evaluate every N iterations (and at the end)")
	fs.IntVar(&f.evalIters, "eval-iters", 20, "batches per evaluation, for each split")
	fs.Uint64Var(&f.seed, "seed", 1337, "random seed")
	fs.IntVar(&f.threads, "threads", 0, "CPU threads (0: all cores)")
	fs.Float64Var(&f.dropout, "dropout", 0, "dropout probability in training")
	fs.StringVar(&f.device, "device", "cpu", "device: cpu, or cuda when the GPU backend is available")
	fs.StringVar(&f.precision, "precision", "", "matrix products on cuda: fp32, tf32, or bf16 (inputs rounded to bfloat16 for the tensor cores, float32 weights and sums) (default fp32, or as NOTMAGIC_TF32/NOTMAGIC_BF16 say)")
	fs.BoolVar(&f.flash, "flash-attention", false, "on cuda: causal attention through the FlashAttention kernels (never stores the attention weights)")
}

func (f *modelFlags) check() error {
	switch {
	case f.iters < 0:
		return fmt.Errorf("--iters %d must be ≥ 0", f.iters)
	case f.batch <= 0:
		return fmt.Errorf("--batch %d must be positive", f.batch)
	case f.evalEvery <= 0:
		return fmt.Errorf("--eval-every %d must be positive", f.evalEvery)
	case f.evalIters <= 0:
		return fmt.Errorf("--eval-iters %d must be positive", f.evalIters)
	case f.warmup < 0:
		return fmt.Errorf("--warmup %d must be ≥ 0", f.warmup)
	case f.lr <= 0 || f.minLR < 0:
		return fmt.Errorf("--lr %v must be positive and --min-lr %v ≥ 0", f.lr, f.minLR)
	case f.precision != "" && f.precision != "fp32" && f.precision != "tf32" && f.precision != "bf16":
		return fmt.Errorf("--precision %q: want fp32, tf32 or bf16", f.precision)
	case f.device != "cuda" && (f.precision == "tf32" || f.precision == "bf16" || f.flash):
		what := "--flash-attention"
		if f.precision == "tf32" || f.precision == "bf16" {
			what = "--precision " + f.precision
		}
		return fmt.Errorf("%s needs --device cuda (the CPU computes in float32)", what)
	}
	return nil
}

func (f *modelFlags) config(vocab int) nn.Config {
	return nn.Config{Vocab: vocab, Block: f.block, Layers: f.layers, Heads: f.heads, Embd: f.embd, Dropout: float32(f.dropout)}
}

// evaluate returns the mean loss over iters random batches of each split, in evaluation mode.
func evaluate(m *nn.GPT, ds *nn.Dataset, B, T, iters int) (train, val float64, err error) {
	was := m.Training()
	m.Train(false)
	defer m.Train(was)
	out := [2]float64{}
	for i, split := range []string{"train", "val"} {
		var sum float64
		for k := 0; k < iters; k++ {
			x, y, err := ds.Batch(split, B, T)
			if err != nil {
				return 0, 0, err
			}
			nn.NoGrad(func() { sum += float64(m.Loss(m.Forward(x, B, T), y).Item()) })
		}
		out[i] = sum / float64(iters)
	}
	return out[0], out[1], nil
}

// pyRound rounds like Python's round(x, digits) for the values printed here.
func pyRound(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.RoundToEven(x*p) / p
}

// pyFloat formats a float as Python's json.dumps does for these values ("108.0", "1.9171").
func pyFloat(x float64) string {
	if math.IsInf(x, 1) {
		return "Infinity"
	}
	if math.IsNaN(x) {
		return "NaN"
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// jsonLine writes one JSON object with keys in the given order, formatted as Python's json.dumps.
func jsonLine(w io.Writer, kv ...any) {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(kv[i])
		b.Write(k)
		b.WriteString(": ")
		switch v := kv[i+1].(type) {
		case float64:
			b.WriteString(pyFloat(v))
		default:
			j, _ := json.Marshal(v)
			b.Write(j)
		}
	}
	b.WriteString("}\n")
	io.WriteString(w, b.String())
}
