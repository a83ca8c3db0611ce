package nn

import (
	"sort"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// normAxes returns the sorted, de-duplicated, non-negative axes (all axes when none are given).
func (t *Tensor) normAxes(op string, axes []int) []int {
	if len(axes) == 0 {
		out := make([]int, len(t.shape))
		for i := range out {
			out[i] = i
		}
		return out
	}
	seen := map[int]bool{}
	var out []int
	for _, a := range axes {
		a = t.axis(op, a)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Ints(out)
	return out
}

// reduceAxis reduces one axis of t (kept with size 1).
func reduceAxis(op backend.ReduceOp, t *Tensor, a int) *Tensor {
	outer, inner := numel(t.shape[:a]), numel(t.shape[a+1:])
	shape := t.Shape()
	shape[a] = 1
	out := output(t.backend(), shape)
	t.backend().Reduce(op, out.buf, t.buf, outer, t.shape[a], inner)
	return out
}

// reduce reduces the axes of t, keeping them with size 1 when keep is set.
func reduce(name string, op backend.ReduceOp, t *Tensor, axes []int, keep bool) *Tensor {
	axes = t.normAxes(name, axes)
	if op == backend.ReduceMax {
		for _, a := range axes {
			if t.shape[a] == 0 {
				fail(name, shapes(t), "cannot take the maximum over axis %d of size 0", a)
			}
		}
	}
	x := t.Detach()
	for i := len(axes) - 1; i >= 0; i-- {
		x = reduceAxis(op, x, axes[i])
	}
	keptShape := x.shape
	out := x
	if !keep {
		out = view(x, dropAxes(t.shape, axes))
	}
	return record(out, name, []*Tensor{t}, func(g *Tensor) {
		g = g.Reshape(keptShape...)
		if op == backend.ReduceSum {
			// expand copies unless the reduced axes all had size 1; then g is borrowed, not fresh.
			accumulate(t, g.expand(t.shape), !equalShape(keptShape, t.shape))
			return
		}
		// Ties share the gradient equally (as torch.amax does), so it still sums to g; the count is
		// at least 1 so that a NaN maximum (equal to nothing) sends no gradient instead of NaN.
		mask := binaryNoGrad(backend.OpEq, t, &Tensor{shape: keptShape, buf: x.buf})
		count := reduce(name, backend.ReduceSum, mask, axes, true).ClampMin(1)
		accumulate(t, mask.Mul(g.Div(count)), true)
	})
}

func binaryNoGrad(op backend.BinaryOp, a, b *Tensor) *Tensor {
	shape := broadcastShapes(op.String(), a.shape, b.shape)
	out := output(a.backend(), shape)
	a.backend().Binary(op, out.buf, shape, a.buf, broadcastStrides(a.shape, shape), b.buf, broadcastStrides(b.shape, shape))
	return out
}

func dropAxes(shape []int, axes []int) []int {
	out := []int{}
	for i, d := range shape {
		drop := false
		for _, a := range axes {
			drop = drop || a == i
		}
		if !drop {
			out = append(out, d)
		}
	}
	return out
}

// Sum returns the sum over the given axes (all when none), removing them. The sum over no elements is 0.
func (t *Tensor) Sum(axes ...int) *Tensor { return reduce("sum", backend.ReduceSum, t, axes, false) }

// SumKeep is Sum keeping the reduced axes with size 1.
func (t *Tensor) SumKeep(axes ...int) *Tensor { return reduce("sum", backend.ReduceSum, t, axes, true) }

// Mean returns the mean over the given axes (all when none), removing them.
func (t *Tensor) Mean(axes ...int) *Tensor { return t.mean(axes, false) }

// MeanKeep is Mean keeping the reduced axes with size 1.
func (t *Tensor) MeanKeep(axes ...int) *Tensor { return t.mean(axes, true) }

func (t *Tensor) mean(axes []int, keep bool) *Tensor {
	n := 1
	for _, a := range t.normAxes("mean", axes) {
		n *= t.shape[a]
	}
	// The mean over no elements is 0·(1/0) = NaN, as in PyTorch.
	return reduce("mean", backend.ReduceSum, t, axes, keep).MulScalar(1 / float32(n))
}

// Max returns the maximum over the given axes (all when none), removing them. A NaN is the
// maximum of any group it is in. The gradient flows to the elements equal to the maximum, shared
// equally among ties (like torch.amax; torch.max along a dimension gives it all to one index).
func (t *Tensor) Max(axes ...int) *Tensor { return reduce("max", backend.ReduceMax, t, axes, false) }

// MaxKeep is Max keeping the reduced axes with size 1.
func (t *Tensor) MaxKeep(axes ...int) *Tensor { return reduce("max", backend.ReduceMax, t, axes, true) }

// ArgMax returns the index of the first maximum along axis, as a tensor of (float32) indices
// without that axis, or with it as size 1 when keep is set. It is not differentiable.
func (t *Tensor) ArgMax(axis int, keep bool) *Tensor {
	a := t.axis("argmax", axis)
	if t.shape[a] == 0 {
		fail("argmax", shapes(t), "axis %d is empty", a)
	}
	outer, n, inner := numel(t.shape[:a]), t.shape[a], numel(t.shape[a+1:])
	d := t.Data()
	res := make([]float32, outer*inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			best, bi := d[o*n*inner+i], 0
			for j := 1; j < n; j++ {
				if v := d[(o*n+j)*inner+i]; v > best {
					best, bi = v, j
				}
			}
			res[o*inner+i] = float32(bi)
		}
	}
	shape := t.Shape()
	shape[a] = 1
	if !keep {
		shape = dropAxes(t.shape, []int{a})
	}
	return New(res, shape...).To(t.Device())
}

// ArgMaxes returns, for each row of a 2-D (or the last axis of any) tensor, the index of its maximum.
func (t *Tensor) ArgMaxes() []int {
	d := t.ArgMax(-1, false).Data()
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = int(v)
	}
	return out
}
