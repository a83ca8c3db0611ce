package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxRowMatchesGo runs the attention's row softmax as the CPU backend runs it (assembly where
// the family has a kernel) against the Go loop, at every length up to 40 and around the 8-wide blocks,
// on scores of several spreads, including rows where most weights underflow. Tolerance: 1e-6 absolute
// plus 4e-7 relative per probability (the assembly's eˣ is float32 to about 2 ulp; the Go loop's is
// float64 rounded once).
func TestSoftmaxRowMatchesGo(t *testing.T) { forEachFamily(t, testSoftmaxRowMatchesGo) }

func testSoftmaxRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 11))
	lengths := []int{63, 64, 65, 127, 128, 129, 256}
	for n := 1; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for _, spread := range []float64{0.1, 3, 30, 300} {
			a := randSlice(r, n, 5, spread)
			b := append([]float32(nil), a...)
			in := append([]float32(nil), a...)
			if !softmaxRowSIMD(a) {
				softmaxRowGo(a)
			}
			softmaxRowGo(b)
			var sum float64
			for i := range a {
				sum += float64(a[i])
				if d := math.Abs(float64(a[i] - b[i])); d > 1e-6+4e-7*math.Abs(float64(b[i])) || math.IsNaN(float64(a[i])) {
					t.Fatalf("n=%d spread %v: p[%d] = %v, the Go loop gives %v (score %v)", n, spread, i, a[i], b[i], in[i])
				}
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("n=%d spread %v: probabilities sum to %v", n, spread, sum)
			}
		}
	}
}

// TestSoftmaxGradRowMatchesGo holds the row softmax gradient as the CPU backend runs it to the Go loop
// at lengths around the 8-wide blocks. Tolerance: 1e-6 relative to the row's largest |d| (the sum
// Σ p·d runs over 8 float32 lanes instead of one, with fused multiply-adds).
func TestSoftmaxGradRowMatchesGo(t *testing.T) { forEachFamily(t, testSoftmaxGradRowMatchesGo) }

func testSoftmaxGradRowMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 17))
	for _, n := range []int{1, 7, 8, 9, 16, 24, 63, 64, 128, 256} {
		p := randSlice(r, n, 0, 3)
		softmaxRowGo(p)
		d1 := randSlice(r, n, 0, 1)
		d2 := append([]float32(nil), d1...)
		softmaxGradRow(p, d1, 0.125)
		softmaxGradRowGo(p, d2, 0.125)
		scale := float32(max(1e-3, maxAbs(d2)))
		for i := range d1 {
			if d := math.Abs(float64(d1[i] - d2[i])); d > 1e-6*float64(scale) || math.IsNaN(float64(d1[i])) {
				t.Fatalf("n=%d: d[%d] = %v, the Go loop gives %v", n, i, d1[i], d2[i])
			}
		}
	}
}
