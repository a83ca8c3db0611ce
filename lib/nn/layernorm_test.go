package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLayerNormRowsMatchGo runs LayerNorm's row loops as the CPU backend runs them (assembly where
// the family has a kernel) against the Go loops, on random rows at widths around the 8-wide blocks, with
// and without gain and bias, including rows whose mean is 10⁴ times their spread. Tolerance: 1e-5
// relative to each value's size (plus 1e-5 absolute). The forward pass differs only where the float64
// mean or variance, summed in another order, rounds to another float32; the gradient sums its two
// means over 8 float32 lanes instead of one, and fuses multiply-adds.
func TestLayerNormRowsMatchGo(t *testing.T) { forEachFamily(t, testLayerNormRowsMatchGo) }

func testLayerNormRowsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 7))
	for _, cols := range []int{1, 7, 8, 16, 24, 40, 128, 129, 768} {
		for _, rows := range []int{1, 3, 17} {
			for _, affine := range []struct{ gain, bias bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
				for _, offset := range []float64{0, 100} {
					spread := 1.0
					if offset != 0 {
						spread = 0.01
					}
					x := randSlice(r, rows*cols, offset, spread)
					var gain, bias []float32
					if affine.gain {
						gain = randSlice(r, cols, 1, 0.5)
					}
					if affine.bias {
						bias = randSlice(r, cols, 0, 0.5)
					}
					y1, y2 := make([]float32, rows*cols), make([]float32, rows*cols)
					m1, m2, s1, s2 := make([]float32, rows), make([]float32, rows), make([]float32, rows), make([]float32, rows)
					layerNormRows(y1, m1, s1, x, gain, bias, 0, rows, cols, 1e-5)
					layerNormRowsGo(y2, m2, s2, x, gain, bias, 0, rows, cols, 1e-5)
					name := func(what string) string {
						return what + describeLN(cols, rows, affine.gain, affine.bias, offset)
					}
					closeSlices(t, name("y"), y1, y2, 1e-5)
					closeSlices(t, name("mean"), m1, m2, 1e-6)
					closeSlices(t, name("rstd"), s1, s2, 1e-6)

					dy := randSlice(r, rows*cols, 0, 1)
					dx1, dx2 := randSlice(r, rows*cols, 0, 1), make([]float32, rows*cols)
					copy(dx2, dx1)
					var dg1, dg2, db1, db2 []float32
					if affine.gain {
						dg1 = randSlice(r, cols, 0, 1)
						dg2 = append([]float32(nil), dg1...)
					}
					if affine.bias {
						db1 = randSlice(r, cols, 0, 1)
						db2 = append([]float32(nil), db1...)
					}
					layerNormGradRows(dx1, dg1, db1, dy, x, m2, s2, gain, 0, rows, cols)
					layerNormGradRowsGo(dx2, dg2, db2, dy, x, m2, s2, gain, 0, rows, cols)
					closeSlices(t, name("dx"), dx1, dx2, 1e-5*float32(max(1, maxAbs(dx2))))
					closeSlices(t, name("dgain"), dg1, dg2, 1e-5*float32(max(1, maxAbs(dg2))))
					closeSlices(t, name("dbias"), db1, db2, 1e-5)
				}
			}
		}
	}
}

func describeLN(cols, rows int, gain, bias bool, offset float64) string {
	return fmt.Sprintf(" (%d×%d, gain %v, bias %v, offset %v)", rows, cols, gain, bias, offset)
}

func randSlice(r *rand.Rand, n int, mean, std float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(mean + std*r.NormFloat64())
	}
	return s
}

// closeSlices fails when a and b differ by more than tol·(1+|b|) anywhere.
func closeSlices(t *testing.T, what string, a, b []float32, tol float32) {
	t.Helper()
	for i := range b {
		if d := math.Abs(float64(a[i] - b[i])); d > float64(tol)*(1+math.Abs(float64(b[i]))) || math.IsNaN(float64(a[i])) {
			t.Fatalf("%s[%d] = %v, the Go loop gives %v", what, i, a[i], b[i])
		}
	}
}
