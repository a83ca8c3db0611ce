package nn

import (
	"math"

	"github.com/notmagic/notmagic/lib/nn/backend"
	"github.com/notmagic/notmagic/lib/nn/gemm"
)

// causalAttention is the fused op on a backend implementing FusedAttention: qkv [B, T, 3C] → y [B, T, C]
// and, when keep is set, the detached attention probabilities [B, H, T, T] (nil otherwise: their
// storage then goes back to the backend after the backward pass).
func causalAttention(fa backend.FusedAttention, qkv *Tensor, heads int, keep bool) (y, att *Tensor) {
	B, T, C3 := qkv.shape[0], qkv.shape[1], qkv.shape[2]
	C := C3 / 3
	D := C / heads
	be := qkv.backend()
	scale := float32(1 / math.Sqrt(float64(D)))
	y = output(be, []int{B, T, C})
	probs := uninitBuf(be, B*heads*T*T)
	fa.CausalAttention(y.buf, probs, qkv.buf, B, T, heads, D, scale)
	if keep {
		att = newTensor([]int{B, heads, T, T}, probs)
	}
	if nd := recordFunc(y, "attention", attentionBack, qkv); nd != nil {
		nd.bufs[0], nd.scale, nd.keep = probs, scale, keep
		nd.batch, nd.rows, nd.cols, nd.inner = B, T, heads, D
	} else if !keep {
		recycle(probs)
	}
	return y, att
}

// attentionBack is the fused attention's gradient, from the saved probabilities.
func attentionBack(out, g *Tensor) {
	nd := out.node
	qkv, probs := nd.in[0], nd.bufs[0]
	if qkv.requiresGrad {
		be := out.backend()
		d := empty(be, qkv.shape)
		be.(backend.FusedAttention).CausalAttentionGrad(d.buf, g.buf, probs, qkv.buf, nd.batch, nd.rows, nd.cols, nd.inner, nd.scale)
		accumulate(qkv, d, true)
	}
	if !nd.keep {
		recycle(probs)
	}
}

// CausalAttention implements FusedAttention: per (batch, head), in parallel over the cores,
// S = scale·Q·Kᵀ by SGEMM on the strided head slices, a masked row softmax, and Y = P·V.
func (cpuBackend) CausalAttention(y, att, qkv Buffer, B, T, H, D int, scale float32) {
	ys, ps, xs := host(y), host(att), host(qkv)
	parallelFor(&attentionSlot, B*H, 2, attentionKernel{ys, ps, xs, T, H, D, scale})
}

// attentionKernel is CausalAttention's loop over (batch, head) pairs.
type attentionKernel struct {
	ys, ps, xs []float32
	T, H, D    int
	scale      float32
}

var attentionSlot attentionKernel

func (k attentionKernel) run(lo, hi int) {
	T, D, C := k.T, k.D, k.H*k.D
	for task := lo; task < hi; task++ {
		b, h := task/k.H, task%k.H
		base := b * T * 3 * C
		q, kk, v := k.xs[base+h*D:], k.xs[base+C+h*D:], k.xs[base+2*C+h*D:]
		p := k.ps[task*T*T : (task+1)*T*T]
		gemm.Sgemm(false, true, T, T, D, k.scale, q, 3*C, kk, 3*C, 0, p, T)
		for i := 0; i < T; i++ {
			softmaxCausalRow(p[i*T:(i+1)*T], i)
		}
		gemm.Sgemm(false, false, T, D, T, 1, p, T, v, 3*C, 0, k.ys[b*T*C+h*D:], C)
	}
}

// softmaxCausalRow replaces row[:i+1] by its softmax and zeroes row[i+1:].
func softmaxCausalRow(row []float32, i int) {
	if !softmaxRowSIMD(row[:i+1]) {
		softmaxRowGo(row[:i+1])
	}
	clear(row[i+1:])
}

// softmaxRowGo replaces r by its softmax, with the exponentials summed in float64.
func softmaxRowGo(r []float32) {
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
}

// CausalAttentionGrad implements FusedAttention: per (batch, head), dP = dY·Vᵀ,
// dS = P∘(dP − rowsum(P∘dP))·scale, dV += Pᵀ·dY, dQ += dS·K, dK += dSᵀ·Q.
func (cpuBackend) CausalAttentionGrad(dqkv, dy, att, qkv Buffer, B, T, H, D int, scale float32) {
	dx, gy, ps, xs := host(dqkv), host(dy), host(att), host(qkv)
	parallelFor(&attentionGradSlot, B*H, 2, attentionGradKernel{dx, gy, ps, xs, T, H, D, scale})
}

