// Package backend is the seam between lib/nn and the devices it computes on, in the pattern of
// database/sql/driver: lib/nn's tensors, autograd and layers call a Backend's kernels on Buffers, and a
// device package (lib/gpu) implements this package's interfaces and registers itself with
// nn.RegisterBackend. Programs that train models need none of it; nn.Backend and nn.Buffer are aliases
// of the types here.
//
// A backend implements Backend. It may also implement the optional extensions below, each of which
// lib/nn discovers by a type assertion and uses instead of a slower composition of the core kernels:
// UninitAllocator, BufferReleaser, DropoutMasker, FusedAttention, FusedCausalSoftmax and FlashAttention.
//
// The CPU backend (nn.CPU) is the reference; lib/nn/nntest holds a test double of this seam and the
// conformance suite that every backend runs against the CPU.
package backend

// Buffer is a flat float32 array owned by a backend (host memory for the CPU, device memory for a GPU).
type Buffer interface {
	Len() int
	Backend() Backend
}

// UnaryOp names an elementwise function of one tensor (and an optional scalar parameter p).
type UnaryOp int

// The elementwise functions of one argument.
const (
	OpNeg       UnaryOp = iota // -x
	OpExp                      // eˣ
	OpLog                      // ln x
	OpSqrt                     // √x
	OpTanh                     // tanh x
	OpSigmoid                  // 1/(1+e⁻ˣ)
	OpReLU                     // max(x, 0)
	OpGELU                     // x·Φ(x), the exact (erf) form
	OpPow                      // xᵖ
	OpAddScalar                // x + p
	OpMulScalar                // x · p
	OpAbs                      // |x|
	OpClamp                    // max(x, p): a lower clamp
)

var unaryNames = [...]string{"neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "gelu", "pow", "add", "mul", "abs", "clamp"}

func (op UnaryOp) String() string { return unaryNames[op] }

// BinaryOp names an elementwise function of two tensors with broadcasting.
type BinaryOp int

// The elementwise functions of two arguments.
const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	OpDiv
	OpEq // 1 where a == b, else 0 (not differentiable)
)

var binaryNames = [...]string{"add", "sub", "mul", "div", "eq"}

func (op BinaryOp) String() string { return binaryNames[op] }

// ReduceOp names a reduction.
type ReduceOp int

// The reductions.
const (
	ReduceSum ReduceOp = iota
	ReduceMax
)

// Backend computes lib/nn's primitive kernels on one kind of device. The CPU backend is the reference;
// a GPU backend implements the same methods and is tested against it. All buffers passed to one call
// belong to the backend. Shapes are row-major; strides count elements. Methods whose doc says "+=" accumulate.
type Backend interface {
	// Name is the device name tensors report, e.g. "cpu" or "cuda".
	Name() string
	// Alloc returns a zero-filled buffer of n elements.
	Alloc(n int) Buffer
	// FromHost returns a new buffer holding a copy of v.
	FromHost(v []float32) Buffer
	// ToHost copies src into dst (len(dst) == src.Len()).
	ToHost(dst []float32, src Buffer)
	// Fill sets every element of dst to v.
	Fill(dst Buffer, v float32)
	// Axpy computes dst += alpha·x.
	Axpy(dst Buffer, alpha float32, x Buffer)
	// Gather writes into contiguous dst of the given shape the elements src[offset + Σ idx[i]·strides[i]];
	// with accumulate it adds instead of overwriting.
	Gather(dst Buffer, shape []int, src Buffer, offset int, strides []int, accumulate bool)
	// Scatter adds contiguous src of the given shape into dst[offset + Σ idx[i]·strides[i]]
	// (strides never map two indices to one element).
	Scatter(dst Buffer, offset int, strides []int, src Buffer, shape []int)
	// Unary computes dst = op(x, p).
	Unary(op UnaryOp, dst, x Buffer, p float32)
	// UnaryGrad computes dx += dy · op'(x), given y = op(x, p).
	UnaryGrad(op UnaryOp, dx, x, y, dy Buffer, p float32)
	// Binary computes dst = a op b over shape, reading a and b with the given strides (0 on broadcast axes).
	Binary(op BinaryOp, dst Buffer, shape []int, a Buffer, aStrides []int, b Buffer, bStrides []int)
	// Reduce computes dst[o, i] = reduce over j of x[o, j, i] for x viewed as [outer, n, inner].
	Reduce(op ReduceOp, dst, x Buffer, outer, n, inner int)
	// MatMul computes batch products dst[b] (+)= op(a[b])·op(b[b]) of shapes m×k and k×n,
	// where a[b] starts at b·strideA (0: shared) and likewise for b; dst is contiguous.
	MatMul(dst, a, b Buffer, batch, m, n, k int, transA, transB bool, strideA, strideB int, accumulate bool)
	// Softmax computes dst = softmax (or log-softmax) of each of rows rows of cols values.
	Softmax(dst, x Buffer, rows, cols int, log bool)
	// SoftmaxGrad computes dx += the gradient through softmax (or log-softmax) given its output y and dy.
	SoftmaxGrad(dx, y, dy Buffer, rows, cols int, log bool)
	// CrossEntropy computes, for rows of logits and integer targets, lse[r] = logsumexp(row r) and
	// loss[0] = mean over rows whose target is not ignore of lse[r] − x[r, target]; it returns that row count.
	CrossEntropy(loss, lse, logits Buffer, targets []int32, rows, cols int, ignore int32) int
	// CrossEntropyGrad computes dlogits += scale · (softmax(x) − onehot(target)) for rows not ignored.
	CrossEntropyGrad(dlogits, logits, lse Buffer, targets []int32, rows, cols int, ignore int32, scale float32)
	// LayerNorm normalises each row of x over cols: y = (x − mean)·rstd·gain + bias (gain, bias may be nil),
	// storing mean and rstd (rows each) for the backward pass.
	LayerNorm(y, mean, rstd, x, gain, bias Buffer, rows, cols int, eps float32)
	// LayerNormGrad computes dx += ∂L/∂x and, where not nil, dgain += ∂L/∂gain and dbias += ∂L/∂bias.
	LayerNormGrad(dx, dgain, dbias, dy, x, mean, rstd, gain Buffer, rows, cols int)
	// Embedding copies rows idx[i] of the table (rows of dim) into row i of dst.
	Embedding(dst, table Buffer, idx []int32, dim int)
	// EmbeddingGrad adds row i of dy into row idx[i] of dtable.
	EmbeddingGrad(dtable, dy Buffer, idx []int32, dim int)
	// MaskedFill computes dst = value where mask ≠ 0 and x elsewhere, over shape with strides for x and mask.
	MaskedFill(dst Buffer, shape []int, x Buffer, xStrides []int, mask Buffer, maskStrides []int, value float32)
	// AdamW updates p in place from its gradient g and moments m, v:
	// m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p −= lr·(m/bc1 / (√(v/bc2) + eps) + wd·p).
	AdamW(p, g, m, v Buffer, lr, b1, b2, eps, wd, bc1, bc2 float32)
}

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

