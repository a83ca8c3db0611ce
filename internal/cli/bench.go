package cli

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/gemm"
)

// benchMatmul is `notmagic bench matmul [-threads 1,2] [-time 0.5s] [-clock wall|cpu] [shape ...]`: it
// runs gemm.Bench on the shapes (as gemm.ParseShape reads them; gemm.DefaultShapes when none) and
// writes JSON lines of GFLOP/s to s.Out.
func benchMatmul(s Streams, args []string) error {
	fs := newFlags(s, "bench matmul", "usage: notmagic bench matmul [-threads 1,2] [-time 0.5s] [-clock wall|cpu] [N | MxNxK[:NN|NT|TN|TT] ...]")
	threadList := fs.String("threads", "", "comma-separated thread counts (default 1 and GOMAXPROCS)")
	minTime := fs.Duration("time", 500*time.Millisecond, "timing budget per measurement")
	clock := fs.String("clock", "wall", "wall, or cpu: the thread's CPU time (single-threaded runs only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var threads []int
	if *threadList != "" {
		for _, f := range strings.Split(*threadList, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				return fmt.Errorf("-threads: %q is not a positive integer", f)
			}
			threads = append(threads, n)
		}
	}
	var shapes []gemm.Shape
	for _, a := range fs.Args() {
		sh, err := gemm.ParseShape(a)
		if err != nil {
			return err
		}
		shapes = append(shapes, sh)
	}
	if *clock != "wall" && *clock != "cpu" {
		return fmt.Errorf("-clock %q: want wall or cpu", *clock)
	}
	return gemm.Bench(s.Out, gemm.BenchOptions{MinTime: *minTime, Threads: threads, CPUClock: *clock == "cpu"}, shapes...)
}

// benchCmd is `notmagic bench WHAT [flags]`: "gpt" runs the GPT training recipe, "matmul" the GEMM benchmark.
func benchCmd(s Streams, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: notmagic bench gpt [flags] | notmagic bench matmul [flags] | notmagic bench kernel [flags]")
	}
	switch args[0] {
	case "gpt":
		return benchGPT(s, args[1:])
	case "matmul":
		return benchMatmul(s, args[1:])
	case "kernel":
		return benchKernel(s, args[1:])
	}
	return fmt.Errorf("unknown benchmark %q (have: gpt, matmul, kernel)", args[0])
}

// benchGPT runs shared/bench/RECIPE.md the way torch_gpt.py does — same flags, defaults, data
// split, batches, model, AdamW groups, schedule, clipping, evaluation and timing window
// (iterations 10..end of forward + backward + clip + step, evals excluded) — and prints the same
// per-eval JSON lines and the final summary line to s.Out, with "peak_rss_mb" added.
func benchGPT(s Streams, args []string) error {
	out := s.Out
	fs := newFlags(s, "bench gpt", "usage: notmagic bench gpt --data FILE [flags] (the flags of torch_gpt.py)")
	var f modelFlags
	data := fs.String("data", "", "text file to train on (required), e.g. shared/data/tinyshakespeare.txt")
	profile := fs.String("cpuprofile", "", "write a pprof CPU profile of the timed steps (iteration 10 on) to this file")
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("--data FILE is required (as in torch_gpt.py)")
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.threads > 0 {
		runtime.GOMAXPROCS(f.threads)
		gemm.SetThreads(f.threads)
	}
	sync, err := openDevice(f.device)
	if err != nil {
		return err
	}
	if err := f.setPrecision(); err != nil {
		return err
	}
	nn.Seed(f.seed)
	text, err := nn.ReadCorpus(*data)
	if err != nil {
		return err
	}
	tok := nn.NewCharTokenizer(text)
	ids, _ := tok.Encode(text)
	ds, err := nn.NewDataset(ids, 0.9)
	if err != nil {
		return err
	}
	model, err := nn.NewGPT(f.config(tok.VocabSize()))
	if err != nil {
		return err
	}
	if err := model.To(f.device); err != nil {
		return err
	}
	opt := nn.NewAdamW(model.Parameters(), float32(f.lr), 0.1)
	trainer := nn.NewTrainer(model, opt, 1.0)
	best := inf
	var times, allocs []float64
	start := time.Now()
	for it := 0; it <= f.iters; it++ {
		if it%f.evalEvery == 0 || it == f.iters {
			tr, va, err := evaluate(model, ds, f.batch, f.block, f.evalIters)
			if err != nil {
				return err
			}
			best = min(best, va)
			jsonLine(out, "iter", it, "train_loss", pyRound(tr, 4), "val_loss", pyRound(va, 4))
		}
		if it == f.iters {
			break
		}
		if it == 10 && *profile != "" {
			stop, err := startCPUProfile(*profile)
			if err != nil {
				return err
			}
			defer stop()
		}
		opt.SetLR(float32(nn.CosineLR(it, f.warmup, f.iters, f.lr, f.minLR)))
		t0 := time.Now()
		x, y, err := ds.Batch("train", f.batch, f.block)
		if err != nil {
			return err
		}
		// Every 50th step from the 10th counts its heap allocations instead of being timed (reading
		// the count stops the world).
		counted := it >= 10 && (it-10)%50 == 0
		var before runtime.MemStats
		if counted {
			runtime.ReadMemStats(&before)
		}
		trainer.Step(x, y, f.batch, f.block)
		if err := sync(); err != nil { // torch_gpt.py's torch.cuda.synchronize()
			return err
		}
		if counted {
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			allocs = append(allocs, float64(after.Mallocs-before.Mallocs))
			continue
		}
		times = append(times, time.Since(t0).Seconds())
	}
	wall := time.Since(start).Seconds()
	med := median(times)
	if len(times) > 10 {
		med = median(times[10:])
	}
	tps := 0.0
	if med > 0 {
		tps = float64(f.batch*f.block) / med
	}
	fields := []any{"summary", true, "impl", "notmagic-go", "threads", runtime.GOMAXPROCS(0), "gemm_kernel", gemm.Kernel(),
		"wall_s", pyRound(wall, 2), "median_ms_per_iter", pyRound(med*1e3, 2),
		"tokens_per_s", int(pyRound(tps, 0)), "best_val_loss", pyRound(best, 4),
		"peak_rss_mb", pyRound(peakRSSMB(), 1), "allocs_per_step", pyRound(mean(allocs), 2)}
	jsonLine(out, append(fields, deviceFields(f.device, model.FLOPsPerToken(), tps)...)...)
	return nil
}

var inf = math.Inf(1)

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mean returns the mean of v (0 for none).
func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

// startCPUProfile starts a pprof CPU profile into path and returns the function that ends it.
func startCPUProfile(path string) (stop func(), err error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		file.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		file.Close()
	}, nil
}
