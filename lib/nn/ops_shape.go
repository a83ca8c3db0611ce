package nn

// contiguousStrides returns row-major strides for shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// Reshape returns t with a new shape of the same size, sharing its storage; one dimension may be −1.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			fail("reshape", [][]int{t.shape, shape}, "invalid dimension %d", d)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || t.Len()%known != 0 {
			fail("reshape", [][]int{t.shape, shape}, "cannot infer the −1 dimension for %d elements", t.Len())
		}
		shape[infer] = t.Len() / known
	}
	if numel(shape) != t.Len() {
		fail("reshape", [][]int{t.shape, shape}, "sizes differ: %d and %d elements", t.Len(), numel(shape))
	}
	out := view(t, shape)
	return record(out, "reshape", []*Tensor{t}, func(g *Tensor) {
		accumulate(t, &Tensor{shape: t.shape, buf: g.buf}, false)
	})
}

// Flatten returns t as a vector.
func (t *Tensor) Flatten() *Tensor { return t.Reshape(-1) }

// Unsqueeze inserts an axis of size 1 at position axis (0..rank; negative counts from the end).
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	r, axis0 := len(t.shape), axis
	if axis < 0 {
		axis += r + 1
	}
	if axis < 0 || axis > r {
		fail("unsqueeze", shapes(t), "axis %d out of range for %d dimensions", axis0, r)
	}
	s := append(append(append([]int{}, t.shape[:axis]...), 1), t.shape[axis:]...)
	return t.Reshape(s...)
}

// Squeeze removes the given axes of size 1 (all axes of size 1 when none are given).
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	var drop []int
	if len(axes) == 0 {
		for i, d := range t.shape {
			if d == 1 {
				drop = append(drop, i)
			}
		}
	} else {
		for _, a := range axes {
			a = t.axis("squeeze", a)
			if t.shape[a] != 1 {
				fail("squeeze", shapes(t), "axis %d has size %d, not 1", a, t.shape[a])
			}
			drop = append(drop, a)
		}
	}
	return t.Reshape(dropAxes(t.shape, drop)...)
}

// gather makes a contiguous tensor of shape from t's storage read with offset and strides,
// with a gradient that scatters back.
func (t *Tensor) gather(op string, shape []int, offset int, strides []int) *Tensor {
	be := t.backend()
	out := output(be, shape)
	be.Gather(out.buf, shape, t.buf, offset, strides, false)
	return record(out, op, []*Tensor{t}, func(g *Tensor) {
		dx := empty(be, t.shape)
		be.Scatter(dx.buf, offset, strides, g.buf, shape)
		accumulate(t, dx, true)
	})
}

// expand broadcasts t to shape (copying), with a gradient that sums back.
func (t *Tensor) expand(shape []int) *Tensor {
	if equalShape(t.shape, shape) {
		return t
	}
	be := t.backend()
	out := output(be, shape)
	be.Gather(out.buf, shape, t.buf, 0, broadcastStrides(t.shape, shape), false)
	return record(out, "expand", []*Tensor{t}, func(g *Tensor) { accumulate(t, sumTo(g, t.shape), true) })
}

// BroadcastTo returns t broadcast to shape by NumPy's rules (a copy).
func (t *Tensor) BroadcastTo(shape ...int) *Tensor {
	b := broadcastShapes("broadcast", t.shape, shape)
	if !equalShape(b, shape) {
		fail("broadcast", [][]int{t.shape, shape}, "cannot broadcast to the target shape")
	}
	return t.expand(shape)
}

// Permute returns t with its axes reordered: axis i of the result is axis perm[i] of t.
func (t *Tensor) Permute(perm ...int) *Tensor {
	r := len(t.shape)
	if len(perm) != r {
		fail("permute", shapes(t), "permutation %v has %d axes for %d dimensions", perm, len(perm), r)
	}
	st := contiguousStrides(t.shape)
	shape, strides := make([]int, r), make([]int, r)
	seen := make([]bool, r)
	for i, p := range perm {
		if p < 0 {
			p += r
		}
		if p < 0 || p >= r || seen[p] {
			fail("permute", shapes(t), "%v is not a permutation of %d axes", perm, r)
		}
		seen[p] = true
		shape[i], strides[i] = t.shape[p], st[p]
	}
	return t.gather("permute", shape, 0, strides)
}

