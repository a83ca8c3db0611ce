package nn

import "github.com/notmagic/notmagic/lib/nn/backend"

// broadcastShapes returns the NumPy broadcast of two shapes, or panics naming op.
func broadcastShapes(op string, a, b []int) []int {
	return broadcastInto(make([]int, max(len(a), len(b))), op, a, b)
}

// broadcastInto is broadcastShapes writing into out, of length max(len(a), len(b)).
func broadcastInto(out []int, op string, a, b []int) []int {
	r := len(out)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := len(a) - r + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - r + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			fail(op, [][]int{a, b}, "cannot broadcast: dimension %d is %d and %d", i, da, db)
		}
	}
	return out
}

// broadcastStrides returns strides to read a tensor of shape s as the (larger) shape out: 0 on broadcast axes.
func broadcastStrides(s, out []int) []int { return stridesInto(make([]int, len(out)), s, out) }

// stridesInto is broadcastStrides writing into st, of length len(out).
func stridesInto(st, s, out []int) []int {
	stride := 1
	for i := len(out) - 1; i >= 0; i-- {
		st[i] = 0
		j := len(s) - len(out) + i
		if j >= 0 && s[j] != 1 {
			st[i] = stride
		}
		if j >= 0 {
			stride *= s[j]
		}
	}
	return st
}

// sumTo reduces g (of a broadcast shape) by summing over the broadcast axes so it has shape s. It
// returns g itself when the shapes are equal, and a new tensor otherwise.
func sumTo(g *Tensor, s []int) *Tensor {
	if equalShape(g.shape, s) {
		return g
	}
	lead := len(g.shape) - len(s)
	if lead > 0 && equalShape(g.shape[lead:], s) { // only leading axes to sum (a bias, a position table)
		be := g.backend()
		out := output(be, s)
		be.Reduce(backend.ReduceSum, out.buf, g.buf, 1, numel(g.shape[:lead]), numel(s))
		return out
	}
	var axes []int
	for i := range g.shape {
		j := i - lead
		if j < 0 || (s[j] == 1 && g.shape[i] != 1) {
			axes = append(axes, i)
		}
	}
	return reduce("sum", backend.ReduceSum, g, axes, true).Reshape(s...)
}

func broadcastBinary(op backend.BinaryOp, a, b *Tensor) *Tensor {
	name := op.String()
	be := sameDevice(name, a, b)
	r := max(len(a.shape), len(b.shape))
	sc := intScratch.get(3 * r)
	shape := broadcastInto((*sc)[:r], name, a.shape, b.shape)
	out := output(be, shape)
	be.Binary(op, out.buf, shape, a.buf, stridesInto((*sc)[r:2*r], a.shape, shape), b.buf, stridesInto((*sc)[2*r:], b.shape, shape))
	intScratch.put(sc)
	if nd := recordFunc(out, name, binaryBack, a, b); nd != nil {
		nd.binop = op
	}
	return out
}

// binaryFlat computes dst = a op b over n contiguous elements.
func binaryFlat(be Backend, op backend.BinaryOp, dst, a, b Buffer, n int) {
	sc := intScratch.get(2)
	shape, unit := (*sc)[:1], (*sc)[1:]
	shape[0], unit[0] = n, 1
	be.Binary(op, dst, shape, a, unit, b, unit)
	intScratch.put(sc)
}

// binaryBack is the gradient of a broadcast binary op, summed back to each operand's shape.
func binaryBack(out, g *Tensor) {
	nd := out.node
	a, b := nd.in[0], nd.in[1]
	// give sends d to t; d is fresh unless sumTo returned g itself.
	give := func(t, d *Tensor) { accumulate(t, d, d != g) }
	switch nd.binop {
	case backend.OpAdd:
		give(a, sumTo(g, a.shape))
		give(b, sumTo(g, b.shape))
	case backend.OpSub:
		give(a, sumTo(g, a.shape))
		if b.requiresGrad {
			accumulate(b, sumTo(g.Neg(), b.shape), true)
		}
	case backend.OpMul:
		if a.requiresGrad {
			accumulate(a, sumTo(g.Mul(b), a.shape), true)
		}
		if b.requiresGrad {
			accumulate(b, sumTo(g.Mul(a), b.shape), true)
		}
	case backend.OpDiv:
		if a.requiresGrad {
			accumulate(a, sumTo(g.Div(b), a.shape), true)
		}
		if b.requiresGrad { // d(a/b)/db = −a/b²
			accumulate(b, sumTo(g.Mul(out).Div(b).Neg(), b.shape), true)
		}
	}
}

