package nntest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/backend"
)

// RelErr is the largest elementwise error of got against want, relative to max(|want_i|, 1e-2·max|want|)
// (tiny elements are judged against the tensor's scale); any NaN or infinity mismatch gives +Inf.
func RelErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var scale float64
	for _, w := range want {
		if !math.IsInf(float64(w), 0) && !math.IsNaN(float64(w)) {
			scale = math.Max(scale, math.Abs(float64(w)))
		}
	}
	floor := math.Max(1e-2*scale, 1e-30)
	var worst float64
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.IsNaN(w) {
			return math.Inf(1) // NaN never passes
		}
		if math.IsInf(w, 0) || math.IsInf(g, 0) {
			if g != w {
				return math.Inf(1)
			}
			continue
		}
		worst = math.Max(worst, math.Abs(g-w)/math.Max(math.Abs(w), floor))
	}
	return worst
}

// Data returns n values from a seeded generator: normal·scale + shift, or positive (|x|+0.1) when pos.
func Data(seed uint64, n int, scale, shift float32, pos bool) []float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	v := make([]float32, n)
	for i := range v {
		x := float32(r.NormFloat64())*scale + shift
		if pos {
			x = float32(math.Abs(float64(x))) + 0.1
		}
		v[i] = x
	}
	return v
}

func randInts(seed uint64, n, hi int) []int32 {
	r := rand.New(rand.NewPCG(seed, 7))
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(r.IntN(hi))
	}
	return v
}

func contig(shape ...int) []int {
	s := make([]int, len(shape))
	k := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = k
		k *= shape[i]
	}
	return s
}

// OpCase runs one backend operation on fixed inputs and returns the buffers to compare.
type OpCase struct {
	Name string
	Tol  float64                                   // the largest RelErr allowed against the CPU
	Run  func(be backend.Backend) []backend.Buffer // the outputs to compare
}

