package nn

import (
	"math"
	"testing"
)

func TestMatMulTMatchesMatMul(t *testing.T) {
	Seed(21)
	for _, tc := range []struct{ a, b []int }{
		{[]int{5, 3}, []int{4, 3}},             // plain
		{[]int{2, 5, 3}, []int{4, 3}},          // shared b (Linear)
		{[]int{2, 3, 5, 3}, []int{2, 3, 4, 3}}, // batched (attention scores)
	} {
		a1, b1 := Randn(tc.a...).SetRequiresGrad(true), Randn(tc.b...).SetRequiresGrad(true)
		a2, b2 := New(a1.Data(), tc.a...).SetRequiresGrad(true), New(b1.Data(), tc.b...).SetRequiresGrad(true)
		w := Randn(append(append([]int{}, tc.a[:len(tc.a)-1]...), tc.b[len(tc.b)-2])...)
		y1 := MatMulT(a1, b1)
		y2 := a2.MatMul(b2.Transpose(-2, -1))
		if e := maxAbsErr(y1.Data(), y2.Data()); e > 1e-5 {
			t.Errorf("%v×%vᵀ: forward differs by %g", tc.a, tc.b, e)
		}
		y1.Mul(w).Sum().Backward()
		y2.Mul(w).Sum().Backward()
		if e := maxAbsErr(a1.Grad().Data(), a2.Grad().Data()); e > 1e-5 {
			t.Errorf("%v×%vᵀ: grad a differs by %g", tc.a, tc.b, e)
		}
		if e := maxAbsErr(b1.Grad().Data(), b2.Grad().Data()); e > 1e-5 {
			t.Errorf("%v×%vᵀ: grad b differs by %g", tc.a, tc.b, e)
		}
	}
	for _, bad := range [][2][]int{{{3}, {3, 3}}, {{2, 3}, {2, 4}}, {{2, 2, 3}, {3, 2, 3}}} {
		func() {
			defer func() {
				if _, ok := recover().(*Error); !ok {
					t.Errorf("MatMulT(%v, %v) did not panic with *Error", bad[0], bad[1])
				}
			}()
			MatMulT(Zeros(bad[0]...), Zeros(bad[1]...))
		}()
	}
}

func TestLayers(t *testing.T) {
	Seed(22)
	l := NewLinear(3, 2, true, 0.5)
	x := Randn(4, 3)
	y := l.Forward(x)
	want := x.MatMul(l.Weight.T()).Add(l.Bias)
	if e := maxAbsErr(y.Data(), want.Data()); e > 1e-6 || !equalShape(y.Shape(), []int{4, 2}) {
		t.Errorf("Linear: %v, err %g", y.Shape(), e)
	}
	if n := CountParams(l); n != 8 {
		t.Errorf("Linear params %d", n)
	}
	ln := NewLayerNorm(3, true)
	out := ln.Forward(New([]float32{1, 2, 3}, 1, 3)).Data()
	if math.Abs(float64(out[0]+out[2])) > 1e-6 || math.Abs(float64(out[2])-1.2247357) > 1e-4 {
		t.Errorf("LayerNorm %v", out)
	}
	if ps := ln.Parameters(); len(ps) != 2 || ps[0].Decay || ps[1].Decay {
		t.Errorf("LayerNorm params %+v", ps)
	}
	e := NewEmbedding(5, 2, 1)
	if r := e.Forward([]int{4, 0}); !equalShape(r.Shape(), []int{2, 2}) || r.At(0, 1) != e.Weight.At(4, 1) {
		t.Error("Embedding rows")
	}
}

func TestDropoutOnlyInTraining(t *testing.T) {
	Seed(23)
	m := MustGPT(Config{Vocab: 6, Block: 8, Layers: 1, Heads: 2, Embd: 8, Dropout: 0.5})
	ids := []int{1, 2, 3, 4, 5, 0, 1, 2}
	a, b := m.Forward(ids, 1, 8).Data(), m.Forward(ids, 1, 8).Data()
	if maxAbsErr(a, b) == 0 {
		t.Error("dropout 0.5 in training gave identical outputs twice")
	}
	m.Train(false)
	if m.Training() || m.Blocks[0].Attn.Training() || m.Blocks[0].MLP.Training() {
		t.Fatal("Train(false) did not reach every module")
	}
	a, b = m.Forward(ids, 1, 8).Data(), m.Forward(ids, 1, 8).Data()
	if maxAbsErr(a, b) != 0 {
		t.Error("evaluation mode is not deterministic")
	}
}

func TestUntiedBiasedGPT(t *testing.T) {
	Seed(24)
	m := MustGPT(Config{Vocab: 6, Block: 8, Layers: 2, Heads: 2, Embd: 8, Bias: true, Untied: true, Dropout: 0.1})
	names := StateDict(m)
	for _, n := range []string{"head.weight", "head.bias", "blocks.1.qkv.bias", "blocks.0.ln2.bias", "ln_f.bias"} {
		if names[n] == nil {
			t.Errorf("missing %s", n)
		}
	}
	ids := []int{1, 2, 3, 4, 5, 0, 1, 2}
	m.Loss(m.Forward(ids, 2, 4), ids).Backward()
	for _, p := range m.Parameters() {
		if p.Value.Grad() == nil {
			t.Errorf("%s got no gradient", p.Name)
		}
	}
	// A tied model's state does not load into an untied one.
	tied := MustGPT(Config{Vocab: 6, Block: 8, Layers: 2, Heads: 2, Embd: 8, Bias: true})
	if err := LoadState(m, StateDict(tied)); err == nil {
		t.Error("loading a tied state into an untied model succeeded")
	}
	if err := m.To("nodevice"); err == nil {
		t.Error("To an unknown device succeeded")
	}
}
