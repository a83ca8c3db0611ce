package plots

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named sequence of points for Line and Histograms. X may be
// nil, meaning 0, 1, 2, ... Make one with S or XY, or as a literal.
type Series struct {
	Name string
	X, Y []float64

	err    error // conversion error from S, XY or Points
	points bool  // draw markers only (Points)
}

// S makes a series from y values (any numbers or a tensor) plotted at
// x = 0, 1, 2, ...
func S(name string, ys any) Series {
	y, err := toVector(fmt.Sprintf("series %q", name), ys)
	return Series{Name: name, Y: y, err: err}
}

// XY makes a series from matching x and y values (any numbers or tensors).
func XY(name string, xs, ys any) Series {
	x, err := toVector(fmt.Sprintf("series %q x", name), xs)
	if err != nil {
		return Series{Name: name, err: err}
	}
	y, err := toVector(fmt.Sprintf("series %q y", name), ys)
	if err != nil {
		return Series{Name: name, err: err}
	}
	if len(x) != len(y) {
		return Series{Name: name, err: fmt.Errorf("series %q: %d x values but %d y values", name, len(x), len(y))}
	}
	return Series{Name: name, X: x, Y: y}
}

// Points makes a series drawn as unconnected markers, for data shown with
// a fitted curve on the same line chart:
//
//	plots.Line("Fit", plots.Points("data", xs, ys), plots.XY("model", gx, gy))
func Points(name string, xs, ys any) Series {
	s := XY(name, xs, ys)
	s.points = true
	return s
}

// check validates s and fills in X.
func (s Series) check(i int) (Series, error) {
	if s.err != nil {
		return s, s.err
	}
	name := s.Name
	if name == "" {
		name = "#" + strconv.Itoa(i)
	}
	if len(s.Y) == 0 {
		return s, fmt.Errorf("series %s: no data (empty)", name)
	}
	if s.X == nil {
		s.X = make([]float64, len(s.Y))
		for i := range s.X {
			s.X[i] = float64(i)
		}
	} else if len(s.X) != len(s.Y) {
		return s, fmt.Errorf("series %s: %d x values but %d y values", name, len(s.X), len(s.Y))
	}
	if err := checkFinite("series "+name+" x", s.X); err != nil {
		return s, err
	}
	if err := checkFinite("series "+name+" y", s.Y); err != nil {
		return s, err
	}
	return s, nil
}

type lineBody struct {
	series []Series
}

// Line makes a line chart of one or more series, e.g. a training and a
// validation loss:
//
//	plots.Line("Loss", plots.S("train", train), plots.XY("val", valSteps, val)).Labels("step", "loss").LogY()
//
// A legend is drawn when there are several series.
func Line(title string, series ...Series) *Figure {
	b := &lineBody{}
	if len(series) == 0 {
		return newFigure(title, b, fmt.Errorf("no series given"))
	}
	for i, s := range series {
		s, err := s.check(i)
		if err != nil {
			return newFigure(title, b, err)
		}
		b.series = append(b.series, s)
	}
	return newFigure(title, b, nil)
}

func (*lineBody) kind() string { return "line chart" }
func (b *lineBody) summary(f *Figure) string {
	n := 0
	for _, s := range b.series {
		n += len(s.Y)
	}
	return fmt.Sprintf("%d series, %d points", len(b.series), n)
}
func (*lineBody) size(*Figure) (float64, float64) { return DefaultWidth, DefaultHeight }

