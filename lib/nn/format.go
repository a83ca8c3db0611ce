package nn

import (
	"fmt"
	"math"
	"strings"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// summariseAbove is the element count beyond which String shows only the edges of each axis.
const summariseAbove = 1000

// edgeItems is how many items String shows at each edge of a summarised axis.
const edgeItems = 3

// String prints the tensor the way PyTorch does: nested brackets with aligned values, large tensors
// summarised with "...", followed by its shape and device, and whether it requires grad.
func (t *Tensor) String() string {
	data := t.Data()
	summarise := len(data) > summariseAbove
	shown := data
	if summarise {
		shown = shownValues(nil, data, t.shape)
	}
	// Choose one format for every element shown: fixed point, or scientific when the range is extreme.
	allInt, maxAbs, minAbs := true, 0.0, math.Inf(1)
	for _, v := range shown {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if f != math.Trunc(f) {
			allInt = false
		}
		a := math.Abs(f)
		maxAbs = max(maxAbs, a)
		if a > 0 {
			minAbs = min(minAbs, a)
		}
	}
	// PyTorch's rule: scientific notation when the non-zero magnitudes span more than 10³, or reach
	// beyond 10⁸, or (unless all are integers) below 10⁻⁴.
	sci := false
	if minAbs != math.Inf(1) {
		sci = maxAbs/minAbs > 1000 || maxAbs > 1e8 || (!allInt && minAbs < 1e-4)
	}
	fmtOne := func(v float32) string {
		f := float64(v)
		switch {
		case math.IsNaN(f):
			return "nan"
		case math.IsInf(f, 1):
			return "inf"
		case math.IsInf(f, -1):
			return "-inf"
		case sci:
			return fmt.Sprintf("%.4e", f)
		case allInt:
			return fmt.Sprintf("%.0f.", f)
		default:
			return fmt.Sprintf("%.4f", f)
		}
	}
	width := 0 // from the non-zero finite values, as PyTorch: "nan", "inf" and "-0." are not widened
	for _, v := range shown {
		if f := float64(v); f != 0 && !math.IsNaN(f) && !math.IsInf(f, 0) {
			width = max(width, len(fmtOne(v)))
		}
	}
	var b strings.Builder
	b.WriteString("tensor(")
	if len(t.shape) == 0 {
		b.WriteString(fmtOne(data[0]))
	} else {
		t.writeAxis(&b, data, 0, 0, width, fmtOne, summarise, len("tensor("))
	}
	b.WriteString(")")
	fmt.Fprintf(&b, " shape=%s", shapeString(t.shape))
	if t.Device() != "cpu" {
		fmt.Fprintf(&b, " device=%s", t.Device())
	}
	if t.requiresGrad {
		if t.node != nil {
			fmt.Fprintf(&b, " grad_fn=%s", t.node.op)
		} else {
			b.WriteString(" requires_grad")
		}
	}
	return b.String()
}

func (t *Tensor) writeAxis(b *strings.Builder, data []float32, axis, off, width int, fmtOne func(float32) string, summarise bool, indent int) {
	n := t.shape[axis]
	stride := numel(t.shape[axis+1:])
	b.WriteString("[")
	last := axis == len(t.shape)-1
	for i := 0; i < n; i++ {
		if summarise && n > 2*edgeItems && i == edgeItems {
			if last {
				b.WriteString(" ..., ") // PyTorch pads the ellipsis like a value
			} else {
				b.WriteString("...,\n" + strings.Repeat(" ", indent+axis+1))
			}
			i = n - edgeItems - 1
			continue
		}
		if last {
			fmt.Fprintf(b, "%*s", width, fmtOne(data[off+i]))
		} else {
			t.writeAxis(b, data, axis+1, off+i*stride, width, fmtOne, summarise, indent)
		}
		if i < n-1 {
			if last {
				b.WriteString(", ")
			} else {
				b.WriteString(",")
				b.WriteString(strings.Repeat("\n", len(t.shape)-axis-1))
				b.WriteString(strings.Repeat(" ", indent+axis+1))
			}
		}
	}
	b.WriteString("]")
}

// shownValues appends to dst the values a summarised String shows: the first and last edgeItems
// along every axis longer than 2·edgeItems.
func shownValues(dst, data []float32, shape []int) []float32 {
	if len(shape) == 0 {
		return append(dst, data...)
	}
	n, stride := shape[0], numel(shape[1:])
	for i := 0; i < n; i++ {
		if n > 2*edgeItems && i == edgeItems {
			i = n - edgeItems
		}
		dst = shownValues(dst, data[i*stride:(i+1)*stride], shape[1:])
	}
	return dst
}
