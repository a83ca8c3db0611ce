package gpu

// "hostcheck" is a second device for this package's tests on machines without a GPU: it keeps its
// buffers in host memory and delegates to the CPU backend, but it is a distinct backend, so the GPU
// comparison harness (op cases, autograd, moving a GPT and training it) runs end to end here and a
// mistake in the harness itself shows up before the scarce GPU run.

import (
	"fmt"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

type hostBuf struct{ nn.Buffer }

func (hostBuf) Backend() nn.Backend { return hostDev }

type hostBackend struct{}

var hostDev nn.Backend = hostBackend{}

func init() { nn.RegisterBackend(hostDev) }

func hb(b nn.Buffer) nn.Buffer {
	if b == nil {
		return nil
	}
	d, ok := b.(hostBuf)
	if !ok {
		panic(fmt.Sprintf("hostcheck: got a buffer of device %s", b.Backend().Name()))
	}
	return d.Buffer
}

func (hostBackend) Name() string                      { return "hostcheck" }
func (hostBackend) Alloc(n int) nn.Buffer             { return hostBuf{nn.CPU.Alloc(n)} }
func (hostBackend) FromHost(v []float32) nn.Buffer    { return hostBuf{nn.CPU.FromHost(v)} }
func (hostBackend) ToHost(dst []float32, s nn.Buffer) { nn.CPU.ToHost(dst, hb(s)) }
func (hostBackend) Fill(dst nn.Buffer, v float32)     { nn.CPU.Fill(hb(dst), v) }
func (hostBackend) Axpy(dst nn.Buffer, alpha float32, x nn.Buffer) {
	nn.CPU.Axpy(hb(dst), alpha, hb(x))
}
func (hostBackend) Gather(dst nn.Buffer, shape []int, src nn.Buffer, offset int, strides []int, acc bool) {
	nn.CPU.Gather(hb(dst), shape, hb(src), offset, strides, acc)
}
func (hostBackend) Scatter(dst nn.Buffer, offset int, strides []int, src nn.Buffer, shape []int) {
	nn.CPU.Scatter(hb(dst), offset, strides, hb(src), shape)
}
func (hostBackend) Unary(op nn.UnaryOp, dst, x nn.Buffer, p float32) {
	nn.CPU.Unary(op, hb(dst), hb(x), p)
}
func (hostBackend) UnaryGrad(op nn.UnaryOp, dx, x, y, dy nn.Buffer, p float32) {
	nn.CPU.UnaryGrad(op, hb(dx), hb(x), hb(y), hb(dy), p)
}
func (hostBackend) Binary(op nn.BinaryOp, dst nn.Buffer, shape []int, a nn.Buffer, as []int, b nn.Buffer, bs []int) {
	nn.CPU.Binary(op, hb(dst), shape, hb(a), as, hb(b), bs)
}
func (hostBackend) Reduce(op nn.ReduceOp, dst, x nn.Buffer, outer, n, inner int) {
	nn.CPU.Reduce(op, hb(dst), hb(x), outer, n, inner)
}
func (hostBackend) MatMul(dst, a, b nn.Buffer, batch, m, n, k int, ta, tb bool, sa, sb int, acc bool) {
	nn.CPU.MatMul(hb(dst), hb(a), hb(b), batch, m, n, k, ta, tb, sa, sb, acc)
}
func (hostBackend) Softmax(dst, x nn.Buffer, rows, cols int, log bool) {
	nn.CPU.Softmax(hb(dst), hb(x), rows, cols, log)
}
func (hostBackend) SoftmaxGrad(dx, y, dy nn.Buffer, rows, cols int, log bool) {
	nn.CPU.SoftmaxGrad(hb(dx), hb(y), hb(dy), rows, cols, log)
}
func (hostBackend) CrossEntropy(loss, lse, logits nn.Buffer, t []int32, rows, cols int, ignore int32) int {
	return nn.CPU.CrossEntropy(hb(loss), hb(lse), hb(logits), t, rows, cols, ignore)
}
func (hostBackend) CrossEntropyGrad(dl, logits, lse nn.Buffer, t []int32, rows, cols int, ignore int32, scale float32) {
	nn.CPU.CrossEntropyGrad(hb(dl), hb(logits), hb(lse), t, rows, cols, ignore, scale)
}
func (hostBackend) LayerNorm(y, mean, rstd, x, gain, bias nn.Buffer, rows, cols int, eps float32) {
	nn.CPU.LayerNorm(hb(y), hb(mean), hb(rstd), hb(x), hb(gain), hb(bias), rows, cols, eps)
}
func (hostBackend) LayerNormGrad(dx, dgain, dbias, dy, x, mean, rstd, gain nn.Buffer, rows, cols int) {
	nn.CPU.LayerNormGrad(hb(dx), hb(dgain), hb(dbias), hb(dy), hb(x), hb(mean), hb(rstd), hb(gain), rows, cols)
}
func (hostBackend) Embedding(dst, table nn.Buffer, idx []int32, dim int) {
	nn.CPU.Embedding(hb(dst), hb(table), idx, dim)
}
func (hostBackend) EmbeddingGrad(dtable, dy nn.Buffer, idx []int32, dim int) {
	nn.CPU.EmbeddingGrad(hb(dtable), hb(dy), idx, dim)
}
func (hostBackend) MaskedFill(dst nn.Buffer, shape []int, x nn.Buffer, xs []int, mask nn.Buffer, ms []int, v float32) {
	nn.CPU.MaskedFill(hb(dst), shape, hb(x), xs, hb(mask), ms, v)
}
func (hostBackend) AdamW(p, g, m, v nn.Buffer, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	nn.CPU.AdamW(hb(p), hb(g), hb(m), hb(v), lr, b1, b2, eps, wd, bc1, bc2)
}

// TestHarnessOnHostDevice runs the GPU comparisons against the host-memory test device: every case
// must run and agree exactly, the GPT must move as a whole and train identically.
func TestHarnessOnHostDevice(t *testing.T) {
	for _, c := range append(opCases(), matmulCases()...) {
		c.tol = 0
		compareOp(t, hostDev, c)
	}
	checkAutograd(t, "hostcheck")
	checkGPTStep(t, "hostcheck")
}
