package nn_test

// Randomised checks of broadcasting, reductions and permutations against direct index arithmetic,
// over random ranks (0 to 4) and sizes (0 to 3, so that size-1 broadcasting and empty axes occur).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

// propTensor is a tensor with its values, for reference computations.
type propTensor struct {
	shape []int
	v     []float32
}

func (p propTensor) t() *nn.Tensor {
	if len(p.shape) == 0 {
		return nn.Scalar(p.v[0])
	}
	return nn.New(p.v, p.shape...)
}

func propRandom(r *rand.Rand, shape []int) propTensor {
	v := make([]float32, gcNumel(shape))
	for i := range v {
		v[i] = float32(r.IntN(19)-9) / 4 // small exact values: sums are exact
	}
	return propTensor{shape, v}
}

// propIndex converts a flat index of shape into coordinates.
func propIndex(i int, shape []int) []int {
	c := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		if shape[a] > 0 {
			c[a] = i % shape[a]
			i /= shape[a]
		}
	}
	return c
}

// propAt reads p at coordinates of a broadcast shape (aligned at the right; size-1 axes repeat).
func propAt(p propTensor, c []int) float32 {
	off := 0
	lead := len(c) - len(p.shape)
	for a, d := range p.shape {
		x := c[lead+a]
		if d == 1 {
			x = 0
		}
		off = off*d + x
	}
	return p.v[off]
}

func TestBroadcastRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ops := []struct {
		name string
		f    func(a, b *nn.Tensor) *nn.Tensor
		ref  func(x, y float32) float32
	}{
		{"add", (*nn.Tensor).Add, func(x, y float32) float32 { return x + y }},
		{"sub", (*nn.Tensor).Sub, func(x, y float32) float32 { return x - y }},
		{"mul", (*nn.Tensor).Mul, func(x, y float32) float32 { return x * y }},
		{"div", (*nn.Tensor).Div, func(x, y float32) float32 { return x / y }},
	}
	for trial := 0; trial < 300; trial++ {
		rank := r.IntN(5)
		out := make([]int, rank)
		for i := range out {
			out[i] = r.IntN(4)
		}
		// Each operand drops some leading axes and sets some others to 1.
		mk := func() []int {
			s := append([]int(nil), out[r.IntN(rank+1):]...)
			for i := range s {
				if r.IntN(3) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		as, bs := mk(), mk()
		want := make([]int, max(len(as), len(bs)))
		for i := range want {
			da, db := 1, 1
			if j := len(as) - len(want) + i; j >= 0 {
				da = as[j]
			}
			if j := len(bs) - len(want) + i; j >= 0 {
				db = bs[j]
			}
			want[i] = max(da, db)
			if da == 0 || db == 0 {
				want[i] = 0
			}
		}
		a, b := propRandom(r, as), propRandom(r, bs)
		op := ops[trial%len(ops)]
		if op.name == "div" {
			for i := range b.v {
				if b.v[i] == 0 {
					b.v[i] = 1
				}
			}
		}
		name := fmt.Sprintf("%s %v %v", op.name, as, bs)
		at, bt := a.t().SetRequiresGrad(true), b.t().SetRequiresGrad(true)
		got := op.f(at, bt)
		if fmt.Sprint(got.Shape()) != fmt.Sprint(want) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape(), want)
		}
		for i, g := range got.Data() {
			c := propIndex(i, want)
			if w := op.ref(propAt(a, c), propAt(b, c)); g != w {
				t.Fatalf("%s: element %v is %v, want %v", name, c, g, w)
			}
		}
		// The gradient of Σ(a+b) with respect to a counts how often each element of a was used.
		if op.name == "add" && got.Len() > 0 {
			got.Sum().Backward()
			count := make([]float32, len(a.v))
			for i := 0; i < got.Len(); i++ {
				c := propIndex(i, want)
				off := 0
				for ax, d := range as {
					x := c[len(c)-len(as)+ax]
					if d == 1 {
						x = 0
					}
					off = off*d + x
				}
				count[off]++
			}
			if g := at.Grad(); fmt.Sprint(g.Shape(), g.Data()) != fmt.Sprint(as, count) {
				t.Fatalf("%s: gradient %v %v, want %v %v", name, g.Shape(), g.Data(), as, count)
			}
		}
	}
}

func TestReduceRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 300; trial++ {
		rank := 1 + r.IntN(4)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = 1 + r.IntN(3)
		}
		var axes []int
		reduced := make([]bool, rank)
		for a := range shape {
			if r.IntN(2) == 0 {
				reduced[a] = true
				ax := a
				if r.IntN(2) == 0 {
					ax -= rank // negative form
				}
				axes = append(axes, ax)
			}
		}
		if len(axes) == 0 {
			reduced = make([]bool, rank)
			for a := range reduced {
				reduced[a] = true
			}
		}
		keep := r.IntN(2) == 0
		x := propRandom(r, shape)
		// Reference: fold every element into its output cell.
		var outShape, keptShape []int
		for a, d := range shape {
			if reduced[a] {
				keptShape = append(keptShape, 1)
				if keep {
					outShape = append(outShape, 1)
				}
			} else {
				keptShape = append(keptShape, d)
				outShape = append(outShape, d)
			}
		}
		n := gcNumel(keptShape)
		sum, mx, cnt := make([]float64, n), make([]float64, n), make([]int, n)
		for i := range mx {
			mx[i] = math.Inf(-1)
		}
		for i, v := range x.v {
			c := propIndex(i, shape)
			o := 0
			for a, d := range keptShape {
				if !reduced[a] {
					o = o*d + c[a]
				}
			}
			sum[o] += float64(v)
			mx[o] = max(mx[o], float64(v))
			cnt[o]++
		}
		name := fmt.Sprintf("%v axes %v keep %v", shape, axes, keep)
		xt := x.t()
		for _, c := range []struct {
			op  string
			got *nn.Tensor
			ref func(o int) float64
		}{
			{"sum", pick(keep, xt.SumKeep, xt.Sum)(axes...), func(o int) float64 { return sum[o] }},
			{"mean", pick(keep, xt.MeanKeep, xt.Mean)(axes...), func(o int) float64 { return sum[o] / float64(cnt[o]) }},
			{"max", pick(keep, xt.MaxKeep, xt.Max)(axes...), func(o int) float64 { return mx[o] }},
		} {
			if fmt.Sprint(c.got.Shape()) != fmt.Sprint(orEmpty(outShape)) {
				t.Fatalf("%s %s: shape %v, want %v", c.op, name, c.got.Shape(), outShape)
			}
			for o, g := range c.got.Data() {
				if w := c.ref(o); math.Abs(float64(g)-w) > 1e-6*math.Max(1, math.Abs(w)) {
					t.Fatalf("%s %s: element %d is %v, want %v", c.op, name, o, g, w)
				}
			}
		}
	}
}

func pick(keep bool, a, b func(...int) *nn.Tensor) func(...int) *nn.Tensor {
	if keep {
		return a
	}
	return b
}

func orEmpty(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func TestPermuteRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 200; trial++ {
		rank := r.IntN(5)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = r.IntN(4)
		}
		perm := r.Perm(rank)
		x := propRandom(r, shape)
		got := x.t().Permute(perm...)
		outShape := make([]int, rank)
		for i, p := range perm {
			outShape[i] = shape[p]
		}
		if fmt.Sprint(got.Shape()) != fmt.Sprint(outShape) {
			t.Fatalf("permute %v of %v: shape %v", perm, shape, got.Shape())
		}
		for i, g := range got.Data() {
			c := propIndex(i, outShape)
			src := make([]int, rank)
			for j, p := range perm {
				src[p] = c[j]
			}
			off := 0
			for a, d := range shape {
				off = off*d + src[a]
			}
			if g != x.v[off] {
				t.Fatalf("permute %v of %v: element %v is %v, want %v", perm, shape, c, g, x.v[off])
			}
		}
	}
}
