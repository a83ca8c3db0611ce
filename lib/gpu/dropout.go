package gpu

import (
	"fmt"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// DropoutMask fills mask with a dropout mask drawn on the GPU: each element is 1/(1−p) with
// probability 1 − p and 0 otherwise (the form lib/nn's Dropout multiplies by), from a counter-based
// hash of seed and the element's index, so that the same seed gives the same mask on every GPU.
// Drawing the mask on the device saves generating it on the host and copying it over, which for the
// attention weights of the recipe's GPU configuration is 25 million values per layer and step.
// It is not part of backend.Backend yet; lib/nn can use it through a type assertion:
//
//	if d, ok := be.(interface{ DropoutMask(backend.Buffer, float32, uint64) }); ok { d.DropoutMask(mask, p, seed) }
func (be *Backend) DropoutMask(mask backend.Buffer, p float32, seed uint64) {
	if p < 0 || p >= 1 {
		panic(fmt.Errorf("gpu: dropout probability %v must be in [0, 1)", p))
	}
	n := mask.Len()
	if n == 0 {
		return
	}
	var a args
	a.ptr(be.dev(mask)).i32(n).f32(p).f32(1 / (1 - p)).i64(int(seed))
	be.d.launch1(kDropoutMask, be.grid(n), threadsElementwise, &a)
}

// CausalSoftmax implements backend.FusedCausalSoftmax: the attention softmax with its scale, causal mask
// and dropout in one pass over the scores (kernels/nn.cu), instead of the five passes and four
// T×T-sized tensors per layer of scale, mask, softmax, mask draw and multiply.
func (be *Backend) CausalSoftmax(out, y, x backend.Buffer, rows, T int, scale, p float32, seed uint64) {
	be.causalSoftmax(kCausalSoftmax, out, y, x, rows, T, scale, p, seed)
}

// CausalSoftmaxGrad implements backend.FusedCausalSoftmax: dx = the gradient through CausalSoftmax.
func (be *Backend) CausalSoftmaxGrad(dx, y, dout backend.Buffer, rows, T int, scale, p float32, seed uint64) {
	be.causalSoftmax(kCausalSoftmaxGrad, dx, y, dout, rows, T, scale, p, seed)
}

// causalSoftmax checks the arguments of either causal softmax kernel (three buffers of rows·T values)
// and launches it, one block per row.
func (be *Backend) causalSoftmax(k kernelID, b0, b1, b2 backend.Buffer, rows, T int, scale, p float32, seed uint64) {
	checkCausal(k.String(), rows, T, p, b0, b1, b2)
	if rows == 0 {
		return
	}
	var a args
	a.ptr(be.dev(b0)).ptr(be.dev(b1)).ptr(be.dev(b2)).i32(rows).i32(T).f32(scale).f32(p).i64(int(seed))
	be.d.launch1(k, rowGrid(rows), rowThreads(T), &a)
}

func checkCausal(op string, rows, T int, p float32, bufs ...backend.Buffer) {
	if p < 0 || p >= 1 {
		panic(fmt.Errorf("gpu: %s: dropout probability %v must be in [0, 1)", op, p))
	}
	if T <= 0 || rows%T != 0 {
		panic(fmt.Errorf("gpu: %s: %d rows are not blocks of T = %d", op, rows, T))
	}
	for _, b := range bufs {
		if b.Len() != rows*T {
			panic(fmt.Errorf("gpu: %s: a buffer of %d values for %d rows of %d", op, b.Len(), rows, T))
		}
	}
}

// dropoutMaskHost is DropoutMask's hash on the host: the reference the kernel is tested against.
func dropoutMaskHost(n int, p float32, seed uint64) []float32 {
	scale := 1 / (1 - p)
	out := make([]float32, n)
	for i := range out {
		z := seed + uint64(i+1)*0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		u := float32(uint32(z>>40)) * (1.0 / 16777216.0)
		if u >= p {
			out[i] = scale
		}
	}
	return out
}
