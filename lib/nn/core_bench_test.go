package nn_test

// Benchmarks of the core operations. Run: go test -run '^$' -bench . ./lib/nn/
// MatMul reports GFLOP/s (2·n³ floating-point operations per n×n product).

import (
	"fmt"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			nn.Seed(1)
			x, y := nn.Randn(n, n), nn.Randn(n, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				x.MatMul(y)
			}
			b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkMatMulBatched is attention's score product: [B·heads, T, d] × [B·heads, d, T].
func BenchmarkMatMulBatched(b *testing.B) {
	nn.Seed(1)
	q, k := nn.Randn(32, 128, 64), nn.Randn(32, 64, 128)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q.MatMul(k)
	}
	b.ReportMetric(2*32*128*64*128*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// elementwiseBench runs f on a [256 1024] input and reports throughput in input bytes.
func elementwiseBench(b *testing.B, f func(x *nn.Tensor) *nn.Tensor) {
	nn.Seed(1)
	x := nn.Randn(256, 1024)
	b.SetBytes(int64(x.Len() * 4))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f(x)
	}
}

func BenchmarkAddBroadcast(b *testing.B) {
	bias := nn.Randn(1024)
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return x.Add(bias) })
}

func BenchmarkAddSameShape(b *testing.B) {
	y := nn.Randn(256, 1024)
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return x.Add(y) })
}

func BenchmarkGELU(b *testing.B) {
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return x.GELU() })
}

func BenchmarkSoftmax(b *testing.B) {
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return x.Softmax(-1) })
}

func BenchmarkSoftmaxAxis0(b *testing.B) {
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return x.Softmax(0) })
}

func BenchmarkLayerNorm(b *testing.B) {
	g, bias := nn.Ones(1024), nn.Zeros(1024)
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return nn.LayerNorm(x, g, bias, 1e-5) })
}

func BenchmarkCrossEntropy(b *testing.B) {
	targets := make([]int, 256)
	for i := range targets {
		targets[i] = i * 3
	}
	elementwiseBench(b, func(x *nn.Tensor) *nn.Tensor { return nn.CrossEntropy(x, targets) })
}

// BenchmarkMLPStep is one forward and backward pass of a small MLP classifier:
// [64 256] → Linear 256×512 → GELU → Linear 512×10 → cross-entropy.
func BenchmarkMLPStep(b *testing.B) {
	nn.Seed(1)
	x := nn.Randn(64, 256)
	w1 := nn.Randn(256, 512).MulScalar(0.05).SetRequiresGrad(true)
	b1 := nn.Zeros(512).SetRequiresGrad(true)
	w2 := nn.Randn(512, 10).MulScalar(0.05).SetRequiresGrad(true)
	targets := make([]int, 64)
	for i := range targets {
		targets[i] = i % 10
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loss := nn.CrossEntropy(x.MatMul(w1).Add(b1).GELU().MatMul(w2), targets)
		loss.Backward()
		w1.ZeroGrad()
		b1.ZeroGrad()
		w2.ZeroGrad()
	}
	flops := 3 * 2 * 64 * (256*512 + 512*10) // forward + two backward products per layer
	b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