// Add returns t + u with broadcasting.
func (t *Tensor) Add(u *Tensor) *Tensor { return broadcastBinary(backend.OpAdd, t, u) }

// Sub returns t − u with broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor { return broadcastBinary(backend.OpSub, t, u) }

// Mul returns t · u elementwise with broadcasting.
func (t *Tensor) Mul(u *Tensor) *Tensor { return broadcastBinary(backend.OpMul, t, u) }

// Div returns t / u elementwise with broadcasting.
func (t *Tensor) Div(u *Tensor) *Tensor { return broadcastBinary(backend.OpDiv, t, u) }

func unary(op backend.UnaryOp, t *Tensor, p float32) *Tensor {
	be := t.backend()
	out := output(be, t.shape)
	be.Unary(op, out.buf, t.buf, p)
	return record(out, op.String(), []*Tensor{t}, func(g *Tensor) {
		dx := empty(be, t.shape)
		be.UnaryGrad(op, dx.buf, t.buf, out.buf, g.buf, p)
		accumulate(t, dx, true)
	})
}

// AddScalar returns t + c.
func (t *Tensor) AddScalar(c float32) *Tensor { return unary(backend.OpAddScalar, t, c) }

// MulScalar returns t · c.
func (t *Tensor) MulScalar(c float32) *Tensor { return unary(backend.OpMulScalar, t, c) }

// Pow returns t raised elementwise to the power p.
func (t *Tensor) Pow(p float32) *Tensor { return unary(backend.OpPow, t, p) }

// Square returns t².
func (t *Tensor) Square() *Tensor { return t.Mul(t) }

// Neg returns −t.
func (t *Tensor) Neg() *Tensor { return unary(backend.OpNeg, t, 0) }

// Exp returns eᵗ.
func (t *Tensor) Exp() *Tensor { return unary(backend.OpExp, t, 0) }

// Log returns the natural logarithm of t.
func (t *Tensor) Log() *Tensor { return unary(backend.OpLog, t, 0) }

// Sqrt returns √t.
func (t *Tensor) Sqrt() *Tensor { return unary(backend.OpSqrt, t, 0) }

// Abs returns |t|.
func (t *Tensor) Abs() *Tensor { return unary(backend.OpAbs, t, 0) }

// ClampMin returns max(t, lo) elementwise.
func (t *Tensor) ClampMin(lo float32) *Tensor { return unary(backend.OpClamp, t, lo) }

// Tanh returns tanh t.
func (t *Tensor) Tanh() *Tensor { return unary(backend.OpTanh, t, 0) }

// Sigmoid returns 1/(1+e⁻ᵗ).
func (t *Tensor) Sigmoid() *Tensor { return unary(backend.OpSigmoid, t, 0) }

// ReLU returns max(t, 0).
func (t *Tensor) ReLU() *Tensor { return unary(backend.OpReLU, t, 0) }

// GELU returns t·Φ(t), the Gaussian error linear unit in its exact (erf) form.
func (t *Tensor) GELU() *Tensor {
	be := t.backend()
	gs, ok := be.(geluSaver)
	if !ok || !t.requiresGrad || !GradEnabled() {
		return unary(backend.OpGELU, t, 0)
	}
	out, d := output(be, t.shape), uninitBuf(be, t.Len())
	gs.geluWithGrad(out.buf, d, t.buf)
	if nd := recordFunc(out, backend.OpGELU.String(), geluBack, t); nd != nil {
		nd.bufs[0] = d
	} else {
		recycle(d)
	}
	return out
}

// geluBack is GELU's gradient from the derivative the forward pass saved: dx = g·d.
func geluBack(out, g *Tensor) {
	nd := out.node
	t, d := nd.in[0], nd.bufs[0]
	be := out.backend()
	dx := output(be, t.shape)
	binaryFlat(be, backend.OpMul, dx.buf, g.buf, d, t.Len())
	recycle(d)
	accumulate(t, dx, true)
}

// geluSaver is a backend that computes GELU's derivative together with its value (on the CPU one
// table lookup gives both), so that the backward pass is a multiplication instead of a second
// evaluation of Φ and φ.
type geluSaver interface {
	geluWithGrad(y, d, x Buffer)
}