func OpCases() []OpCase {
	var cs []OpCase
	add := func(name string, run func(be backend.Backend) []backend.Buffer) {
		cs = append(cs, OpCase{Name: name, Tol: 1e-4, Run: run})
	}
	const N = 3000
	x := Data(1, N, 1.5, 0, false)
	pos := Data(2, N, 2, 0, true)
	y := Data(3, N, 1, 0, false)
	dy := Data(4, N, 1, 0, false)
	add("alloc-zero", func(be backend.Backend) []backend.Buffer { return []backend.Buffer{be.Alloc(1000)} })
	add("fill", func(be backend.Backend) []backend.Buffer {
		b := be.Alloc(777)
		be.Fill(b, -2.5)
		return []backend.Buffer{b}
	})
	add("fromhost", func(be backend.Backend) []backend.Buffer { return []backend.Buffer{be.FromHost(x)} })
	for _, alpha := range []float32{1, -0.37} {
		add(fmt.Sprintf("axpy/%v", alpha), func(be backend.Backend) []backend.Buffer {
			d := be.FromHost(y)
			be.Axpy(d, alpha, be.FromHost(x))
			return []backend.Buffer{d}
		})
	}
	type un struct {
		op  backend.UnaryOp
		p   float32
		pos bool
	}
	for _, u := range []un{
		{backend.OpNeg, 0, false}, {backend.OpExp, 0, false}, {backend.OpLog, 0, true}, {backend.OpSqrt, 0, true}, {backend.OpTanh, 0, false},
		{backend.OpSigmoid, 0, false}, {backend.OpReLU, 0, false}, {backend.OpGELU, 0, false}, {backend.OpPow, 3, false}, {backend.OpPow, 0.5, true},
		{backend.OpPow, -1.5, true}, {backend.OpPow, 2, false}, {backend.OpAddScalar, 0.75, false}, {backend.OpMulScalar, -1.25, false},
		{backend.OpAbs, 0, false}, {backend.OpClamp, 0.1, false},
	} {
		in := x
		if u.pos {
			in = pos
		}
		add(fmt.Sprintf("unary/%v/%v", u.op, u.p), func(be backend.Backend) []backend.Buffer {
			d := be.Alloc(N)
			be.Unary(u.op, d, be.FromHost(in), u.p)
			return []backend.Buffer{d}
		})
		add(fmt.Sprintf("unarygrad/%v/%v", u.op, u.p), func(be backend.Backend) []backend.Buffer {
			xb := be.FromHost(in)
			yb := be.Alloc(N)
			be.Unary(u.op, yb, xb, u.p)
			dx := be.FromHost(y) // accumulates
			be.UnaryGrad(u.op, dx, xb, yb, be.FromHost(dy), u.p)
			return []backend.Buffer{dx}
		})
	}
	// Binary ops: contiguous, row and column broadcast, transposed operand, and Eq on integer values.
	type bin struct {
		name   string
		shape  []int
		as, bs []int
		na, nb int
	}
	bins := []bin{
		{"contig", []int{30, 100}, contig(30, 100), contig(30, 100), N, N},
		{"row-bcast", []int{30, 100}, contig(30, 100), []int{0, 1}, N, 100},
		{"col-bcast", []int{30, 100}, contig(30, 100), []int{1, 0}, N, 30},
		{"transposed", []int{30, 100}, []int{1, 30}, contig(30, 100), N, N},
		{"scalar", []int{6, 5, 100}, contig(6, 5, 100), []int{0, 0, 0}, N, 1},
		{"3d-mixed", []int{6, 5, 100}, []int{0, 100, 1}, []int{5, 1, 0}, 500, 30},
	}
	for _, op := range []backend.BinaryOp{backend.OpAdd, backend.OpSub, backend.OpMul, backend.OpDiv, backend.OpEq} {
		for _, b := range bins {
			av, bv := x[:b.na], pos[:b.nb]
			if op == backend.OpEq {
				av, bv = roundAll(av), roundAll(bv)
			}
			add(fmt.Sprintf("binary/%v/%s", op, b.name), func(be backend.Backend) []backend.Buffer {
				d := be.Alloc(N)
				be.Binary(op, d, b.shape, be.FromHost(av), b.as, be.FromHost(bv), b.bs)
				return []backend.Buffer{d}
			})
		}
	}
	// Gather / scatter: a transpose of a [20, 30, 4] block at an offset, plain and accumulating.
	for _, acc := range []bool{false, true} {
		add(fmt.Sprintf("gather/acc=%v", acc), func(be backend.Backend) []backend.Buffer {
			d := be.FromHost(y[:20*30*4])
			be.Gather(d, []int{4, 30, 20}, be.FromHost(x), 5, []int{1, 4, 120}, acc)
			return []backend.Buffer{d}
		})
	}
	add("scatter", func(be backend.Backend) []backend.Buffer {
		d := be.FromHost(y)
		be.Scatter(d, 5, []int{1, 4, 120}, be.FromHost(x[:4*30*20]), []int{4, 30, 20})
		return []backend.Buffer{d}
	})
	// Reductions: rows (inner 1), columns, a long middle axis, and an outer dimension beyond 65535.
	type red struct{ outer, n, inner int }
	big := Data(5, 70000*2*2, 1, 0, false)
	for _, op := range []backend.ReduceOp{backend.ReduceSum, backend.ReduceMax} {
		for _, r := range []red{{30, 100, 1}, {1, 3000, 1}, {3, 10, 100}, {1, 1000, 3}, {2, 1, 1500}, {70000, 2, 2}} {
			src := x
			if r.outer*r.n*r.inner > N {
				src = big
			}
			add(fmt.Sprintf("reduce/%d/%v", op, r), func(be backend.Backend) []backend.Buffer {
				d := be.Alloc(r.outer * r.inner)
				be.Reduce(op, d, be.FromHost(src[:r.outer*r.n*r.inner]), r.outer, r.n, r.inner)
				return []backend.Buffer{d}
			})
		}
	}
	// Softmax and log-softmax, with a masked (−Inf) entry per row, and their gradients.
	masked := append([]float32(nil), x...)
	for i := 0; i < len(masked); i += 7 {
		masked[i] = float32(math.Inf(-1))
	}
	for _, lg := range []bool{false, true} {
		for _, cols := range []int{100, 30, 1000} {
			rows := N / cols
			add(fmt.Sprintf("softmax/log=%v/cols=%d", lg, cols), func(be backend.Backend) []backend.Buffer {
				d := be.Alloc(N)
				be.Softmax(d, be.FromHost(masked), rows, cols, lg)
				return []backend.Buffer{d}
			})
			add(fmt.Sprintf("softmaxgrad/log=%v/cols=%d", lg, cols), func(be backend.Backend) []backend.Buffer {
				yb := be.Alloc(N)
				be.Softmax(yb, be.FromHost(x), rows, cols, lg)
				dx := be.FromHost(y)
				be.SoftmaxGrad(dx, yb, be.FromHost(dy), rows, cols, lg)
				return []backend.Buffer{dx}
			})
		}
	}
	// Cross-entropy with some ignored rows.
	const rows, cols = 60, 50
	tg := randInts(6, rows, cols)
	for i := 0; i < rows; i += 9 {
		tg[i] = -100
	}
	logits := Data(7, rows*cols, 3, 0, false)
	add("crossentropy", func(be backend.Backend) []backend.Buffer {
		loss, lse := be.Alloc(1), be.Alloc(rows)
		if c := be.CrossEntropy(loss, lse, be.FromHost(logits), tg, rows, cols, -100); c != rows-7 {
			panic(fmt.Sprintf("count %d", c))
		}
		return []backend.Buffer{loss, lse}
	})
	add("crossentropygrad", func(be backend.Backend) []backend.Buffer {
		lb := be.FromHost(logits)
		loss, lse := be.Alloc(1), be.Alloc(rows)
		be.CrossEntropy(loss, lse, lb, tg, rows, cols, -100)
		g := be.FromHost(y[:rows*cols])
		be.CrossEntropyGrad(g, lb, lse, tg, rows, cols, -100, 0.37)
		return []backend.Buffer{g}
	})
	// Layer norm with and without gain and bias, forward and backward.
	const lr, lc = 40, 75
	lx := Data(8, lr*lc, 2, 0.5, false)
	gain, bias := Data(9, lc, 0.5, 1, false), Data(10, lc, 0.5, 0, false)
	for _, opt := range []struct{ g, b bool }{{true, true}, {true, false}, {false, false}} {
		opt := opt
		pick := func(be backend.Backend, on bool, v []float32) backend.Buffer {
			if !on {
				return nil
			}
			return be.FromHost(v)
		}
		add(fmt.Sprintf("layernorm/gain=%v/bias=%v", opt.g, opt.b), func(be backend.Backend) []backend.Buffer {
			yb, m, rs := be.Alloc(lr*lc), be.Alloc(lr), be.Alloc(lr)
			be.LayerNorm(yb, m, rs, be.FromHost(lx), pick(be, opt.g, gain), pick(be, opt.b, bias), lr, lc, 1e-5)
			return []backend.Buffer{yb, m, rs}
		})
		add(fmt.Sprintf("layernormgrad/gain=%v/bias=%v", opt.g, opt.b), func(be backend.Backend) []backend.Buffer {
			xb := be.FromHost(lx)
			gb := pick(be, opt.g, gain)
			yb, m, rs := be.Alloc(lr*lc), be.Alloc(lr), be.Alloc(lr)
			be.LayerNorm(yb, m, rs, xb, gb, pick(be, opt.b, bias), lr, lc, 1e-5)
			dx := be.FromHost(y[:lr*lc])
			out := []backend.Buffer{dx}
			var dg, db backend.Buffer
			if opt.g {
				dg = be.FromHost(dy[:lc])
				out = append(out, dg)
			}
			if opt.b {
				db = be.FromHost(x[:lc])
				out = append(out, db)
			}
			be.LayerNormGrad(dx, dg, db, be.FromHost(dy[:lr*lc]), xb, m, rs, gb, lr, lc)
			return out
		})
	}
	// Embedding with repeated indices (the gradient needs atomics).
	const vocab, dim, nidx = 13, 48, 200
	idx := randInts(11, nidx, vocab)
	table := Data(12, vocab*dim, 1, 0, false)
	add("embedding", func(be backend.Backend) []backend.Buffer {
		d := be.Alloc(nidx * dim)
		be.Embedding(d, be.FromHost(table), idx, dim)
		return []backend.Buffer{d}
	})
	add("embeddinggrad", func(be backend.Backend) []backend.Buffer {
		dt := be.FromHost(table)
		be.EmbeddingGrad(dt, be.FromHost(Data(13, nidx*dim, 1, 0, false)), idx, dim)
		return []backend.Buffer{dt}
	})
	// Masked fill with a causal mask broadcast over a batch of [6, 20, 20] scores.
	cm := make([]float32, 400)
	for i := 0; i < 20; i++ {
		for j := i + 1; j < 20; j++ {
			cm[i*20+j] = 1
		}
	}
	add("maskedfill", func(be backend.Backend) []backend.Buffer {
		d := be.Alloc(2400)
		be.MaskedFill(d, []int{6, 20, 20}, be.FromHost(x[:2400]), contig(6, 20, 20), be.FromHost(cm), []int{0, 20, 1}, float32(math.Inf(-1)))
		return []backend.Buffer{d}
	})
	add("adamw", func(be backend.Backend) []backend.Buffer {
		p, m, v := be.FromHost(x), be.FromHost(y), be.FromHost(pos)
		be.AdamW(p, be.FromHost(dy), m, v, 1e-3, 0.9, 0.99, 1e-8, 0.1, 0.1, 0.01)
		return []backend.Buffer{p, m, v}
	})
	return cs
}

