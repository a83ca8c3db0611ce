package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// SampleOptions controls Generate.
type SampleOptions struct {
	Temperature float64 // divides the logits; 0 means greedy (always the most likely token)
	TopK        int     // sample among the K most likely tokens only; 0 means all
	Seed        uint64  // the sampler's own seed: the same seed gives the same text
	// OnToken, when set, is called with each new id as soon as it is chosen (for streaming);
	// returning false stops the generation early.
	OnToken func(id int) bool
}

// Generate continues prompt with n new tokens sampled from m and returns only the new ids.
// The context is cropped to the model's block length. The model is put in evaluation mode for the
// duration and restored after; no graph is recorded.
func Generate(m *GPT, prompt []int, n int, o SampleOptions) ([]int, error) {
	if len(prompt) == 0 {
		return nil, fmt.Errorf("generate: empty prompt (give at least one token)")
	}
	if o.Temperature < 0 || math.IsNaN(o.Temperature) {
		return nil, fmt.Errorf("generate: temperature %v must be ≥ 0", o.Temperature)
	}
	if o.TopK < 0 {
		return nil, fmt.Errorf("generate: top-k %d must be ≥ 0", o.TopK)
	}
	for _, id := range prompt {
		if id < 0 || id >= m.Config.Vocab {
			return nil, fmt.Errorf("generate: prompt id %d is outside the vocabulary [0, %d)", id, m.Config.Vocab)
		}
	}
	was := m.Training()
	m.Train(false)
	defer m.Train(was)
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5851f42d4c957f2d))
	ctx := append([]int(nil), prompt...)
	var out []int
	for i := 0; i < n; i++ {
		if len(ctx) > m.Config.Block {
			ctx = ctx[len(ctx)-m.Config.Block:]
		}
		var logits []float32
		NoGrad(func() {
			l := m.Forward(ctx, 1, len(ctx))
			logits = l.Index(1, len(ctx)-1).Data()
		})
		id := SampleLogits(logits, o.Temperature, o.TopK, r)
		out = append(out, id)
		ctx = append(ctx, id)
		if o.OnToken != nil && !o.OnToken(id) {
			break
		}
	}
	return out, nil
}

// SampleLogits draws an index from softmax(logits/temperature) restricted to the topK largest
// logits (all when topK is 0); temperature 0 returns the index of the largest logit.
func SampleLogits(logits []float32, temperature float64, topK int, r *rand.Rand) int {
	best := 0
	for i, v := range logits {
		if v > logits[best] {
			best = i
		}
	}
	if temperature == 0 || topK == 1 {
		return best
	}
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
	}
	if topK > 0 && topK < len(logits) {
		sort.SliceStable(idx, func(a, b int) bool { return logits[idx[a]] > logits[idx[b]] })
		idx = idx[:topK]
	}
	mx := float64(logits[best])
	p := make([]float64, len(idx))
	var sum float64
	for j, i := range idx {
		p[j] = math.Exp((float64(logits[i]) - mx) / temperature)
		sum += p[j]
	}
	u := r.Float64() * sum
	for j, v := range p {
		u -= v
		if u < 0 {
			return idx[j]
		}
	}
	return idx[len(idx)-1]
}