func (b *lineBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	p := newPlot(f.title, f.xlabel, f.ylabel, f.fontScale())
	fitTitle(p, c)
	addGrid(p)
	var entries []legendEntry
	var pts [][2]float64
	longest := 0
	for _, s := range b.series {
		longest = max(longest, len(s.Y))
	}
	for i, s := range b.series {
		// A sparse series (validation every 100 steps) gets a window in
		// proportion to its length, so it is smoothed over the same span
		// of steps as the dense one.
		window := int(math.Round(float64(f.smooth) * float64(len(s.Y)) / float64(longest)))
		if f.logY {
			for j, y := range s.Y {
				if y <= 0 {
					return fmt.Errorf("log-y needs positive values, series %q has %v at x=%v", s.Name, y, s.X[j])
				}
			}
		}
		col := seriesColor(i)
		ys := s.Y
		name := s.Name
		if name == "" {
			name = "series " + strconv.Itoa(i)
		}
		if s.points {
			sc, err := plotter.NewScatter(xys(s.X, ys))
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: withAlpha(col, 0.8), Radius: vg.Length(2.6 * f.fontScale()), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			entries = append(entries, legendEntry{name, sc})
			pts = appendSample(pts, s.X, ys)
			continue
		}
		if window > 1 && len(ys) > 2 {
			p.Add(chunkedLine{xys(s.X, ys), draw.LineStyle{Color: withAlpha(col, 0.25), Width: vg.Points(1)}})
			ys = movingAverage(ys, window)
		}
		l := chunkedLine{xys(s.X, ys), draw.LineStyle{Color: col, Width: vg.Points(1.8)}}
		if len(ys) == 1 {
			sc, _ := plotter.NewScatter(xys(s.X, ys))
			sc.Color = col
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(3)
			p.Add(sc)
		}
		p.Add(l)
		entries = append(entries, legendEntry{name, l})
		pts = appendSample(pts, s.X, ys)
	}
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	if f.logX {
		for _, s := range b.series {
			for _, x := range s.X {
				if x <= 0 {
					return fmt.Errorf("log-x needs positive values, series %q has x=%v", s.Name, x)
				}
			}
		}
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if f.xRange != nil {
		p.X.Min, p.X.Max = f.xRange[0], f.xRange[1]
	}
	if f.yRange != nil {
		p.Y.Min, p.Y.Max = f.yRange[0], f.yRange[1]
		if f.logY && p.Y.Min <= 0 {
			return fmt.Errorf("log-y needs a positive YRange, got min %v", p.Y.Min)
		}
	}
	c = drawPlot(p, c)
	if len(entries) > 1 {
		drawLegend(p, c, entries, pts, f.fontScale())
	}
	return nil
}

// drawPlot draws p on c and returns the canvas it drew the axes in. On a log-scaled y axis gonum places
// the y label's glyph box at the arithmetic middle of the range, which on a log axis is near the top, and
// pads the plot below the title to make room for it: a blank band. There the label is drawn here instead,
// centred on the data area, in the space gonum would have given it.
func drawPlot(p *plot.Plot, c draw.Canvas) draw.Canvas {
	if _, log := p.Y.Scale.(plot.LogScale); !log || p.Y.Label.Text == "" {
		p.Draw(c)
		return c
	}
	lbl := p.Y.Label
	p.Y.Label.Text = ""
	room := lbl.TextStyle.Height(lbl.Text) + lbl.Padding
	inner := c
	inner.Min.X += room
	p.Draw(inner)
	dc := p.DataCanvas(inner)
	sty := lbl.TextStyle
	sty.Rotation = math.Pi / 2
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	c.FillText(sty, vg.Point{X: c.Min.X, Y: (dc.Min.Y + dc.Max.Y) / 2}, lbl.Text)
	p.Y.Label = lbl
	return inner
}

// xys pairs xs and ys for gonum.
func xys(xs, ys []float64) plotter.XYs {
	out := make(plotter.XYs, len(ys))
	for i := range ys {
		out[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return out
}

// appendSample appends up to ~500 evenly spaced points of a series (used to
// place the legend where it hides the least data).
func appendSample(pts [][2]float64, xs, ys []float64) [][2]float64 {
	step := 1 + len(ys)/500
	for i := 0; i < len(ys); i += step {
		pts = append(pts, [2]float64{xs[i], ys[i]})
	}
	return pts
}

// movingAverage returns the centred moving average of ys over window
// points; near the ends the window is truncated to the available points.
func movingAverage(ys []float64, window int) []float64 {
	out := make([]float64, len(ys))
	prefix := make([]float64, len(ys)+1)
	for i, y := range ys {
		prefix[i+1] = prefix[i] + y
	}
	half := window / 2
	for i := range ys {
		lo, hi := i-half, i+(window-1-half)
		lo = max(lo, 0)
		hi = min(hi, len(ys)-1)
		out[i] = (prefix[hi+1] - prefix[lo]) / float64(hi-lo+1)
	}
	return out
}

// logTicks labels a log axis with powers of ten, adding 2× and 5× (or every
// integer multiple) when the range spans few decades, so a loss falling
// from 4 to 0.5 still has readable labels.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 || !(min < max) {
		return nil
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	decades := math.Log10(max) - math.Log10(min)
	var labelled map[int]bool
	switch {
	case decades > 2.5:
		labelled = map[int]bool{1: true}
	case decades > 0.8:
		labelled = map[int]bool{1: true, 2: true, 5: true}
	default:
		labelled = map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true}
	}
	step := 1.0
	if hi-lo > 12 {
		step = math.Ceil((hi - lo) / 8)
	}
	var ts []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min*0.999999 || v > max*1.000001 {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled[m] && (m != 1 || math.Mod(e-lo, step) == 0) {
				if m == 1 || step == 1 {
					t.Label = formatLog(v)
				}
			}
			ts = append(ts, t)
		}
	}
	return ts
}

func formatLog(v float64) string {
	if v >= 1e-3 && v < 1e5 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return trimExp(strconv.FormatFloat(v, 'g', 3, 64))
}

// Fn is a named function of one variable for Func.
type Fn struct {
	Name string
	F    func(float64) float64
}

type funcBody struct {
	xmin, xmax float64
	names      []string
	xs         []float64
	ys         [][]float64
}

// funcSamples is how many points each function is sampled at.
const funcSamples = 801

