// Package nn is notmagic's neural-network library: float32 tensors of any rank, reverse-mode
// automatic differentiation, the layers and optimizers of a GPT, and the text tools to train one.
//
// Everything a model does is made of a few operations on tensors — wx+b (MatMul, Add), a
// non-linearity (GELU), a loss (CrossEntropy) — recorded as they run, so that Backward can send
// the loss's gradient back to every parameter:
//
//	w := nn.Randn(3, 1).SetRequiresGrad(true)
//	x := nn.New([]float32{1, 2, 3}, 1, 3)
//	loss := x.MatMul(w).Square().Sum()
//	loss.Backward()
//	fmt.Println(w.Grad()) // ∂loss/∂w
//
// # Tensors
//
// A Tensor is float32, row-major, of any rank (a 0-D tensor is a scalar). Make one from values
// (New, FromRows, FromFloat64s, Scalar), as a constant (Zeros, Ones, Full, Arange, Eye) or at random
// (Rand, Randn, Uniform, Normal) from the package's one generator, which Seed makes reproducible.
// Tensors are values: every operation returns a new tensor; Reshape and Detach share storage with
// their input. Elementwise operations broadcast as NumPy does; reductions (Sum, Mean, Max and their
// …Keep forms) take any set of axes, negative axes counting from the end. Data, Rows, Item, At and
// Float64s copy values out; String prints them the way PyTorch does, summarising tensors of more
// than 1,000 elements.
//
// # Gradients
//
// SetRequiresGrad(true) marks a parameter. Operations on it are recorded; Backward on a scalar
// result (or BackwardWith an upstream gradient for any shape) adds ∂result/∂t into the Grad of every
// tensor t that requires one. Gradients accumulate across calls until ZeroGrad; a gradient that went
// through broadcasting is summed back to its input's shape; a tensor used several times receives the
// sum over its uses. Backward releases the graph, so keeping a loss (for a curve) keeps no
// activations alive, and a second Backward through a released graph panics instead of silently
// sending nothing. NoGrad runs code without recording (evaluation, sampling, optimizer steps);
// Detach cuts a tensor from the graph. Recording is a process-wide switch: do not train in one
// goroutine while another runs NoGrad.
//
// Where a function has a kink the gradient takes a one-sided value: ReLU and ClampMin send none at
// the kink, Abs sends 0 at 0, and Max shares the gradient equally among tied maxima (as torch.amax).
// The losses are computed stably: CrossEntropy fuses log-softmax with the loss (logits of 10⁴ are
// fine), LogSoftmax never takes the log of a rounded-to-zero probability, and
// BinaryCrossEntropyWithLogits works from logits; BinaryCrossEntropy, which takes probabilities,
// clamps them to [1e-7, 1−1e-7]. CheckFinite reports a NaN or infinity, e.g. in a diverging loss.
//
// Every differentiable operation is tested against central finite differences in float64 and
// against PyTorch's values and gradients (testdata/gen_golden.py writes the reference values).
//
// # Training
//
// A training step is Forward, Loss, ZeroGrad, Backward, ClipGradNorm and the optimizer's Step, as the
// lessons write it out. A Trainer runs the same step for a GPT (the same numbers, bit for bit) and
// owns every tensor the step makes — activations, logits, loss, gradients — so it reuses them all:
// on the CPU a step in steady state makes no heap allocation. The parameters' gradients stay
// readable until the next Step. Underneath, Backward recycles what it knows is dead (a model's own
// activations, consumed gradients, a borrowed gradient once its last holder is done); tensors a
// program can still reach are left to the garbage collector.
//
// # Errors
//
// Misuse — mismatched shapes, an axis out of range, a target outside the vocabulary, Backward on a
// tensor without gradients — panics with an *Error that names the operation and the shapes involved,
// e.g. "matmul: [3 4] × [5 2]: inner dimensions 4 and 5 differ"; nothing returns silently wrong
// numbers. Recover it with errors.As, or let the notebook show it.
//
// # Devices
//
// Operations go through a Backend; the CPU backend is the reference and the default, and a GPU
// backend (lib/gpu) registers itself (RegisterBackend) to be used with Tensor.To. The operands of
// an operation must be on one device; constant masks made on the CPU (CausalMask) are copied to the
// tensor's device by MaskedFill.
//
// The seam's types (Backend, Buffer, the op codes) and its optional extensions live in package
// lib/nn/backend; lib/nn/nntest has a test double and the conformance suite every backend runs. A
// backend may implement optional extensions, which lib/nn finds by type assertion and otherwise
// composes from the primitives: FusedAttention (causal attention in one op, used without attention
// dropout; the CPU has it), FusedCausalSoftmax (the attention softmax with its scale, mask and dropout
// in one pass; the GPU has it), FlashAttention (causal attention with dropout that never stores the
// T×T weights; the GPU has it, switched on by gpu.SetFlashAttention), DropoutMasker (masks drawn on
// the device) and UninitAllocator (outputs without a zero fill). ClipGradNorm sums squares on the tensors' device and copies back one number.
package nn
