package nn

import (
	"math"
	"sync"

	"github.com/notmagic/notmagic/lib/nn/backend"
	"github.com/notmagic/notmagic/lib/nn/gemm"
)

// CPU is the reference backend: plain Go loops over host memory, with the matrix products in lib/nn/gemm.
var CPU Backend = cpuBackend{}

// cpuBuffer is host memory.
type cpuBuffer []float32

func (b cpuBuffer) Len() int         { return len(b) }
func (b cpuBuffer) Backend() Backend { return CPU }

type cpuBackend struct{}

// host returns the float32 slice behind a CPU buffer (nil for a nil buffer).
func host(b Buffer) []float32 {
	if b == nil {
		return nil
	}
	return b.(cpuBuffer)
}

func (cpuBackend) Name() string { return "cpu" }
func (cpuBackend) Alloc(n int) Buffer {
	if b := poolGet(n); b != nil {
		clear(host(b))
		return b
	}
	return cpuBuffer(make([]float32, n))
}

// AllocUninit implements UninitAllocator: a recycled buffer as it is, else a new one.
func (cpuBackend) AllocUninit(n int) Buffer {
	if b := poolGet(n); b != nil {
		if poisonRecycled {
			nan := float32(math.NaN())
			s := host(b)
			for i := range s {
				s[i] = nan
			}
		}
		return b
	}
	return cpuBuffer(make([]float32, n))
}

func (cpuBackend) FromHost(v []float32) Buffer      { return cpuBuffer(append([]float32(nil), v...)) }
func (cpuBackend) ToHost(dst []float32, src Buffer) { copy(dst, host(src)) }
func (cpuBackend) Fill(dst Buffer, v float32) {
	d := host(dst)
	for i := range d {
		d[i] = v
	}
}

func (cpuBackend) Axpy(dst Buffer, alpha float32, x Buffer) {
	d, s := host(dst), host(x)
	s = s[:len(d)]
	parallelFor(&axpySlot, len(d), parallelMin, axpyKernel{d, s, alpha})
}

// axpyKernel is Axpy's loop: d += alpha·s.
type axpyKernel struct {
	d, s  []float32
	alpha float32
}

var axpySlot axpyKernel

func (k axpyKernel) run(lo, hi int) {
	d, s := k.d[lo:hi], k.s[lo:hi]
	if axpySIMD(d, s, k.alpha) {
		return
	}
	if k.alpha == 1 {
		for i, v := range s {
			d[i] += v
		}
		return
	}
	for i, v := range s {
		d[i] += k.alpha * v
	}
}

// walk calls f(dstIndex, srcIndex) for every index of shape in row-major order, where srcIndex follows strides.
func walk(shape []int, offset int, strides []int, f func(i, j int)) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n == 0 {
		return
	}
	r := len(shape)
	if r == 0 {
		f(0, offset)
		return
	}
	idx := make([]int, r)
	j := offset
	last, ls := shape[r-1], strides[r-1]
	for i := 0; i < n; i += last {
		jj := j
		for c := 0; c < last; c++ {
			f(i+c, jj)
			jj += ls
		}
		// advance the outer indices
		for a := r - 2; a >= 0; a-- {
			idx[a]++
			j += strides[a]
			if idx[a] < shape[a] {
				break
			}
			j -= strides[a] * shape[a]
			idx[a] = 0
		}
	}
}

func (cpuBackend) Gather(dst Buffer, shape []int, src Buffer, offset int, strides []int, accumulate bool) {
	d, s := host(dst), host(src)
	if accumulate {
		walk(shape, offset, strides, func(i, j int) { d[i] += s[j] })
	} else {
		walk(shape, offset, strides, func(i, j int) { d[i] = s[j] })
	}
}

// geluChunk is the number of values the GELU loops without a derivative buffer of their own
// (Unary, UnaryGrad) compute at a time into stack scratch.
const geluChunk = 512

// geluWithGrad implements geluSaver: y = x·Φ(x) and d = Φ(x) + x·φ(x), from one table lookup.
func (cpuBackend) geluWithGrad(y, d, x Buffer) {
	ys, ds, xs := host(y), host(d), host(x)
	parallelFor(&geluSlot, len(ys), parallelMin/8, geluKernel{ys, ds, xs})
}

