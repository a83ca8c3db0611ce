package nn

import (
	"fmt"
	"math"
	"strings"
)

// Error is the typed error that lib/nn panics with on shape mismatches and misuse.
// Its message names the operation and the shapes involved, for example
// "matmul: [3 4] × [5 2]: inner dimensions 4 and 5 differ".
// Recover it with errors.As on the recovered value, or let the notebook show it.
type Error struct {
	Op     string  // the operation, e.g. "matmul"
	Shapes [][]int // the shapes of the operands involved, possibly none
	Msg    string  // what is wrong
	sep    string  // how shapes are joined in the message
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if len(e.Shapes) > 0 {
		b.WriteString(": ")
		sep := e.sep
		if sep == "" {
			sep = ", "
		}
		for i, s := range e.Shapes {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(shapeString(s))
		}
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

func shapeString(s []int) string { return strings.ReplaceAll(fmt.Sprint(s), ",", "") }

// fail panics with an *Error.
func fail(op string, shapes [][]int, format string, args ...any) {
	panic(&Error{Op: op, Shapes: shapes, Msg: fmt.Sprintf(format, args...)})
}

// shapes is a helper to list the shapes of tensors for an error.
func shapes(ts ...*Tensor) [][]int {
	out := make([][]int, len(ts))
	for i, t := range ts {
		out[i] = t.Shape()
	}
	return out
}

// CheckFinite returns an error naming what and the first bad index when t holds NaN or ±Inf, and nil otherwise.
// Use it on a loss to stop a diverging run early.
func CheckFinite(what string, t *Tensor) error {
	for i, v := range t.Data() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: element %d of %s is %v", what, i, shapeString(t.shape), v)
		}
	}
	return nil
}
