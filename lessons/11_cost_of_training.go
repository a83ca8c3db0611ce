//go:build ignore

// %% [markdown]
// # 11. The cost of training
//
// **You will learn**
// - how to count the arithmetic of training: about `6 · N` floating-point operations (FLOPs) per token for
//   a model with `N` parameters;
// - how fast this machine does that arithmetic, measured (and a GPU, when there is one);
// - what it takes to train a frontier model, extrapolated from those numbers with every assumption written
//   down as a number with its source.

// %% [markdown]
// ## Counting FLOPs
//
// Most of a GPT's work is matrix products. Multiplying an input by a weight and adding the result is 2
// FLOPs (one multiply, one add), and every parameter takes part once per token in the forward pass:
// `2N` FLOPs. The backward pass computes two gradients per product — with respect to the input and to
// the weight — which costs about twice the forward: `4N`. Total: **`6N` FLOPs per token** (Kaplan et
// al. 2020, *Scaling Laws for Neural Language Models*, section 2.1). Attention adds a term that grows
// with the context length, `12 · layers · width · context`, small for short contexts. The library's
// `FLOPsPerToken` counts both.

// %%
nn.Seed(11)
quick := display.Quick()
cfg := nn.Config{Vocab: 215, Block: 128, Layers: 4, Heads: 4, Embd: 128} // lesson 10's full model
model := nn.MustGPT(cfg)
N := float64(model.NumParams())
fmt.Printf("parameters N = %.0f\n", N)
fmt.Printf("6N = %.3g FLOPs per token; with attention: %.3g\n", 6*N, model.FLOPsPerToken())

// %% [markdown]
// ## Measuring this machine
//
// We time real training steps of this model (forward, backward, AdamW) and divide the FLOPs done by the
// seconds taken. The first step is not timed: it allocates memory.

// %%
measure := func(m *nn.GPT, B, steps int) (tokPerSec, flops float64) {
	opt := nn.NewAdamW(m.Parameters(), 1e-3, 0)
	x := make([]int, B*cfg.Block)
	for i := range x {
		x[i] = (i * 7) % cfg.Vocab
	}
	step := func() {
		loss := m.Loss(m.Forward(x, B, cfg.Block), x)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		loss.Item() // wait for the result (matters on a GPU)
	}
	step()
	start := time.Now()
	for i := 0; i < steps; i++ {
		step()
	}
	sec := time.Since(start).Seconds()
	tokPerSec = float64(steps*B*cfg.Block) / sec
	return tokPerSec, tokPerSec * m.FLOPsPerToken()
}
timedSteps := 5
if quick {
	timedSteps = 2
}
cpuTok, cpuFLOPS := measure(model, 8, timedSteps)
fmt.Printf("this machine (CPU): %.0f tokens/s, %.2f GFLOP/s achieved in training\n", cpuTok, cpuFLOPS/1e9)

// %% [markdown]
// ## And on a GPU?
//
// If this machine has an NVIDIA GPU with a driver, the library's CUDA backend runs the same model there
// (`model.To("cuda")`). Without one, the cell says so and we go on with the CPU number. (For reference, an
// NVIDIA H100 SXM does up to 989 TFLOP/s of dense 16-bit matrix arithmetic and 67 TFLOP/s in plain 32-bit
// float — NVIDIA's H100 specifications, where 1,979 is the 16-bit figure *with* sparsity; this library
// trains in float32. Measured on an NVIDIA H200 with this library: the project's benchmark GPT (6 layers,
// width 384, 256 characters of context, batch 64; see PERF.md) trained at about 408,000 tokens/s, 29
// TFLOP/s of model arithmetic, 0.44 of the card's float32 peak — the same as PyTorch on the same card.)

// %%
import "github.com/notmagic/notmagic/lib/gpu"

onGPU := func() float64 {
	if err := gpu.Register(); err != nil {
		fmt.Println("no GPU here:", err)
		return 0
	}
	info, err := gpu.DeviceInfo()
	if err != nil {
		fmt.Println("no GPU here:", err)
		return 0
	}
	gm := nn.MustGPT(cfg)
	if err := gm.To("cuda"); err != nil {
		fmt.Println("could not move the model to the GPU:", err)
		return 0
	}
	gTok, gF := measure(gm, 64, 3*timedSteps)
	fmt.Printf("%s: %.0f tokens/s, %.1f GFLOP/s (%.0f× this CPU)\n", info.Name, gTok, gF/1e9, gF/cpuFLOPS)
	return gF
}
gpuFLOPS := onGPU()