func roundAll(v []float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(math.Round(float64(x)))
	}
	return out
}

// CompareOp runs c on the CPU and on the device backend be and checks every output.
func CompareOp(t *testing.T, be backend.Backend, c OpCase) {
	t.Helper()
	want := c.Run(nn.CPU)
	got := c.Run(be)
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs on %s, %d on the CPU", c.Name, len(got), be.Name(), len(want))
	}
	for i := range want {
		w := make([]float32, want[i].Len())
		nn.CPU.ToHost(w, want[i])
		g := make([]float32, got[i].Len())
		be.ToHost(g, got[i])
		if e := RelErr(g, w); e > c.Tol {
			t.Errorf("%s output %d: relative error %.3g > %.0e (first values %s %v, cpu %v)", c.Name, i, e, c.Tol, be.Name(), Head(g), Head(w))
		}
	}
}

// ScaledErr is the largest |got − want| over the largest |want| (NaN never passes).
func ScaledErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var scale, worst float64
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.IsNaN(w) || math.IsInf(g, 0) || math.IsInf(w, 0) {
			return math.Inf(1)
		}
		scale = math.Max(scale, math.Abs(w))
		worst = math.Max(worst, math.Abs(g-w))
	}
	return worst / math.Max(scale, 1e-30)
}

