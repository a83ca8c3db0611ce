package nn

import (
	"math"
	"math/rand/v2"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// MatMul returns the matrix product a·b. Both must have at least 2 dimensions; leading (batch)
// dimensions broadcast, and a 2-D operand is shared by every batch of the other.
func MatMul(a, b *Tensor) *Tensor { return a.MatMul(b) }

// MatMul returns the matrix product t·u; see the function MatMul.
func (t *Tensor) MatMul(u *Tensor) *Tensor {
	be := sameDevice("matmul", t, u)
	if len(t.shape) < 2 || len(u.shape) < 2 {
		panic(&Error{Op: "matmul", Shapes: shapes(t, u), Msg: "both operands need at least 2 dimensions", sep: " × "})
	}
	m, k := t.shape[len(t.shape)-2], t.shape[len(t.shape)-1]
	k2, n := u.shape[len(u.shape)-2], u.shape[len(u.shape)-1]
	if k != k2 {
		panic(&Error{Op: "matmul", Shapes: shapes(t, u), Msg: sprintf("inner dimensions %d and %d differ", k, k2), sep: " × "})
	}
	a, b := t, u
	ba, bb := t.shape[:len(t.shape)-2], u.shape[:len(u.shape)-2]
	var batchShape []int
	switch {
	case len(bb) == 0:
		batchShape = ba
	case len(ba) == 0:
		batchShape = bb
	default:
		for i := 1; i <= min(len(ba), len(bb)); i++ {
			if da, db := ba[len(ba)-i], bb[len(bb)-i]; da != db && da != 1 && db != 1 {
				panic(&Error{Op: "matmul", Shapes: shapes(t, u), sep: " × ",
					Msg: sprintf("batch dimensions %s and %s do not broadcast", shapeString(ba), shapeString(bb))})
			}
		}
		batchShape = broadcastShapes("matmul", ba, bb)
		if !equalShape(ba, batchShape) {
			a = t.expand(append(append([]int{}, batchShape...), m, k))
		}
		if !equalShape(bb, batchShape) {
			b = u.expand(append(append([]int{}, batchShape...), k, n))
		}
	}
	batch := numel(batchShape)
	strideA, strideB := m*k, k*n
	if len(a.shape) == 2 {
		strideA = 0
	}
	if len(b.shape) == 2 {
		strideB = 0
	}
	out := output(be, append(append([]int{}, batchShape...), m, n))
	be.MatMul(out.buf, a.buf, b.buf, batch, m, n, k, false, false, strideA, strideB, false)
	return record(out, "matmul", []*Tensor{a, b}, func(g *Tensor) {
		if a.requiresGrad {
			da := output(be, a.shape)      // every path below overwrites it
			if strideA == 0 && batch > 1 { // shared a: dA = Σ_b dC[b]·B[b]ᵀ = dC viewed as rows … per batch
				tmp := output(be, []int{batch, m, k})
				be.MatMul(tmp.buf, g.buf, b.buf, batch, m, k, n, false, true, m*n, strideB, false)
				be.Reduce(backend.ReduceSum, da.buf, tmp.buf, 1, batch, m*k)
			} else {
				be.MatMul(da.buf, g.buf, b.buf, batch, m, k, n, false, true, m*n, strideB, false)
			}
			accumulate(a, da, true)
		}
		if b.requiresGrad {
			db := output(be, b.shape) // every case below overwrites it
			switch {
			case strideB == 0 && strideA != 0: // shared b, batched contiguous a: dB = A_flatᵀ·dC_flat
				be.MatMul(db.buf, a.buf, g.buf, 1, k, n, batch*m, true, false, 0, 0, false)
			case strideB == 0: // both shared
				tmp := output(be, []int{batch, k, n})
				be.MatMul(tmp.buf, a.buf, g.buf, batch, k, n, m, true, false, 0, m*n, false)
				be.Reduce(backend.ReduceSum, db.buf, tmp.buf, 1, batch, k*n)
			default:
				be.MatMul(db.buf, a.buf, g.buf, batch, k, n, m, true, false, strideA, m*n, false)
			}
			accumulate(b, db, true)
		}
	})
}

// lastAxisRows returns t's rows along its last axis: rows, cols.
func lastAxisRows(t *Tensor) (int, int) {
	if len(t.shape) == 0 {
		return 1, 1
	}
	c := t.shape[len(t.shape)-1]
	if c == 0 {
		return 0, 0
	}
	return t.Len() / c, c
}

func softmax(t *Tensor, axis int, log bool) *Tensor {
	name := "softmax"
	if log {
		name = "log_softmax"
	}
	a := t.axis(name, axis)
	if a != len(t.shape)-1 {
		return softmax(t.Transpose(a, -1), -1, log).Transpose(a, -1)
	}
	be := t.backend()
	rows, cols := lastAxisRows(t)
	out := output(be, t.shape)
	be.Softmax(out.buf, t.buf, rows, cols, log)
	return record(out, name, []*Tensor{t}, func(g *Tensor) {
		dx := empty(be, t.shape)
		be.SoftmaxGrad(dx.buf, out.buf, g.buf, rows, cols, log)
		accumulate(t, dx, true)
	})
}

// Softmax returns exp(t) normalised to sum to 1 along axis (computed stably).
func (t *Tensor) Softmax(axis int) *Tensor { return softmax(t, axis, false) }

// LogSoftmax returns log(Softmax(t)) along axis, computed stably.
func (t *Tensor) LogSoftmax(axis int) *Tensor { return softmax(t, axis, true) }

// CrossEntropy returns the mean over rows of −log softmax(logits)[target]: logits are [..., classes]
// and targets hold one class index per row. The softmax and the loss are fused and numerically stable.
func CrossEntropy(logits *Tensor, targets []int) *Tensor {
	return CrossEntropyIgnore(logits, targets, -100)
}

// CrossEntropyIgnore is CrossEntropy where rows whose target equals ignore do not count.
func CrossEntropyIgnore(logits *Tensor, targets []int, ignore int) *Tensor {
	be := logits.backend()
	if len(logits.shape) == 0 {
		fail("cross_entropy", shapes(logits), "logits need a class axis")
	}
	rows, cols := lastAxisRows(logits)
	if len(targets) != rows {
		fail("cross_entropy", shapes(logits), "%d targets for %d rows of logits", len(targets), rows)
	}
	tgs := int32Scratch.get(rows)
	tg := *tgs
	for i, v := range targets {
		if v != ignore && (v < 0 || v >= cols) {
			int32Scratch.put(tgs)
			fail("cross_entropy", shapes(logits), "target %d at row %d is not a class in [0, %d)", v, i, cols)
		}
		tg[i] = int32(v)
	}
	loss := empty(be, nil)
	lse := be.Alloc(rows)
	count := be.CrossEntropy(loss.buf, lse, logits.buf, tg, rows, cols, int32(ignore))
	if nd := recordFunc(loss, "cross_entropy", crossEntropyBack, logits); nd != nil {
		nd.bufs[0], nd.idx = lse, tgs
		nd.rows, nd.cols, nd.ignore, nd.count = rows, cols, ignore, count
	} else {
		recycle(lse)
		int32Scratch.put(tgs)
	}
	return loss
}

// crossEntropyBack is the fused softmax and cross-entropy's gradient: (softmax − onehot)·g/count.
func crossEntropyBack(out, g *Tensor) {
	nd := out.node
	logits, lse, tgs := nd.in[0], nd.bufs[0], nd.idx
	rows, cols, ignore, count := nd.rows, nd.cols, nd.ignore, nd.count
	if count > 0 {
		be := out.backend()
		dx := empty(be, logits.shape)
		be.CrossEntropyGrad(dx.buf, logits.buf, lse, *tgs, rows, cols, int32(ignore), g.Item()/float32(count))
		accumulate(logits, dx, true)
	}
	recycle(lse)
	int32Scratch.put(tgs)
}

// MSE returns the mean squared error between prediction and target (same shapes).
func MSE(pred, target *Tensor) *Tensor {
	if !equalShape(pred.shape, target.shape) {
		fail("mse", shapes(pred, target), "prediction and target shapes differ")
	}
	d := pred.Sub(target)
	return d.Mul(d).Mean()
}

// BinaryCrossEntropy returns the mean of −(y·log p + (1−y)·log(1−p)) for probabilities p and
// targets y of the same shape; p is clamped to [1e-7, 1−1e-7] to stay finite (so the loss of one
// element is at most about 16.1, and p outside that range gets no gradient; PyTorch instead clamps
// each log at −100). When p comes from a sigmoid, use BinaryCrossEntropyWithLogits.
func BinaryCrossEntropy(p, y *Tensor) *Tensor {
	if !equalShape(p.shape, y.shape) {
		fail("binary_cross_entropy", shapes(p, y), "prediction and target shapes differ")
	}
	const eps = 1e-7
	pc := p.ClampMin(eps).Neg().ClampMin(-(1 - eps)).Neg()
	one := Ones(y.shape...).To(y.Device())
	l := y.Mul(pc.Log()).Add(one.Sub(y).Mul(one.Sub(pc).Log()))
	return l.Mean().Neg()
}

// BinaryCrossEntropyWithLogits returns the mean of −(y·log σ(x) + (1−y)·log(1−σ(x))) for logits x
// and targets y of the same shape, computed stably from the logits as max(x, 0) − x·y + log(1 + e^−|x|),
// with the gradient (σ(x) − y)/n. Prefer it to BinaryCrossEntropy(x.Sigmoid(), y), which saturates
// when σ(x) rounds to 0 or 1 in float32 (|x| beyond about 17).
func BinaryCrossEntropyWithLogits(x, y *Tensor) *Tensor {
	const op = "binary_cross_entropy_with_logits"
	sameDevice(op, x, y)
	if !equalShape(x.shape, y.shape) {
		fail(op, shapes(x, y), "logits and target shapes differ")
	}
	if x.Len() == 0 {
		fail(op, shapes(x, y), "no elements")
	}
	var loss *Tensor
	NoGrad(func() {
		loss = x.ClampMin(0).Sub(x.Mul(y)).Add(x.Abs().Neg().Exp().AddScalar(1).Log()).Mean()
	})
	inv := 1 / float32(x.Len())
	return record(loss, op, []*Tensor{x, y}, func(g *Tensor) {
		s := g.MulScalar(inv)
		if x.requiresGrad {
			accumulate(x, x.Sigmoid().Sub(y).Mul(s), true)
		}
		if y.requiresGrad {
			accumulate(y, x.Neg().Mul(s), true)
		}
	})
}

// LayerNorm normalises t over its last axis to zero mean and unit variance, then scales by gain and
// adds bias (each of the last axis's size, or nil). eps is added to the variance (PyTorch uses 1e-5).
func LayerNorm(t, gain, bias *Tensor, eps float32) *Tensor {
	be := t.backend()
	rows, cols := lastAxisRows(t)
	var ins [3]*Tensor
	ins[0] = t
	k := 1
	var gb, bb Buffer
	for _, p := range [2]*Tensor{gain, bias} {
		if p == nil {
			continue
		}
		sameDevice("layer_norm", t, p)
		if len(p.shape) != 1 || p.shape[0] != cols {
			fail("layer_norm", shapes(t, p), "gain and bias need shape [%d]", cols)
		}
		ins[k] = p
		k++
	}
	if gain != nil {
		gb = gain.buf
	}
	if bias != nil {
		bb = bias.buf
	}
	out := output(be, t.shape)
	mean, rstd := uninitBuf(be, rows), uninitBuf(be, rows)
	be.LayerNorm(out.buf, mean, rstd, t.buf, gb, bb, rows, cols, eps)
	if nd := recordFunc(out, "layer_norm", layerNormBack, ins[:k]...); nd != nil {
		nd.bufs = [2]Buffer{mean, rstd}
		nd.rows, nd.cols, nd.hasGain = rows, cols, gain != nil
	} else {
		recycle(mean)
		recycle(rstd)
	}
	return out
}

// layerNormBack is LayerNorm's gradient from the saved mean and reciprocal standard deviation.
func layerNormBack(out, g *Tensor) {
	nd := out.node
	t, mean, rstd := nd.in[0], nd.bufs[0], nd.bufs[1]
	rows, cols := nd.rows, nd.cols
	var gain, bias *Tensor
	rest := nd.inputs[1:]
	if nd.hasGain {
		gain, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		bias = rest[0]
	}
	be := out.backend()
	dx := empty(be, t.shape)
	var dg, db *Tensor
	var gb, dgb, dbb Buffer
	if gain != nil {
		gb = gain.buf
		if gain.requiresGrad {
			dg = empty(be, gain.shape)
			dgb = dg.buf
		}
	}
	if bias != nil && bias.requiresGrad {
		db = empty(be, bias.shape)
		dbb = db.buf
	}
	be.LayerNormGrad(dx.buf, dgb, dbb, g.buf, t.buf, mean, rstd, gb, rows, cols)
	recycle(mean)
	recycle(rstd)
	accumulate(t, dx, true)
	if dg != nil {
		accumulate(gain, dg, true)
	}
	if db != nil {
		accumulate(bias, db, true)
	}
}

// Embedding returns the rows of table (vocab × dim) picked by ids, shaped [len(ids), dim].
// Reshape the result for batches, e.g. to [B, T, dim].
func Embedding(table *Tensor, ids []int) *Tensor {
	if len(table.shape) != 2 {
		fail("embedding", shapes(table), "table must be 2-D [vocab, dim]")
	}
	return embedding(table, ids, []int{len(ids), table.shape[1]})
}

// embedding is Embedding with the output's shape given: its last axis is the table's width, and its
// others multiply to len(ids).
func embedding(table *Tensor, ids []int, shape []int) *Tensor {
	vocab, dim := table.shape[0], table.shape[1]
	idxs := int32Scratch.get(len(ids))
	idx := *idxs
	for i, v := range ids {
		if v < 0 || v >= vocab {
			int32Scratch.put(idxs)
			fail("embedding", shapes(table), "id %d at position %d is outside the vocabulary [0, %d)", v, i, vocab)
		}
		idx[i] = int32(v)
	}
	be := table.backend()
	out := output(be, shape)
	be.Embedding(out.buf, table.buf, idx, dim)
	if nd := recordFunc(out, "embedding", embeddingBack, table); nd != nil {
		nd.idx, nd.cols = idxs, dim
	} else {
		int32Scratch.put(idxs)
	}
	return out
}

// embeddingBack adds each row of g into the table row its id picked.
func embeddingBack(out, g *Tensor) {
	nd := out.node
	table, idxs := nd.in[0], nd.idx
	be := out.backend()
	dt := empty(be, table.shape)
	be.EmbeddingGrad(dt.buf, g.buf, *idxs, nd.cols)
	int32Scratch.put(idxs)
	accumulate(table, dt, true)
}

// MaskedFill returns t with value wherever mask (broadcast to t's shape) is non-zero. The mask is a
// constant (it gets no gradient); one on the CPU, such as CausalMask's, is copied to t's device.
func (t *Tensor) MaskedFill(mask *Tensor, value float32) *Tensor {
	if mask.Device() == "cpu" && t.Device() != "cpu" {
		mask = mask.Detach().To(t.Device())
	}
	be := sameDevice("masked_fill", t, mask)
	shape := broadcastShapes("masked_fill", t.shape, mask.shape)
	if !equalShape(shape, t.shape) {
		fail("masked_fill", shapes(t, mask), "mask must broadcast to the tensor's shape")
	}
	ms := broadcastStrides(mask.shape, shape)
	out := output(be, shape)
	be.MaskedFill(out.buf, shape, t.buf, contiguousStrides(shape), mask.buf, ms, value)
	return record(out, "masked_fill", []*Tensor{t}, func(g *Tensor) {
		dx := empty(be, shape)
		be.MaskedFill(dx.buf, shape, g.buf, contiguousStrides(shape), mask.buf, ms, 0)
		accumulate(t, dx, true)
	})
}

// CausalMask returns the n×n mask that is 1 above the diagonal: position i may not look at j > i.
// Use it as scores.MaskedFill(CausalMask(n), −Inf).
func CausalMask(n int) *Tensor {
	m := Zeros(n, n)
	d := host(m.buf)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			d[i*n+j] = 1
		}
	}
	return m
}

// NegInf is −∞ as a float32, for masks.
func NegInf() float32 { return float32(math.Inf(-1)) }

// Dropout zeroes each element with probability p and scales the rest by 1/(1−p) when train is set;
// otherwise (evaluation) it returns t unchanged. The mask comes from the package's seeded generator,
// or, on a backend implementing DropoutMasker, from the device's generator seeded by it.
func Dropout(t *Tensor, p float32, train bool) *Tensor {
	if !(p >= 0 && p < 1) { // also refuses NaN
		fail("dropout", shapes(t), "probability %v must be in [0, 1)", p)
	}
	if !train || p == 0 {
		return t
	}
	if dm, ok := t.backend().(backend.DropoutMasker); ok {
		m := output(t.backend(), t.shape)
		dm.DropoutMask(m.buf, p, rng.Uint64())
		return t.Mul(m)
	}
	mask := make([]float32, t.Len())
	scale := 1 / (1 - p)
	rng.fill(mask, func(r *rand.Rand) float32 {
		if r.Float32() >= p {
			return scale
		}
		return 0
	})
	return t.Mul(New(mask, t.shape...).To(t.Device()))
}