// geluKernel is GELU with its derivative: y = x·Φ(x), d = Φ(x) + x·φ(x).
type geluKernel struct{ y, d, x []float32 }

var geluSlot geluKernel

func (k geluKernel) run(lo, hi int) { geluBlock(k.y[lo:hi], k.d[lo:hi], k.x[lo:hi]) }

func (cpuBackend) Scatter(dst Buffer, offset int, strides []int, src Buffer, shape []int) {
	d, s := host(dst), host(src)
	walk(shape, offset, strides, func(i, j int) { d[j] += s[i] })
}

func (cpuBackend) Unary(op backend.UnaryOp, dst, x Buffer, p float32) {
	d, s := host(dst), host(x)
	s = s[:len(d)]
	switch op {
	case backend.OpNeg:
		for i, v := range s {
			d[i] = -v
		}
	case backend.OpExp:
		for i, v := range s {
			d[i] = float32(math.Exp(float64(v)))
		}
	case backend.OpLog:
		for i, v := range s {
			d[i] = float32(math.Log(float64(v)))
		}
	case backend.OpSqrt:
		for i, v := range s {
			d[i] = float32(math.Sqrt(float64(v)))
		}
	case backend.OpTanh:
		for i, v := range s {
			d[i] = float32(math.Tanh(float64(v)))
		}
	case backend.OpSigmoid:
		for i, v := range s {
			d[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case backend.OpReLU:
		for i, v := range s {
			if v > 0 {
				d[i] = v
			} else {
				d[i] = 0
			}
		}
	case backend.OpGELU: // the same values as geluWithGrad's, the derivative going to scratch
		parallelRange(len(d), parallelMin/8, func(lo, hi int) {
			var scratch [geluChunk]float32
			for c := lo; c < hi; c += geluChunk {
				e := min(c+geluChunk, hi)
				geluBlock(d[c:e], scratch[:e-c], s[c:e])
			}
		})
	case backend.OpPow:
		for i, v := range s {
			d[i] = float32(math.Pow(float64(v), float64(p)))
		}
	case backend.OpAddScalar:
		for i, v := range s {
			d[i] = v + p
		}
	case backend.OpMulScalar:
		for i, v := range s {
			d[i] = v * p
		}
	case backend.OpAbs:
		for i, v := range s {
			d[i] = float32(math.Abs(float64(v)))
		}
	case backend.OpClamp:
		for i, v := range s {
			d[i] = max(v, p)
		}
	default:
		panic("nn: unknown unary op")
	}
}

func (cpuBackend) UnaryGrad(op backend.UnaryOp, dx, x, y, dy Buffer, p float32) {
	gx, xs, ys, g := host(dx), host(x), host(y), host(dy)
	g = g[:len(gx)]
	switch op {
	case backend.OpNeg:
		for i, v := range g {
			gx[i] -= v
		}
	case backend.OpExp:
		for i, v := range g {
			gx[i] += v * ys[i]
		}
	case backend.OpLog:
		for i, v := range g {
			gx[i] += v / xs[i]
		}
	case backend.OpSqrt:
		for i, v := range g {
			gx[i] += v * 0.5 / ys[i]
		}
	case backend.OpTanh:
		for i, v := range g {
			gx[i] += v * (1 - ys[i]*ys[i])
		}
	case backend.OpSigmoid:
		for i, v := range g {
			gx[i] += v * ys[i] * (1 - ys[i])
		}
	case backend.OpReLU:
		for i, v := range g {
			if xs[i] > 0 {
				gx[i] += v
			}
		}
	case backend.OpGELU: // the derivative as geluWithGrad computes it
		parallelRange(len(g), parallelMin/8, func(lo, hi int) {
			var y, d [geluChunk]float32
			for c := lo; c < hi; c += geluChunk {
				e := min(c+geluChunk, hi)
				geluBlock(y[:e-c], d[:e-c], xs[c:e])
				for i, v := range g[c:e] {
					gx[c+i] += v * d[i]
				}
			}
		})
	case backend.OpPow:
		if p == 0 { // x⁰ = 1 is constant (and 0·0⁻¹ would be NaN at x = 0)
			break
		}
		for i, v := range g {
			gx[i] += v * p * float32(math.Pow(float64(xs[i]), float64(p-1)))
		}
	case backend.OpAddScalar:
		for i, v := range g {
			gx[i] += v
		}
	case backend.OpMulScalar:
		for i, v := range g {
			gx[i] += v * p
		}
	case backend.OpAbs:
		for i, v := range g {
			switch {
			case xs[i] > 0:
				gx[i] += v
			case xs[i] < 0:
				gx[i] -= v
			}
		}
	case backend.OpClamp:
		for i, v := range g {
			if xs[i] > p {
				gx[i] += v
			}
		}
	default:
		panic("nn: unknown unary op")
	}
}

// binaryKernel is Binary's loop over contiguous operands of one size.
type binaryKernel struct {
	op        backend.BinaryOp
	d, as, bs []float32
}

var binarySlot binaryKernel

func (k binaryKernel) run(lo, hi int) {
	d, as, bs := k.d[lo:hi], k.as[lo:hi], k.bs[lo:hi]
	if binarySIMD(k.op, d, as, bs) {
		return
	}
	switch k.op {
	case backend.OpAdd:
		for i := range d {
			d[i] = as[i] + bs[i]
		}
	case backend.OpSub:
		for i := range d {
			d[i] = as[i] - bs[i]
		}
	case backend.OpMul:
		for i := range d {
			d[i] = as[i] * bs[i]
		}
	case backend.OpDiv:
		for i := range d {
			d[i] = as[i] / bs[i]
		}
	case backend.OpEq:
		for i := range d {
			d[i] = b2f(as[i] == bs[i])
		}
	}
}

func (cpuBackend) Binary(op backend.BinaryOp, dst Buffer, shape []int, a Buffer, aStrides []int, b Buffer, bStrides []int) {
	d, as, bs := host(dst), host(a), host(b)
	// Fast path: both contiguous and the same size.
	if len(as) == len(d) && len(bs) == len(d) && contiguous(shape, aStrides) && contiguous(shape, bStrides) {
		parallelFor(&binarySlot, len(d), parallelMin, binaryKernel{op, d, as, bs})
		return
	}
	// General path: a's index follows aStrides; b's index is tracked alongside.
	r := len(shape)
	idx := make([]int, r)
	n := len(d)
	ja, jb := 0, 0
	for i := 0; i < n; i++ {
		x, y := as[ja], bs[jb]
		switch op {
		case backend.OpAdd:
			d[i] = x + y
		case backend.OpSub:
			d[i] = x - y
		case backend.OpMul:
			d[i] = x * y
		case backend.OpDiv:
			d[i] = x / y
		case backend.OpEq:
			d[i] = b2f(x == y)
		}
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax]++
			ja += aStrides[ax]
			jb += bStrides[ax]
			if idx[ax] < shape[ax] {
				break
			}
			ja -= aStrides[ax] * shape[ax]
			jb -= bStrides[ax] * shape[ax]
			idx[ax] = 0
		}
	}
}

