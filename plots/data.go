package plots

import (
	"fmt"
	"math"
	"reflect"
)

// Tensor is the part of a lib/nn tensor that plots reads: its shape and its
// row-major float32 values. Any value with these two methods can be passed
// where a function accepts a matrix or a vector, so cells can hand tensors to
// plots without plots importing lib/nn.
type Tensor interface {
	Shape() []int
	Data() []float32
}

// array is a dense row-major n-dimensional array of finite or non-finite
// float64 values, the common form every input is converted to.
type array struct {
	shape []int
	data  []float64
}

// toArray converts v to an array. It accepts a Tensor, a slice or array of
// any real number type, and nested slices of those (which must not be
// ragged). what names the argument in error messages.
func toArray(what string, v any) (array, error) {
	if v == nil {
		return array{}, fmt.Errorf("%s: no data (nil)", what)
	}
	if t, ok := v.(Tensor); ok {
		shape := append([]int(nil), t.Shape()...)
		d := t.Data()
		n := 1
		for _, s := range shape {
			if s < 0 {
				return array{}, fmt.Errorf("%s: tensor has negative dimension in shape %v", what, shape)
			}
			n *= s
		}
		if n != len(d) {
			return array{}, fmt.Errorf("%s: tensor shape %v needs %d values but Data() has %d", what, shape, n, len(d))
		}
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return array{shape: shape, data: out}, nil
	}
	rv := reflect.ValueOf(v)
	var shape []int
	// Walk the first element of each level to find the shape.
	for cur := rv; ; {
		k := cur.Kind()
		if k != reflect.Slice && k != reflect.Array {
			if !isReal(k) {
				return array{}, fmt.Errorf("%s: cannot plot a %T: want numbers ([]float64, [][]float64, []float32, []int, ...) or a tensor%s", what, v, structHint(k))
			}
			break
		}
		shape = append(shape, cur.Len())
		if cur.Len() == 0 {
			// Check the element type is still numeric.
			t := cur.Type().Elem()
			for t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
				t = t.Elem()
			}
			if !isReal(t.Kind()) {
				return array{}, fmt.Errorf("%s: cannot plot a %T: want numbers", what, v)
			}
			break
		}
		cur = cur.Index(0)
		if cur.Kind() == reflect.Interface {
			return array{}, fmt.Errorf("%s: cannot plot a %T: want numbers, not interfaces", what, v)
		}
	}
	if len(shape) == 0 {
		return array{}, fmt.Errorf("%s: want a slice of numbers or a tensor, got a single %T", what, v)
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	out := make([]float64, 0, n)
	var walk func(cur reflect.Value, depth int, index []int) error
	walk = func(cur reflect.Value, depth int, index []int) error {
		if depth == len(shape) {
			out = append(out, realValue(cur))
			return nil
		}
		k := cur.Kind()
		if k != reflect.Slice && k != reflect.Array {
			return fmt.Errorf("%s: ragged data: element %s is a number where a list was expected", what, joinIndex(index))
		}
		if cur.Len() != shape[depth] {
			if depth == 0 {
				return fmt.Errorf("%s: ragged data: %d values where %d were expected", what, cur.Len(), shape[depth])
			}
			return fmt.Errorf("%s: ragged data: row %s has %d values but row %s has %d", what, joinIndex(index), cur.Len(), joinIndex(zeros(len(index))), shape[depth])
		}
		for i := 0; i < cur.Len(); i++ {
			if err := walk(cur.Index(i), depth+1, append(index, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(rv, 0, nil); err != nil {
		return array{}, err
	}
	return array{shape: shape, data: out}, nil
}

// structHint explains how to pass a tensor-like type defined in a notebook
// cell: the interpreter gives such types real methods only when they are
// held in a variable of the interface type.
func structHint(k reflect.Kind) string {
	if k != reflect.Struct && k != reflect.Pointer {
		return ""
	}
	return " (a value with Shape() []int and Data() []float32; a type defined in a notebook cell must first be assigned to a variable of type plots.Tensor)"
}

func zeros(n int) []int { return make([]int, n) }

// joinIndex formats a multi-index as "3" or "1,2".
func joinIndex(ix []int) string {
	s := ""
	for i, v := range ix {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(v)
	}
	return s
}

func isReal(k reflect.Kind) bool {
	switch k {
	case reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func realValue(v reflect.Value) float64 {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	default:
		return float64(v.Uint())
	}
}

// toVector converts v to a flat list of values. Any shape is accepted
// as long as at most one dimension is larger than 1 (a [1,n] tensor is a
// vector); empty input is an error.
func toVector(what string, v any) ([]float64, error) {
	a, err := toArray(what, v)
	if err != nil {
		return nil, err
	}
	big := 0
	for _, s := range a.shape {
		if s > 1 {
			big++
		}
	}
	if big > 1 {
		return nil, fmt.Errorf("%s: want a vector, got shape %v", what, a.shape)
	}
	if len(a.data) == 0 {
		return nil, fmt.Errorf("%s: no data (empty)", what)
	}
	return a.data, nil
}

// toMatrix converts v to a rows×cols matrix (a vector becomes one row).
func toMatrix(what string, v any) (rows, cols int, data []float64, err error) {
	a, err := toArray(what, v)
	if err != nil {
		return 0, 0, nil, err
	}
	switch len(a.shape) {
	case 1:
		rows, cols = 1, a.shape[0]
	case 2:
		rows, cols = a.shape[0], a.shape[1]
	default:
		return 0, 0, nil, fmt.Errorf("%s: want a matrix (2 dimensions), got shape %v", what, a.shape)
	}
	if rows == 0 || cols == 0 {
		return 0, 0, nil, fmt.Errorf("%s: no data (shape %v)", what, a.shape)
	}
	return rows, cols, a.data, nil
}

// checkFinite returns an error naming the first NaN or infinite value.
func checkFinite(what string, vs []float64) error {
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: value %d is %v; plots needs finite numbers (drop or replace it first)", what, i, v)
		}
	}
	return nil
}