func Head(v []float32) []float32 { return v[:min(len(v), 6)] }

// MatMulCases are the products TestMatMulMatchesCPU checks: every transpose combination, shared
// operands, accumulation, sizes that do not divide the tiles, a Linear-sized product and k = 1.
func MatMulCases() []OpCase {
	type mm struct {
		batch, m, n, k   int
		ta, tb, acc      bool
		sharedA, sharedB bool
	}
	var cases []mm
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			cases = append(cases,
				mm{1, 33, 65, 17, ta, tb, false, false, false},
				mm{3, 64, 64, 64, ta, tb, true, false, false},
				mm{5, 7, 130, 70, ta, tb, false, false, true},
				mm{4, 20, 9, 100, ta, tb, false, true, false},
				mm{2, 130, 257, 33, ta, tb, ta, false, tb}, // 128×128 tiles, ragged edges
			)
		}
	}
	cases = append(cases, mm{1, 768, 384, 384, false, true, false, false, false}, mm{24, 64, 64, 32, false, false, false, false, false}, mm{2, 5, 5, 1, false, false, true, false, false})
	var out []OpCase
	for i, c := range cases {
		sa, sb := c.m*c.k, c.k*c.n
		na, nb := c.batch*sa, c.batch*sb
		if c.sharedA {
			sa, na = 0, c.m*c.k
		}
		if c.sharedB {
			sb, nb = 0, c.k*c.n
		}
		av, bv := Data(uint64(100+i), na, 1, 0, false), Data(uint64(200+i), nb, 1, 0, false)
		cv := Data(uint64(300+i), c.batch*c.m*c.n, 1, 0, false)
		out = append(out, OpCase{Name: fmt.Sprintf("matmul/%+v", c), Tol: 1e-4, Run: func(b backend.Backend) []backend.Buffer {
			d := b.FromHost(cv)
			b.MatMul(d, b.FromHost(av), b.FromHost(bv), c.batch, c.m, c.n, c.k, c.ta, c.tb, sa, sb, c.acc)
			return []backend.Buffer{d}
		}})
	}
	return out
}

