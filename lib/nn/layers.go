package nn

import (
	"fmt"
	"math"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// Linear is the layer y = x·Wᵀ + b. Weight is [out, in] as in PyTorch, so checkpoints interoperate.
type Linear struct {
	Weight *Tensor // [out, in]
	Bias   *Tensor // [out], or nil
	train  bool
}

// NewLinear returns a Linear layer with weights drawn from N(0, std) and a zero bias when bias is set.
func NewLinear(in, out int, bias bool, std float32) *Linear {
	l := &Linear{Weight: newParam(Normal(0, std, out, in)), train: true}
	if bias {
		l.Bias = newParam(Zeros(out))
	}
	return l
}

// Forward applies the layer to x of shape [..., in], giving [..., out].
func (l *Linear) Forward(x *Tensor) *Tensor {
	y := MatMulT(x, l.Weight)
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y
}

// Parameters returns "weight" and, when present, "bias".
func (l *Linear) Parameters() []*Param {
	ps := []*Param{{Name: "weight", Value: l.Weight, Decay: true}}
	if l.Bias != nil {
		ps = append(ps, &Param{Name: "bias", Value: l.Bias})
	}
	return ps
}

// Train sets training mode (Linear behaves the same in both).
func (l *Linear) Train(on bool) { l.train = on }

// Training reports whether the layer is in training mode.
func (l *Linear) Training() bool { return l.train }

// EmbeddingLayer maps token ids to learned vectors: a [vocab, dim] table.
type EmbeddingLayer struct {
	Weight *Tensor // [vocab, dim]
	train  bool
}

// NewEmbedding returns an embedding table drawn from N(0, std).
func NewEmbedding(vocab, dim int, std float32) *EmbeddingLayer {
	return &EmbeddingLayer{Weight: newParam(Normal(0, std, vocab, dim)), train: true}
}

// Forward returns the rows for ids, shaped [len(ids), dim].
func (e *EmbeddingLayer) Forward(ids []int) *Tensor { return Embedding(e.Weight, ids) }

// Parameters returns "weight" (decayed, as a matrix, like the recipe).
func (e *EmbeddingLayer) Parameters() []*Param {
	return []*Param{{Name: "weight", Value: e.Weight, Decay: true}}
}

// Train sets training mode.
func (e *EmbeddingLayer) Train(on bool) { e.train = on }

// Training reports whether the layer is in training mode.
func (e *EmbeddingLayer) Training() bool { return e.train }

// LayerNormLayer normalises the last axis and applies a gain (ones at start) and optional bias.
type LayerNormLayer struct {
	Gain  *Tensor // [dim], named "weight" as in PyTorch
	Bias  *Tensor // [dim], or nil
	Eps   float32 // added to the variance; 1e-5 as in PyTorch
	train bool
}

// NewLayerNorm returns a LayerNorm over dim features with gain 1, a zero bias when bias is set, eps 1e-5.
func NewLayerNorm(dim int, bias bool) *LayerNormLayer {
	l := &LayerNormLayer{Gain: newParam(Ones(dim)), Eps: 1e-5, train: true}
	if bias {
		l.Bias = newParam(Zeros(dim))
	}
	return l
}

// Forward normalises x over its last axis.
func (l *LayerNormLayer) Forward(x *Tensor) *Tensor { return LayerNorm(x, l.Gain, l.Bias, l.Eps) }

// Parameters returns "weight" (the gain) and, when present, "bias"; neither is decayed.
func (l *LayerNormLayer) Parameters() []*Param {
	ps := []*Param{{Name: "weight", Value: l.Gain}}
	if l.Bias != nil {
		ps = append(ps, &Param{Name: "bias", Value: l.Bias})
	}
	return ps
}

// Train sets training mode.
func (l *LayerNormLayer) Train(on bool) { l.train = on }

// Training reports whether the layer is in training mode.
func (l *LayerNormLayer) Training() bool { return l.train }

// MLP is the transformer's feed-forward part: Out(GELU(FC(x))), with dropout on the output in training.
type MLP struct {
	FC, Out *Linear
	Dropout float32
	train   bool
}

// NewMLP returns an MLP dim → hidden → dim; the output projection is drawn with outStd.
func NewMLP(dim, hidden int, bias bool, std, outStd, dropout float32) *MLP {
	return &MLP{FC: NewLinear(dim, hidden, bias, std), Out: NewLinear(hidden, dim, bias, outStd), Dropout: dropout, train: true}
}

// Forward applies the MLP to x [..., dim].
func (m *MLP) Forward(x *Tensor) *Tensor {
	return Dropout(m.Out.Forward(m.FC.Forward(x).GELU()), m.Dropout, m.train)
}

// Parameters returns "fc.*" and "out.*".
func (m *MLP) Parameters() []*Param {
	return append(prefixed("fc.", m.FC.Parameters()), prefixed("out.", m.Out.Parameters())...)
}

// Train sets training mode.
func (m *MLP) Train(on bool) { m.train = on; m.FC.Train(on); m.Out.Train(on) }

// Training reports whether the module is in training mode.
func (m *MLP) Training() bool { return m.train }

// Attend says which positions each position of a SelfAttention may look at.
type Attend int

const (
	// AttendPast lets position t see positions ≤ t (the causal mask): a GPT, which predicts each next
	// token, must not see it.
	AttendPast Attend = iota
	// AttendAll lets every position see every position (no mask): an encoder (BERT), which reads a
	// whole text at once.
	AttendAll
)

// String returns "past" or "all".
func (a Attend) String() string {
	if a == AttendAll {
		return "all"
	}
	return "past"
}

// MarshalText writes the mask as String does (a model's config in a checkpoint says "attend": "all").
func (a Attend) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads "past" or "all".
func (a *Attend) UnmarshalText(b []byte) error {
	switch string(b) {
	case "past":
		*a = AttendPast
	case "all":
		*a = AttendAll
	default:
		return fmt.Errorf("attend %q: want past or all", b)
	}
	return nil
}

// SelfAttention is multi-head self-attention: one QKV projection, softmax(q·kᵀ/√d + mask)·v per head,
// and an output projection. Attend picks the mask: causal (AttendPast) or none (AttendAll).
type SelfAttention struct {
	QKV, Proj *Linear
	Heads     int
	Dropout   float32
	Attend    Attend
	train     bool
	masks     map[int]*Tensor
}

// CausalSelfAttention is SelfAttention; the name stays for the GPT code that grew up with it.
type CausalSelfAttention = SelfAttention

// NewSelfAttention returns attention over dim features split into heads, with the mask attend; Proj is
// drawn with projStd.
func NewSelfAttention(dim, heads int, attend Attend, bias bool, std, projStd, dropout float32) *SelfAttention {
	if heads <= 0 || dim%heads != 0 {
		fail("attention", nil, "width %d does not split into %d heads", dim, heads)
	}
	if attend != AttendPast && attend != AttendAll {
		fail("attention", nil, "unknown mask %d (want AttendPast or AttendAll)", int(attend))
	}
	return &SelfAttention{
		QKV: NewLinear(dim, 3*dim, bias, std), Proj: NewLinear(dim, dim, bias, projStd),
		Heads: heads, Dropout: dropout, Attend: attend, train: true, masks: map[int]*Tensor{},
	}
}

// NewCausalSelfAttention returns attention where position t sees positions ≤ t (NewSelfAttention with
// AttendPast).
func NewCausalSelfAttention(dim, heads int, bias bool, std, projStd, dropout float32) *SelfAttention {
	return NewSelfAttention(dim, heads, AttendPast, bias, std, projStd, dropout)
}

// Forward applies attention to x [B, T, dim].
func (a *SelfAttention) Forward(x *Tensor) *Tensor {
	y, _ := a.forward(x, false)
	return y
}

// ForwardWeights is Forward that also returns the attention weights per head, [B, heads, T, T]
// (after the softmax, before dropout; detached from the graph), for plotting.
func (a *SelfAttention) ForwardWeights(x *Tensor) (*Tensor, *Tensor) { return a.forward(x, true) }

func (a *SelfAttention) forward(x *Tensor, keep bool) (*Tensor, *Tensor) {
	if x.Rank() != 3 {
		fail("attention", shapes(x), "input must be [B, T, C]")
	}
	B, T, C := x.shape[0], x.shape[1], x.shape[2]
	H := a.Heads
	D := C / H
	causal := a.Attend != AttendAll
	if fl, ok := x.backend().(backend.FlashAttention); ok && causal && !keep && fl.FlashAttentionFits(B, T, H, D) {
		p := a.Dropout
		if !a.train {
			p = 0
		}
		y := flashAttention(fl, a.QKV.Forward(x), H, p)
		return Dropout(a.Proj.Forward(y), a.Dropout, a.train), nil
	}
	if fa, ok := x.backend().(backend.FusedAttention); ok && causal && (a.Dropout == 0 || !a.train) && T > 0 && D > 0 {
		y, att := causalAttention(fa, a.QKV.Forward(x), H, keep)
		return a.Proj.Forward(y), att
	}
	// [B, T, 3C] → [3, B, H, T, D]
	qkv := a.QKV.Forward(x).Reshape(B, T, 3, H, D).Permute(2, 0, 3, 1, 4)
	q, k, v := qkv.Index(0, 0), qkv.Index(0, 1), qkv.Index(0, 2)
	scale := float32(1 / math.Sqrt(float64(D)))
	var att, weights *Tensor
	if !causal {
		att = MatMulT(q, k).MulScalar(scale).Softmax(-1)
		weights = att.Detach()
		att = Dropout(att, a.Dropout, a.train)
	} else if fs, ok := x.backend().(backend.FusedCausalSoftmax); ok {
		p := a.Dropout
		if !a.train {
			p = 0
		}
		att, weights = causalSoftmax(fs, MatMulT(q, k), scale, p)
	} else {
		mask, ok := a.masks[T]
		if !ok {
			mask = CausalMask(T).To(x.Device())
			a.masks[T] = mask
		}
		att = MatMulT(q, k).MulScalar(scale).MaskedFill(mask, NegInf()).Softmax(-1)
		weights = att.Detach()
		att = Dropout(att, a.Dropout, a.train)
	}
	if !keep {
		weights = nil
	}
	y := att.MatMul(v).Permute(0, 2, 1, 3).Reshape(B, T, C)
	return Dropout(a.Proj.Forward(y), a.Dropout, a.train), weights
}

// Parameters returns "qkv.*" and "proj.*".
func (a *SelfAttention) Parameters() []*Param {
	return append(prefixed("qkv.", a.QKV.Parameters()), prefixed("proj.", a.Proj.Parameters())...)
}

// Train sets training mode.
func (a *SelfAttention) Train(on bool) { a.train = on; a.QKV.Train(on); a.Proj.Train(on) }

// Training reports whether the module is in training mode.
func (a *SelfAttention) Training() bool { return a.train }

// Block is one pre-norm transformer block: x += Attn(LN1(x)); x += MLP(LN2(x)).
type Block struct {
	LN1, LN2 *LayerNormLayer
	Attn     *SelfAttention
	MLP      *MLP
	train    bool
}

// Forward applies the block to x [B, T, C].
func (b *Block) Forward(x *Tensor) *Tensor {
	y, _ := b.forward(x, false)
	return y
}

func (b *Block) forward(x *Tensor, keep bool) (*Tensor, *Tensor) {
	a, w := b.Attn.forward(b.LN1.Forward(x), keep)
	x = x.Add(a)
	return x.Add(b.MLP.Forward(b.LN2.Forward(x))), w
}

// Parameters returns the block's parameters under PyTorch-style names: ln1, qkv, proj, ln2, fc, out.
func (b *Block) Parameters() []*Param {
	ps := prefixed("ln1.", b.LN1.Parameters())
	ps = append(ps, b.Attn.Parameters()...)
	ps = append(ps, prefixed("ln2.", b.LN2.Parameters())...)
	return append(ps, b.MLP.Parameters()...)
}

// Train sets training mode.
func (b *Block) Train(on bool) {
	b.train = on
	b.LN1.Train(on)
	b.LN2.Train(on)
	b.Attn.Train(on)
	b.MLP.Train(on)
}

// Training reports whether the module is in training mode.
func (b *Block) Training() bool { return b.train }