// Transpose swaps axes a and b.
func (t *Tensor) Transpose(a, b int) *Tensor {
	a, b = t.axis("transpose", a), t.axis("transpose", b)
	perm := make([]int, len(t.shape))
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return t.Permute(perm...)
}

// T returns the transpose of a 2-D tensor.
func (t *Tensor) T() *Tensor {
	if len(t.shape) != 2 {
		fail("T", shapes(t), "needs a 2-D tensor; use Transpose or Permute")
	}
	return t.Transpose(0, 1)
}

// Slice returns elements start..end−1 along axis (negative start/end count from the end).
func (t *Tensor) Slice(axis, start, end int) *Tensor {
	a := t.axis("slice", axis)
	d := t.shape[a]
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	if start < 0 || end > d || start > end {
		fail("slice", shapes(t), "range %d:%d out of bounds for axis %d of size %d", start, end, a, d)
	}
	shape := t.Shape()
	shape[a] = end - start
	st := contiguousStrides(t.shape)
	return t.gather("slice", shape, start*st[a], st)
}

// Index returns element i along axis, removing that axis (negative i counts from the end).
func (t *Tensor) Index(axis, i int) *Tensor {
	a := t.axis("index", axis)
	if i < 0 {
		i += t.shape[a]
	}
	if i < 0 || i >= t.shape[a] {
		fail("index", shapes(t), "index %d out of range for axis %d of size %d", i, a, t.shape[a])
	}
	return t.Slice(a, i, i+1).Squeeze(a)
}

// Concat joins tensors along axis; all other dimensions must agree.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		fail("concat", nil, "no tensors")
	}
	be := sameDevice("concat", ts...)
	a := ts[0].axis("concat", axis)
	shape := ts[0].Shape()
	shape[a] = 0
	for _, t := range ts {
		if len(t.shape) != len(shape) {
			fail("concat", shapes(ts...), "ranks differ")
		}
		for i := range shape {
			if i != a && t.shape[i] != shape[i] {
				fail("concat", shapes(ts...), "dimension %d differs", i)
			}
		}
		shape[a] += t.shape[a]
	}
	out := empty(be, shape)
	ost := contiguousStrides(shape)
	offsets := make([]int, len(ts))
	off := 0
	for i, t := range ts {
		offsets[i] = off * ost[a]
		be.Scatter(out.buf, offsets[i], ost, t.buf, t.shape)
		off += t.shape[a]
	}
	return record(out, "concat", ts, func(g *Tensor) {
		for i, t := range ts {
			if t.requiresGrad {
				dx := empty(be, t.shape)
				be.Gather(dx.buf, t.shape, g.buf, offsets[i], ost, false)
				accumulate(t, dx, true)
			}
		}
	})
}

// Stack joins tensors of one shape along a new axis.
func Stack(axis int, ts ...*Tensor) *Tensor {
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		us[i] = t.Unsqueeze(axis)
	}
	return Concat(axis, us...)
}

// Split cuts t along axis into pieces of the given sizes, which must add up to the axis's size.
func (t *Tensor) Split(axis int, sizes ...int) []*Tensor {
	a := t.axis("split", axis)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			fail("split", shapes(t), "negative size %d", s)
		}
		total += s
	}
	if total != t.shape[a] {
		fail("split", shapes(t), "sizes %v add up to %d, axis %d has %d", sizes, total, a, t.shape[a])
	}
	out := make([]*Tensor, len(sizes))
	start := 0
	for i, s := range sizes {
		out[i] = t.Slice(a, start, start+s)
		start += s
	}
	return out
}

// Chunk cuts t along axis into n pieces of equal size.
func (t *Tensor) Chunk(n, axis int) []*Tensor {
	a := t.axis("chunk", axis)
	if n <= 0 || t.shape[a]%n != 0 {
		fail("chunk", shapes(t), "axis %d of size %d does not split into %d equal pieces", a, t.shape[a], n)
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = t.shape[a] / n
	}
	return t.Split(a, sizes...)
}
