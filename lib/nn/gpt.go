package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
)

// Config describes a GPT. The zero values of Dropout, Bias and Untied give the recipe's model
// (shared/bench/RECIPE.md): no biases, tied input/output embeddings.
type Config struct {
	Vocab   int     `json:"vocab"`   // number of token ids
	Block   int     `json:"block"`   // context length (positions)
	Layers  int     `json:"layers"`  // transformer blocks
	Heads   int     `json:"heads"`   // attention heads per block
	Embd    int     `json:"embd"`    // model width
	Dropout float32 `json:"dropout"` // on attention weights, residual branches and embeddings, in training
	Bias    bool    `json:"bias"`    // biases in Linear and LayerNorm layers
	Untied  bool    `json:"untied"`  // a separate output projection instead of the token embedding
	// Attend is the attention mask: AttendPast (the zero value, a GPT: each position sees the ones
	// before it) or AttendAll (an encoder, as BERT: every position sees the whole input, so the model
	// reads a text rather than continuing it).
	Attend Attend `json:"attend,omitempty"`
}

// Validate reports a clear error for a configuration that cannot build a model.
func (c Config) Validate() error {
	switch {
	case c.Vocab <= 0, c.Block <= 0, c.Layers <= 0, c.Heads <= 0, c.Embd <= 0:
		return fmt.Errorf("gpt config: vocab, block, layers, heads and embd must be positive, got %+v", c)
	case c.Embd%c.Heads != 0:
		return fmt.Errorf("gpt config: width %d does not split into %d heads", c.Embd, c.Heads)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("gpt config: dropout %v must be in [0, 1)", c.Dropout)
	case c.Attend != AttendPast && c.Attend != AttendAll:
		return fmt.Errorf("gpt config: attend %d is neither AttendPast nor AttendAll", int(c.Attend))
	}
	return nil
}

// GPT is a decoder-only transformer: token + position embeddings, Layers blocks, a final LayerNorm
// and an output projection (tied to the token embedding unless Config.Untied).
type GPT struct {
	Config Config
	Wte    *EmbeddingLayer // token embedding [vocab, embd]
	Wpe    *EmbeddingLayer // position embedding [block, embd]
	Blocks []*Block
	LnF    *LayerNormLayer
	Head   *Linear // nil when tied: the output projection is Wte.Weight
	train  bool
}

// NewGPT builds a GPT with the recipe's initialisation: every matrix N(0, 0.02), the residual
// output projections (attention proj and MLP out) N(0, 0.02/√(2·layers)), gains 1, biases 0.
// It draws from the package's generator (Seed).
func NewGPT(c Config) (*GPT, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	const std = 0.02
	resStd := float32(std / math.Sqrt(2*float64(c.Layers)))
	m := &GPT{Config: c, train: true}
	m.Wte = NewEmbedding(c.Vocab, c.Embd, std)
	m.Wpe = NewEmbedding(c.Block, c.Embd, std)
	for i := 0; i < c.Layers; i++ {
		m.Blocks = append(m.Blocks, &Block{
			LN1:   NewLayerNorm(c.Embd, c.Bias),
			Attn:  NewSelfAttention(c.Embd, c.Heads, c.Attend, c.Bias, std, resStd, c.Dropout),
			LN2:   NewLayerNorm(c.Embd, c.Bias),
			MLP:   NewMLP(c.Embd, 4*c.Embd, c.Bias, std, resStd, c.Dropout),
			train: true,
		})
	}
	m.LnF = NewLayerNorm(c.Embd, c.Bias)
	if c.Untied {
		m.Head = NewLinear(c.Embd, c.Vocab, c.Bias, std)
	}
	return m, nil
}

// MustGPT is NewGPT that panics on a bad configuration, convenient in notebooks.
func MustGPT(c Config) *GPT {
	m, err := NewGPT(c)
	if err != nil {
		panic(&Error{Op: "gpt", Msg: err.Error()})
	}
	return m
}

// Forward returns the logits [B, T, vocab] for ids holding B rows of T token ids (T ≤ Block).
func (m *GPT) Forward(ids []int, B, T int) *Tensor {
	logits, _ := m.forward(ids, B, T, false)
	return logits
}

