package nn

import "testing"

// BenchmarkRecipeStep times one training step of the recipe's model (shared/bench/RECIPE.md):
// forward, backward, clipping and AdamW on a batch of 12 × 64 tokens.
func BenchmarkRecipeStep(b *testing.B) {
	Seed(1)
	m := MustGPT(Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128})
	tr := NewTrainer(m, NewAdamW(m.Parameters(), 1e-3, 0.1), 1)
	ids := make([]int, 12*64)
	for i := range ids {
		ids[i] = (i * 7) % 65
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Step(ids, ids, 12, 64)
	}
	b.ReportMetric(float64(b.N*12*64)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkRecipeStepWrittenOut is BenchmarkRecipeStep with the step written out (Forward, Loss,
// Backward, ClipGradNorm, Step), which allocates the tensors it hands out.
func BenchmarkRecipeStepWrittenOut(b *testing.B) {
	Seed(1)
	m := MustGPT(Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128})
	opt := NewAdamW(m.Parameters(), 1e-3, 0.1)
	ids := make([]int, 12*64)
	for i := range ids {
		ids[i] = (i * 7) % 65
	}
	params := m.Parameters()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loss := m.Loss(m.Forward(ids, 12, 64), ids)
		opt.ZeroGrad()
		loss.Backward()
		ClipGradNorm(params, 1)
		opt.Step()
	}
	b.ReportMetric(float64(b.N*12*64)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkGenerate times sampling 64 tokens from the recipe's model.
func BenchmarkGenerate(b *testing.B) {
	Seed(1)
	m := MustGPT(Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128})
	for i := 0; i < b.N; i++ {
		if _, err := Generate(m, []int{0}, 64, SampleOptions{Temperature: 1, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