// %% [markdown]
// ## Why GPUs
//
// A matrix product is thousands of dot products that do not depend on each other: every element of the
// output is one row times one column. Take this model's largest product, the first MLP layer of one
// training batch:

// %%
rows, inner, cols := 8*cfg.Block, cfg.Embd, 4*cfg.Embd // [8·128 tokens × 128] · [128 × 512]
a, b := nn.Randn(rows, inner), nn.Randn(inner, cols)
a.MatMul(b) // once to warm up
reps := 20
t0 := time.Now()
for i := 0; i < reps; i++ {
	a.MatMul(b)
}
matmulSec := time.Since(t0).Seconds() / float64(reps)
matmulFLOPS := 2 * float64(rows*inner*cols) / matmulSec
fmt.Printf("one product: %d × %d outputs = %d independent dot products of length %d\n", rows, cols, rows*cols, inner)
fmt.Printf("this CPU: %.2f ms for it, %.1f GFLOP/s\n", 1e3*matmulSec, matmulFLOPS/1e9)
gpuPeak, gpuName := 67e12, "an H100 SXM's float32 peak (NVIDIA's specifications)"
if gpuFLOPS > 0 {
	gpuPeak, gpuName = gpuFLOPS, "this machine's GPU, measured above"
}
fmt.Printf("%s: %.0f GFLOP/s, %.0f× this CPU; in 16-bit matrix units (989 TFLOP/s) %.0f×\n",
	gpuName, gpuPeak/1e9, gpuPeak/matmulFLOPS, 989e12/matmulFLOPS)

// %% [markdown]
// A CPU core does a few dozen multiply-adds per clock cycle, one thread of work after another; a GPU has
// thousands of simpler cores (an H100 SXM has 16,896 for 32-bit float, plus 528 *tensor cores* that each
// multiply small matrices in one step) and hands each a share of those independent dot products. Training
// is almost all matrix products, which is why it moved to GPUs — and attention's `T²` comparisons
// (lesson 8) are more of them.
//
// ## Extrapolating to frontier models
//
// Training compute is `C = 6 · N · D` for `N` parameters and `D` training tokens. The assumptions, each a
// number with its source:
//
// | quantity | value | source |
// |---|---|---|
// | GPT-3: parameters, tokens | 175 × 10⁹, 300 × 10⁹ | Brown et al. 2020, *Language Models are Few-Shot Learners*, Table D.1 (3.14 × 10²³ FLOPs) |
// | GPT-4: parameters | unconfirmed: rumoured 1.76 × 10¹² (a mixture of experts, so only part of it works on each token) | press reports of June–July 2023 (The Decoder, citing George Hotz and SemiAnalysis); OpenAI has published neither size nor data |
// | GPT-4: training compute | over 10²⁵ FLOPs, an estimate | Epoch AI, *Over 30 AI models have been trained at the scale of GPT-4* (January 2025, updated June 2025): GPT-4 was the first model above 10²⁵ |
// | Llama 3.1 405B: parameters, tokens | 405 × 10⁹, 15.6 × 10¹² | Meta 2024, *The Llama 3 Herd of Models* (3.8 × 10²⁵ FLOPs) |
// | compute-optimal data | ≈ 20 tokens per parameter | Hoffmann et al. 2022, *Training Compute-Optimal LLMs* (Chinchilla) |
// | H100 peak, dense BF16 | 989 × 10¹² FLOP/s | NVIDIA H100 SXM specifications |
// | achieved fraction of peak (MFU) | 40% | Llama 3 paper: 38–43% on 8,192–16,384 H100s (as reported by Epoch AI and by G. Lockwood's notes of Meta's SC'24 talk, 380–430 TFLOP/s per GPU; the paper's section was not checked here) |
// | H100 power | 700 W per GPU, × 1.5 for CPUs, network and cooling | H100 SXM TDP; the 1.5 is our assumption |
// | H100 rental | $2.50 per GPU-hour | our assumption, within cloud list prices of about $2–4 (unverified, as of December 2026) |
// | cluster size | 16,384 GPUs | Llama 3 paper (up to 16K H100s for the 405B run) |
// | a home's electricity | 10,715 kWh per year | U.S. Energy Information Administration, average U.S. residential customer, 2020 |

