package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

// requireGPU returns the CUDA backend, or skips the test when there is no GPU — and fails it instead
// when NOTMAGIC_REQUIRE_GPU=1 (the GPU machine's check), so a broken setup cannot pass as "skipped".
func requireGPU(t testing.TB) *Backend {
	t.Helper()
	be, err := Default()
	if err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_GPU") == "1" {
			t.Fatalf("NOTMAGIC_REQUIRE_GPU=1 but the CUDA backend is unavailable: %v", err)
		}
		t.Skipf("no GPU: %v", err)
	}
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	return be
}

// TestAvailable checks what a machine without a GPU sees — a clear error, no panic, no "cuda" device —
// and on a GPU machine that the device opens and registers.
func TestAvailable(t *testing.T) {
	err := Available()
	if err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_GPU") == "1" {
			t.Fatalf("NOTMAGIC_REQUIRE_GPU=1 but the CUDA backend is unavailable: %v", err)
		}
		t.Logf("Available() = %v", err)
		if !strings.HasPrefix(err.Error(), "gpu: ") {
			t.Errorf("error %q does not say where it comes from", err)
		}
		if err2 := Available(); err2 != err {
			t.Errorf("a second call gave a different error: %v", err2)
		}
		if rerr := Register(); rerr == nil || rerr.Error() != err.Error() {
			t.Errorf("Register() = %v, want Available's error", rerr)
		}
		if _, berr := nn.BackendFor("cuda"); berr == nil {
			t.Error(`"cuda" is registered although the GPU is unavailable`)
		}
		if _, ierr := DeviceInfo(); ierr == nil {
			t.Error("DeviceInfo without a GPU succeeded")
		}
		mustPanic(t, `no device "cuda"`, func() { nn.Ones(2).To("cuda") })
		return
	}
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	info, _ := DeviceInfo()
	t.Logf("device: %v", info)
	if !strings.Contains(fmt.Sprint(nn.Devices()), "cuda") {
		t.Fatalf("devices %v lack cuda", nn.Devices())
	}
}

// relErr is the largest elementwise error of got against want, relative to max(|want_i|, 1e-2·max|want|)
// (tiny elements are judged against the tensor's scale); any NaN or infinity mismatch gives +Inf.
func relErr(got, want []float32) float64 {
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

func TestRelErr(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(-1))
	for _, c := range []struct {
		got, want []float32
		ok        bool
	}{
		{[]float32{1, 2}, []float32{1, 2}, true},
		{[]float32{1, 2.0001}, []float32{1, 2}, true},
		{[]float32{1, 2.01}, []float32{1, 2}, false},
		{[]float32{nan}, []float32{nan}, false},
		{[]float32{1}, []float32{nan}, false},
		{[]float32{inf, 1}, []float32{inf, 1}, true},
		{[]float32{0, 1}, []float32{inf, 1}, false},
		{[]float32{1e-9, 1}, []float32{0, 1}, true},
		{[]float32{1}, []float32{1, 2}, false},
	} {
		if ok := relErr(c.got, c.want) <= 1e-4; ok != c.ok {
			t.Errorf("relErr(%v, %v) = %v", c.got, c.want, relErr(c.got, c.want))
		}
	}
}

