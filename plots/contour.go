package plots

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// contourLines draws the level lines of a field by marching squares: each grid cell is cut by a level
// in at most two straight segments, found from the signs at its four corners (a saddle is split by the
// value at the centre). It replaces gonum's Contour, whose path assembly loops without bound on some
// surfaces (a symmetric bowl such as x²+y² made it allocate gigabytes), and draws cells in a fixed
// order, so the output is deterministic.
type contourLines struct {
	g      *field
	levels []float64
	style  draw.LineStyle
}

// Plot implements plot.Plotter.
func (l contourLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	g := l.g
	c.SetLineStyle(l.style)
	for _, level := range l.levels {
		for r := 0; r+1 < g.ny; r++ {
			for col := 0; col+1 < g.nx; col++ {
				// Corners counter-clockwise from the bottom left, and where the level crosses each edge.
				z := [4]float64{g.Z(col, r), g.Z(col+1, r), g.Z(col+1, r+1), g.Z(col, r+1)}
				x := [4]float64{g.X(col), g.X(col + 1), g.X(col + 1), g.X(col)}
				y := [4]float64{g.Y(r), g.Y(r), g.Y(r + 1), g.Y(r + 1)}
				var cross []vg.Point
				for e := 0; e < 4; e++ {
					a, b := e, (e+1)%4
					if (z[a] < level) == (z[b] < level) {
						continue
					}
					t := (level - z[a]) / (z[b] - z[a])
					cross = append(cross, vg.Point{X: trX(x[a] + t*(x[b]-x[a])), Y: trY(y[a] + t*(y[b]-y[a]))})
				}
				switch len(cross) {
				case 2:
					c.StrokeLine2(l.style, cross[0].X, cross[0].Y, cross[1].X, cross[1].Y)
				case 4:
					// A saddle: pair the crossings so that the centre's side stays connected.
					centre := (z[0] + z[1] + z[2] + z[3]) / 4
					if (centre < level) == (z[0] < level) {
						c.StrokeLine2(l.style, cross[0].X, cross[0].Y, cross[1].X, cross[1].Y)
						c.StrokeLine2(l.style, cross[2].X, cross[2].Y, cross[3].X, cross[3].Y)
					} else {
						c.StrokeLine2(l.style, cross[0].X, cross[0].Y, cross[3].X, cross[3].Y)
						c.StrokeLine2(l.style, cross[1].X, cross[1].Y, cross[2].X, cross[2].Y)
					}
				}
			}
		}
	}
}

// noGlyphs hides a plotter's glyph boxes, so a figure with fixed axis
// ranges (heatmaps, maps, decision regions) is not padded away from its
// axes to make room for markers at the edges.
type noGlyphs struct{ plot.Plotter }

// DataRange passes on the plotter's data range, when it has one.
func (n noGlyphs) DataRange() (xmin, xmax, ymin, ymax float64) {
	if d, ok := n.Plotter.(plot.DataRanger); ok {
		return d.DataRange()
	}
	return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
}