func contiguous(shape, strides []int) bool {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && strides[i] != s {
			return false
		}
		s *= shape[i]
	}
	return true
}

func (cpuBackend) Reduce(op backend.ReduceOp, dst, x Buffer, outer, n, inner int) {
	d, s := host(dst), host(x)
	for o := 0; o < outer; o++ {
		out := d[o*inner : (o+1)*inner]
		base := o * n * inner
		if op == backend.ReduceMax {
			copy(out, s[base:base+inner])
			for j := 1; j < n; j++ {
				row := s[base+j*inner : base+(j+1)*inner]
				for i, v := range row {
					if v > out[i] || v != v {
						out[i] = v
					}
				}
			}
			continue
		}
		for i := range out {
			out[i] = 0
		}
		for j := 0; j < n; j++ {
			row := s[base+j*inner : base+(j+1)*inner]
			for i, v := range row {
				out[i] += v
			}
		}
	}
}

func (cpuBackend) MatMul(dst, a, b Buffer, batch, m, n, k int, transA, transB bool, strideA, strideB int, accumulate bool) {
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	if batch == 0 || m == 0 || n == 0 {
		return
	}
	if k == 0 { // an empty sum: the product is zero
		if !accumulate {
			clear(host(dst)[:batch*m*n])
		}
		return
	}
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	sgemmBatch(batch, transA, transB, m, n, k, 1, host(a), lda, strideA, host(b), ldb, strideB, beta, host(dst), n, m*n)
}

