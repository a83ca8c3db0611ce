package nn

import (
	"fmt"
	"math"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// Tensor is an n-dimensional array of float32 in row-major order, on one device, that records the
// operations made with it so that Backward can compute gradients. Tensors are immutable values
// for the user: every operation returns a new tensor (Reshape may share storage with its input).
type Tensor struct {
	shape        []int
	buf          Buffer
	requiresGrad bool
	grad         *Tensor
	node         *node     // the operation that produced this tensor, while the graph is alive (&nd)
	life         lifecycle // what the memory rules know of it (memory.go)
	mark         uint32    // Backward's visit mark

	// Storage, so that a tensor is one allocation, and none when its header comes from tensorPool.
	dims [4]int // shape, up to rank 4
	nd   node   // node
}

// numel is the number of elements of a shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func checkShape(op string, shape []int) {
	for _, d := range shape {
		if d < 0 {
			fail(op, [][]int{shape}, "negative dimension %d", d)
		}
	}
}

// empty returns a zero-filled tensor of the shape on backend b.
func empty(b Backend, shape []int) *Tensor {
	return newTensor(shape, b.Alloc(numel(shape)))
}

// output returns a tensor of the shape on b for a kernel that writes every element of it: its
// contents are undefined where b implements UninitAllocator, zeros otherwise. Outputs of "+="
// kernels (the gradients) must come from empty.
func output(b Backend, shape []int) *Tensor {
	return newTensor(shape, uninitBuf(b, numel(shape)))
}

// uninitBuf is output's buffer without a tensor.
func uninitBuf(b Backend, n int) Buffer {
	if u, ok := b.(backend.UninitAllocator); ok {
		return u.AllocUninit(n)
	}
	return b.Alloc(n)
}

// New returns a tensor of the given shape holding a copy of data; with no shape it is a vector.
func New(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	checkShape("new", shape)
	if numel(shape) != len(data) {
		fail("new", [][]int{shape}, "shape needs %d values, got %d", numel(shape), len(data))
	}
	return &Tensor{shape: append([]int(nil), shape...), buf: CPU.FromHost(data)}
}

// FromFloat64s returns a tensor of the given shape from float64 values (converted to float32).
func FromFloat64s(data []float64, shape ...int) *Tensor {
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return New(f, shape...)
}

// FromRows returns a 2-D tensor from equal-length rows.
func FromRows(rows [][]float32) *Tensor {
	if len(rows) == 0 {
		return Zeros(0, 0)
	}
	cols := len(rows[0])
	data := make([]float32, 0, len(rows)*cols)
	for i, r := range rows {
		if len(r) != cols {
			fail("fromrows", nil, "row %d has %d values, row 0 has %d", i, len(r), cols)
		}
		data = append(data, r...)
	}
	return New(data, len(rows), cols)
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{shape: []int{}, buf: CPU.FromHost([]float32{v})} }

// Zeros returns a tensor of zeros.
func Zeros(shape ...int) *Tensor {
	checkShape("zeros", shape)
	return empty(CPU, shape)
}

// Full returns a tensor with every element v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	if v != 0 {
		CPU.Fill(t.buf, v)
	}
	return t
}

// Ones returns a tensor of ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Arange returns the vector start, start+step, … up to but excluding stop.
func Arange(start, stop, step float32) *Tensor {
	for _, v := range []float32{start, stop, step} {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			fail("arange", nil, "start %v, stop %v and step %v must be finite", start, stop, step)
		}
	}
	if step == 0 || (stop-start)/step < 0 {
		fail("arange", nil, "step %v cannot go from %v to %v", step, start, stop)
	}
	var data []float32
	for i := 0; ; i++ {
		v := start + float32(i)*step
		if (step > 0 && v >= stop) || (step < 0 && v <= stop) {
			break
		}
		data = append(data, v)
	}
	return New(data, len(data))
}

// Eye returns the n×n identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	d := host(t.buf)
	for i := 0; i < n; i++ {
		d[i*n+i] = 1
	}
	return t
}

// ZerosLike returns zeros with t's shape on t's device.
func ZerosLike(t *Tensor) *Tensor { return empty(t.backend(), t.shape) }

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dim returns the size of axis i (negative counts from the end).
func (t *Tensor) Dim(i int) int { return t.shape[t.axis("dim", i)] }

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.shape) }

