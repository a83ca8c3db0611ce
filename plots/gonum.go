package plots

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// Drawer is anything that draws itself on a gonum/plot canvas: a *plot.Plot, a legend, or a value of
// the user's own.
type Drawer interface{ Draw(c draw.Canvas) }

// Gonum wraps a gonum/plot figure (a *plot.Plot, or any Drawer) as a Figure, so it renders as PNG or
// SVG like every other figure, at the figure's size and DPI (Size and DPI apply; the plot's own title,
// labels and ranges are set on the *plot.Plot). The notebook kernel does this for a *plot.Plot or
// Drawer left as a cell's value.
func Gonum(d Drawer) *Figure {
	b := &gonumBody{d: d}
	title := ""
	var err error
	switch p := d.(type) {
	case nil:
		err = errors.New("nil drawer")
	case *plot.Plot:
		if p == nil {
			err = errors.New("nil *plot.Plot")
		} else {
			title = p.Title.Text
		}
	}
	return newFigure(title, b, err)
}

type gonumBody struct{ d Drawer }

func (*gonumBody) kind() string { return "gonum plot" }
func (b *gonumBody) summary(*Figure) string {
	if p, ok := b.d.(*plot.Plot); ok && p != nil {
		return fmt.Sprintf("%T, x %q, y %q", p, p.X.Label.Text, p.Y.Label.Text)
	}
	return fmt.Sprintf("%T", b.d)
}
func (*gonumBody) size(*Figure) (float64, float64) { return DefaultWidth, DefaultHeight }
func (b *gonumBody) draw(_ *Figure, c draw.Canvas, _ bool) error {
	if b.d == nil {
		return errors.New("nil drawer")
	}
	b.d.Draw(c)
	return nil
}