func (cpuBackend) Softmax(dst, x Buffer, rows, cols int, log bool) {
	d, s := host(dst), host(x)
	for r := 0; r < rows; r++ {
		in, out := s[r*cols:(r+1)*cols], d[r*cols:(r+1)*cols]
		mx := float32(math.Inf(-1))
		for _, v := range in {
			mx = max(mx, v)
		}
		var sum float64
		for i, v := range in {
			e := math.Exp(float64(v - mx))
			out[i] = float32(e)
			sum += e
		}
		if log {
			lse := float32(math.Log(sum)) + mx
			for i, v := range in {
				out[i] = v - lse
			}
		} else {
			inv := float32(1 / sum)
			for i := range out {
				out[i] *= inv
			}
		}
	}
}

func (cpuBackend) SoftmaxGrad(dx, y, dy Buffer, rows, cols int, log bool) {
	gx, ys, g := host(dx), host(y), host(dy)
	for r := 0; r < rows; r++ {
		yr, gr, xr := ys[r*cols:(r+1)*cols], g[r*cols:(r+1)*cols], gx[r*cols:(r+1)*cols]
		if log {
			var sum float32
			for _, v := range gr {
				sum += v
			}
			for i := range xr {
				xr[i] += gr[i] - float32(math.Exp(float64(yr[i])))*sum
			}
			continue
		}
		var dot float32
		for i := range yr {
			dot += yr[i] * gr[i]
		}
		for i := range xr {
			xr[i] += yr[i] * (gr[i] - dot)
		}
	}
}

func (cpuBackend) CrossEntropy(loss, lse, logits Buffer, targets []int32, rows, cols int, ignore int32) int {
	l, ls, x := host(loss), host(lse), host(logits)
	var total float64
	count := 0
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		mx := float32(math.Inf(-1))
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range row {
			sum += fastExp(float64(v - mx))
		}
		ls[r] = float32(math.Log(sum)) + mx
		if t := targets[r]; t != ignore {
			total += float64(ls[r] - row[t])
			count++
		}
	}
	if count > 0 {
		l[0] = float32(total / float64(count))
	} else {
		l[0] = 0
	}
	return count
}

func (cpuBackend) CrossEntropyGrad(dlogits, logits, lse Buffer, targets []int32, rows, cols int, ignore int32, scale float32) {
	g, x, ls := host(dlogits), host(logits), host(lse)
	for r := 0; r < rows; r++ {
		t := targets[r]
		if t == ignore {
			continue
		}
		row, gr := x[r*cols:(r+1)*cols], g[r*cols:(r+1)*cols]
		for i, v := range row {
			gr[i] += scale * float32(fastExp(float64(v-ls[r])))
		}
		gr[t] -= scale
	}
}

func (cpuBackend) LayerNorm(y, mean, rstd, x, gain, bias Buffer, rows, cols int, eps float32) {
	ys, ms, rs, xs, gs, bs := host(y), host(mean), host(rstd), host(x), host(gain), host(bias)
	parallelFor(&layerNormSlot, rows, parallelMin/max(cols, 1)+1, layerNormKernel{ys, ms, rs, xs, gs, bs, cols, eps})
}

// layerNormKernel is LayerNorm's loop over rows.
type layerNormKernel struct {
	ys, ms, rs, xs, gs, bs []float32
	cols                   int
	eps                    float32
}

var layerNormSlot layerNormKernel

func (k layerNormKernel) run(lo, hi int) {
	layerNormRows(k.ys, k.ms, k.rs, k.xs, k.gs, k.bs, lo, hi, k.cols, k.eps)
}

// layerNormRows normalizes rows [lo, hi): in assembly where there is a kernel for this CPU and width,
// else in Go.
func layerNormRows(ys, ms, rs, xs, gs, bs []float32, lo, hi, cols int, eps float32) {
	if !layerNormRowsSIMD(ys, ms, rs, xs, gs, bs, lo, hi, cols, eps) {
		layerNormRowsGo(ys, ms, rs, xs, gs, bs, lo, hi, cols, eps)
	}
}

