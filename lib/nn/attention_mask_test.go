package nn

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// attentionReference computes multi-head self-attention in float64, loop by loop, from a's weights:
// the textbook formula softmax(q·kᵀ/√d [+ causal mask])·v, then the output projection. It returns the
// output [B·T·C] and the weights [B·H·T·T].
func attentionReference(a *SelfAttention, x []float32, B, T, C int) (out, weights []float64) {
	H, D := a.Heads, C/a.Heads
	wqkv, bqkv := a.QKV.Weight.Data(), a.QKV.Bias.Data()
	wp, bp := a.Proj.Weight.Data(), a.Proj.Bias.Data()
	linear := func(w, b []float32, in []float64, outDim int) []float64 {
		y := make([]float64, outDim)
		for o := range y {
			y[o] = float64(b[o])
			for i, v := range in {
				y[o] += float64(w[o*len(in)+i]) * v
			}
		}
		return y
	}
	qkv := make([][]float64, B*T) // per position: q | k | v, each C wide
	for p := range qkv {
		in := make([]float64, C)
		for i := range in {
			in[i] = float64(x[p*C+i])
		}
		qkv[p] = linear(wqkv, bqkv, in, 3*C)
	}
	out = make([]float64, B*T*C)
	weights = make([]float64, B*H*T*T)
	for b := 0; b < B; b++ {
		y := make([][]float64, T)
		for t := range y {
			y[t] = make([]float64, C)
		}
		for h := 0; h < H; h++ {
			for t := 0; t < T; t++ {
				scores := make([]float64, T)
				maxScore := math.Inf(-1)
				for s := 0; s < T; s++ {
					scores[s] = math.Inf(-1)
					if a.Attend == AttendAll || s <= t {
						dot := 0.0
						for d := 0; d < D; d++ {
							dot += qkv[b*T+t][h*D+d] * qkv[b*T+s][C+h*D+d]
						}
						scores[s] = dot / math.Sqrt(float64(D))
					}
					maxScore = math.Max(maxScore, scores[s])
				}
				sum := 0.0
				for s := range scores {
					scores[s] = math.Exp(scores[s] - maxScore)
					sum += scores[s]
				}
				for s := range scores {
					w := scores[s] / sum
					weights[((b*H+h)*T+t)*T+s] = w
					for d := 0; d < D; d++ {
						y[t][h*D+d] += w * qkv[b*T+s][2*C+h*D+d]
					}
				}
			}
		}
		for t := 0; t < T; t++ {
			copy(out[(b*T+t)*C:], linear(wp, bp, y[t], C))
		}
	}
	return out, weights
}

func maxAbsErr64(a []float32, b []float64) float64 {
	e := 0.0
	for i := range a {
		e = math.Max(e, math.Abs(float64(a[i])-b[i]))
	}
	return e
}

// TestSelfAttentionMasks checks both masks against the float64 reference (the tolerance, 1e-5, is a few
// float32 roundings of values of order one), and what each mask means: with AttendPast no position
// sees a later one; with AttendAll the first position sees the last.
func TestSelfAttentionMasks(t *testing.T) {
	const B, T, C, H = 2, 5, 8, 2
	for _, attend := range []Attend{AttendPast, AttendAll} {
		Seed(31)
		a := NewSelfAttention(C, H, attend, true, 0.5, 0.5, 0)
		bias := Randn(3 * C).MulScalar(0.1)
		a.QKV.Bias.setData(bias.Data())
		x := Randn(B, T, C)
		y, w := a.ForwardWeights(x)
		wantY, wantW := attentionReference(a, x.Data(), B, T, C)
		if e := maxAbsErr64(y.Data(), wantY); e > 1e-5 {
			t.Errorf("attend %v: output differs from the reference by %g", attend, e)
		}
		if e := maxAbsErr64(w.Data(), wantW); e > 1e-5 {
			t.Errorf("attend %v: weights differ from the reference by %g", attend, e)
		}
		if got := w.Shape(); !equalShape(got, []int{B, H, T, T}) {
			t.Errorf("attend %v: weights shape %v", attend, got)
		}

		// Change the last position only and see which outputs move.
		xd := x.Data()
		for i := 0; i < C; i++ {
			xd[(T-1)*C+i] += 1
		}
		y2 := a.Forward(New(xd, B, T, C))
		firstMoved := maxAbsErr(y.Index(1, 0).Data(), y2.Index(1, 0).Data()) > 1e-4
		if attend == AttendPast && firstMoved {
			t.Errorf("AttendPast: the first position's output changed when only the last input did")
		}
		if attend == AttendAll && !firstMoved {
			t.Errorf("AttendAll: the first position's output ignores the last input")
		}
	}
}

