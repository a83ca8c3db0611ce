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
// Operations go through a Backend; the CPU backend is the reference and the default, and a GPU
// backend (lib/gpu) registers itself to be used with Tensor.To. Misuse — mismatched shapes, an axis
// out of range, a target outside the vocabulary — panics with an *Error that names the operation and
// the shapes involved; nothing returns silently wrong numbers. Randomness comes from one seedable
// generator (Seed), so runs are reproducible.
package nn