// layerNormRowsGo is layerNormRows in Go: the mean and variance summed in float64.
func layerNormRowsGo(ys, ms, rs, xs, gs, bs []float32, lo, hi, cols int, eps float32) {
	for r := lo; r < hi; r++ {
		row, out := xs[r*cols:(r+1)*cols], ys[r*cols:(r+1)*cols]
		var sum float64
		for _, v := range row {
			sum += float64(v)
		}
		mu := sum / float64(cols)
		var sq float64
		for _, v := range row {
			d := float64(v) - mu
			sq += d * d
		}
		rsd := 1 / math.Sqrt(sq/float64(cols)+float64(eps))
		ms[r], rs[r] = float32(mu), float32(rsd)
		m, s := float32(mu), float32(rsd)
		for i, v := range row {
			o := (v - m) * s
			if gs != nil {
				o *= gs[i]
			}
			if bs != nil {
				o += bs[i]
			}
			out[i] = o
		}
	}
}

// LayerNormGrad splits the rows across the cores; each part sums its own dgain and dbias, added
// into the outputs under a lock at its end.
func (cpuBackend) LayerNormGrad(dx, dgain, dbias, dy, x, mean, rstd, gain Buffer, rows, cols int) {
	gx, gg, gb, g, xs, ms, rs, gs := host(dx), host(dgain), host(dbias), host(dy), host(x), host(mean), host(rstd), host(gain)
	parallelFor(&layerNormGradSlot, rows, parallelMin/max(cols, 1)+1, layerNormGradKernel{gx, gg, gb, g, xs, ms, rs, gs, cols, &layerNormGradMu})
}

// layerNormGradKernel is LayerNormGrad's loop over rows: each chunk sums its dgain and dbias in
// scratch and adds them into gg and gb under mu.
type layerNormGradKernel struct {
	gx, gg, gb, g, xs, ms, rs, gs []float32
	cols                          int
	mu                            *sync.Mutex
}

var (
	layerNormGradSlot layerNormGradKernel
	layerNormGradMu   sync.Mutex
)

func (k layerNormGradKernel) run(lo, hi int) {
	sc := floatScratch.get(2 * k.cols)
	defer floatScratch.put(sc)
	clear(*sc)
	var pg, pb []float32
	if k.gg != nil {
		pg = (*sc)[:k.cols]
	}
	if k.gb != nil {
		pb = (*sc)[k.cols:]
	}
	layerNormGradRows(k.gx, pg, pb, k.g, k.xs, k.ms, k.rs, k.gs, lo, hi, k.cols)
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range pg {
		k.gg[i] += pg[i]
	}
	for i := range pb {
		k.gb[i] += pb[i]
	}
}

// layerNormGradRows adds rows [lo, hi) of LayerNorm's gradient into gx, gg and gb: in assembly where
// there is a kernel for this CPU and width, else in Go.
func layerNormGradRows(gx, gg, gb, g, xs, ms, rs, gs []float32, lo, hi, cols int) {
	if !layerNormGradRowsSIMD(gx, gg, gb, g, xs, ms, rs, gs, lo, hi, cols) {
		layerNormGradRowsGo(gx, gg, gb, g, xs, ms, rs, gs, lo, hi, cols)
	}
}

// layerNormGradRowsGo is layerNormGradRows in Go.
func layerNormGradRowsGo(gx, gg, gb, g, xs, ms, rs, gs []float32, lo, hi, cols int) {
	for r := lo; r < hi; r++ {
		row, gr, xr := xs[r*cols:(r+1)*cols], g[r*cols:(r+1)*cols], gx[r*cols:(r+1)*cols]
		m, s := ms[r], rs[r]
		// dxhat = dy·gain; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
		var sum1, sum2 float32
		for i, v := range row {
			xh := (v - m) * s
			d := gr[i]
			if gs != nil {
				d *= gs[i]
			}
			sum1 += d
			sum2 += d * xh
			if gg != nil {
				gg[i] += gr[i] * xh
			}
			if gb != nil {
				gb[i] += gr[i]
			}
		}
		sum1 /= float32(cols)
		sum2 /= float32(cols)
		for i, v := range row {
			xh := (v - m) * s
			d := gr[i]
			if gs != nil {
				d *= gs[i]
			}
			xr[i] += s * (d - sum1 - xh*sum2)
		}
	}
}

