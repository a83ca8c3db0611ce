package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

func TestSGDMomentum(t *testing.T) {
	p := &Param{Name: "p", Value: New([]float32{1}).SetRequiresGrad(true)}
	opt := NewSGD([]*Param{p}, 0.1, 0.9)
	// loss = p²: g = 2p. Step 1: v = 2, p = 0.8. Step 2: g = 1.6, v = 3.4, p = 0.46.
	for _, want := range []float32{0.8, 0.46} {
		opt.ZeroGrad()
		p.Value.Square().Sum().Backward()
		opt.Step()
		if got := p.Value.Item(); math.Abs(float64(got-want)) > 1e-6 {
			t.Fatalf("p = %v, want %v", got, want)
		}
	}
	plain := &Param{Name: "q", Value: New([]float32{1}).SetRequiresGrad(true)}
	gd := NewSGD([]*Param{plain}, 0.25, 0)
	plain.Value.Square().Sum().Backward()
	gd.Step()
	if got := plain.Value.Item(); got != 0.5 {
		t.Fatalf("plain SGD: p = %v, want 0.5", got)
	}
}

func TestCosineLR(t *testing.T) {
	for _, tc := range []struct {
		it   int
		want float64
	}{
		{0, 1e-3 / 101}, {99, 1e-3 * 100 / 101}, {100, 1e-3}, {1050, 1e-4 + 0.5*(1e-3-1e-4)}, {2000, 1e-4}, {2500, 1e-4},
	} {
		if got := CosineLR(tc.it, 100, 2000, 1e-3, 1e-4); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("CosineLR(%d) = %v, want %v", tc.it, got, tc.want)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	a := &Param{Name: "a", Value: New([]float32{3, 0}).SetRequiresGrad(true)}
	b := &Param{Name: "b", Value: New([]float32{4}).SetRequiresGrad(true)}
	// Shared gradient storage (y = a + a-like sums) must not be scaled twice.
	a.Value.Mul(New([]float32{1, 1})).Sum().Add(b.Value.Sum()).Backward() // grads 1,1 and 1
	ps := []*Param{a, b}
	if n := ClipGradNorm(ps, 10); math.Abs(float64(n)-math.Sqrt(3)) > 1e-6 {
		t.Fatalf("norm %v, want √3", n)
	}
	if g := a.Value.Grad().Data(); g[0] != 1 {
		t.Fatalf("no clipping expected below the max, got %v", g)
	}
	n := ClipGradNorm(ps, 0.5)
	if math.Abs(float64(n)-math.Sqrt(3)) > 1e-6 {
		t.Fatalf("norm %v", n)
	}
	var s float64
	for _, p := range ps {
		for _, v := range p.Value.Grad().Data() {
			s += float64(v * v)
		}
	}
	if math.Abs(math.Sqrt(s)-0.5) > 1e-5 {
		t.Fatalf("clipped norm %v, want 0.5", math.Sqrt(s))
	}
}

func TestDecayGroups(t *testing.T) {
	m := MustGPT(Config{Vocab: 7, Block: 4, Layers: 1, Heads: 1, Embd: 4, Bias: true})
	gs := DecayGroups(m.Parameters(), 0.1)
	if len(gs) != 2 || gs[0].WeightDecay != 0.1 || gs[1].WeightDecay != 0 {
		t.Fatalf("groups %+v", gs)
	}
	for _, p := range gs[1].Params {
		if p.Value.Rank() != 1 || !(strings.HasSuffix(p.Name, "bias") || strings.Contains(p.Name, "ln")) {
			t.Errorf("%s (rank %d) in the no-decay group", p.Name, p.Value.Rank())
		}
	}
	for _, p := range gs[0].Params {
		if p.Value.Rank() != 2 {
			t.Errorf("%s (rank %d) in the decay group", p.Name, p.Value.Rank())
		}
	}
}

// tinyTask returns a tokenized synthetic corpus where the next character is determined by context.
func tinyTask(t testing.TB) (*Dataset, *CharTokenizer) {
	text := strings.Repeat("the cat sat on the mat. the dog ran to the log. ", 40)
	tok := NewCharTokenizer(text)
	ids, err := tok.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDataset(ids, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	return d, tok
}

func trainSteps(t testing.TB, m *GPT, d *Dataset, opt Optimizer, steps, B, T int, each func(step int, loss float32)) {
	for s := 0; s < steps; s++ {
		x, y, err := d.Batch("train", B, T)
		if err != nil {
			t.Fatal(err)
		}
		loss := m.Loss(m.Forward(x, B, T), y)
		opt.ZeroGrad()
		loss.Backward()
		ClipGradNorm(m.Parameters(), 1)
		opt.Step()
		if each != nil {
			each(s, loss.Item())
		}
	}
}

func TestGPTLearns(t *testing.T) {
	Seed(3)
	d, tok := tinyTask(t)
	m := MustGPT(Config{Vocab: tok.VocabSize(), Block: 24, Layers: 1, Heads: 2, Embd: 32})
	opt := NewAdamW(m.Parameters(), 1e-2, 0.01)
	var first, last float32
	trainSteps(t, m, d, opt, 150, 8, 24, func(s int, l float32) {
		if s == 0 {
			first = l
		}
		last = l
	})
	x, y, _ := d.Batch("val", 8, 24)
	var val float32
	NoGrad(func() { m.Train(false); val = m.Loss(m.Forward(x, 8, 24), y).Item() })
	t.Logf("loss %.3f → %.3f, val %.3f", first, last, val)
	if first < 2 || val > 0.25 {
		t.Fatalf("did not learn: loss %.3f → %.3f, val %.3f (want val < 0.25)", first, last, val)
	}
}

func TestTrainingMemoryIsFlat(t *testing.T) {
	Seed(4)
	d, tok := tinyTask(t)
	m := MustGPT(Config{Vocab: tok.VocabSize(), Block: 16, Layers: 2, Heads: 2, Embd: 32, Dropout: 0.1})
	opt := NewAdamW(m.Parameters(), 1e-3, 0.1)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	trainSteps(t, m, d, opt, 10, 4, 16, nil)
	before := heap()
	trainSteps(t, m, d, opt, 60, 4, 16, nil)
	after := heap()
	t.Logf("live heap after 10 steps %d B, after 70 steps %d B", before, after)
	// One step's tensors are ~1 MB here: a leak of even one step's graph would show.
	if after > before+256<<10 {
		t.Fatalf("live heap grew from %d to %d bytes over 60 steps", before, after)
	}
}

// TestAdamWBlockMatchesScalar runs the CPU backend's AdamW (assembly where the CPU has AVX-512) and
// the Go loop on the same random state at lengths around the 16-wide blocks, for several steps, and
// requires the same bits in the parameters and both moments.
func TestAdamWBlockMatchesScalar(t *testing.T) { forEachFamily(t, testAdamWBlockMatchesScalar) }

func testAdamWBlockMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{1, 15, 16, 17, 65, 1000, 70001} {
		state := func() [4][]float32 {
			var s [4][]float32
			for i := range s {
				s[i] = make([]float32, n)
			}
			return s
		}
		a, b := state(), state()
		for i := 0; i < n; i++ {
			a[0][i] = float32(r.NormFloat64())
		}
		copy(b[0], a[0])
		for step := 1; step <= 3; step++ {
			for i := 0; i < n; i++ {
				a[1][i] = float32(r.NormFloat64() * 1e-2)
			}
			copy(b[1], a[1])
			bc1, bc2 := 1-float32(math.Pow(0.9, float64(step))), 1-float32(math.Pow(0.99, float64(step)))
			CPU.AdamW(cpuBuffer(a[0]), cpuBuffer(a[1]), cpuBuffer(a[2]), cpuBuffer(a[3]), 1e-3, 0.9, 0.99, 1e-8, 0.1, bc1, bc2)
			adamwScalar(b[0], b[1], b[2], b[3], 1e-3, 0.9, 0.99, 1e-8, 0.1, bc1, bc2)
		}
		for k, name := range []string{"parameters", "", "first moments", "second moments"} {
			if k == 1 {
				continue
			}
			for i := range a[k] {
				if math.Float32bits(a[k][i]) != math.Float32bits(b[k][i]) {
					t.Fatalf("n=%d: %s[%d] = %v, the Go loop gives %v", n, name, i, a[k][i], b[k][i])
				}
			}
		}
	}
}
