package nn

import (
	"math"

	"github.com/notmagic/notmagic/lib/nn/gemm"
)

// FusedAttention is an optional Backend extension: causal multi-head attention straight from the
// packed QKV projection, without splitting heads into separate tensors. A backend that does not
// implement it gets the composed path (matmul, mask, softmax, matmul); CausalSelfAttention uses
// it when attention dropout is off.
type FusedAttention interface {
	// CausalAttention reads qkv [B, T, 3·H·D] (rows q | k | v, each H heads of D) and writes
	// y [B, T, H·D] = softmax(scale·q·kᵀ + causal mask)·v per head, and the probabilities
	// att [B, H, T, T] (zero above the diagonal) for the backward pass.
	CausalAttention(y, att, qkv Buffer, B, T, H, D int, scale float32)
	// CausalAttentionGrad computes dqkv += the gradient through CausalAttention given dy, att and qkv.
	CausalAttentionGrad(dqkv, dy, att, qkv Buffer, B, T, H, D int, scale float32)
}

// causalAttention is the fused op on a backend implementing FusedAttention: qkv [B, T, 3C] → y [B, T, C]
// and the detached attention probabilities [B, H, T, T].
func causalAttention(fa FusedAttention, qkv *Tensor, heads int) (y, att *Tensor) {
	B, T, C3 := qkv.shape[0], qkv.shape[1], qkv.shape[2]
	C := C3 / 3
	D := C / heads
	be := qkv.backend()
	scale := float32(1 / math.Sqrt(float64(D)))
	y = empty(be, []int{B, T, C})
	att = empty(be, []int{B, heads, T, T})
	fa.CausalAttention(y.buf, att.buf, qkv.buf, B, T, heads, D, scale)
	record(y, "attention", []*Tensor{qkv}, func(g *Tensor) {
		if qkv.requiresGrad {
			d := empty(be, qkv.shape)
			fa.CausalAttentionGrad(d.buf, g.buf, att.buf, qkv.buf, B, T, heads, D, scale)
			accumulate(qkv, d, true)
		}
	})
	return y, att
}

// CausalAttention implements FusedAttention: per (batch, head), in parallel over the cores,
// S = scale·Q·Kᵀ by SGEMM on the strided head slices, a masked row softmax, and Y = P·V.
func (cpuBackend) CausalAttention(y, att, qkv Buffer, B, T, H, D int, scale float32) {
	ys, ps, xs := host(y), host(att), host(qkv)
	C := H * D
	parallelRange(B*H, 2, func(lo, hi int) {
		for task := lo; task < hi; task++ {
			b, h := task/H, task%H
			base := b * T * 3 * C
			q, k, v := xs[base+h*D:], xs[base+C+h*D:], xs[base+2*C+h*D:]
			p := ps[task*T*T : (task+1)*T*T]
			gemm.Sgemm(false, true, T, T, D, scale, q, 3*C, k, 3*C, 0, p, T)
			for i := 0; i < T; i++ {
				softmaxCausalRow(p[i*T:(i+1)*T], i)
			}
			gemm.Sgemm(false, false, T, D, T, 1, p, T, v, 3*C, 0, ys[b*T*C+h*D:], C)
		}
	})
}

