package gpu

import (
	"math"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/backend"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

// flashReference is causal attention with dropout in float64 on the host, from the definition:
// y, the rows' log-sum-exp and the gradient of qkv for the output gradient dy, with the dropout mask
// of the host hash (the weights nm_causal_softmax drops for the same seed).
func flashReference(qkv, dy []float32, B, T, H, D int, scale, p float32, seed uint64) (y, lse, dqkv []float32) {
	C := H * D
	y, lse, dqkv = make([]float32, B*T*C), make([]float32, B*H*T), make([]float32, 3*B*T*C)
	mask := dropoutMaskHost(B*H*T*T, p, seed)
	at := func(b, t, part, h, d int) int { return (b*T+t)*3*C + part*C + h*D + d }
	dot := func(x, y []float64) float64 {
		var s float64
		for d := range x {
			s += x[d] * y[d]
		}
		return s
	}
	row := func(src []float32, off int) []float64 {
		r := make([]float64, D)
		for d := range r {
			r[d] = float64(src[off+d])
		}
		return r
	}
	dq, dk, dv := make([]float64, 3*B*T*C), make([]float64, 3*B*T*C), make([]float64, 3*B*T*C)
	for b := range B {
		for h := range H {
			for i := range T {
				q, g := row(qkv, at(b, i, 0, h, 0)), row(dy, (b*T+i)*C+h*D)
				P, f := make([]float64, i+1), make([]float64, i+1)
				mx := math.Inf(-1)
				for j := range P {
					P[j] = float64(scale) * dot(q, row(qkv, at(b, j, 1, h, 0)))
					mx = math.Max(mx, P[j])
				}
				var l float64
				for j := range P {
					P[j] = math.Exp(P[j] - mx)
					l += P[j]
				}
				lse[(b*H+h)*T+i] = float32(mx + math.Log(l))
				out, dP := make([]float64, D), make([]float64, i+1)
				var dsum float64
				for j := range P {
					P[j] /= l
					f[j] = 1
					if p > 0 {
						f[j] = float64(mask[((b*H+h)*T+i)*T+j])
					}
					v := row(qkv, at(b, j, 2, h, 0))
					for d := range out {
						out[d] += P[j] * f[j] * v[d]
					}
					dP[j] = f[j] * dot(g, v)
					dsum += P[j] * dP[j]
				}
				for d := range out {
					y[(b*T+i)*C+h*D+d] = float32(out[d])
				}
				for j := range P {
					dS := P[j] * (dP[j] - dsum)
					k := row(qkv, at(b, j, 1, h, 0))
					for d := range D {
						dq[at(b, i, 0, h, d)] += float64(scale) * dS * k[d]
						dk[at(b, j, 1, h, d)] += float64(scale) * dS * q[d]
						dv[at(b, j, 2, h, d)] += P[j] * f[j] * g[d]
					}
				}
			}
		}
	}
	for i := range dqkv {
		dqkv[i] = float32(dq[i] + dk[i] + dv[i])
	}
	return y, lse, dqkv
}

// checkFlashAttention compares the FlashAttention kernels with the float64 reference on shapes around
// their tile sizes (64 rows a block, 32 a shared tile) and head widths (one instance for D ≤ 32, one
// for D ≤ 64), with and without dropout, within 1e-4 of the largest value, as the other GPU
// comparisons: float32 dot products of up to 64 terms and sums over up to 130 keys, in another order
// than the reference's, and in the gradient dS = P·(dP − Σ dy·y) a difference of nearly equal terms
// (exactly equal for the first row), whose rounding shows at 2e-5 of the largest gradient. Then it
// checks lib/nn's use of them: two GPT training steps against the CPU backend, and attention with
// dropout equal to the fused causal softmax path (the same weights dropped for the same seed).
func checkFlashAttention(t *testing.T, device string) {
	bk, err := nn.BackendFor(device)
	if err != nil {
		t.Fatal(err)
	}
	be := bk.(*Backend)
	SetFlashAttention(true)
	defer SetFlashAttention(false)
	for _, c := range []struct {
		B, T, H, D int
		p          float32
		seed       uint64
	}{
		{1, 1, 1, 1, 0, 0}, {2, 5, 3, 7, 0.2, 9}, {1, 33, 2, 16, 0, 0}, {2, 70, 2, 32, 0.1, 1 << 33},
		{1, 65, 1, 64, 0, 0}, {1, 130, 2, 48, 0.3, 5}, {3, 64, 1, 33, 0, 0},
	} {
		n := c.B * c.T * c.H * c.D
		qkv, dy := nntest.Data(3, 3*n, 1, 0, false), nntest.Data(4, n, 1, 0, false)
		scale := float32(1 / math.Sqrt(float64(c.D)))
		wantY, wantLSE, wantD := flashReference(qkv, dy, c.B, c.T, c.H, c.D, scale, c.p, c.seed)
		y, lse, d := be.AllocUninit(n), be.AllocUninit(c.B*c.H*c.T), be.AllocUninit(3*n)
		dqkv := be.FromHost(qkv)
		be.FlashAttention(y, lse, dqkv, c.B, c.T, c.H, c.D, scale, c.p, c.seed)
		be.FlashAttentionGrad(d, be.FromHost(dy), y, lse, dqkv, c.B, c.T, c.H, c.D, scale, c.p, c.seed)
		for _, o := range []struct {
			name string
			got  backend.Buffer
			want []float32
		}{{"y", y, wantY}, {"lse", lse, wantLSE}, {"dqkv", d, wantD}} {
			g := make([]float32, o.got.Len())
			be.ToHost(g, o.got)
			if e := nntest.RelErr(g, o.want); e > 1e-4 || e != e {
				t.Errorf("flash attention %+v on %s: %s: relative error %.3g (first %v, want %v)", c, device, o.name, e, nntest.Head(g), nntest.Head(o.want))
			}
		}
	}
	mustPanic(t, "out of range", func() { be.FlashAttention(be.Alloc(65), be.Alloc(1), be.Alloc(195), 1, 1, 1, 65, 1, 0, 0) })
	mustPanic(t, "dropout probability", func() { be.FlashAttention(be.Alloc(1), be.Alloc(1), be.Alloc(3), 1, 1, 1, 1, 1, 1, 0) })
	mustPanic(t, "y holds", func() { be.FlashAttention(be.Alloc(2), be.Alloc(1), be.Alloc(3), 1, 1, 1, 1, 1, 0, 0) })

	before := flashCalls.Load()
	nntest.CheckGPTStep(t, device)
	if flashCalls.Load() == before {
		t.Errorf("the GPT steps on %s did not use FlashAttention", device)
	}

	// With dropout, the flash path and the fused causal softmax path drop the same weights: a GPT's
	// loss and gradients agree (every other dropout draws the same numbers in the same order).
	cfg := nn.Config{Vocab: 17, Block: 40, Layers: 1, Heads: 2, Embd: 64, Dropout: 0.25}
	ids, tg := nntest.Batch(7, 3, 40, cfg.Vocab)
	run := func(flash bool) (float32, [][]float32) {
		SetFlashAttention(flash)
		nn.Seed(21)
		m, err := nn.NewGPT(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.To(device); err != nil {
			t.Fatal(err)
		}
		loss := m.Loss(m.Forward(ids, 3, 40), tg)
		loss.Backward()
		var grads [][]float32
		for _, p := range m.Parameters() {
			grads = append(grads, p.Value.Grad().Data())
		}
		return loss.Item(), grads
	}
	before = flashCalls.Load()
	lf, gf := run(true)
	if flashCalls.Load() == before {
		t.Errorf("the GPT with dropout on %s did not use FlashAttention", device)
	}
	lc, gc := run(false)
	if e := nntest.RelErr([]float32{lf}, []float32{lc}); e > 1e-5 || e != e {
		t.Errorf("GPT with dropout on %s: loss %v through flash attention, %v through the fused softmax", device, lf, lc)
	}
	for i := range gf {
		if e := nntest.RelErr(gf[i], gc[i]); e > 1e-4 || e != e {
			t.Errorf("GPT with dropout on %s: gradient %d differs between the two attention paths, relative error %.3g", device, i, e)
		}
	}
}

func TestFlashAttentionOnGPU(t *testing.T) {
	requireGPU(t)
	checkFlashAttention(t, "cuda")
}