func CheckAutograd(t *testing.T, device string) {
	run := func(dev string) (float32, [][]float32) {
		nn.Seed(5)
		w1 := nn.Normal(0, 0.3, 16, 32).To(dev).SetRequiresGrad(true)
		w2 := nn.Normal(0, 0.3, 10, 32).To(dev).SetRequiresGrad(true)
		g := nn.Ones(32).To(dev).SetRequiresGrad(true)
		x := nn.Normal(0, 1, 4, 8, 16).To(dev)
		h := nn.LayerNorm(x.MatMul(w1), g, nil, 1e-5).GELU()
		att := nn.MatMulT(h, h).MulScalar(0.2).MaskedFill(nn.CausalMask(8).To(dev), nn.NegInf()).Softmax(-1)
		h = att.MatMul(h).Tanh().Add(h.Sigmoid())
		logits := nn.MatMulT(h, w2).Reshape(32, 10)
		targets := make([]int, 32)
		for i := range targets {
			targets[i] = (i * 7) % 10
		}
		loss := nn.CrossEntropy(logits, targets).Add(h.Pow(2).Mean().MulScalar(0.1)).Add(logits.Max(1).Sum().MulScalar(0.01))
		loss.Backward()
		return loss.Item(), [][]float32{w1.Grad().Data(), w2.Grad().Data(), g.Grad().Data()}
	}
	lc, gc := run("cpu")
	lg, gg := run(device)
	if e := RelErr([]float32{lg}, []float32{lc}); e > 1e-4 {
		t.Errorf("loss %v on %s, %v on the CPU", lg, device, lc)
	}
	for i := range gc {
		if e := RelErr(gg[i], gc[i]); e > 1e-4 {
			t.Errorf("gradient %d: relative error %.3g", i, e)
		}
	}
}

// TrainStep is one step of the recipe: forward, loss, backward, clip to 1, AdamW.
func TrainStep(m *nn.GPT, opt *nn.AdamW, ids, targets []int, B, T int) float32 {
	logits := m.Forward(ids, B, T)
	loss := m.Loss(logits, targets)
	opt.ZeroGrad()
	loss.Backward()
	nn.ClipGradNorm(m.Parameters(), 1)
	opt.Step()
	return loss.Item()
}

