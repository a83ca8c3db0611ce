package nn

import (
	"math"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	Step()
	// ZeroGrad forgets every parameter's gradient.
	ZeroGrad()
	// SetLR sets the learning rate of every parameter group (for schedules).
	SetLR(lr float32)
	// LR returns the current learning rate.
	LR() float32
}

// ParamGroup is a set of parameters sharing a weight decay.
type ParamGroup struct {
	Params      []*Param
	WeightDecay float32
}

// DecayGroups splits params into two groups as the recipe does: those with Decay (matrices) get
// weightDecay, the others (gains, biases, 1-D parameters) none. Empty groups are left out.
func DecayGroups(params []*Param, weightDecay float32) []ParamGroup {
	var decay, none []*Param
	for _, p := range params {
		if p.Decay && p.Value.Rank() >= 2 {
			decay = append(decay, p)
		} else {
			none = append(none, p)
		}
	}
	var gs []ParamGroup
	if len(decay) > 0 {
		gs = append(gs, ParamGroup{Params: decay, WeightDecay: weightDecay})
	}
	if len(none) > 0 {
		gs = append(gs, ParamGroup{Params: none})
	}
	return gs
}

// SGD is stochastic gradient descent with optional momentum and (L2, coupled) weight decay:
// v = μ·v + g + wd·p; p −= lr·v — PyTorch's torch.optim.SGD without dampening or Nesterov.
type SGD struct {
	Params      []*Param
	Rate        float32
	Momentum    float32
	WeightDecay float32
	vel         map[*Tensor]*Tensor
}

// NewSGD returns SGD over params with learning rate lr and momentum (0 for plain gradient descent).
func NewSGD(params []*Param, lr, momentum float32) *SGD {
	return &SGD{Params: params, Rate: lr, Momentum: momentum, vel: map[*Tensor]*Tensor{}}
}

// Step applies one update.
func (o *SGD) Step() {
	NoGrad(func() {
		for _, p := range o.Params {
			t := p.Value
			g := t.grad
			if g == nil {
				continue
			}
			be := t.backend()
			d := g
			if o.WeightDecay != 0 || o.Momentum != 0 {
				d = empty(be, t.shape)
				be.Axpy(d.buf, 1, g.buf)
				if o.WeightDecay != 0 {
					be.Axpy(d.buf, o.WeightDecay, t.buf)
				}
			}
			if o.Momentum != 0 {
				v, ok := o.vel[t]
				if !ok {
					v = d // first step: v = g (PyTorch)
					o.vel[t] = v
				} else {
					be.Unary(backend.OpMulScalar, v.buf, v.buf, o.Momentum)
					be.Axpy(v.buf, 1, d.buf)
				}
				d = v
			}
			be.Axpy(t.buf, -o.Rate, d.buf)
		}
	})
}

// ZeroGrad forgets the gradients.
func (o *SGD) ZeroGrad() {
	for _, p := range o.Params {
		p.Value.ZeroGrad()
	}
}

// SetLR sets the learning rate.
func (o *SGD) SetLR(lr float32) { o.Rate = lr }

// LR returns the learning rate.
func (o *SGD) LR() float32 { return o.Rate }

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW:
// m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr·(m̂/(√v̂ + eps) + wd·p),
// with bias-corrected m̂, v̂. Each group has its own weight decay.
type AdamW struct {
	Groups       []ParamGroup
	Rate         float32
	Beta1, Beta2 float32
	Eps          float32
	steps        int
	m, v         map[*Tensor]Buffer
}

// NewAdamW returns AdamW with the recipe's settings — betas (0.9, 0.99), eps 1e-8 — over
// DecayGroups(params, weightDecay).
func NewAdamW(params []*Param, lr, weightDecay float32) *AdamW {
	return NewAdamWGroups(DecayGroups(params, weightDecay), lr, 0.9, 0.99, 1e-8)
}

