// Package nntest is the test kit of lib/nn's backend seam (package backend): a test double of a device
// (Wrap) and the conformance suite that every backend runs against the CPU reference (Conformance),
// with its parts for tests that need one of them (OpCases, MatMulCases, CompareOp, CheckAutograd,
// CheckGPTStep) and the error measures they judge by (RelErr, ScaledErr).
//
// lib/nn runs the suite on a Wrap double, which must agree with the CPU bit for bit (it computes with
// the CPU behind a distinct device, so a lib/nn op that reaches its data without the Backend interface
// fails); lib/gpu runs it on its host-memory double and, on a machine with a GPU, on the CUDA backend
// within the tolerances each case states.
package nntest

import (
	"fmt"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/backend"
)

// Conformance compares the device registered as device with the CPU backend: every Backend method on
// random inputs (OpCases, MatMulCases), a small network forward and backward (CheckAutograd), and two
// training steps of a GPT, written out and through nn.Trainer (CheckGPTStep). With exact, every op
// case must agree bit for bit; otherwise within its tolerance.
func Conformance(t *testing.T, device string, exact bool) {
	be, err := nn.BackendFor(device)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ops", func(t *testing.T) {
		for _, c := range append(OpCases(), MatMulCases()...) {
			if exact {
				c.Tol = 0
			}
			CompareOp(t, be, c)
		}
	})
	t.Run("autograd", func(t *testing.T) { CheckAutograd(t, device) })
	t.Run("gpt", func(t *testing.T) { CheckGPTStep(t, device) })
}

// Wrap returns a test double of a device called name: its buffers live in host memory and its kernels
// are the CPU backend's, but it is a distinct device, and a buffer of any other device passed to it
// panics. Register it with nn.RegisterBackend; it implements none of the optional extensions, so lib/nn
// takes its composed paths on it.
func Wrap(name string) backend.Backend { return &double{name: name} }

type double struct{ name string }

// buf is a buffer of a double: a CPU buffer that says it belongs to the double.
type buf struct {
	backend.Buffer
	dev *double
}

func (b buf) Backend() backend.Backend { return b.dev }

// u unwraps a buffer of d, panicking on a buffer of another device (nil stays nil).
func (d *double) u(b backend.Buffer) backend.Buffer {
	if b == nil {
		return nil
	}
	x, ok := b.(buf)
	if !ok || x.dev != d {
		panic(fmt.Sprintf("%s: got a buffer of device %s", d.name, b.Backend().Name()))
	}
	return x.Buffer
}

func (d *double) wrap(b backend.Buffer) backend.Buffer { return buf{b, d} }

func (d *double) Name() string                           { return d.name }
func (d *double) Alloc(n int) backend.Buffer             { return d.wrap(nn.CPU.Alloc(n)) }
func (d *double) FromHost(v []float32) backend.Buffer    { return d.wrap(nn.CPU.FromHost(v)) }
func (d *double) ToHost(dst []float32, s backend.Buffer) { nn.CPU.ToHost(dst, d.u(s)) }
func (d *double) Fill(dst backend.Buffer, v float32)     { nn.CPU.Fill(d.u(dst), v) }
func (d *double) Axpy(dst backend.Buffer, alpha float32, x backend.Buffer) {
	nn.CPU.Axpy(d.u(dst), alpha, d.u(x))
}
func (d *double) Gather(dst backend.Buffer, shape []int, src backend.Buffer, offset int, strides []int, acc bool) {
	nn.CPU.Gather(d.u(dst), shape, d.u(src), offset, strides, acc)
}
func (d *double) Scatter(dst backend.Buffer, offset int, strides []int, src backend.Buffer, shape []int) {
	nn.CPU.Scatter(d.u(dst), offset, strides, d.u(src), shape)
}
func (d *double) Unary(op backend.UnaryOp, dst, x backend.Buffer, p float32) {
	nn.CPU.Unary(op, d.u(dst), d.u(x), p)
}
func (d *double) UnaryGrad(op backend.UnaryOp, dx, x, y, dy backend.Buffer, p float32) {
	nn.CPU.UnaryGrad(op, d.u(dx), d.u(x), d.u(y), d.u(dy), p)
}
func (d *double) Binary(op backend.BinaryOp, dst backend.Buffer, shape []int, a backend.Buffer, as []int, b backend.Buffer, bs []int) {
	nn.CPU.Binary(op, d.u(dst), shape, d.u(a), as, d.u(b), bs)
}
func (d *double) Reduce(op backend.ReduceOp, dst, x backend.Buffer, outer, n, inner int) {
	nn.CPU.Reduce(op, d.u(dst), d.u(x), outer, n, inner)
}
func (d *double) MatMul(dst, a, b backend.Buffer, batch, m, n, k int, ta, tb bool, sa, sb int, acc bool) {
	nn.CPU.MatMul(d.u(dst), d.u(a), d.u(b), batch, m, n, k, ta, tb, sa, sb, acc)
}
func (d *double) Softmax(dst, x backend.Buffer, rows, cols int, log bool) {
	nn.CPU.Softmax(d.u(dst), d.u(x), rows, cols, log)
}
func (d *double) SoftmaxGrad(dx, y, dy backend.Buffer, rows, cols int, log bool) {
	nn.CPU.SoftmaxGrad(d.u(dx), d.u(y), d.u(dy), rows, cols, log)
}
func (d *double) CrossEntropy(loss, lse, logits backend.Buffer, t []int32, rows, cols int, ignore int32) int {
	return nn.CPU.CrossEntropy(d.u(loss), d.u(lse), d.u(logits), t, rows, cols, ignore)
}
func (d *double) CrossEntropyGrad(dl, logits, lse backend.Buffer, t []int32, rows, cols int, ignore int32, scale float32) {
	nn.CPU.CrossEntropyGrad(d.u(dl), d.u(logits), d.u(lse), t, rows, cols, ignore, scale)
}
func (d *double) LayerNorm(y, mean, rstd, x, gain, bias backend.Buffer, rows, cols int, eps float32) {
	nn.CPU.LayerNorm(d.u(y), d.u(mean), d.u(rstd), d.u(x), d.u(gain), d.u(bias), rows, cols, eps)
}
func (d *double) LayerNormGrad(dx, dgain, dbias, dy, x, mean, rstd, gain backend.Buffer, rows, cols int) {
	nn.CPU.LayerNormGrad(d.u(dx), d.u(dgain), d.u(dbias), d.u(dy), d.u(x), d.u(mean), d.u(rstd), d.u(gain), rows, cols)
}
func (d *double) Embedding(dst, table backend.Buffer, idx []int32, dim int) {
	nn.CPU.Embedding(d.u(dst), d.u(table), idx, dim)
}
func (d *double) EmbeddingGrad(dtable, dy backend.Buffer, idx []int32, dim int) {
	nn.CPU.EmbeddingGrad(d.u(dtable), d.u(dy), idx, dim)
}
func (d *double) MaskedFill(dst backend.Buffer, shape []int, x backend.Buffer, xs []int, mask backend.Buffer, ms []int, v float32) {
	nn.CPU.MaskedFill(d.u(dst), shape, d.u(x), xs, d.u(mask), ms, v)
}
func (d *double) AdamW(p, g, m, v backend.Buffer, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	nn.CPU.AdamW(d.u(p), d.u(g), d.u(m), d.u(v), lr, b1, b2, eps, wd, bc1, bc2)
}