// TestSelfAttentionAllGradient compares the encoder path's gradients with central finite differences
// of the float64 reference. float32 forward and backward passes agree with it to about 1e-3 relative
// (sums of a few dozen products of order one), so the tolerance is 2e-3.
func TestSelfAttentionAllGradient(t *testing.T) {
	const B, T, C, H = 1, 4, 4, 2
	Seed(32)
	a := NewSelfAttention(C, H, AttendAll, true, 0.5, 0.5, 0)
	x := Randn(B, T, C).SetRequiresGrad(true)
	r := Randn(B, T, C) // the loss is Σ y·r, so every output matters with its own weight
	a.Forward(x).Mul(r).Sum().Backward()
	got := x.Grad().Data()
	xd, rd := x.Data(), r.Data()
	loss := func(v []float32) float64 {
		y, _ := attentionReference(a, v, B, T, C)
		s := 0.0
		for i := range y {
			s += y[i] * float64(rd[i])
		}
		return s
	}
	const eps = 1e-3
	for i := range xd {
		v := append([]float32(nil), xd...)
		v[i] = xd[i] + eps
		up := loss(v)
		v[i] = xd[i] - eps
		down := loss(v)
		// eps is exact in float32 only approximately; divide by the step actually taken.
		step := float64(xd[i]+eps) - float64(xd[i]-eps)
		want := (up - down) / step
		if d := math.Abs(float64(got[i]) - want); d > 2e-3*math.Max(1, math.Abs(want)) {
			t.Errorf("d loss / d x[%d] = %g, finite differences %g", i, got[i], want)
		}
	}
}

func TestAttendText(t *testing.T) {
	for _, a := range []Attend{AttendPast, AttendAll} {
		b, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Attend
		if err := back.UnmarshalText(b); err != nil || back != a {
			t.Errorf("%v → %q → %v, %v", a, b, back, err)
		}
	}
	var bad Attend
	if err := bad.UnmarshalText([]byte("future")); err == nil || !strings.Contains(err.Error(), "past or all") {
		t.Errorf("UnmarshalText(future): %v", err)
	}

	// A config in a checkpoint: an encoder says so; a GPT's JSON is what it was before the option.
	enc := Config{Vocab: 5, Block: 4, Layers: 1, Heads: 1, Embd: 4, Attend: AttendAll}
	js, err := json.Marshal(enc)
	if err != nil || !strings.Contains(string(js), `"attend":"all"`) {
		t.Errorf("encoder config JSON %s, %v", js, err)
	}
	var back Config
	if err := json.Unmarshal(js, &back); err != nil || back != enc {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	gpt := enc
	gpt.Attend = AttendPast
	if js, _ := json.Marshal(gpt); strings.Contains(string(js), "attend") {
		t.Errorf("a GPT's config should not name the mask: %s", js)
	}
	if err := json.Unmarshal([]byte(`{"attend":"sideways"}`), &back); err == nil {
		t.Errorf("a config with attend \"sideways\" was read")
	}
	gpt.Attend = 7
	if err := gpt.Validate(); err == nil || !strings.Contains(err.Error(), "attend") {
		t.Errorf("Validate with attend 7: %v", err)
	}
}

// TestEncoderSeesTheFuture: a GPT with AttendAll is an encoder, whose logits at the first position
// depend on the last token; with the default mask they do not.
func TestEncoderSeesTheFuture(t *testing.T) {
	for _, attend := range []Attend{AttendPast, AttendAll} {
		Seed(33)
		m := MustGPT(Config{Vocab: 7, Block: 6, Layers: 2, Heads: 2, Embd: 8, Attend: attend})
		m.Train(false)
		a := m.Forward([]int{1, 2, 3, 4, 5, 6}, 1, 6).Index(1, 0).Data()
		b := m.Forward([]int{1, 2, 3, 4, 5, 0}, 1, 6).Index(1, 0).Data()
		moved := maxAbsErr(a, b) > 1e-6
		if moved != (attend == AttendAll) {
			t.Errorf("attend %v: first logits moved with the last token: %v", attend, moved)
		}
	}
}
