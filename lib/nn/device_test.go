package nn_test

// A second device for tests: "testdev" keeps its buffers in host memory but is a distinct backend,
// so that tests can move tensors with To, check that mixing devices is refused with a clear error,
// and check that every operation reaches its data only through the Backend interface (an op that
// read a buffer directly would find a testdev buffer where it expects a CPU one and fail).

import (
	"fmt"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

// devBuf is a testdev buffer wrapping a CPU buffer.
type devBuf struct{ nn.Buffer }

func (devBuf) Backend() nn.Backend { return testDev }

type devBackend struct{}

var testDev nn.Backend = devBackend{}

func init() { nn.RegisterBackend(testDev) }

// u unwraps a testdev buffer, refusing anything else (nil stays nil).
func u(b nn.Buffer) nn.Buffer {
	if b == nil {
		return nil
	}
	d, ok := b.(devBuf)
	if !ok {
		panic(fmt.Sprintf("testdev: got a buffer of device %s", b.Backend().Name()))
	}
	return d.Buffer
}

func (devBackend) Name() string                      { return "testdev" }
func (devBackend) Alloc(n int) nn.Buffer             { return devBuf{nn.CPU.Alloc(n)} }
func (devBackend) FromHost(v []float32) nn.Buffer    { return devBuf{nn.CPU.FromHost(v)} }
func (devBackend) ToHost(dst []float32, s nn.Buffer) { nn.CPU.ToHost(dst, u(s)) }
func (devBackend) Fill(dst nn.Buffer, v float32)     { nn.CPU.Fill(u(dst), v) }
func (devBackend) Axpy(dst nn.Buffer, alpha float32, x nn.Buffer) {
	nn.CPU.Axpy(u(dst), alpha, u(x))
}
func (devBackend) Gather(dst nn.Buffer, shape []int, src nn.Buffer, offset int, strides []int, acc bool) {
	nn.CPU.Gather(u(dst), shape, u(src), offset, strides, acc)
}
func (devBackend) Scatter(dst nn.Buffer, offset int, strides []int, src nn.Buffer, shape []int) {
	nn.CPU.Scatter(u(dst), offset, strides, u(src), shape)
}
func (devBackend) Unary(op nn.UnaryOp, dst, x nn.Buffer, p float32) {
	nn.CPU.Unary(op, u(dst), u(x), p)
}
func (devBackend) UnaryGrad(op nn.UnaryOp, dx, x, y, dy nn.Buffer, p float32) {
	nn.CPU.UnaryGrad(op, u(dx), u(x), u(y), u(dy), p)
}
func (devBackend) Binary(op nn.BinaryOp, dst nn.Buffer, shape []int, a nn.Buffer, as []int, b nn.Buffer, bs []int) {
	nn.CPU.Binary(op, u(dst), shape, u(a), as, u(b), bs)
}
func (devBackend) Reduce(op nn.ReduceOp, dst, x nn.Buffer, outer, n, inner int) {
	nn.CPU.Reduce(op, u(dst), u(x), outer, n, inner)
}
func (devBackend) MatMul(dst, a, b nn.Buffer, batch, m, n, k int, ta, tb bool, sa, sb int, acc bool) {
	nn.CPU.MatMul(u(dst), u(a), u(b), batch, m, n, k, ta, tb, sa, sb, acc)
}
func (devBackend) Softmax(dst, x nn.Buffer, rows, cols int, log bool) {
	nn.CPU.Softmax(u(dst), u(x), rows, cols, log)
}
func (devBackend) SoftmaxGrad(dx, y, dy nn.Buffer, rows, cols int, log bool) {
	nn.CPU.SoftmaxGrad(u(dx), u(y), u(dy), rows, cols, log)
}
func (devBackend) CrossEntropy(loss, lse, logits nn.Buffer, t []int32, rows, cols int, ignore int32) int {
	return nn.CPU.CrossEntropy(u(loss), u(lse), u(logits), t, rows, cols, ignore)
}
func (devBackend) CrossEntropyGrad(dl, logits, lse nn.Buffer, t []int32, rows, cols int, ignore int32, scale float32) {
	nn.CPU.CrossEntropyGrad(u(dl), u(logits), u(lse), t, rows, cols, ignore, scale)
}
func (devBackend) LayerNorm(y, mean, rstd, x, gain, bias nn.Buffer, rows, cols int, eps float32) {
	nn.CPU.LayerNorm(u(y), u(mean), u(rstd), u(x), u(gain), u(bias), rows, cols, eps)
}
func (devBackend) LayerNormGrad(dx, dgain, dbias, dy, x, mean, rstd, gain nn.Buffer, rows, cols int) {
	nn.CPU.LayerNormGrad(u(dx), u(dgain), u(dbias), u(dy), u(x), u(mean), u(rstd), u(gain), rows, cols)
}
func (devBackend) Embedding(dst, table nn.Buffer, idx []int32, dim int) {
	nn.CPU.Embedding(u(dst), u(table), idx, dim)
}
func (devBackend) EmbeddingGrad(dt, dy nn.Buffer, idx []int32, dim int) {
	nn.CPU.EmbeddingGrad(u(dt), u(dy), idx, dim)
}
func (devBackend) MaskedFill(dst nn.Buffer, shape []int, x nn.Buffer, xs []int, mask nn.Buffer, ms []int, v float32) {
	nn.CPU.MaskedFill(u(dst), shape, u(x), xs, u(mask), ms, v)
}
func (devBackend) AdamW(p, g, m, v nn.Buffer, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	nn.CPU.AdamW(u(p), u(g), u(m), u(v), lr, b1, b2, eps, wd, bc1, bc2)
}

// TestBackendSeam runs every golden case on testdev and requires the same outputs and gradients,
// bit for bit, as on the CPU: every op, forward and backward, goes through the Backend interface.
func TestBackendSeam(t *testing.T) {
	for _, c := range loadGolden(t) {
		t.Run(c.Name, func(t *testing.T) {
			run := func(dev string) (out []float32, grads [][]float32) {
				ins := make([]*nn.Tensor, len(c.Inputs))
				for i, in := range c.Inputs {
					ins[i] = in.tensor().To(dev).SetRequiresGrad(c.Grads != nil)
				}
				y := goldenOps[c.Name](ins, c.Ints)
				if y.Device() != dev {
					t.Fatalf("output on %s, inputs on %s", y.Device(), dev)
				}
				if c.Grads != nil {
					y.BackwardWith(c.Weights.tensor().To(dev))
					for _, in := range ins {
						if g := in.Grad(); g != nil {
							if g.Device() != dev {
								t.Fatalf("gradient on %s, input on %s", g.Device(), dev)
							}
							grads = append(grads, g.Data())
						}
					}
				}
				return y.Data(), grads
			}
			var devOut []float32
			var devGrads [][]float32
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("on testdev: %v", r)
					}
				}()
				devOut, devGrads = run("testdev")
			}()
			cpuOut, cpuGrads := run("cpu")
			if fmt.Sprint(devOut) != fmt.Sprint(cpuOut) || fmt.Sprint(devGrads) != fmt.Sprint(cpuGrads) {
				t.Errorf("testdev and cpu differ:\n%v %v\n%v %v", devOut, devGrads, cpuOut, cpuGrads)
			}
		})
	}
}

func TestTo(t *testing.T) {
	x := nn.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	if x.To("cpu") != x {
		t.Error("To the same device should return the tensor itself")
	}
	d := x.To("testdev")
	if d.Device() != "testdev" || !d.RequiresGrad() || !d.IsLeaf() {
		t.Errorf("To(testdev): device %s, requires grad %v, leaf %v", d.Device(), d.RequiresGrad(), d.IsLeaf())
	}
	if fmt.Sprint(d.Data()) != "[1 2 3]" || d.At(2) != 3 {
		t.Errorf("values after To: %v", d.Data())
	}
	if got := d.String(); got != "tensor([1., 2., 3.]) shape=[3] device=testdev requires_grad" {
		t.Errorf("String on testdev: %q", got)
	}
	found := false
	for _, n := range nn.Devices() {
		found = found || n == "testdev"
	}
	if !found || nn.Devices()[0] != "cpu" {
		t.Errorf("Devices() = %v", nn.Devices())
	}
}