// ForwardAttention is Forward that also returns every block's attention weights, each
// [B, heads, T, T], detached, for plotting.
func (m *GPT) ForwardAttention(ids []int, B, T int) (*Tensor, []*Tensor) {
	return m.forward(ids, B, T, true)
}

func (m *GPT) forward(ids []int, B, T int, keep bool) (*Tensor, []*Tensor) {
	c := m.Config
	if B <= 0 || T <= 0 || len(ids) != B*T {
		fail("gpt", nil, "%d ids for B=%d × T=%d", len(ids), B, T)
	}
	if T > c.Block {
		fail("gpt", nil, "sequence length %d exceeds the context length %d", T, c.Block)
	}
	x := embedding(m.Wte.Weight, ids, []int{B, T, c.Embd}).Add(m.Wpe.Forward(positions(T)))
	x = Dropout(x, c.Dropout, m.train)
	var atts []*Tensor
	for _, b := range m.Blocks {
		var w *Tensor
		x, w = b.forward(x, keep)
		if keep {
			atts = append(atts, w)
		}
	}
	x = m.LnF.Forward(x)
	var logits *Tensor
	if m.Head != nil {
		logits = m.Head.Forward(x)
	} else {
		logits = MatMulT(x, m.Wte.Weight)
	}
	markTransient(logits) // the activations in between are the model's own
	return logits, atts
}

// Loss returns the mean cross-entropy of logits [B, T, vocab] against targets (B·T ids).
func (m *GPT) Loss(logits *Tensor, targets []int) *Tensor {
	return CrossEntropy(logits, targets)
}

// positionIDs holds 0, 1, 2, …: positions(T) is its first T, shared and read-only.
var positionIDs atomic.Pointer[[]int]

// positions returns the position ids 0 … T−1 (a shared slice: do not modify).
func positions(T int) []int {
	if p := positionIDs.Load(); p != nil && len(*p) >= T {
		return (*p)[:T]
	}
	pos := make([]int, max(T, 1024))
	for i := range pos {
		pos[i] = i
	}
	positionIDs.Store(&pos)
	return pos[:T]
}

// Parameters returns every parameter once, named as torch_gpt.py's state_dict: wte.weight,
// wpe.weight, blocks.N.{ln1,qkv,proj,ln2,fc,out}.weight, ln_f.weight (and head.weight when untied).
func (m *GPT) Parameters() []*Param {
	ps := prefixed("wte.", m.Wte.Parameters())
	ps = append(ps, prefixed("wpe.", m.Wpe.Parameters())...)
	for i, b := range m.Blocks {
		ps = append(ps, prefixed("blocks."+strconv.Itoa(i)+".", b.Parameters())...)
	}
	ps = append(ps, prefixed("ln_f.", m.LnF.Parameters())...)
	if m.Head != nil {
		ps = append(ps, prefixed("head.", m.Head.Parameters())...)
	}
	return ps
}

// Train switches training mode (dropout) on or off.
func (m *GPT) Train(on bool) {
	m.train = on
	m.Wte.Train(on)
	m.Wpe.Train(on)
	for _, b := range m.Blocks {
		b.Train(on)
	}
	m.LnF.Train(on)
	if m.Head != nil {
		m.Head.Train(on)
	}
}

// Training reports whether the model is in training mode.
func (m *GPT) Training() bool { return m.train }

// NumParams returns the number of scalar parameters (a tied weight counted once).
func (m *GPT) NumParams() int { return CountParams(m) }

// FLOPsPerToken estimates the training FLOPs per token: 6·N + 12·layers·width·block (RECIPE.md).
func (m *GPT) FLOPsPerToken() float64 {
	c := m.Config
	return 6*float64(m.NumParams()) + 12*float64(c.Layers*c.Embd*c.Block)
}

// String summarises the model.
func (m *GPT) String() string {
	b, _ := json.Marshal(m.Config)
	return fmt.Sprintf("GPT%s: %d parameters", b, m.NumParams())
}

// To moves the model's parameters to the named device ("cpu", or "cuda" once lib/gpu is
// registered), forgetting their gradients; it returns an error naming the devices there are.
func (m *GPT) To(device string) error {
	b, err := BackendFor(device)
	if err != nil {
		return err
	}
	for _, p := range m.Parameters() {
		t := p.Value
		if t.Device() != device {
			t.buf = b.FromHost(t.Data())
			t.ZeroGrad()
		}
	}
	return nil
}
