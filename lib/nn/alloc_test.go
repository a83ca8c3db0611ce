package nn

import (
	"math"
	"runtime"
	"testing"
	"time"
)

// TestTrainerAllocs checks issue 7's goal: a steady-state training step of the recipe's model
// (forward, loss, backward, clipping, AdamW) through a Trainer makes no heap allocation, with
// attention dropout off (the CPU recipe) and on (the composed path), and with biases. The written-out
// step, whose logits, loss and gradients are the program's to keep, is pinned from above. Skipped
// with -short (a few steps of the full model).
func TestTrainerAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("full-size model; allocation counts mean nothing under the race detector")
	}
	ids := make([]int, 12*64)
	for i := range ids {
		ids[i] = (i * 7) % 65
	}
	for _, c := range []struct {
		name  string
		cfg   Config
		limit float64
	}{
		{"recipe", Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128}, 0},
		{"bias", Config{Vocab: 65, Block: 64, Layers: 2, Heads: 4, Embd: 64, Bias: true}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			Seed(1)
			m := MustGPT(c.cfg)
			tr := NewTrainer(m, NewAdamW(m.Parameters(), 1e-3, 0.1), 1)
			// Warm up: optimizer state, pools. A program that allocates elsewhere collects garbage
			// now and then between steps; the pools must keep what the steps use across that.
			for i := 0; i < 3; i++ {
				tr.Step(ids, ids, 12, 64)
				runtime.GC()
			}
			// The runtime allocates too when it starts a thread for a waking goroutine, which a
			// loaded machine can make happen during any measurement: the best of three counts.
			allocs := math.Inf(1)
			for try := 0; try < 3 && allocs > c.limit; try++ {
				allocs = min(allocs, testing.AllocsPerRun(10, func() { tr.Step(ids, ids, 12, 64) }))
			}
			if allocs > c.limit {
				t.Errorf("%.0f heap allocations per Trainer step, want %v", allocs, c.limit)
			}
		})
	}
	t.Run("written out", func(t *testing.T) {
		Seed(1)
		m := MustGPT(Config{Vocab: 65, Block: 64, Layers: 4, Heads: 4, Embd: 128})
		opt := NewAdamW(m.Parameters(), 1e-3, 0.1)
		params := m.Parameters()
		step := func() {
			loss := m.Loss(m.Forward(ids, 12, 64), ids)
			opt.ZeroGrad()
			loss.Backward()
			ClipGradNorm(params, 1)
			opt.Step()
		}
		step()
		allocs := testing.AllocsPerRun(3, step)
		t.Logf("%.0f heap allocations per written-out training step", allocs)
		if allocs > 150 {
			t.Errorf("%.0f allocations per written-out training step, want ≤ 150 (117 when this test was written)", allocs)
		}
	})
}

// TestPoolLetsGo checks that recycled CPU buffers nobody asks for again go back to the runtime: the
// pool keeps them through one garbage collection (as victims) and drops them at the next.
func TestPoolLetsGo(t *testing.T) {
	const n = 5003 // a length no other test uses
	recycle(cpuBuffer(make([]float32, n)))
	held := func() (free, victim int) {
		cpuPool.mu.Lock()
		defer cpuPool.mu.Unlock()
		return len(cpuPool.free[n]), len(cpuPool.victim[n])
	}
	if f, v := held(); f+v != 1 {
		t.Fatalf("after recycling: %d free, %d victims", f, v)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond) // the sweep runs as a cleanup, after the collection
		if f, v := held(); f+v == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the pool still holds the buffer after collections for 5 s")
		}
	}
}