// attentionGradKernel is CausalAttentionGrad's loop over (batch, head) pairs.
type attentionGradKernel struct {
	dx, gy, ps, xs []float32
	T, H, D        int
	scale          float32
}

var attentionGradSlot attentionGradKernel

func (k attentionGradKernel) run(lo, hi int) {
	T, D, C := k.T, k.D, k.H*k.D
	sc := floatScratch.get(T * T)
	defer floatScratch.put(sc)
	ds := *sc
	for task := lo; task < hi; task++ {
		b, h := task/k.H, task%k.H
		base := b * T * 3 * C
		q, kk, v := k.xs[base+h*D:], k.xs[base+C+h*D:], k.xs[base+2*C+h*D:]
		dq, dk, dv := k.dx[base+h*D:], k.dx[base+C+h*D:], k.dx[base+2*C+h*D:]
		g := k.gy[b*T*C+h*D:]
		p := k.ps[task*T*T : (task+1)*T*T]
		gemm.Sgemm(false, true, T, T, D, 1, g, C, v, 3*C, 0, ds, T)
		for i := 0; i < T; i++ {
			pr, dr := p[i*T:i*T+i+1], ds[i*T:(i+1)*T]
			softmaxGradRow(pr, dr, k.scale)
			clear(dr[i+1:])
		}
		gemm.Sgemm(true, false, T, D, T, 1, p, T, g, C, 1, dv, 3*C)
		gemm.Sgemm(false, false, T, D, T, 1, ds, T, kk, 3*C, 1, dq, 3*C)
		gemm.Sgemm(true, false, T, D, T, 1, ds, T, q, 3*C, 1, dk, 3*C)
	}
}

// softmaxGradRow sets d = p·(d − Σ p·d)·scale over p's length: in assembly where the CPU and the
// length allow, else in Go.
func softmaxGradRow(p, d []float32, scale float32) {
	if softmaxGradRowSIMD(p, d, scale) {
		return
	}
	softmaxGradRowGo(p, d, scale)
}

// softmaxGradRowGo is softmaxGradRow in Go.
func softmaxGradRowGo(p, d []float32, scale float32) {
	var dot float32
	for j, pv := range p {
		dot += pv * d[j]
	}
	for j, pv := range p {
		d[j] = pv * (d[j] - dot) * scale
	}
}

// flashAttention is causal attention on a backend implementing FlashAttention: qkv [B, T, 3C] →
// y [B, T, C], with dropout p on the attention weights; the weights themselves are never stored.
func flashAttention(fl backend.FlashAttention, qkv *Tensor, heads int, p float32) *Tensor {
	B, T, C := qkv.shape[0], qkv.shape[1], qkv.shape[2]/3
	D := C / heads
	be := qkv.backend()
	scale := float32(1 / math.Sqrt(float64(D)))
	y := output(be, []int{B, T, C})
	lse := uninitBuf(be, B*heads*T)
	var seed uint64
	if p > 0 {
		seed = rng.Uint64()
	}
	fl.FlashAttention(y.buf, lse, qkv.buf, B, T, heads, D, scale, p, seed)
	record(y, "flash_attention", []*Tensor{qkv}, func(g *Tensor) {
		if qkv.requiresGrad {
			d := output(be, qkv.shape)
			fl.FlashAttentionGrad(d.buf, g.buf, y.buf, lse, qkv.buf, B, T, heads, D, scale, p, seed)
			accumulate(qkv, d, true)
		}
	})
	return y
}

// causalSoftmax applies a FusedCausalSoftmax to scores [..., T, T]: it returns the attention weights
// after dropout p (in the graph) and before it (detached, for plotting).
func causalSoftmax(fs backend.FusedCausalSoftmax, scores *Tensor, scale, p float32) (out, probs *Tensor) {
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
	probs = view(y, y.shape)
	record(out, "causal_softmax", []*Tensor{scores}, func(g *Tensor) {
		if scores.requiresGrad {
			dx := output(be, scores.shape)
			fs.CausalSoftmaxGrad(dx.buf, y.buf, g.buf, rows, T, scale, p, seed)
			accumulate(scores, dx, true)
		}
	})
	return out, probs
}
