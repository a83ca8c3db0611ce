package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBackendMatMulAgainstNaive checks the CPU backend's MatMul (the fast SGEMM of lib/nn/gemm behind
// the backend's leading-dimension and stride logic) against the plain triple loop, for odd and
// block-crossing sizes, every transpose combination, shared (stride 0) operands and accumulation.
func TestBackendMatMulAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	sizes := [][3]int{{1, 1, 1}, {1, 17, 3}, {3, 1, 7}, {7, 3, 1}, {17, 17, 17}, {33, 65, 9}, {65, 31, 130}, {130, 7, 257}}
	for _, s := range sizes {
		m, n, k := s[0], s[1], s[2]
		for _, batch := range []int{1, 3} {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					for _, shared := range []string{"none", "a", "b"} {
						for _, acc := range []bool{false, true} {
							name := fmt.Sprintf("m%d n%d k%d batch%d ta%v tb%v shared-%s acc%v", m, n, k, batch, ta, tb, shared, acc)
							sa, sb := m*k, k*n
							if shared == "a" {
								sa = 0
							}
							if shared == "b" {
								sb = 0
							}
							a := fill(max(sa, m*k) * max(1, min(batch, batch*sa)))
							b := fill(max(sb, k*n) * max(1, min(batch, batch*sb)))
							c0 := fill(batch * m * n)
							want := append([]float32(nil), c0...)
							lda, ldb := k, n
							if ta {
								lda = m
							}
							if tb {
								ldb = k
							}
							beta := float32(0)
							if acc {
								beta = 1
							}
							naiveSgemmBatch(batch, ta, tb, m, n, k, 1, a, lda, sa, b, ldb, sb, beta, want, n, m*n)
							got := cpuBuffer(append([]float32(nil), c0...))
							CPU.MatMul(got, cpuBuffer(a), cpuBuffer(b), batch, m, n, k, ta, tb, sa, sb, acc)
							for i := range want {
								if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*float64(k)+1e-5*math.Abs(float64(want[i])) {
									t.Fatalf("%s: element %d is %v, want %v", name, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}
