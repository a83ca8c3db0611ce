package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/internal/isa"
)

// TestGELUAVX2PairsMatchSingles requires geluAVX2's two-chain loop (8 values a turn) to give the bits
// of its one-chain loop (4 values a turn), which TestGELUBlock holds to the reference.
func TestGELUAVX2PairsMatchSingles(t *testing.T) {
	if !isa.Supported(isa.AVX2) {
		t.Skip("this CPU has no AVX2")
	}
	r := rand.New(rand.NewPCG(31, 37))
	x := randSlice(r, 4096, 0, 2) // |x| ≤ 10 here: 5σ
	y1, d1 := make([]float32, len(x)), make([]float32, len(x))
	y2, d2 := make([]float32, len(x)), make([]float32, len(x))
	if geluAVX2(&x[0], &y1[0], &d1[0], len(x)) != 0 {
		t.Fatal("no value here needs the scalar path, yet the kernel flagged one")
	}
	for i := 0; i < len(x); i += 4 {
		geluAVX2(&x[i], &y2[i], &d2[i], 4)
	}
	for i := range x {
		if math.Float32bits(y1[i]) != math.Float32bits(y2[i]) || math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
			t.Fatalf("x[%d] = %v: pairs give %v, %v; singles %v, %v", i, x[i], y1[i], d1[i], y2[i], d2[i])
		}
	}
}
