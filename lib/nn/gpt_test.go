package nn

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// torchFixture loads testdata/gpt/torch_gpt.safetensors (made by testdata/gpt/gen.py).
func torchFixture(t *testing.T) (map[string]*Tensor, Config, int, int) {
	t.Helper()
	ts, meta, err := ReadSafetensors("testdata/gpt/torch_gpt.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	if err := json.Unmarshal([]byte(meta["config"]), &c); err != nil {
		t.Fatal(err)
	}
	var bt [2]int
	if err := json.Unmarshal([]byte(meta["batch"]), &bt); err != nil {
		t.Fatal(err)
	}
	return tensorMap(ts), c, bt[0], bt[1]
}

func withPrefix(m map[string]*Tensor, prefix string) map[string]*Tensor {
	out := map[string]*Tensor{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return out
}

func ints(t *Tensor) []int {
	d := t.Data()
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = int(v)
	}
	return out
}

// maxAbsErr returns max |a−b| over the elements.
func maxAbsErr(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func maxAbs(a []float32) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

// TestGPTMatchesPyTorch checks the logits, the loss, every gradient, the clipping norm and the
// weights after two AdamW steps against PyTorch's on the same weights and batch.
// Tolerances: logits and loss 1e-5 absolute (values ~1); gradients 1e-5 relative to the largest
// entry of each; weights after the steps 1e-6 absolute per step (updates are ~1e-2), except where
// the gradient is below 1e-4 of its tensor's largest, where Adam's direction is ill-conditioned.
func TestGPTMatchesPyTorch(t *testing.T) {
	fx, c, B, T := torchFixture(t)
	m, err := NewGPT(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Train(true)
	if err := LoadState(m, withPrefix(fx, "w.")); err != nil {
		t.Fatal(err)
	}
	x, y := ints(fx["x"]), ints(fx["y"])
	opt := NewAdamW(m.Parameters(), 0.01, 0.1)
	for step := 1; step <= 2; step++ {
		logits := m.Forward(x, B, T)
		loss := m.Loss(logits, y)
		if step == 1 {
			if e := maxAbsErr(logits.Data(), fx["logits"].Data()); e > 1e-5 {
				t.Errorf("logits differ from PyTorch's by %g", e)
			}
			if got, want := loss.Item(), fx["loss"].Item(); math.Abs(float64(got-want)) > 1e-5 {
				t.Errorf("loss %v, PyTorch %v", got, want)
			}
		}
		opt.ZeroGrad()
		loss.Backward()
		if step == 1 {
			for _, p := range m.Parameters() {
				want := fx["g."+p.Name]
				if p.Value.Grad() == nil {
					t.Errorf("%s: no gradient", p.Name)
					continue
				}
				got := p.Value.Grad().Data()
				if e := maxAbsErr(got, want.Data()) / maxAbs(want.Data()); e > 1e-5 {
					t.Errorf("gradient of %s differs from PyTorch's: relative error %g", p.Name, e)
				}
			}
		}
		norm := ClipGradNorm(m.Parameters(), 0.5)
		if step == 1 {
			if want := fx["gradnorm"].Item(); math.Abs(float64(norm-want)) > 1e-5*float64(want) {
				t.Errorf("gradient norm %v, PyTorch %v", norm, want)
			}
		}
		opt.Step()
		for _, p := range m.Parameters() {
			want := fx["s"+string(rune('0'+step))+"."+p.Name].Data()
			got := p.Value.Data()
			g := fx["g."+p.Name].Data()
			gmax := maxAbs(g)
			for i := range want {
				// Adam's update g/(|g|+eps) is ill-conditioned where the gradient is ~0 (float32
				// cancellation decides its sign): there only the bound of step·lr per step holds.
				tol := 1e-5 * float64(step) // 1% of lr: summation order differs from PyTorch's BLAS
				if math.Abs(float64(g[i])) < 1e-4*gmax {
					tol = 2 * 0.01 * float64(step)
				}
				if e := math.Abs(float64(got[i] - want[i])); e > tol {
					t.Errorf("step %d: %s[%d] = %v, PyTorch %v", step, p.Name, i, got[i], want[i])
					break
				}
			}
		}
	}
}

func TestGPTShapesNamesAndInit(t *testing.T) {
	Seed(1)
	c := Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128}
	m := MustGPT(c)
	// The recipe's parameter count: wte + wpe + 4·(2 gains + 12·C²) + final gain.
	want := 65*128 + 64*128 + 4*(2*128+12*128*128) + 128
	if n := m.NumParams(); n != want {
		t.Fatalf("NumParams = %d, want %d", n, want)
	}
	names := map[string]bool{}
	for _, p := range m.Parameters() {
		names[p.Name] = true
		if p.Decay != (p.Value.Rank() == 2) {
			t.Errorf("%s: decay %v for rank %d", p.Name, p.Decay, p.Value.Rank())
		}
	}
	for _, n := range []string{"wte.weight", "wpe.weight", "blocks.3.qkv.weight", "blocks.0.out.weight", "ln_f.weight"} {
		if !names[n] {
			t.Errorf("missing parameter %s", n)
		}
	}
	std := func(x *Tensor) float64 {
		var s, s2 float64
		for _, v := range x.Data() {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(x.Len())
		return math.Sqrt(s2/n - (s/n)*(s/n))
	}
	res := 0.02 / math.Sqrt(8)
	for _, tc := range []struct {
		name string
		x    *Tensor
		want float64
	}{
		{"qkv", m.Blocks[0].Attn.QKV.Weight, 0.02},
		{"fc", m.Blocks[1].MLP.FC.Weight, 0.02},
		{"proj", m.Blocks[2].Attn.Proj.Weight, res},
		{"out", m.Blocks[3].MLP.Out.Weight, res},
		{"wte", m.Wte.Weight, 0.02},
	} {
		if s := std(tc.x); math.Abs(s-tc.want) > 0.05*tc.want {
			t.Errorf("%s: std %.5f, want %.5f", tc.name, s, tc.want)
		}
	}
	if g := m.LnF.Gain.Data(); g[0] != 1 || g[127] != 1 {
		t.Errorf("gains should start at 1")
	}
	ids := make([]int, 2*5)
	logits := m.Forward(ids, 2, 5)
	if got := logits.Shape(); !equalShape(got, []int{2, 5, 65}) {
		t.Errorf("logits shape %v", got)
	}
	_, atts := m.ForwardAttention(ids, 2, 5)
	if len(atts) != 4 || !equalShape(atts[0].Shape(), []int{2, 4, 5, 5}) {
		t.Fatalf("attention weights: %d of shape %v", len(atts), atts[0].Shape())
	}
	a := atts[1].Data()
	for i := 0; i < 5; i++ { // row sums 1, nothing above the diagonal
		var s float32
		for j := 0; j < 5; j++ {
			v := a[i*5+j]
			if j > i && v != 0 {
				t.Errorf("attention looks ahead: [%d,%d] = %v", i, j, v)
			}
			s += v
		}
		if math.Abs(float64(s)-1) > 1e-5 {
			t.Errorf("attention row %d sums to %v", i, s)
		}
	}
}

func TestGPTBadInputs(t *testing.T) {
	for _, c := range []Config{{}, {Vocab: 5, Block: 4, Layers: 1, Heads: 3, Embd: 8}, {Vocab: 5, Block: 4, Layers: 1, Heads: 2, Embd: 8, Dropout: 1}} {
		if _, err := NewGPT(c); err == nil {
			t.Errorf("NewGPT(%+v) accepted a bad config", c)
		}
	}
	m := MustGPT(Config{Vocab: 5, Block: 4, Layers: 1, Heads: 2, Embd: 8})
	for name, f := range map[string]func(){
		"too long":     func() { m.Forward(make([]int, 5), 1, 5) },
		"count":        func() { m.Forward(make([]int, 3), 1, 4) },
		"out of vocab": func() { m.Forward([]int{0, 1, 9, 2}, 1, 4) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*Error); !ok {
					t.Errorf("%s: want a panic with *Error", name)
				}
			}()
			f()
		}()
	}
}
