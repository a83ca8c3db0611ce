package nn

// MatMulT returns a·bᵀ over the last two axes: a is [..., m, k] and b is [n, k] (shared by every
// batch, as a Linear layer's weight) or [..., n, k] with the same leading dimensions as a. The
// result is [..., m, n]. It is what a Linear layer and attention scores need, without copying a
// transposed operand.
func MatMulT(a, b *Tensor) *Tensor {
	be := sameDevice("matmul_t", a, b)
	ra, rb := len(a.shape), len(b.shape)
	if ra < 2 || rb < 2 {
		panic(&Error{Op: "matmul_t", Shapes: shapes(a, b), Msg: "both operands need at least 2 dimensions", sep: " × "})
	}
	k, k2 := a.shape[ra-1], b.shape[rb-1]
	if k != k2 {
		panic(&Error{Op: "matmul_t", Shapes: shapes(a, b), Msg: sprintf("last dimensions %d and %d differ", k, k2), sep: " × "})
	}
	n := b.shape[rb-2]
	var dims [4]int
	outShape := append(append(dims[:0], a.shape[:ra-1]...), n)
	var batch, m, strideA, strideB int
	if rb == 2 {
		// Shared b: every row of a is one row of one big product.
		batch, m, strideA, strideB = 1, numel(a.shape[:ra-1]), 0, 0
	} else {
		if !equalShape(a.shape[:ra-2], b.shape[:rb-2]) {
			panic(&Error{Op: "matmul_t", Shapes: shapes(a, b), Msg: "batch dimensions differ", sep: " × "})
		}
		batch, m = numel(a.shape[:ra-2]), a.shape[ra-2]
		strideA, strideB = m*k, n*k
	}
	out := output(be, outShape)
	be.MatMul(out.buf, a.buf, b.buf, batch, m, n, k, false, true, strideA, strideB, false)
	if nd := recordFunc(out, "matmul_t", matmulTBack, a, b); nd != nil {
		nd.batch, nd.rows, nd.cols, nd.inner, nd.strideA, nd.strideB = batch, m, n, k, strideA, strideB
	}
	return out
}

// matmulTBack is MatMulT's gradient: dA = dC·B, dB = dCᵀ·A (summed over the batch when b is shared).
func matmulTBack(out, g *Tensor) {
	nd := out.node
	a, b := nd.in[0], nd.in[1]
	batch, m, n, k, strideB := nd.batch, nd.rows, nd.cols, nd.inner, nd.strideB
	be := out.backend()
	if a.requiresGrad {
		da := output(be, a.shape)
		be.MatMul(da.buf, g.buf, b.buf, batch, m, k, n, false, false, m*n, strideB, false)
		accumulate(a, da, true)
	}
	if b.requiresGrad {
		db := output(be, b.shape) // both products overwrite it
		if strideB == 0 {
			be.MatMul(db.buf, g.buf, a.buf, 1, n, k, batch*m, true, false, 0, 0, false)
		} else {
			be.MatMul(db.buf, g.buf, a.buf, batch, n, k, m, true, false, m*n, m*k, false)
		}
		accumulate(b, db, true)
	}
}