func Batch(seed uint64, B, T, vocab int) (ids, targets []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < B; i++ {
		row := make([]int, T+1)
		for j := range row {
			row[j] = r.IntN(vocab)
		}
		ids = append(ids, row[:T]...)
		targets = append(targets, row[1:]...)
	}
	return ids, targets
}

func CheckGPTStep(t *testing.T, device string) {
	cfg := nn.Config{Vocab: 65, Block: 32, Layers: 2, Heads: 4, Embd: 64}
	const B, T = 4, 32
	build := func(dev string) (*nn.GPT, *nn.AdamW) {
		nn.Seed(11)
		m, err := nn.NewGPT(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.To(dev); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Parameters() {
			if p.Value.Device() != dev {
				t.Fatalf("parameter %s is on %s after moving the model to %s", p.Name, p.Value.Device(), dev)
			}
		}
		return m, nn.NewAdamW(m.Parameters(), 1e-3, 0.1)
	}
	mc, oc := build("cpu")
	mg, og := build(device)
	mt, ot := build(device)
	tr := nn.NewTrainer(mt, ot, 1) // the same step through a Trainer, which recycles device memory
	for step := 0; step < 2; step++ {
		ids, tg := Batch(uint64(step), B, T, cfg.Vocab)
		lc := TrainStep(mc, oc, ids, tg, B, T)
		lg := TrainStep(mg, og, ids, tg, B, T)
		lt := tr.Step(ids, tg, B, T)
		t.Logf("step %d: loss cpu %.6f %s %.6f, through a Trainer %.6f", step, lc, device, lg, lt)
		// Not bit for bit on a GPU: kernels that add with atomics (the gradients of the embedding and
		// of the layer norms' gain and bias) sum in an order that changes from run to run, and AdamW
		// magnifies such rounding in elements whose gradient is near zero (3e-6 seen on an H200).
		if e := RelErr([]float32{lt}, []float32{lg}); e > 1e-5 {
			t.Fatalf("step %d: loss %v through a Trainer, %v written out", step, lt, lg)
		}
		for i, p := range mt.Parameters() {
			if e := RelErr(p.Value.Data(), mg.Parameters()[i].Value.Data()); e > 1e-4 {
				t.Fatalf("step %d: %s through a Trainer: relative error %.3g", step, p.Name, e)
			}
		}
		if e := RelErr([]float32{lg}, []float32{lc}); e > 1e-4 {
			t.Fatalf("step %d: loss %v on %s, %v on the CPU", step, lg, device, lc)
		}
		pc, pg := mc.Parameters(), mg.Parameters()
		for i := range pc {
			if step == 0 {
				// Gradients (clipped) of the first step.
				if e := RelErr(pg[i].Value.Grad().Data(), pc[i].Value.Grad().Data()); e > 1e-3 {
					t.Errorf("step %d: gradient of %s: relative error %.3g", step, pc[i].Name, e)
				}
			}
			// Updated weights: AdamW normalises each gradient element, so one whose gradient is rounding
			// noise may move differently; allow 0.1% of the elements off, none by more than 2·lr.
			w, g := pc[i].Value.Data(), pg[i].Value.Data()
			off := 0
			for j := range w {
				d := math.Abs(float64(g[j] - w[j]))
				if math.IsNaN(d) || d > 2.1e-3*float64(step+1) {
					t.Fatalf("step %d: %s[%d] = %v on %s, %v on the CPU", step, pc[i].Name, j, g[j], device, w[j])
				}
				if d > 1e-6+1e-4*math.Abs(float64(w[j])) {
					off++
				}
			}
			if off > len(w)/1000 {
				t.Errorf("step %d: %s: %d of %d weights differ beyond 1e-4", step, pc[i].Name, off, len(w))
			}
		}
	}
}
