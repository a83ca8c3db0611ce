package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// field is a function sampled on a regular grid, as a gonum GridXYZ
// (row 0 at the bottom, y increasing upwards).
type field struct {
	nx, ny         int
	x0, dx, y0, dy float64
	z              []float64
}

func (g *field) Dims() (c, r int)   { return g.nx, g.ny }
func (g *field) Z(c, r int) float64 { return g.z[r*g.nx+c] }
func (g *field) X(c int) float64    { return g.x0 + float64(c)*g.dx }
func (g *field) Y(r int) float64    { return g.y0 + float64(r)*g.dy }

func newField(nx, ny int, xmin, xmax, ymin, ymax float64) *field {
	return &field{nx: nx, ny: ny, x0: xmin, dx: (xmax - xmin) / float64(nx-1),
		y0: ymin, dy: (ymax - ymin) / float64(ny-1), z: make([]float64, nx*ny)}
}

// points returns every grid point's coordinates, row by row.
func (g *field) points() (xs, ys []float64) {
	xs = make([]float64, 0, g.nx*g.ny)
	ys = make([]float64, 0, g.nx*g.ny)
	for r := 0; r < g.ny; r++ {
		for c := 0; c < g.nx; c++ {
			xs = append(xs, g.X(c))
			ys = append(ys, g.Y(r))
		}
	}
	return xs, ys
}

func (g *field) minMax() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range g.z {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

// fill evaluates fn at every grid point, returning an error for a NaN or
// infinite value.
func (g *field) fill(fn func(x, y float64) float64) error {
	for r := 0; r < g.ny; r++ {
		for c := 0; c < g.nx; c++ {
			x, y := g.X(c), g.Y(r)
			v := fn(x, y)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("f(%.4g, %.4g) = %v; the function must be finite over the whole range", x, y, v)
			}
			g.z[r*g.nx+c] = v
		}
	}
	return nil
}

// fillBatch evaluates fn once on all grid points.
func (g *field) fillBatch(fn func(xs, ys []float64) []float64) error {
	xs, ys := g.points()
	zs := fn(xs, ys)
	if len(zs) != len(xs) {
		return fmt.Errorf("batch function returned %d values for %d points", len(zs), len(xs))
	}
	for i, v := range zs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("f(%.4g, %.4g) = %v; the function must be finite over the whole range", xs[i], ys[i], v)
		}
	}
	copy(g.z, zs)
	return nil
}

// boundaryRes is the number of grid points per side for decision boundaries.
const boundaryRes = 161

// maxClasses is the number of distinct class colours.
const maxClasses = 7

type scatterBody struct {
	xs, ys                 []float64
	labels                 []int
	k                      int
	xmin, xmax, ymin, ymax float64
	bnd                    *field
}

// Scatter plots 2-D points coloured (and shaped) by class. points is an
// N×2 matrix ([][]float64 or a tensor); labels holds N class numbers 0, 1,
// 2, ... (ints, floats or a tensor), or is nil for a single class. Add a
// model's decision boundary with Boundary or BoundaryBatch.
func Scatter(title string, points any, labels any) *Figure {
	b := &scatterBody{}
	n, d, data, err := toMatrix("points", points)
	if err != nil {
		return newFigure(title, b, err)
	}
	if d != 2 {
		return newFigure(title, b, fmt.Errorf("points: want N×2 (x, y) pairs, got %d×%d", n, d))
	}
	if err := checkFinite("points", data); err != nil {
		return newFigure(title, b, err)
	}
	b.labels = make([]int, n)
	if labels != nil {
		ls, err := toVector("labels", labels)
		if err != nil {
			return newFigure(title, b, err)
		}
		if len(ls) != n {
			return newFigure(title, b, fmt.Errorf("%d labels for %d points", len(ls), n))
		}
		for i, l := range ls {
			if l != math.Trunc(l) || l < 0 || l >= maxClasses {
				return newFigure(title, b, fmt.Errorf("label %d is %v; want a class number 0..%d", i, l, maxClasses-1))
			}
			b.labels[i] = int(l)
		}
	}
	b.xs, b.ys = make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		b.xs[i], b.ys[i] = data[2*i], data[2*i+1]
		b.k = max(b.k, b.labels[i]+1)
	}
	lo, hi := minMax(b.xs)
	b.xmin, b.xmax = pad(lo, hi)
	lo, hi = minMax(b.ys)
	b.ymin, b.ymax = pad(lo, hi)
	return newFigure(title, b, nil)
}

