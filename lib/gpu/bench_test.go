package gpu

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestGPUTrainBench times training steps of the recipe's GPU configuration (shared/bench/RECIPE.md:
// block 256, batch 64, 6 layers, 6 heads, width 384, dropout 0.2) and prints one JSON line with the
// median ms/iter over iterations 10.. and the model FLOPs utilisation. It runs only with
// NOTMAGIC_GPU_BENCH=1 (scripts/gpu/check.sh sets it); NOTMAGIC_BENCH_ITERS (default 60),
// NOTMAGIC_BENCH_DROPOUT (default 0.2) and NOTMAGIC_BENCH_DATA (a text file; random tokens without it)
// adjust it. It is a timing, not a
// training run: the best validation loss comes from `notmagic bench gpt --device cuda`.
func TestGPUTrainBench(t *testing.T) {
	if os.Getenv("NOTMAGIC_GPU_BENCH") != "1" {
		t.Skip("set NOTMAGIC_GPU_BENCH=1 to time GPT training steps on the GPU")
	}
	requireGPU(t)
	iters := envInt("NOTMAGIC_BENCH_ITERS", 60)
	B, T := envInt("NOTMAGIC_BENCH_BATCH", 64), envInt("NOTMAGIC_BENCH_BLOCK", 256)
	vocab := 65
	var ds *nn.Dataset
	if path := os.Getenv("NOTMAGIC_BENCH_DATA"); path != "" {
		text, err := nn.ReadCorpus(path)
		if err != nil {
			t.Fatal(err)
		}
		tok := nn.NewCharTokenizer(text)
		ids, _ := tok.Encode(text)
		if ds, err = nn.NewDataset(ids, 0.9); err != nil {
			t.Fatal(err)
		}
		vocab = tok.VocabSize()
	}
	dropout := float32(0.2)
	if v, err := strconv.ParseFloat(os.Getenv("NOTMAGIC_BENCH_DROPOUT"), 32); err == nil {
		dropout = float32(v)
	}
	cfg := nn.Config{Vocab: vocab, Block: T, Layers: envInt("NOTMAGIC_BENCH_LAYERS", 6), Heads: 6, Embd: envInt("NOTMAGIC_BENCH_EMBD", 384), Dropout: dropout}
	nn.Seed(1337)
	m, err := nn.NewGPT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.To("cuda"); err != nil {
		t.Fatal(err)
	}
	opt := nn.NewAdamW(m.Parameters(), 1e-3, 0.1)
	var times []float64
	var loss float32
	start := time.Now()
	for it := 0; it < iters; it++ {
		var x, y []int
		if ds != nil {
			if x, y, err = ds.Batch("train", B, T); err != nil {
				t.Fatal(err)
			}
		} else {
			x, y = nntest.Batch(uint64(it), B, T, vocab)
		}
		opt.SetLR(float32(nn.CosineLR(it, 100, 5000, 1e-3, 1e-4)))
		t0 := time.Now()
		loss = nntest.TrainStep(m, opt, x, y, B, T) // ends with loss.Item(): the GPU has finished the step
		if err := Sync(); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(t0).Seconds())
	}
	wall := time.Since(start).Seconds()
	window := times
	if len(times) > 10 {
		window = times[10:]
	}
	sorted := append([]float64(nil), window...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	tps := float64(B*T) / med
	info, _ := DeviceInfo()
	mem, _ := Memory()
	flops := m.FLOPsPerToken() * tps
	out := map[string]any{
		"summary": true, "impl": "notmagic-gpu-test", "device": info.Name, "cublas": info.CUBLAS != "", "tf32": info.TF32, "bf16": info.BF16, "flash_attention": flashOn.Load(), "dropout": dropout,
		"iters": iters, "wall_s": round(wall, 2), "median_ms_per_iter": round(med*1e3, 2), "tokens_per_s": int(tps),
		"last_loss": round(float64(loss), 4), "model_tflops": round(flops/1e12, 2),
		"device_peak_mb": mem.Peak >> 20, "gcs": mem.GCs,
	}
	if p, ok := info.PeakFLOPS(); ok {
		out["mfu_vs_fp32_peak"] = round(flops/p.FP32, 4)
		out["mfu_vs_tf32_peak"] = round(flops/p.TF32, 4)
		out["mfu_vs_bf16_peak"] = round(flops/p.BF16, 4)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func round(v float64, digits int) float64 {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

func TestPeakFLOPS(t *testing.T) {
	for _, c := range []struct {
		name string
		tf32 float64
		ok   bool
	}{
		{"NVIDIA H100 80GB HBM3", 495e12, true}, {"NVIDIA H100 PCIe", 378e12, true}, {"NVIDIA H200", 495e12, true},
		{"NVIDIA A100-SXM4-80GB", 156e12, true}, {"NVIDIA GeForce RTX 4090", 0, false},
	} {
		p, ok := Info{Name: c.name}.PeakFLOPS()
		if ok != c.ok || p.TF32 != c.tf32 {
			t.Errorf("%s: %+v, %v", c.name, p, ok)
		}
	}
}
