package nn

import "testing"

// TestTrainingStepAllocs measures heap allocations of one steady-state training step of the
// recipe's model (forward, backward, clipping, AdamW). The goal of issue 7 is zero; today every
// op allocates its output tensor, its gradient and a graph node (about 835 allocations and 69 MB a
// step, see PERF.md), so this test pins that count from above to catch regressions until the
// buffer pool lands. Skipped with -short (a few steps of the full model).
func TestTrainingStepAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size model")
	}
	Seed(1)
	m := MustGPT(Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128})
	opt := NewAdamW(m.Parameters(), 1e-3, 0.1)
	params := m.Parameters()
	ids := make([]int, 12*64)
	for i := range ids {
		ids[i] = (i * 7) % 65
	}
	step := func() {
		loss := m.Loss(m.Forward(ids, 12, 64), ids)
		opt.ZeroGrad()
		loss.Backward()
		ClipGradNorm(params, 1)
		opt.Step()
	}
	step() // optimizer state, attention masks
	allocs := testing.AllocsPerRun(3, step)
	t.Logf("%.0f heap allocations per training step", allocs)
	if allocs > 1000 {
		t.Errorf("%.0f allocations per training step, want ≤ 1000 (was 835 when this test was written)", allocs)
	}
}
