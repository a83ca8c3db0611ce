package nn

import (
	"runtime"
	"testing"
)

// TestGraphReleasedAfterBackward checks that Backward drops the graph: the loss and every
// intermediate tensor forget their node and gradient, and keeping the losses of many steps alive
// (as a loss curve does) keeps no graph alive.
func TestGraphReleasedAfterBackward(t *testing.T) {
	w := Randn(8, 8).SetRequiresGrad(true)
	h := Randn(4, 8).MatMul(w)
	a := h.Tanh()
	loss := a.Mul(a).Mean()
	for _, x := range []*Tensor{h, a, loss} {
		if x.node == nil {
			t.Fatal("no node recorded before Backward")
		}
	}
	loss.Backward()
	for i, x := range []*Tensor{h, a, loss} {
		if x.node != nil || x.grad != nil {
			t.Errorf("tensor %d keeps its node or gradient after Backward", i)
		}
	}
	if w.Grad() == nil {
		t.Fatal("no gradient for the parameter")
	}
}

func TestMemoryFlatAcrossSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 training steps")
	}
	Seed(1)
	w1 := Randn(64, 64).MulScalar(0.1).SetRequiresGrad(true)
	w2 := Randn(64, 8).MulScalar(0.1).SetRequiresGrad(true)
	x, y := Randn(32, 64), Randn(32, 8)
	var losses []*Tensor // kept alive like the points of a loss curve
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var before uint64
	for step := 0; step < 1000; step++ {
		if step == 100 {
			before = heap()
		}
		loss := MSE(x.MatMul(w1).GELU().MatMul(w2), y)
		loss.Backward()
		w1.ZeroGrad()
		w2.ZeroGrad()
		losses = append(losses, loss)
	}
	after := heap()
	runtime.KeepAlive(losses)
	// Measured: with the graph kept alive by each retained loss the heap grows by about 19 MB over
	// these 900 steps; with it released, by under 0.1 MB (the loss scalars themselves).
	growth := int64(after) - int64(before)
	t.Logf("heap %d → %d bytes over 900 steps (%d losses kept)", before, after, len(losses))
	if growth > 4<<20 {
		t.Errorf("heap grew by %d bytes over 900 training steps: the graph is not released", growth)
	}
}
