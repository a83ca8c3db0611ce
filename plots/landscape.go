package plots

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// landscapeRes is the number of grid points per side of a loss landscape.
const landscapeRes = 121

type landBody struct {
	g     *field
	paths []Series
}

// Landscape draws a function of two parameters (a loss surface) as a
// filled viridis map with contour lines and a colour bar; add
// gradient-descent trajectories with Path. f is evaluated once, on a
// 121×121 grid, when Landscape is called; it must be finite everywhere.
func Landscape(title string, f func(x, y float64) float64, xmin, xmax, ymin, ymax float64) *Figure {
	b := &landBody{}
	if f == nil {
		return newFigure(title, b, fmt.Errorf("nil function"))
	}
	if !(xmin < xmax) || !(ymin < ymax) {
		return newFigure(title, b, fmt.Errorf("want xmin < xmax and ymin < ymax, got x [%v, %v], y [%v, %v]", xmin, xmax, ymin, ymax))
	}
	if err := checkFinite("range", []float64{xmin, xmax, ymin, ymax}); err != nil {
		return newFigure(title, b, err)
	}
	g := newField(landscapeRes, landscapeRes, xmin, xmax, ymin, ymax)
	if err := g.fill(f); err != nil {
		return newFigure(title, b, err)
	}
	b.g = g
	fig := newFigure(title, b, nil)
	fig.colorLabel = "loss"
	return fig
}

// Path draws a trajectory over a loss landscape, e.g. the parameters
// visited by gradient descent: xs[i], ys[i] is step i. The start is marked
// with a ring and the end with a filled dot.
func (f *Figure) Path(name string, xs, ys any) *Figure {
	b, ok := f.body.(*landBody)
	if !ok {
		return f.notFor("Path")
	}
	s := XY(name, xs, ys)
	s, err := s.check(len(b.paths))
	if err != nil {
		return f.fail("Path", err)
	}
	b.paths = append(b.paths, s)
	return f
}

func (*landBody) kind() string { return "loss landscape" }
func (b *landBody) summary(*Figure) string {
	if len(b.paths) == 1 {
		return "1 path"
	}
	return fmt.Sprintf("%d paths", len(b.paths))
}
func (*landBody) size(*Figure) (float64, float64) { return 6.4, 4.8 }

// pathColors stand out on viridis.
var pathColors = []color.NRGBA{
	{0xFF, 0xFF, 0xFF, 0xFF}, // white
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
}

func (b *landBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	lo, hi := b.g.minMax()
	lo, hi = f.colorRange(lo, hi)
	cbw := colorBarWidth(lo, hi, scale, f.colorLabel)
	main := c
	main.Max.X -= cbw + vg.Length(10*scale)
	p := newPlot(f.title, f.xlabel, f.ylabel, scale)
	fitTitle(p, main)
	cm := f.colorMap(lo, hi)
	p.Add(heatLayer(b.g, cm))
	// Contour levels at quantiles of the surface show detail both near the
	// minimum and on the steep walls. Each level lies halfway between two
	// distinct values of the grid, never on one: gonum's contour tracing
	// degenerates on a level that passes exactly through grid points (a
	// symmetric bowl such as x²+y² made it allocate without bound).
	zs := append([]float64(nil), b.g.z...)
	sort.Float64s(zs)
	var levels []float64
	for _, q := range []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9} {
		k := int(q * float64(len(zs)-1))
		next := sort.SearchFloat64s(zs, math.Nextafter(zs[k], math.Inf(1)))
		if next >= len(zs) {
			continue
		}
		v := (zs[k] + zs[next]) / 2
		if len(levels) == 0 || v > levels[len(levels)-1] {
			levels = append(levels, v)
		}
	}
	if len(levels) > 0 && zs[0] < zs[len(zs)-1] {
		p.Add(contourLines{g: b.g, levels: levels, style: draw.LineStyle{Color: color.NRGBA{0xFF, 0xFF, 0xFF, 0x70}, Width: vg.Points(0.7)}})
	}
	var entries []legendEntry
	var pts [][2]float64
	for i, s := range b.paths {
		col := pathColors[i%len(pathColors)]
		xy := xys(s.X, s.Y)
		under, _ := plotter.NewLine(xy)
		under.LineStyle = draw.LineStyle{Color: color.NRGBA{0, 0, 0, 0x90}, Width: vg.Length(3.2 * scale)}
		l, _ := plotter.NewLine(xy)
		l.LineStyle = draw.LineStyle{Color: col, Width: vg.Length(1.6 * scale)}
		dots, _ := plotter.NewScatter(xy)
		dots.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Length(1.4 * scale), Shape: draw.CircleGlyph{}}
		start, _ := plotter.NewScatter(xy[:1])
		start.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Length(5 * scale), Shape: thickRing{}}
		end, _ := plotter.NewScatter(xy[len(xy)-1:])
		end.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Length(4 * scale), Shape: draw.CircleGlyph{}}
		endEdge, _ := plotter.NewScatter(xy[len(xy)-1:])
		endEdge.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Length(4 * scale), Shape: draw.RingGlyph{}}
		p.Add(noGlyphs{under}, noGlyphs{l}, noGlyphs{dots}, noGlyphs{start}, noGlyphs{end}, noGlyphs{endEdge})
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("path %d", i)
		}
		entries = append(entries, legendEntry{name, legendLine{col}})
		pts = appendSample(pts, s.X, s.Y)
	}
	// The map fills the requested range even if a path wanders outside.
	p.X.Min, p.X.Max = b.g.x0-b.g.dx/2, b.g.X(b.g.nx-1)+b.g.dx/2
	p.Y.Min, p.Y.Max = b.g.y0-b.g.dy/2, b.g.Y(b.g.ny-1)+b.g.dy/2
	p.X.Tick.Marker, p.Y.Tick.Marker = innerTicks{p.X.Tick.Marker}, innerTicks{p.Y.Tick.Marker}
	dc := p.DataCanvas(main)
	p.Draw(main)
	if len(entries) > 0 {
		drawLegend(p, main, entries, pts, scale)
	}
	colorBar(c, dc.Max.Y, dc.Min.Y, cm, scale, f.colorLabel)
	return nil
}

// thickRing is a ring glyph with a heavier outline (start markers).
type thickRing struct{}

func (thickRing) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 6.283185307179586)
	p.Close()
	c.SetLineStyle(draw.LineStyle{Color: color.NRGBA{0, 0, 0, 0xA0}, Width: vg.Points(3.4)})
	c.Stroke(p)
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.8)})
	c.Stroke(p)
}

// legendLine is a legend thumbnail of a path: a coloured line on a dark
// underlay, as drawn on the map.
type legendLine struct{ col color.NRGBA }

func (l legendLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle{Color: color.NRGBA{0, 0, 0, 0x90}, Width: vg.Points(3.2)}, c.Min.X, y, c.Max.X, y)
	c.StrokeLine2(draw.LineStyle{Color: l.col, Width: vg.Points(1.6)}, c.Min.X, y, c.Max.X, y)
}
