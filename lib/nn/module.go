package nn

import (
	"fmt"
	"sort"
)

// Param is one named parameter of a model: its tensor (a leaf that requires gradients) and
// whether weight decay applies to it (matrices yes; gains, biases and other 1-D parameters no).
type Param struct {
	Name  string  // dotted path, e.g. "blocks.0.qkv.weight" (the PyTorch state_dict name)
	Value *Tensor // the tensor the optimizer updates in place
	Decay bool    // whether AdamW's weight decay applies
}

// Module is a layer or a model made of layers. Parameters lists its parameters once each
// (a tied weight appears under its first name), in a stable order.
type Module interface {
	// Parameters returns the module's parameters with their dotted names.
	Parameters() []*Param
	// Train switches training mode (dropout active) on or off, for the module and its children.
	Train(on bool)
	// Training reports whether the module is in training mode.
	Training() bool
}

// CountParams returns the number of scalar parameters of m.
func CountParams(m Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Value.Len()
	}
	return n
}

// ZeroGrad forgets the gradients of every parameter of m.
func ZeroGrad(m Module) {
	for _, p := range m.Parameters() {
		p.Value.ZeroGrad()
	}
}

// StateDict returns m's parameters by name.
func StateDict(m Module) map[string]*Tensor {
	out := map[string]*Tensor{}
	for _, p := range m.Parameters() {
		out[p.Name] = p.Value
	}
	return out
}

// LoadState copies the named tensors into m's parameters. Every parameter must be present with its
// exact shape and no other names may appear; the error names what is missing, unexpected or mismatched.
func LoadState(m Module, state map[string]*Tensor) error {
	params := m.Parameters()
	known := map[string]bool{}
	for _, p := range params {
		known[p.Name] = true
		t, ok := state[p.Name]
		if !ok {
			return fmt.Errorf("%w: %q", ErrMissingTensor, p.Name)
		}
		if !equalShape(t.shape, p.Value.shape) {
			return fmt.Errorf("%w: %q is %s in the file, the model needs %s", ErrShapeMismatch, p.Name, shapeString(t.shape), shapeString(p.Value.shape))
		}
	}
	var extra []string
	for name := range state {
		if !known[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("%w: %q", ErrUnexpectedTensor, extra)
	}
	for _, p := range params {
		p.Value.setData(state[p.Name].Data())
	}
	return nil
}

// setData replaces a leaf tensor's values in place (same shape), keeping its identity.
func (t *Tensor) setData(v []float32) {
	t.buf = t.backend().FromHost(v)
}

// prefixed returns ps with prefix added to every name.
func prefixed(prefix string, ps []*Param) []*Param {
	out := make([]*Param, len(ps))
	for i, p := range ps {
		out[i] = &Param{Name: prefix + p.Name, Value: p.Value, Decay: p.Decay}
	}
	return out
}

// newParam marks t as a parameter leaf and returns it.
func newParam(t *Tensor) *Tensor { return t.SetRequiresGrad(true) }