func minMax(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

// pad widens [lo, hi] by 8% on each side (or by 1 when it is a point).
func pad(lo, hi float64) (float64, float64) {
	p := 0.08 * (hi - lo)
	if p == 0 {
		p = 1
	}
	return lo - p, hi + p
}

// Boundary evaluates a model over a grid covering the points and draws its
// decision regions behind them. f(x, y) returns, for two classes, the
// probability of class 1 (values in [0,1]: the boundary is drawn at 0.5)
// or a score whose sign is the class (the boundary is drawn at 0); for
// more classes, the predicted class number. f is called about 26,000
// times, once, when Boundary is called.
func (f *Figure) Boundary(fn func(x, y float64) float64) *Figure {
	b, ok := f.body.(*scatterBody)
	if !ok {
		return f.notFor("Boundary")
	}
	if f.err != nil {
		return f
	}
	if fn == nil {
		return f.fail("Boundary", fmt.Errorf("nil function"))
	}
	g := newField(boundaryRes, boundaryRes, b.xmin, b.xmax, b.ymin, b.ymax)
	if err := g.fill(fn); err != nil {
		return f.fail("Boundary", err)
	}
	b.bnd = g
	return f
}

// BoundaryBatch is Boundary for a model that scores many points in one
// call: fn receives the x and y coordinates of every grid point and returns
// one value per point (see Boundary for their meaning).
func (f *Figure) BoundaryBatch(fn func(xs, ys []float64) []float64) *Figure {
	b, ok := f.body.(*scatterBody)
	if !ok {
		return f.notFor("BoundaryBatch")
	}
	if f.err != nil {
		return f
	}
	if fn == nil {
		return f.fail("BoundaryBatch", fmt.Errorf("nil function"))
	}
	g := newField(boundaryRes, boundaryRes, b.xmin, b.xmax, b.ymin, b.ymax)
	if err := g.fillBatch(fn); err != nil {
		return f.fail("BoundaryBatch", err)
	}
	b.bnd = g
	return f
}

// ClassNames names the classes of a scatter plot in the legend (default
// "class 0", "class 1", ...).
func (f *Figure) ClassNames(names ...string) *Figure {
	b, ok := f.body.(*scatterBody)
	if !ok {
		return f.notFor("ClassNames")
	}
	if len(names) < b.k {
		return f.fail("ClassNames", fmt.Errorf("%d names for %d classes", len(names), b.k))
	}
	f.classes = names
	return f
}

func (*scatterBody) kind() string { return "scatter plot" }
func (b *scatterBody) summary(*Figure) string {
	s := fmt.Sprintf("%d points, %d classes", len(b.xs), b.k)
	if b.bnd != nil {
		s += ", decision boundary"
	}
	return s
}
func (*scatterBody) size(*Figure) (float64, float64) { return 5.6, 4.6 }

// classGlyphs gives each class a shape as well as a colour.
var classGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.CircleGlyph{}}

func shade(c color.NRGBA, f float64) color.NRGBA {
	return color.NRGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), c.A}
}