// %%
type run struct {
	name   string
	params float64
	tokens float64
}
runs := []run{
	{"this lesson's model, 1B tokens", N, 1e9},
	{"GPT-2 small (124M), Chinchilla-optimal 2.5B tokens", 124e6, 20 * 124e6},
	{"GPT-3 175B, 300B tokens", 175e9, 300e9},
	{"Llama 3.1 405B, 15.6T tokens", 405e9, 15.6e12},
}
const homeKWhPerYear = 10715.0
const (
	h100Peak   = 989e12
	mfu        = 0.40
	gpuWatts   = 700.0
	overhead   = 1.5
	dollarPerH = 2.50
	clusterN   = 16384.0
)
var labels []string
var computes, cpuYears []float64
for _, r := range runs {
	C := 6 * r.params * r.tokens
	gpuHours := C / (h100Peak * mfu) / 3600
	days := gpuHours / clusterN / 24
	mwh := gpuHours * gpuWatts * overhead / 1e6
	years := C / cpuFLOPS / (3600 * 24 * 365)
	fmt.Printf("%s\n  compute %.2g FLOPs | %.3g H100-hours = %.2g days on %.0f H100s | $%.3g | %.3g MWh = %.3g homes for a year | this CPU: %.3g years\n",
		r.name, C, gpuHours, days, clusterN, gpuHours*dollarPerH, mwh, mwh*1000/homeKWhPerYear, years)
	if gpuFLOPS > 0 {
		fmt.Printf("  this machine's GPU, at the speed measured above: %.3g days\n", C/gpuFLOPS/(3600*24))
	}
	labels = append(labels, r.name)
	computes = append(computes, C)
	cpuYears = append(cpuYears, years)
}

// %%
fmt.Printf("from this lesson's run to Llama 3.1 405B: %.0f orders of magnitude of compute\n",
	math.Log10(computes[len(computes)-1]/computes[0]))

// %% [markdown]
// The numbers span about ten orders of magnitude, so we plot their logarithms — the exponent, 25 for
// 10²⁵: the training compute of each run, and how long this machine would take for it.

// %%
short := []string{"this lesson", "GPT-2 small", "GPT-3", "Llama 3.1 405B"}
var logCompute, logHours []float64 // orders of magnitude: 25 means 10²⁵
for i := range computes {
	logCompute = append(logCompute, math.Log10(computes[i]))
	logHours = append(logHours, math.Log10(cpuYears[i]*365*24))
}
plots.Panels("Training compute, from this lesson to a frontier model", 2,
	plots.Bars("total training compute", short, plots.S("6·N·D", logCompute)).Labels("", "log₁₀ FLOPs"),
	plots.Bars("time on this machine", short, plots.S("hours", logHours)).Labels("", "log₁₀ hours at the measured speed"),
).Size(12, 4.5)

// %% [markdown]
// Reading the output: GPT-3 is about 3 × 10²³ FLOPs — about 220,000 H100-hours, half a day on a
// Llama-sized cluster, roughly half a million dollars of rented time and a few hundred megawatt-hours at
// our assumptions. Llama 3.1 405B is over a hundred times more: about two months of a 16,000-GPU cluster,
// tens of millions of dollars and about 28 gigawatt-hours — the electricity of some 2,600 American homes
// for a year, a small town (Meta's Llama 3.1 model card reports 30.84 million H100-hours, close to our 27
// million). On this machine, GPT-3 would take hundreds of thousands of years.
//
// And the frontier has moved on: by June 2025 Epoch AI counted over 30 models trained with more than
// 10²⁵ FLOPs, and it expected the largest *open* model alone to pass 10²⁶ FLOPs around November 2025
// (90% interval: August 2025 – November 2026; Epoch AI, *Frontier open models may surpass 1e26 FLOP of
// training compute before 2026*, January 2025). For closed models the figures are estimates from public
// information, not disclosures. The mathematics is the same as in lesson 10; only the scale differs —
// which is exactly what "not magic" means.
//
// ## Takeaways
// - Training costs about `6 · N` FLOPs per token: `C = 6 · N · D` for a whole run.
// - Measure achieved FLOP/s on your own hardware; real training reaches a fraction of the peak.
// - A matrix product is thousands of independent dot products: GPUs do them side by side.
// - Frontier runs today are estimated at 10²⁵–10²⁶ FLOPs and beyond: tens of thousands of GPUs for months,
//   tens of millions of dollars, a town's yearly electricity. Every one of those numbers rests on stated
//   assumptions you can change.
//
// **Try this:** change `mfu` to 0.2 or `dollarPerH` to 4 and see what the frontier run costs then; or add a
// run of your own to `runs` (a 7B model on 2 trillion tokens) and place it on the chart.
