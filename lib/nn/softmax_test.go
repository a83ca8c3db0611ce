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