func (b *scatterBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	p := newPlot(f.title, f.xlabel, f.ylabel, scale)
	fitTitle(p, c)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = b.xmin, b.xmax, b.ymin, b.ymax
	if b.bnd != nil {
		lo, hi := b.bnd.minMax()
		if b.k <= 2 {
			c0, c1 := tint(seriesColor(0), 0.6), tint(seriesColor(1), 0.6)
			level, zlo, zhi := 0.5, 0.0, 1.0
			if lo < 0 || hi > 1 {
				m := math.Max(math.Abs(lo), math.Abs(hi))
				level, zlo, zhi = 0, -m, m
			}
			pal := make(listPalette, 101)
			for i := range pal {
				t := float64(i) / 100
				if t < 0.5 {
					pal[i] = mix(c0, color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}, t*2)
				} else {
					pal[i] = mix(color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}, c1, (t-0.5)*2)
				}
			}
			hm := plotter.NewHeatMap(b.bnd, pal)
			hm.Min, hm.Max = zlo, zhi
			hm.Underflow, hm.Overflow = pal[0], pal[100]
			hm.Rasterized = true
			p.Add(noGlyphs{hm})
			if lo < level && hi > level {
				p.Add(contourLines{g: b.bnd, levels: []float64{level}, style: draw.LineStyle{Color: color.NRGBA{0x33, 0x33, 0x33, 0xFF}, Width: vg.Points(1.6)}})
			}
		} else {
			pal := make(listPalette, b.k)
			for i := range pal {
				pal[i] = tint(seriesColor(i), 0.65)
			}
			hm := plotter.NewHeatMap(b.bnd, pal)
			hm.Min, hm.Max = 0, float64(b.k-1)
			hm.Underflow, hm.Overflow = pal[0], pal[b.k-1]
			hm.Rasterized = true
			p.Add(noGlyphs{hm})
			// Outline each class region: the 0.5 contour of its indicator.
			for k := 0; k < b.k; k++ {
				ind := &field{nx: b.bnd.nx, ny: b.bnd.ny, x0: b.bnd.x0, dx: b.bnd.dx, y0: b.bnd.y0, dy: b.bnd.dy, z: make([]float64, len(b.bnd.z))}
				n := 0
				for i, v := range b.bnd.z {
					if math.Round(v) == float64(k) {
						ind.z[i] = 1
						n++
					}
				}
				if n == 0 || n == len(ind.z) {
					continue
				}
				p.Add(contourLines{g: ind, levels: []float64{0.5}, style: draw.LineStyle{Color: color.NRGBA{0x33, 0x33, 0x33, 0xFF}, Width: vg.Points(1.2)}})
			}
		}
	} else {
		addGrid(p)
	}
	var entries []legendEntry
	var pts [][2]float64
	for k := 0; k < b.k; k++ {
		var xy plotter.XYs
		for i, l := range b.labels {
			if l == k {
				xy = append(xy, plotter.XY{X: b.xs[i], Y: b.ys[i]})
				pts = append(pts, [2]float64{b.xs[i], b.ys[i]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		col := seriesColor(k)
		fill, _ := plotter.NewScatter(xy)
		fill.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Length(3.2 * scale), Shape: classGlyphs[k]}
		edge, _ := plotter.NewScatter(xy)
		edge.GlyphStyle = draw.GlyphStyle{Color: shade(col, 0.55), Radius: vg.Length(3.2 * scale), Shape: outline(classGlyphs[k])}
		p.Add(noGlyphs{fill}, noGlyphs{edge})
		name := fmt.Sprintf("class %d", k)
		if k < len(f.classes) {
			name = f.classes[k]
		}
		entries = append(entries, legendEntry{name, fill})
	}
	if b.bnd != nil {
		p.X.Tick.Marker, p.Y.Tick.Marker = innerTicks{p.X.Tick.Marker}, innerTicks{p.Y.Tick.Marker}
	}
	p.Draw(c)
	if len(entries) > 1 {
		drawLegend(p, c, entries, pts, scale)
	}
	return nil
}

// outline returns the hollow version of a filled glyph shape.
func outline(g draw.GlyphDrawer) draw.GlyphDrawer {
	switch g.(type) {
	case draw.PyramidGlyph:
		return draw.TriangleGlyph{}
	case draw.BoxGlyph:
		return draw.SquareGlyph{}
	}
	return draw.RingGlyph{}
}

// mix blends a towards b by t in [0,1].
func mix(a, b color.NRGBA, t float64) color.NRGBA {
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.NRGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xFF}
}
