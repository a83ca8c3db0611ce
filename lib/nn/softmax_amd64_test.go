package nn

import (
	"math"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/internal/isa"
)

// TestExpShiftAccuracy holds the assembly's eˣ to 3e-7 relative against math.Exp over [−87, 0], the
// range softmax uses (arguments are shifted by the row's maximum).
func TestExpShiftAccuracy(t *testing.T) {
	x := make([]float32, 0, 8*2048)
	for i := 0; i < cap(x); i++ {
		x = append(x, -87*float32(i)/float32(cap(x)-1))
	}
	if !isa.Supported(isa.AVX2) {
		t.Skip("this CPU has no AVX2")
	}
	y := append([]float32(nil), x...)
	expShiftAVX2(&y[0], len(y), 0)
	worst := 0.0
	for i, v := range x {
		want := math.Exp(float64(v))
		worst = max(worst, math.Abs(float64(y[i])-want)/want)
	}
	if worst > 3e-7 {
		t.Fatalf("largest relative error %.3g, want ≤ 3e-7", worst)
	}
	t.Logf("largest relative error %.3g", worst)
}