// NewAdamWGroups returns AdamW over explicit parameter groups.
func NewAdamWGroups(groups []ParamGroup, lr, beta1, beta2, eps float32) *AdamW {
	return &AdamW{Groups: groups, Rate: lr, Beta1: beta1, Beta2: beta2, Eps: eps,
		m: map[*Tensor]Buffer{}, v: map[*Tensor]Buffer{}}
}

// Step applies one update to every parameter with a gradient (through Backend.AdamW).
func (o *AdamW) Step() {
	o.steps++
	bc1 := float32(1 - math.Pow(float64(o.Beta1), float64(o.steps)))
	bc2 := float32(1 - math.Pow(float64(o.Beta2), float64(o.steps)))
	for _, g := range o.Groups {
		for _, p := range g.Params {
			t := p.Value
			if t.grad == nil {
				continue
			}
			be := t.backend()
			m, ok := o.m[t]
			if !ok {
				m, o.v[t] = be.Alloc(t.Len()), be.Alloc(t.Len())
				o.m[t] = m
			}
			be.AdamW(t.buf, t.grad.buf, m, o.v[t], o.Rate, o.Beta1, o.Beta2, o.Eps, g.WeightDecay, bc1, bc2)
		}
	}
}

// Steps returns how many updates have been applied.
func (o *AdamW) Steps() int { return o.steps }

// ZeroGrad forgets the gradients.
func (o *AdamW) ZeroGrad() {
	for _, g := range o.Groups {
		for _, p := range g.Params {
			p.Value.ZeroGrad()
		}
	}
}

// SetLR sets the learning rate.
func (o *AdamW) SetLR(lr float32) { o.Rate = lr }

// LR returns the learning rate.
func (o *AdamW) LR() float32 { return o.Rate }

// ClipGradNorm scales every gradient by maxNorm/(norm + 1e-6) when the global L2 norm of all
// gradients exceeds maxNorm (as torch.nn.utils.clip_grad_norm_) and returns the norm before clipping.
func ClipGradNorm(params []*Param, maxNorm float32) float32 {
	norm := float32(math.Sqrt(sumSquares(params)))
	coef := maxNorm / (norm + 1e-6)
	if coef >= 1 {
		return norm
	}
	for _, p := range params {
		t := p.Value
		g := t.grad
		if g == nil {
			continue
		}
		t.ownGrad() // a borrowed gradient is scaled in a private copy
		g = t.grad
		g.backend().Unary(backend.OpMulScalar, g.buf, g.buf, coef)
	}
	return norm
}

// CosineLR is the recipe's schedule: lr·(it+1)/(warmup+1) for it < warmup, then a cosine from lr
// down to minLR reached at iteration iters (and held after).
func CosineLR(it, warmup, iters int, lr, minLR float64) float64 {
	if it < warmup {
		return lr * float64(it+1) / float64(warmup+1)
	}
	r := math.Min(1, float64(it-warmup)/float64(max(1, iters-warmup)))
	return minLR + 0.5*(1+math.Cos(math.Pi*r))*(lr-minLR)
}

// sumSquares returns Σ g² over the parameters' gradients: in float64 on the host for CPU tensors,
// and for tensors on another device as gᵀg accumulated there by MatMul into one number per device,
// so that the gradients never leave the device and only that number is copied back.
func sumSquares(params []*Param) float64 {
	var sum float64
	acc := map[Backend]*Tensor{}
	for _, p := range params {
		g := p.Value.grad
		if g == nil {
			continue
		}
		be := g.backend()
		if be == CPU {
			sum += sumSquaresHost(host(g.buf))
			continue
		}
		a := acc[be]
		if a == nil {
			a = empty(be, []int{1})
			acc[be] = a
		}
		be.MatMul(a.buf, g.buf, g.buf, 1, 1, 1, g.Len(), false, false, 0, 0, true)
	}
	for _, a := range acc {
		sum += float64(a.Item())
	}
	return sum
}
