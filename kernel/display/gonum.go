package display

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"

	"github.com/notmagic/notmagic/plots"
)

// Limits of the rich forms of a matrix: larger ones show an excerpt of their corners.
const (
	htmlMaxDim  = 40 // rows or columns shown in full as an HTML table
	latexMaxDim = 10 // rows and columns up to which a LaTeX form is added
	excerpt     = 4  // rows and columns shown at each corner of a larger matrix
)

var preferSVG atomic.Bool

// PreferSVG makes figures (and anything else that renders both ways) display as SVG instead of PNG,
// for frontends or exports that prefer vector images; PreferSVG(false) restores PNG.
func PreferSVG(on bool) { preferSVG.Store(on) }

// adapt gives values of gonum and gonum/plot a rich form: a *plot.Plot (or anything that draws on a
// draw.Canvas) becomes a plots figure, a mat.Matrix a readable matrix.
func adapt(v any) any {
	switch v.(type) {
	case PNGer, SVGer, HTMLer, Markdowner:
		return v
	}
	switch x := v.(type) {
	case plots.Drawer:
		return plots.Gonum(x)
	case mat.Matrix:
		return Matrix{M: x}
	}
	return v
}

// Matrix is the rich form of a gonum matrix: aligned text, an HTML table and, for small matrices, LaTeX.
// Bundle wraps a mat.Matrix in it; cells rarely need it by name.
type Matrix struct{ M mat.Matrix }

// String is the text form: the type and shape, then the aligned values to 6 significant digits (corners
// only when large).
func (m Matrix) String() string {
	r, c := m.M.Dims()
	var opts []mat.FormatOption
	if r > htmlMaxDim || c > htmlMaxDim {
		opts = append(opts, mat.Excerpt(excerpt))
	}
	return fmt.Sprintf("%T %d×%d\n%.6g", m.M, r, c, mat.Formatted(m.M, append(opts, mat.Squeeze())...))
}

// HTML is a table of the values (the corners of a large matrix, with ellipses between).
func (m Matrix) HTML() string {
	r, c := m.M.Dims()
	rows, cols := indices(r), indices(c)
	var b strings.Builder
	fmt.Fprintf(&b, "<div><small>%s %d×%d</small><table style=\"font-family:monospace\">", html.EscapeString(fmt.Sprintf("%T", m.M)), r, c)
	for _, i := range rows {
		b.WriteString("<tr>")
		for _, j := range cols {
			switch {
			case i < 0 || j < 0:
				b.WriteString("<td>⋯</td>")
			default:
				fmt.Fprintf(&b, "<td style=\"text-align:right\">%s</td>", format(m.M.At(i, j)))
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table></div>")
	return b.String()
}

// LaTeX is a bmatrix of the values, or "" for a matrix larger than 10×10.
func (m Matrix) LaTeX() string {
	r, c := m.M.Dims()
	if r > latexMaxDim || c > latexMaxDim || r == 0 || c == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("$$\\begin{bmatrix}")
	for i := 0; i < r; i++ {
		if i > 0 {
			b.WriteString(` \\ `)
		}
		for j := 0; j < c; j++ {
			if j > 0 {
				b.WriteString(" & ")
			}
			b.WriteString(format(m.M.At(i, j)))
		}
	}
	b.WriteString("\\end{bmatrix}$$")
	return b.String()
}

// indices lists the rows (or columns) to show of n: all when n is small, else the first and last few
// with -1 for the gap.
func indices(n int) []int {
	var ix []int
	if n <= htmlMaxDim {
		for i := 0; i < n; i++ {
			ix = append(ix, i)
		}
		return ix
	}
	for i := 0; i < excerpt; i++ {
		ix = append(ix, i)
	}
	ix = append(ix, -1)
	for i := n - excerpt; i < n; i++ {
		ix = append(ix, i)
	}
	return ix
}

func format(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