// Len returns the number of elements.
func (t *Tensor) Len() int { return numel(t.shape) }

// Device returns the name of the device holding the tensor, e.g. "cpu".
func (t *Tensor) Device() string { return t.buf.Backend().Name() }

// Buffer returns the tensor's storage, for backends and fused kernels.
func (t *Tensor) Buffer() Buffer { return t.buf }

func (t *Tensor) backend() Backend { return t.buf.Backend() }

// Data returns a copy of the elements in row-major order (copied to the host from a device).
func (t *Tensor) Data() []float32 {
	out := make([]float32, t.Len())
	t.backend().ToHost(out, t.buf)
	return out
}

// Float64s returns the elements as float64, convenient for plotting.
func (t *Tensor) Float64s() []float64 {
	d := t.Data()
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

// Rows returns a 2-D tensor's rows (a copy).
func (t *Tensor) Rows() [][]float32 {
	if len(t.shape) != 2 {
		fail("rows", shapes(t), "need a 2-D tensor")
	}
	d := t.Data()
	r, c := t.shape[0], t.shape[1]
	out := make([][]float32, r)
	for i := range out {
		out[i] = d[i*c : (i+1)*c : (i+1)*c]
	}
	return out
}

// Item returns the value of a tensor with one element.
func (t *Tensor) Item() float32 {
	if t.Len() != 1 {
		fail("item", shapes(t), "need exactly one element, have %d", t.Len())
	}
	if b, ok := t.buf.(cpuBuffer); ok {
		return b[0]
	}
	return t.Data()[0]
}

// At returns the element at the given index (one coordinate per axis; negative counts from the end).
func (t *Tensor) At(index ...int) float32 {
	if len(index) != len(t.shape) {
		fail("at", shapes(t), "index %v has %d coordinates for %d axes", index, len(index), len(t.shape))
	}
	off := 0
	for i, x := range index {
		d := t.shape[i]
		if x < 0 {
			x += d
		}
		if x < 0 || x >= d {
			fail("at", shapes(t), "index %v out of range on axis %d", index, i)
		}
		off = off*d + x
	}
	if b, ok := t.buf.(cpuBuffer); ok {
		return b[off]
	}
	return t.Data()[off]
}

// To returns the tensor on the named device ("cpu", or "cuda" once lib/gpu is registered).
// The result is a leaf that keeps t's requires-grad flag; on the same device it is t itself.
func (t *Tensor) To(device string) *Tensor {
	if t.Device() == device {
		return t
	}
	b, err := BackendFor(device)
	if err != nil {
		panic(&Error{Op: "to", Shapes: shapes(t), Msg: err.Error()})
	}
	return &Tensor{shape: t.Shape(), buf: b.FromHost(t.Data()), requiresGrad: t.requiresGrad}
}

// Clone returns a copy of t that is part of the graph (gradients flow back to t).
func (t *Tensor) Clone() *Tensor {
	out := empty(t.backend(), t.shape)
	out.backend().Axpy(out.buf, 1, t.buf)
	return record(out, "clone", []*Tensor{t}, func(g *Tensor) { accumulate(t, g, false) })
}

// axis normalises a possibly negative axis for an op, panicking with a clear error when out of range.
func (t *Tensor) axis(op string, a int) int {
	r := len(t.shape)
	if a < -r || a >= r || (r == 0) {
		fail(op, shapes(t), "axis %d out of range for %d dimensions", a, r)
	}
	if a < 0 {
		a += r
	}
	return a
}

func sameDevice(op string, ts ...*Tensor) Backend {
	for i, t := range ts {
		if t == nil {
			fail(op, nil, "operand %d is a nil tensor", i+1)
		}
	}
	b := ts[0].backend()
	for _, t := range ts[1:] {
		if t.backend() != b {
			fail(op, shapes(ts...), "tensors are on different devices: %s and %s", b.Name(), t.Device())
		}
	}
	return b
}

// GoString helps %#v print a summary instead of internals.
func (t *Tensor) GoString() string { return fmt.Sprintf("nn.Tensor%s", shapeString(t.shape)) }