func (cpuBackend) Embedding(dst, table Buffer, idx []int32, dim int) {
	d, t := host(dst), host(table)
	for i, r := range idx {
		copy(d[i*dim:(i+1)*dim], t[int(r)*dim:(int(r)+1)*dim])
	}
}

func (cpuBackend) EmbeddingGrad(dtable, dy Buffer, idx []int32, dim int) {
	gt, g := host(dtable), host(dy)
	for i, r := range idx {
		row, src := gt[int(r)*dim:(int(r)+1)*dim], g[i*dim:(i+1)*dim]
		for j, v := range src {
			row[j] += v
		}
	}
}

func (cpuBackend) MaskedFill(dst Buffer, shape []int, x Buffer, xStrides []int, mask Buffer, maskStrides []int, value float32) {
	d, xs, ms := host(dst), host(x), host(mask)
	r := len(shape)
	idx := make([]int, r)
	jx, jm := 0, 0
	for i := range d {
		if ms[jm] != 0 {
			d[i] = value
		} else {
			d[i] = xs[jx]
		}
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax]++
			jx += xStrides[ax]
			jm += maskStrides[ax]
			if idx[ax] < shape[ax] {
				break
			}
			jx -= xStrides[ax] * shape[ax]
			jm -= maskStrides[ax] * shape[ax]
			idx[ax] = 0
		}
	}
}

func (cpuBackend) AdamW(p, g, m, v Buffer, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	ps, gs, ms, vs := host(p), host(g), host(m), host(v)
	gs = gs[:len(ps)]
	parallelFor(&adamwSlot, len(ps), parallelMin, adamwKernel{ps, gs, ms, vs, lr, b1, b2, eps, wd, bc1, bc2})
}

// adamwKernel is AdamW's loop.
type adamwKernel struct {
	ps, gs, ms, vs                []float32
	lr, b1, b2, eps, wd, bc1, bc2 float32
}

var adamwSlot adamwKernel

func (k adamwKernel) run(lo, hi int) {
	adamwBlock(k.ps[lo:hi], k.gs[lo:hi], k.ms[lo:hi], k.vs[lo:hi], k.lr, k.b1, k.b2, k.eps, k.wd, k.bc1, k.bc2)
}

// adamwScalar is AdamW's update in Go, the reference the assembly kernels (adamwAVX512, adamwNEON)
// match bit for bit. The float32 conversions round every product, as the spec lets them: they stop the
// compiler from fusing a multiply and an add (which it does on arm64), so the bits are the same on
// every architecture.
func adamwScalar(ps, gs, ms, vs []float32, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	for i, gi := range gs {
		mi := float32(b1*ms[i]) + float32((1-b1)*gi)
		vi := float32(b2*vs[i]) + float32(float32((1-b2)*gi)*gi)
		ms[i], vs[i] = mi, vi
		mhat := mi / bc1
		vhat := vi / bc2
		ps[i] -= float32(lr * (mhat/(float32(math.Sqrt(float64(vhat)))+eps) + float32(wd*ps[i])))
	}
}

// sgemmBatch is the matrix product kernel: the packed, vectorised SGEMM of lib/nn/gemm.
// naiveSgemmBatch stays as the obviously correct reference for tests.
var sgemmBatch = gemm.SgemmBatch

func naiveSgemmBatch(batch int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int) {
	for p := 0; p < batch; p++ {
		A, B, C := a[p*strideA:], b[p*strideB:], c[p*strideC:]
		for i := 0; i < m; i++ {
			crow := C[i*ldc : i*ldc+n]
			if beta == 0 {
				for j := range crow {
					crow[j] = 0
				}
			} else if beta != 1 {
				for j := range crow {
					crow[j] *= beta
				}
			}
			for l := 0; l < k; l++ {
				var av float32
				if transA {
					av = A[l*lda+i]
				} else {
					av = A[i*lda+l]
				}
				av *= alpha
				if av == 0 {
					continue
				}
				if transB {
					for j := range crow {
						crow[j] += av * B[j*ldb+l]
					}
				} else {
					brow := B[l*ldb : l*ldb+n]
					for j, bv := range brow {
						crow[j] += av * bv
					}
				}
			}
		}
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