// softmaxCausalRow replaces row[:i+1] by its softmax and zeroes row[i+1:].
func softmaxCausalRow(row []float32, i int) {
	r := row[:i+1]
	m := r[0]
	for _, v := range r {
		m = max(m, v)
	}
	var sum float64
	for j, v := range r {
		e := float32(fastExp(float64(v - m)))
		r[j] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for j := range r {
		r[j] *= inv
	}
	clear(row[i+1:])
}

// CausalAttentionGrad implements FusedAttention: per (batch, head), dP = dY·Vᵀ,
// dS = P∘(dP − rowsum(P∘dP))·scale, dV += Pᵀ·dY, dQ += dS·K, dK += dSᵀ·Q.
func (cpuBackend) CausalAttentionGrad(dqkv, dy, att, qkv Buffer, B, T, H, D int, scale float32) {
	dx, gy, ps, xs := host(dqkv), host(dy), host(att), host(qkv)
	C := H * D
	parallelRange(B*H, 2, func(lo, hi int) {
		ds := make([]float32, T*T)
		for task := lo; task < hi; task++ {
			b, h := task/H, task%H
			base := b * T * 3 * C
			q, k, v := xs[base+h*D:], xs[base+C+h*D:], xs[base+2*C+h*D:]
			dq, dk, dv := dx[base+h*D:], dx[base+C+h*D:], dx[base+2*C+h*D:]
			g := gy[b*T*C+h*D:]
			p := ps[task*T*T : (task+1)*T*T]
			gemm.Sgemm(false, true, T, T, D, 1, g, C, v, 3*C, 0, ds, T)
			for i := 0; i < T; i++ {
				pr, dr := p[i*T:i*T+i+1], ds[i*T:(i+1)*T]
				var dot float32
				for j, pv := range pr {
					dot += pv * dr[j]
				}
				for j, pv := range pr {
					dr[j] = pv * (dr[j] - dot) * scale
				}
				clear(dr[i+1:])
			}
			gemm.Sgemm(true, false, T, D, T, 1, p, T, g, C, 1, dv, 3*C)
			gemm.Sgemm(false, false, T, D, T, 1, ds, T, k, 3*C, 1, dq, 3*C)
			gemm.Sgemm(true, false, T, D, T, 1, ds, T, q, 3*C, 1, dk, 3*C)
		}
	})
}

// FusedCausalSoftmax is an optional Backend extension for attention with dropout, where
// FusedAttention does not apply: the softmax of the scaled, causally masked scores and the dropout of
// its result in one pass, with the dropout mask redrawn from its seed in the backward pass instead of
// stored. x, y and out hold rows = n·T rows of T values (n blocks of T×T scores); row r is position
// r mod T, which sees the columns j ≤ r mod T.
type FusedCausalSoftmax interface {
	// CausalSoftmax writes y = softmax(scale·x) over each row's visible columns (0 elsewhere) and,
	// when p > 0, out = y with each element dropped with probability p (drawn from seed and the
	// element's index) and the rest scaled by 1/(1−p). With p == 0, out and y are the same buffer.
	CausalSoftmax(out, y, x Buffer, rows, T int, scale, p float32, seed uint64)
	// CausalSoftmaxGrad writes (does not add) dx = the gradient through CausalSoftmax given y and dout.
	CausalSoftmaxGrad(dx, y, dout Buffer, rows, T int, scale, p float32, seed uint64)
}

// causalSoftmax applies a FusedCausalSoftmax to scores [..., T, T]: it returns the attention weights
// after dropout p (in the graph) and before it (detached, for plotting).
func causalSoftmax(fs FusedCausalSoftmax, scores *Tensor, scale, p float32) (out, probs *Tensor) {
	T := scores.shape[len(scores.shape)-1]
	rows := scores.Len() / max(T, 1)
	be := scores.backend()
	y := output(be, scores.shape)
	out = y
	var seed uint64
	if p > 0 {
		out = output(be, scores.shape)
		seed = rng.Uint64()
	}
	fs.CausalSoftmax(out.buf, y.buf, scores.buf, rows, T, scale, p, seed)
	probs = &Tensor{shape: y.shape, buf: y.buf, shared: true}
	y.shared = true
	record(out, "causal_softmax", []*Tensor{scores}, func(g *Tensor) {
		if scores.requiresGrad {
			dx := output(be, scores.shape)
			fs.CausalSoftmaxGrad(dx.buf, y.buf, g.buf, rows, T, scale, p, seed)
			accumulate(scores, dx, true)
		}
	})
	return out, probs
}