// Func plots functions of x over [xmin, xmax], e.g. activations and their
// derivatives:
//
//	plots.Func("tanh and its slope", -4, 4, plots.Fn{"tanh", math.Tanh}, plots.Fn{"tanh'", dtanh})
//
// Each function is sampled once, when Func is called, at 801 points; a NaN
// or infinite value is an error (narrow the range or use YRange).
func Func(title string, xmin, xmax float64, fns ...Fn) *Figure {
	b := &funcBody{xmin: xmin, xmax: xmax}
	if !(xmin < xmax) || math.IsInf(xmin, 0) || math.IsInf(xmax, 0) {
		return newFigure(title, b, fmt.Errorf("want finite xmin < xmax, got [%v, %v]", xmin, xmax))
	}
	if len(fns) == 0 {
		return newFigure(title, b, fmt.Errorf("no functions given"))
	}
	b.xs = make([]float64, funcSamples)
	for i := range b.xs {
		b.xs[i] = xmin + (xmax-xmin)*float64(i)/float64(funcSamples-1)
	}
	for i, fn := range fns {
		name := fn.Name
		if name == "" {
			name = "f" + strconv.Itoa(i)
		}
		if fn.F == nil {
			return newFigure(title, b, fmt.Errorf("function %q is nil", name))
		}
		ys := make([]float64, len(b.xs))
		for j, x := range b.xs {
			y := fn.F(x)
			if math.IsNaN(y) || math.IsInf(y, 0) {
				return newFigure(title, b, fmt.Errorf("%s(%v) = %v; plots needs finite values over the whole range", name, x, y))
			}
			ys[j] = y
		}
		b.names = append(b.names, name)
		b.ys = append(b.ys, ys)
	}
	return newFigure(title, b, nil)
}

func (*funcBody) kind() string { return "function plot" }
func (b *funcBody) summary(*Figure) string {
	return fmt.Sprintf("%d functions on [%v, %v]", len(b.names), b.xmin, b.xmax)
}
func (*funcBody) size(*Figure) (float64, float64) { return DefaultWidth, DefaultHeight }

func (b *funcBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	p := newPlot(f.title, f.xlabel, f.ylabel, f.fontScale())
	fitTitle(p, c)
	addGrid(p)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, ys := range b.ys {
		for _, y := range ys {
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
	}
	if f.yRange != nil {
		ymin, ymax = f.yRange[0], f.yRange[1]
	}
	// Zero lines make the shape of an activation easy to read.
	zero := draw.LineStyle{Color: axisColor, Width: vg.Points(0.6)}
	if !f.logY && ymin < 0 && ymax > 0 {
		l, _ := plotter.NewLine(plotter.XYs{{X: b.xmin, Y: 0}, {X: b.xmax, Y: 0}})
		l.LineStyle = zero
		p.Add(l)
	}
	if b.xmin < 0 && b.xmax > 0 {
		l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: ymin}, {X: 0, Y: ymax}})
		l.LineStyle = zero
		p.Add(l)
	}
	var entries []legendEntry
	var pts [][2]float64
	for i, ys := range b.ys {
		if f.logY {
			for j, y := range ys {
				if y <= 0 {
					return fmt.Errorf("log-y needs positive values, %s(%v) = %v", b.names[i], b.xs[j], y)
				}
			}
		}
		l := chunkedLine{xys(b.xs, ys), draw.LineStyle{Color: seriesColor(i), Width: vg.Points(2)}}
		if i > 0 && i%2 == 1 && len(b.ys) == 2 {
			// A function and its derivative: dash the second (in one
			// piece, so the dash pattern runs on).
			l.style.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(l)
		entries = append(entries, legendEntry{b.names[i], l})
		pts = appendSample(pts, b.xs, ys)
	}
	p.X.Min, p.X.Max = b.xmin, b.xmax
	if f.xRange != nil {
		p.X.Min, p.X.Max = f.xRange[0], f.xRange[1]
	}
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	if f.yRange != nil {
		p.Y.Min, p.Y.Max = f.yRange[0], f.yRange[1]
	} else {
		pad := 0.05 * (ymax - ymin)
		if pad == 0 {
			pad = 0.5
		}
		if !f.logY {
			p.Y.Min, p.Y.Max = ymin-pad, ymax+pad
		}
	}
	c = drawPlot(p, c)
	if len(entries) > 1 {
		drawLegend(p, c, entries, pts, f.fontScale())
	}
	return nil
}

// chunkLen is the number of segments stroked at a time. freetype's
// rasterizer slows down quadratically with the length of one stroked path,
// so long polylines are drawn as overlapping pieces: a 2,000-point loss
// curve renders several times faster.
const chunkLen = 64

// chunkedLine is a polyline plotter (like gonum's plotter.Line, which it
// uses) that strokes long lines in pieces.
type chunkedLine struct {
	xys   plotter.XYs
	style draw.LineStyle
}

func (l chunkedLine) Plot(c draw.Canvas, p *plot.Plot) {
	n := chunkLen
	if len(l.style.Dashes) > 0 {
		n = len(l.xys)
	}
	for i := 0; i < len(l.xys)-1 || i == 0; i += n {
		j := min(i+n+1, len(l.xys))
		pl := &plotter.Line{XYs: l.xys[i:j], LineStyle: l.style}
		pl.Plot(c, p)
		if j == len(l.xys) {
			break
		}
	}
}

func (l chunkedLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return plotter.XYRange(l.xys)
}

func (l chunkedLine) Thumbnail(c *draw.Canvas) {
	(&plotter.Line{LineStyle: l.style}).Thumbnail(c)
}
