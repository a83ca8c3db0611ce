package nn

// Trainer runs a GPT's training steps — forward pass, cross-entropy loss, backward pass, gradient
// clipping and the optimizer's update — and owns every tensor a step makes, so that it can reuse
// them: on the CPU a step in steady state makes no heap allocation at all (TestTrainerAllocs). The
// same step written out,
//
//	loss := m.Loss(m.Forward(x, B, T), y)
//	opt.ZeroGrad()
//	loss.Backward()
//	nn.ClipGradNorm(m.Parameters(), clip)
//	opt.Step()
//
// hands the program tensors it may keep (the logits, the loss, the gradients), so those are made
// anew at every step. With a Trainer, the parameters' gradients stay readable through Grad until
// the next Step, which reuses their storage.
type Trainer struct {
	model  *GPT
	opt    Optimizer
	clip   float32
	params []*Param
	seed   *Tensor // the loss's upstream gradient, 1, on the loss's device
}

// NewTrainer returns a Trainer of m with opt, which clips the gradients' global norm at clip
// (0: no clipping).
func NewTrainer(m *GPT, opt Optimizer, clip float32) *Trainer {
	return &Trainer{model: m, opt: opt, clip: clip, params: m.Parameters()}
}

// Step trains on B rows of T token ids x with next-token targets y (B·T each) and returns the loss
// before the update.
func (tr *Trainer) Step(x, y []int, B, T int) float32 {
	if len(y) != len(x) {
		fail("trainer", nil, "%d targets for %d ids (one target per id)", len(y), len(x))
	}
	for _, p := range tr.params {
		dropGrad(p.Value)
	}
	logits, _ := tr.model.forward(x, B, T, false)
	loss := CrossEntropy(logits, y)
	markTransient(loss) // the logits too are the Trainer's own
	v := loss.Item()
	if tr.seed == nil || tr.seed.buf.Backend() != loss.buf.Backend() {
		tr.seed = Scalar(1).To(loss.Device())
	}
	loss.BackwardWith(tr.seed)
	release(loss)
	if tr.clip > 0 {
		ClipGradNorm(tr.params, tr.clip)
	}
	tr.opt.Step()
	return v
}