// data returns n values from a seeded generator: normal·scale + shift, or positive (|x|+0.1) when pos.
func data(seed uint64, n int, scale, shift float32, pos bool) []float32 {
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

func ints(seed uint64, n, hi int) []int32 {
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

// opCase runs one backend operation on fixed inputs and returns the buffers to compare.
type opCase struct {
	name string
	tol  float64
	run  func(be nn.Backend) []nn.Buffer
}

func opCases() []opCase {
	var cs []opCase
	add := func(name string, run func(be nn.Backend) []nn.Buffer) {
		cs = append(cs, opCase{name: name, tol: 1e-4, run: run})
	}
	const N = 3000
	x := data(1, N, 1.5, 0, false)
	pos := data(2, N, 2, 0, true)
	y := data(3, N, 1, 0, false)
	dy := data(4, N, 1, 0, false)
	add("alloc-zero", func(be nn.Backend) []nn.Buffer { return []nn.Buffer{be.Alloc(1000)} })
	add("fill", func(be nn.Backend) []nn.Buffer { b := be.Alloc(777); be.Fill(b, -2.5); return []nn.Buffer{b} })
	add("fromhost", func(be nn.Backend) []nn.Buffer { return []nn.Buffer{be.FromHost(x)} })
	for _, alpha := range []float32{1, -0.37} {
		add(fmt.Sprintf("axpy/%v", alpha), func(be nn.Backend) []nn.Buffer {
			d := be.FromHost(y)
			be.Axpy(d, alpha, be.FromHost(x))
			return []nn.Buffer{d}
		})
	}
	type un struct {
		op  nn.UnaryOp
		p   float32
		pos bool
	}
	for _, u := range []un{
		{nn.OpNeg, 0, false}, {nn.OpExp, 0, false}, {nn.OpLog, 0, true}, {nn.OpSqrt, 0, true}, {nn.OpTanh, 0, false},
		{nn.OpSigmoid, 0, false}, {nn.OpReLU, 0, false}, {nn.OpGELU, 0, false}, {nn.OpPow, 3, false}, {nn.OpPow, 0.5, true},
		{nn.OpPow, -1.5, true}, {nn.OpPow, 2, false}, {nn.OpAddScalar, 0.75, false}, {nn.OpMulScalar, -1.25, false},
		{nn.OpAbs, 0, false}, {nn.OpClamp, 0.1, false},
	} {
		in := x
		if u.pos {
			in = pos
		}
		add(fmt.Sprintf("unary/%v/%v", u.op, u.p), func(be nn.Backend) []nn.Buffer {
			d := be.Alloc(N)
			be.Unary(u.op, d, be.FromHost(in), u.p)
			return []nn.Buffer{d}
		})
		add(fmt.Sprintf("unarygrad/%v/%v", u.op, u.p), func(be nn.Backend) []nn.Buffer {
			xb := be.FromHost(in)
			yb := be.Alloc(N)
			be.Unary(u.op, yb, xb, u.p)
			dx := be.FromHost(y) // accumulates
			be.UnaryGrad(u.op, dx, xb, yb, be.FromHost(dy), u.p)
			return []nn.Buffer{dx}
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
	for _, op := range []nn.BinaryOp{nn.OpAdd, nn.OpSub, nn.OpMul, nn.OpDiv, nn.OpEq} {
		for _, b := range bins {
			av, bv := x[:b.na], pos[:b.nb]
			if op == nn.OpEq {
				av, bv = roundAll(av), roundAll(bv)
			}
			add(fmt.Sprintf("binary/%v/%s", op, b.name), func(be nn.Backend) []nn.Buffer {
				d := be.Alloc(N)
				be.Binary(op, d, b.shape, be.FromHost(av), b.as, be.FromHost(bv), b.bs)
				return []nn.Buffer{d}
			})
		}
	}
	// Gather / scatter: a transpose of a [20, 30, 4] block at an offset, plain and accumulating.
	for _, acc := range []bool{false, true} {
		add(fmt.Sprintf("gather/acc=%v", acc), func(be nn.Backend) []nn.Buffer {
			d := be.FromHost(y[:20*30*4])
			be.Gather(d, []int{4, 30, 20}, be.FromHost(x), 5, []int{1, 4, 120}, acc)
			return []nn.Buffer{d}
		})
	}
	add("scatter", func(be nn.Backend) []nn.Buffer {
		d := be.FromHost(y)
		be.Scatter(d, 5, []int{1, 4, 120}, be.FromHost(x[:4*30*20]), []int{4, 30, 20})
		return []nn.Buffer{d}
	})
	// Reductions: rows (inner 1), columns, a long middle axis, and an outer dimension beyond 65535.
	type red struct{ outer, n, inner int }
	big := data(5, 70000*2*2, 1, 0, false)
	for _, op := range []nn.ReduceOp{nn.ReduceSum, nn.ReduceMax} {
		for _, r := range []red{{30, 100, 1}, {1, 3000, 1}, {3, 10, 100}, {1, 1000, 3}, {2, 1, 1500}, {70000, 2, 2}} {
			src := x
			if r.outer*r.n*r.inner > N {
				src = big
			}
			add(fmt.Sprintf("reduce/%d/%v", op, r), func(be nn.Backend) []nn.Buffer {
				d := be.Alloc(r.outer * r.inner)
				be.Reduce(op, d, be.FromHost(src[:r.outer*r.n*r.inner]), r.outer, r.n, r.inner)
				return []nn.Buffer{d}
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
			add(fmt.Sprintf("softmax/log=%v/cols=%d", lg, cols), func(be nn.Backend) []nn.Buffer {
				d := be.Alloc(N)
				be.Softmax(d, be.FromHost(masked), rows, cols, lg)
				return []nn.Buffer{d}
			})
			add(fmt.Sprintf("softmaxgrad/log=%v/cols=%d", lg, cols), func(be nn.Backend) []nn.Buffer {
				yb := be.Alloc(N)
				be.Softmax(yb, be.FromHost(x), rows, cols, lg)
				dx := be.FromHost(y)
				be.SoftmaxGrad(dx, yb, be.FromHost(dy), rows, cols, lg)
				return []nn.Buffer{dx}
			})
		}
	}
	// Cross-entropy with some ignored rows.
	const rows, cols = 60, 50
	tg := ints(6, rows, cols)
	for i := 0; i < rows; i += 9 {
		tg[i] = -100
	}
	logits := data(7, rows*cols, 3, 0, false)
	add("crossentropy", func(be nn.Backend) []nn.Buffer {
		loss, lse := be.Alloc(1), be.Alloc(rows)
		if c := be.CrossEntropy(loss, lse, be.FromHost(logits), tg, rows, cols, -100); c != rows-7 {
			panic(fmt.Sprintf("count %d", c))
		}
		return []nn.Buffer{loss, lse}
	})
	add("crossentropygrad", func(be nn.Backend) []nn.Buffer {
		lb := be.FromHost(logits)
		loss, lse := be.Alloc(1), be.Alloc(rows)
		be.CrossEntropy(loss, lse, lb, tg, rows, cols, -100)
		g := be.FromHost(y[:rows*cols])
		be.CrossEntropyGrad(g, lb, lse, tg, rows, cols, -100, 0.37)
		return []nn.Buffer{g}
	})
	// Layer norm with and without gain and bias, forward and backward.
	const lr, lc = 40, 75
	lx := data(8, lr*lc, 2, 0.5, false)
	gain, bias := data(9, lc, 0.5, 1, false), data(10, lc, 0.5, 0, false)
	for _, opt := range []struct{ g, b bool }{{true, true}, {true, false}, {false, false}} {
		opt := opt
		pick := func(be nn.Backend, on bool, v []float32) nn.Buffer {
			if !on {
				return nil
			}
			return be.FromHost(v)
		}
		add(fmt.Sprintf("layernorm/gain=%v/bias=%v", opt.g, opt.b), func(be nn.Backend) []nn.Buffer {
			yb, m, rs := be.Alloc(lr*lc), be.Alloc(lr), be.Alloc(lr)
			be.LayerNorm(yb, m, rs, be.FromHost(lx), pick(be, opt.g, gain), pick(be, opt.b, bias), lr, lc, 1e-5)
			return []nn.Buffer{yb, m, rs}
		})
		add(fmt.Sprintf("layernormgrad/gain=%v/bias=%v", opt.g, opt.b), func(be nn.Backend) []nn.Buffer {
			xb := be.FromHost(lx)
			gb := pick(be, opt.g, gain)
			yb, m, rs := be.Alloc(lr*lc), be.Alloc(lr), be.Alloc(lr)
			be.LayerNorm(yb, m, rs, xb, gb, pick(be, opt.b, bias), lr, lc, 1e-5)
			dx := be.FromHost(y[:lr*lc])
			out := []nn.Buffer{dx}
			var dg, db nn.Buffer
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
	idx := ints(11, nidx, vocab)
	table := data(12, vocab*dim, 1, 0, false)
	add("embedding", func(be nn.Backend) []nn.Buffer {
		d := be.Alloc(nidx * dim)
		be.Embedding(d, be.FromHost(table), idx, dim)
		return []nn.Buffer{d}
	})
	add("embeddinggrad", func(be nn.Backend) []nn.Buffer {
		dt := be.FromHost(table)
		be.EmbeddingGrad(dt, be.FromHost(data(13, nidx*dim, 1, 0, false)), idx, dim)
		return []nn.Buffer{dt}
	})
	// Masked fill with a causal mask broadcast over a batch of [6, 20, 20] scores.
	cm := make([]float32, 400)
	for i := 0; i < 20; i++ {
		for j := i + 1; j < 20; j++ {
			cm[i*20+j] = 1
		}
	}
	add("maskedfill", func(be nn.Backend) []nn.Buffer {
		d := be.Alloc(2400)
		be.MaskedFill(d, []int{6, 20, 20}, be.FromHost(x[:2400]), contig(6, 20, 20), be.FromHost(cm), []int{0, 20, 1}, float32(math.Inf(-1)))
		return []nn.Buffer{d}
	})
	add("adamw", func(be nn.Backend) []nn.Buffer {
		p, m, v := be.FromHost(x), be.FromHost(y), be.FromHost(pos)
		be.AdamW(p, be.FromHost(dy), m, v, 1e-3, 0.9, 0.99, 1e-8, 0.1, 0.1, 0.01)
		return []nn.Buffer{p, m, v}
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

// compareOp runs c on the CPU and on the device backend be and checks every output.
func compareOp(t *testing.T, be nn.Backend, c opCase) {
	t.Helper()
	want := c.run(nn.CPU)
	got := c.run(be)
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs on the GPU, %d on the CPU", c.name, len(got), len(want))
	}
	for i := range want {
		w := make([]float32, want[i].Len())
		nn.CPU.ToHost(w, want[i])
		g := make([]float32, got[i].Len())
		be.ToHost(g, got[i])
		if e := relErr(g, w); e > c.tol {
			t.Errorf("%s output %d: relative error %.3g > %.0e (first values %s %v, cpu %v)", c.name, i, e, c.tol, be.Name(), head(g), head(w))
		}
	}
}

// scaledErr is the largest |got − want| over the largest |want| (NaN never passes).
func scaledErr(got, want []float32) float64 {
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

func head(v []float32) []float32 { return v[:min(len(v), 6)] }

// TestOpsMatchCPU compares every backend method with the CPU backend on random inputs.
func TestOpsMatchCPU(t *testing.T) {
	be := requireGPU(t)
	for _, c := range opCases() {
		compareOp(t, be, c)
	}
	if err := Sync(); err != nil {
		t.Fatal(err)
	}
}

// matmulCases are the products TestMatMulMatchesCPU checks: every transpose combination, shared
// operands, accumulation, sizes that do not divide the tiles, a Linear-sized product and k = 1.
func matmulCases() []opCase {
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
	var out []opCase
	for i, c := range cases {
		sa, sb := c.m*c.k, c.k*c.n
		na, nb := c.batch*sa, c.batch*sb
		if c.sharedA {
			sa, na = 0, c.m*c.k
		}
		if c.sharedB {
			sb, nb = 0, c.k*c.n
		}
		av, bv := data(uint64(100+i), na, 1, 0, false), data(uint64(200+i), nb, 1, 0, false)
		cv := data(uint64(300+i), c.batch*c.m*c.n, 1, 0, false)
		out = append(out, opCase{name: fmt.Sprintf("matmul/%+v", c), tol: 1e-4, run: func(b nn.Backend) []nn.Buffer {
			d := b.FromHost(cv)
			b.MatMul(d, b.FromHost(av), b.FromHost(bv), c.batch, c.m, c.n, c.k, c.ta, c.tb, sa, sb, c.acc)
			return []nn.Buffer{d}
		}})
	}
	return out
}

// TestMatMulMatchesCPU compares batched products through cuBLAS (when loaded) and the PTX GEMM.
func TestMatMulMatchesCPU(t *testing.T) {
	be := requireGPU(t)
	info, _ := DeviceInfo()
	paths := []bool{false}
	if info.CUBLAS != "" {
		paths = []bool{true, false}
	} else {
		t.Logf("cuBLAS not loaded (%s): testing the PTX GEMM only", info.CUBLASError)
	}
	defer UseCUBLAS(true)
	for _, blas := range paths {
		if _, err := UseCUBLAS(blas); err != nil {
			t.Fatal(err)
		}
		for _, c := range matmulCases() {
			c.name = fmt.Sprintf("cublas=%v/%s", blas, c.name)
			compareOp(t, be, c)
		}
	}
}

// TestTF32 checks cuBLAS with TF32 tensor cores on: within 1e-2 of the CPU, as the issue allows,
// relative to the product's scale (scaledErr). TF32 keeps 10 bits of each input's mantissa, so a
// term's error is about 2⁻¹¹·|a·b| and a sum of k = 512 such terms is off by ~√k·2⁻¹¹ of a typical
// term; an element near zero has a large error relative to itself (2.6% was seen on an H200), which is
// not a TF32 fault. The test also checks that TF32 really is in use: exact float32 would be within 1e-5.
func TestTF32(t *testing.T) {
	be := requireGPU(t)
	info, _ := DeviceInfo()
	if info.CUBLAS == "" || info.Major < 8 {
		t.Skipf("TF32 needs cuBLAS and compute capability 8.0+ (%v)", info)
	}
	if err := SetTF32(true); err != nil {
		t.Fatal(err)
	}
	defer SetTF32(false)
	av, bv := data(41, 256*512, 1, 0, false), data(42, 512*128, 1, 0, false)
	product := func(b nn.Backend) []float32 {
		d := b.Alloc(256 * 128)
		b.MatMul(d, b.FromHost(av), b.FromHost(bv), 1, 256, 128, 512, false, false, 0, 0, false)
		out := make([]float32, d.Len())
		b.ToHost(out, d)
		return out
	}
	got, want := product(be), product(nn.CPU)
	e := scaledErr(got, want)
	t.Logf("TF32 product: largest error %.2g of the largest value", e)
	if e > 1e-2 {
		t.Errorf("TF32 product off by %.3g of its scale (> 1e-2): first values %v, cpu %v", e, head(got), head(want))
	}
	if e < 1e-6 {
		t.Errorf("TF32 product within %.2g of float32: TF32 does not seem to be in use", e)
	}
}

// TestBadInputsOnGPU checks that misuse reports a clear error instead of reading out of bounds.
func TestBadInputsOnGPU(t *testing.T) {
	be := requireGPU(t)
	table := be.FromHost(make([]float32, 10*4))
	mustPanic(t, "outside [0, 10)", func() { be.Embedding(be.Alloc(8), table, []int32{1, 10}, 4) })
	mustPanic(t, "outside [0, 5)", func() {
		be.CrossEntropy(be.Alloc(1), be.Alloc(2), be.Alloc(10), []int32{0, 7}, 2, 5, -100)
	})
	mustPanic(t, "different devices", func() { nn.Ones(3).To("cuda").Add(nn.Ones(3)) })
	mustPanic(t, "cpu buffer was passed to the cuda backend", func() { be.Axpy(be.Alloc(3), 1, nn.CPU.Alloc(3)) })
	if err := Sync(); err != nil {
		t.Fatalf("the device is unusable after rejected inputs: %v", err)
	}
}

// TestAutogradMatchesCPU runs a small network forward and backward through lib/nn's ops on both
// devices and compares the loss and every gradient.
func TestAutogradMatchesCPU(t *testing.T) {
	requireGPU(t)
	checkAutograd(t, "cuda")
}

func checkAutograd(t *testing.T, device string) {
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
	if e := relErr([]float32{lg}, []float32{lc}); e > 1e-4 {
		t.Errorf("loss %v on the GPU, %v on the CPU", lg, lc)
	}
	for i := range gc {
		if e := relErr(gg[i], gc[i]); e > 1e-4 {
			t.Errorf("gradient %d: relative error %.3g", i, e)
		}
	}
}

// trainStep is one step of the recipe: forward, loss, backward, clip to 1, AdamW.
func trainStep(m *nn.GPT, opt *nn.AdamW, ids, targets []int, B, T int) float32 {
	logits := m.Forward(ids, B, T)
	loss := m.Loss(logits, targets)
	opt.ZeroGrad()
	loss.Backward()
	nn.ClipGradNorm(m.Parameters(), 1)
	opt.Step()
	return loss.Item()
}

func batch(seed uint64, B, T, vocab int) (ids, targets []int) {
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

// TestGPTStepMatchesCPU trains a small GPT for two steps on both devices from the same weights and
// batches and compares the losses, the gradients and the updated weights.
func TestGPTStepMatchesCPU(t *testing.T) {
	requireGPU(t)
	checkGPTStep(t, "cuda")
	s, _ := Memory()
	t.Logf("allocator: %+v", s)
}

func checkGPTStep(t *testing.T, device string) {
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
		ids, tg := batch(uint64(step), B, T, cfg.Vocab)
		lc := trainStep(mc, oc, ids, tg, B, T)
		lg := trainStep(mg, og, ids, tg, B, T)
		lt := tr.Step(ids, tg, B, T)
		t.Logf("step %d: loss cpu %.6f %s %.6f, through a Trainer %.6f", step, lc, device, lg, lt)
		// Not bit for bit on a GPU: kernels that add with atomics (the gradients of the embedding and
		// of the layer norms' gain and bias) sum in an order that changes from run to run, and AdamW
		// magnifies such rounding in elements whose gradient is near zero (3e-6 seen on an H200).
		if e := relErr([]float32{lt}, []float32{lg}); e > 1e-5 {
			t.Fatalf("step %d: loss %v through a Trainer, %v written out", step, lt, lg)
		}
		for i, p := range mt.Parameters() {
			if e := relErr(p.Value.Data(), mg.Parameters()[i].Value.Data()); e > 1e-4 {
				t.Fatalf("step %d: %s through a Trainer: relative error %.3g", step, p.Name, e)
			}
		}
		if e := relErr([]float32{lg}, []float32{lc}); e > 1e-4 {
			t.Fatalf("step %d: loss %v on the GPU, %v on the CPU", step, lg, lc)
		}
		pc, pg := mc.Parameters(), mg.Parameters()
		for i := range pc {
			if step == 0 {
				// Gradients (clipped) of the first step.
				if e := relErr(pg[i].Value.Grad().Data(), pc[i].Value.Grad().Data()); e > 1e-3 {
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
					t.Fatalf("step %d: %s[%d] = %v on the GPU, %v on the CPU", step, pc[i].Name, j, g[j], w[j])
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

// checkDropoutMask compares the device's dropout mask with the host hash, bit for bit.
func checkDropoutMask(t *testing.T, be *Backend) {
	for _, c := range []struct {
		n    int
		p    float32
		seed uint64
	}{{1, 0.5, 1}, {100003, 0.2, 1337}, {5000, 0, 9}, {4096, 0.9, 1 << 63}} {
		m := be.Alloc(c.n)
		be.DropoutMask(m, c.p, c.seed)
		got := make([]float32, c.n)
		be.ToHost(got, m)
		if want := dropoutMaskHost(c.n, c.p, c.seed); !reflect.DeepEqual(got, want) {
			t.Errorf("dropout mask n=%d p=%v seed=%d differs from the host hash (first %v, want %v)", c.n, c.p, c.seed, head(got), head(want))
		}
	}
	mustPanic(t, "must be in [0, 1)", func() { be.DropoutMask(be.Alloc(3), 1, 0) })
}

func TestDropoutMaskOnGPU(t *testing.T) { checkDropoutMask(t, requireGPU(t)) }

// checkDropoutAndClip checks the two places where lib/nn keeps work on the device through optional
// interfaces: nn.Dropout draws its mask with DropoutMask (the same mask as the host hash of the seed
// that lib/nn's generator hands it), and nn.ClipGradNorm sums the squared gradients on the device and
// scales them there, agreeing with the CPU (float64 sum on the host) within 1e-5.
func checkDropoutAndClip(t *testing.T, device string) {
	x := nn.Randn(3, 7, 11)
	nn.Seed(5)
	got := nn.Dropout(x.To(device), 0.25, true).Data()
	// The seed lib/nn's generator hands the device after nn.Seed(5) (its PCG seeding, see nn.Seed).
	mask := dropoutMaskHost(x.Len(), 0.25, rand.New(rand.NewPCG(5, 5^0x9e3779b97f4a7c15)).Uint64())
	for i, v := range x.Data() {
		if want := v * mask[i]; got[i] != want {
			t.Fatalf("dropout on %s: element %d is %v, want %v (the device mask of the same seed)", device, i, got[i], want)
		}
	}
	checkCausalSoftmax(t, device)
	params := func(dev string) []*nn.Param {
		nn.Seed(9)
		var ps []*nn.Param
		loss := nn.Scalar(0).To(dev)
		for i, shape := range [][]int{{64, 33}, {1000}, {5}} {
			w := nn.Randn(shape...).To(dev).SetRequiresGrad(true)
			c := nn.Randn(shape...).To(dev)
			loss = loss.Add(w.Mul(c).Sum())
			ps = append(ps, &nn.Param{Name: fmt.Sprint("p", i), Value: w})
		}
		ps = append(ps, &nn.Param{Name: "unused", Value: nn.Zeros(3).To(dev).SetRequiresGrad(true)})
		loss.Backward()
		return ps
	}
	pc, pg := params("cpu"), params(device)
	for _, maxNorm := range []float32{1e6, 0.5} {
		nc, ng := nn.ClipGradNorm(pc, maxNorm), nn.ClipGradNorm(pg, maxNorm)
		if e := relErr([]float32{ng}, []float32{nc}); e > 1e-5 || ng != ng {
			t.Fatalf("ClipGradNorm(max %v): norm %v on %s, %v on the CPU", maxNorm, ng, device, nc)
		}
		for i := range pc[:3] {
			if e := relErr(pg[i].Value.Grad().Data(), pc[i].Value.Grad().Data()); e > 1e-5 {
				t.Errorf("ClipGradNorm(max %v): gradient of %s: relative error %.3g", maxNorm, pc[i].Name, e)
			}
		}
	}
}

func TestDropoutAndClipOnGPU(t *testing.T) {
	requireGPU(t)
	checkDropoutAndClip(t, "cuda")
}

// TestMain poisons uninitialised buffers (NaN) for every comparison, so an op that leaves part of an
// output from AllocUninit unwritten fails; the timing (NOTMAGIC_GPU_BENCH=1) runs as users do.
func TestMain(m *testing.M) {
	poisonUninit = os.Getenv("NOTMAGIC_GPU_BENCH") != "1"
	os.Exit(m.Run())
}

// checkCausalSoftmax compares the fused causal softmax with dropout (nn.FusedCausalSoftmax) against a
// float64 reference on the host: the weights before and after dropout (with the host hash's mask) and
// the gradient scale·y·(d − Σ y·d), d = dout·mask/(1−p), within 1e-5 relative.
func checkCausalSoftmax(t *testing.T, device string) {
	be, err := nn.BackendFor(device)
	if err != nil {
		t.Fatal(err)
	}
	fs := be.(nn.FusedCausalSoftmax)
	for _, c := range []struct {
		n, T  int
		scale float32
		p     float32
		seed  uint64
	}{{1, 1, 1, 0.5, 1}, {3, 7, 0.4, 0.2, 99}, {2, 33, 0.125, 0, 5}, {4, 300, 0.1, 0.1, 1 << 40}} {
		rows := c.n * c.T
		x, dout := data(7, rows*c.T, 3, 0, false), data(8, rows*c.T, 1, 0, false)
		out, y, dx := be.Alloc(rows*c.T), be.Alloc(rows*c.T), be.Alloc(rows*c.T)
		if c.p == 0 {
			out = y
		}
		fs.CausalSoftmax(out, y, be.FromHost(x), rows, c.T, c.scale, c.p, c.seed)
		fs.CausalSoftmaxGrad(dx, y, be.FromHost(dout), rows, c.T, c.scale, c.p, c.seed)
		mask := dropoutMaskHost(rows*c.T, c.p, c.seed)
		wantY, wantOut, wantDX := make([]float32, rows*c.T), make([]float32, rows*c.T), make([]float32, rows*c.T)
		for r := 0; r < rows; r++ {
			i, base := r%c.T, r*c.T
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				mx = math.Max(mx, float64(c.scale)*float64(x[base+j]))
			}
			var sum, acc float64
			e := make([]float64, i+1)
			for j := range e {
				e[j] = math.Exp(float64(c.scale)*float64(x[base+j]) - mx)
				sum += e[j]
			}
			d := make([]float64, i+1)
			for j := range e {
				e[j] /= sum
				d[j] = float64(dout[base+j]) * float64(mask[base+j])
				acc += e[j] * d[j]
			}
			for j := range e {
				wantY[base+j] = float32(e[j])
				wantOut[base+j] = float32(e[j] * float64(mask[base+j]))
				wantDX[base+j] = float32(float64(c.scale) * e[j] * (d[j] - acc))
			}
		}
		for _, o := range []struct {
			name string
			got  nn.Buffer
			want []float32
		}{{"weights", y, wantY}, {"weights after dropout", out, wantOut}, {"gradient", dx, wantDX}} {
			g := make([]float32, o.got.Len())
			be.ToHost(g, o.got)
			if e := relErr(g, o.want); e > 1e-5 {
				t.Errorf("causal softmax %+v on %s: %s: relative error %.3g (first %v, want %v)", c, device, o.name, e, head(g), head(o.want))
			}
		}
	}
}