// FlashAttention is an optional Backend extension: causal multi-head attention with dropout on the
// attention weights that never stores the [B, H, T, T] weights (FlashAttention, Dao et al. 2022): the
// forward pass keeps each row's log-sum-exp, and the backward pass recomputes the weights from it.
// lib/nn prefers it to FusedAttention and FusedCausalSoftmax when FlashAttentionFits says yes.
type FlashAttention interface {
	// FlashAttentionFits reports whether FlashAttention takes these sizes (and is switched on).
	FlashAttentionFits(B, T, H, D int) bool
	// FlashAttention reads qkv [B, T, 3·H·D] (rows q | k | v, each H heads of D) and writes
	// y [B, T, H·D] = dropout(softmax(scale·q·kᵀ + causal mask))·v per head, and lse [B, H, T], the log
	// of each row's softmax denominator (log Σⱼ exp(scale·q·kⱼ)). With p > 0, weight (b, h, i, j) is
	// kept, scaled by 1/(1−p), when the dropout draw of seed at index ((b·H + h)·T + i)·T + j is ≥ p:
	// the weights FusedCausalSoftmax drops for the same seed.
	FlashAttention(y, lse, qkv Buffer, B, T, H, D int, scale, p float32, seed uint64)
	// FlashAttentionGrad writes dqkv, the gradient through FlashAttention given dy and its y and lse.
	FlashAttentionGrad(dqkv, dy, y, lse, qkv Buffer, B, T, H, D int, scale, p float32, seed uint64)
}

// BufferReleaser is an optional Backend extension: Release takes back a buffer that lib/nn knows
// no tensor uses any more (a gradient Backward has consumed), for reuse before the garbage collector
// would find it; the buffer must not be used afterwards.
type BufferReleaser interface {
	Release(b Buffer)
}

// DropoutMasker is an optional Backend extension that draws dropout masks where the tensor lives
// (a GPU backend), instead of on the host and then copying them over.
type DropoutMasker interface {
	// DropoutMask fills mask with 1/(1−p) with probability 1−p and 0 otherwise, deterministically from seed.
	DropoutMask(mask Buffer, p float32, seed uint64)
}

// UninitAllocator is an optional Backend extension for buffers that a kernel overwrites entirely:
// AllocUninit returns n elements with undefined contents, saving Alloc's zero fill (on a GPU, a
// pass over the memory for every op's output). lib/nn uses it for outputs that a kernel overwrites
// entirely.
type UninitAllocator interface {
	AllocUninit(n int) Buffer
}
