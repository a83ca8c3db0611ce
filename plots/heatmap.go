package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// grid is a row-major matrix seen by gonum as a GridXYZ with row 0 at the
// top of the picture.
type grid struct {
	rows, cols int
	data       []float64
}

func (g grid) Dims() (c, r int)        { return g.cols, g.rows }
func (g grid) Z(c, r int) float64      { return g.data[(g.rows-1-r)*g.cols+c] }
func (g grid) X(c int) float64         { return float64(c) }
func (g grid) Y(r int) float64         { return float64(r) }
func (g grid) at(row, col int) float64 { return g.data[row*g.cols+col] }

func (g grid) minMax() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range g.data {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

type heatBody struct {
	g         grid
	rowLabels []string
	colLabels []string
}

// Heatmap draws a matrix as coloured cells (viridis) with a colour bar.
// m is a [][]float64 (or any nested numbers) or a 2-D tensor; row 0 is
// drawn at the top. rowLabels and colLabels name the rows and columns
// (tokens, for attention or bigram counts); pass nil for numbered axes,
// otherwise each must have one label per row / column.
//
//	plots.Heatmap("Bigram counts", counts, chars, chars).Annotate()
func Heatmap(title string, m any, rowLabels, colLabels []string) *Figure {
	b := &heatBody{}
	rows, cols, data, err := toMatrix("matrix", m)
	if err != nil {
		return newFigure(title, b, err)
	}
	if err := checkFinite("matrix", data); err != nil {
		return newFigure(title, b, err)
	}
	if rowLabels != nil && len(rowLabels) != rows {
		return newFigure(title, b, fmt.Errorf("%d row labels for %d rows", len(rowLabels), rows))
	}
	if colLabels != nil && len(colLabels) != cols {
		return newFigure(title, b, fmt.Errorf("%d column labels for %d columns", len(colLabels), cols))
	}
	b.g = grid{rows: rows, cols: cols, data: data}
	b.rowLabels, b.colLabels = rowLabels, colLabels
	return newFigure(title, b, nil)
}

func (*heatBody) kind() string { return "heatmap" }
func (b *heatBody) summary(*Figure) string {
	s := fmt.Sprintf("%d×%d", b.g.rows, b.g.cols)
	if b.rowLabels != nil || b.colLabels != nil {
		s += ", labelled"
	}
	return s
}

func (b *heatBody) size(*Figure) (float64, float64) {
	n := max(b.g.rows, b.g.cols)
	side := math.Max(3.6, math.Min(10, 0.15*float64(n)))
	w := side * float64(b.g.cols) / float64(n)
	h := side * float64(b.g.rows) / float64(n)
	w, h = math.Max(w, 2.5), math.Max(h, 1.5)
	left, bottom := 0.6, 0.6
	if b.rowLabels != nil {
		left = 0.4 + 0.08*float64(maxLen(b.rowLabels))
	}
	if b.colLabels != nil {
		bottom = 0.4 + 0.08*float64(maxLen(b.colLabels))
	}
	return w + math.Min(left, 2) + 1.1, h + math.Min(bottom, 2) + 0.5
}

func maxLen(ss []string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len([]rune(s)))
	}
	return n
}

// tokenLabel makes a token visible as a tick label: newlines and tabs are
// escaped and leading or trailing spaces become middle dots.
func tokenLabel(s string) string {
	s = strings.NewReplacer("\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
	if s == "" {
		return "∅"
	}
	t := strings.TrimLeft(s, " ")
	s = strings.Repeat("·", len(s)-len(t)) + t
	t = strings.TrimRight(s, " ")
	return t + strings.Repeat("·", len(s)-len(t))
}

// heatLayer returns the gonum HeatMap of g coloured by cm.
func heatLayer(g plotter.GridXYZ, cm palette.ColorMap) plot.Plotter {
	pal := cm.Palette(256).Colors()
	hm := plotter.NewHeatMap(g, listPalette(pal))
	hm.Min, hm.Max = cm.Min(), cm.Max()
	hm.Underflow = pal[0]
	hm.Overflow = pal[len(pal)-1]
	hm.Rasterized = true // see fixSVGImages
	return noGlyphs{hm}
}

// colorMap returns the figure's colour map over [lo, hi]: viridis, or
// Moreland's blue–red diverging map after Diverging.
func (f *Figure) colorMap(lo, hi float64) palette.ColorMap {
	if f.diverging {
		cm := moreland.SmoothBlueRed()
		cm.SetMin(lo)
		cm.SetMax(hi)
		return cm
	}
	return newViridis(lo, hi)
}

// colorRange returns the value range mapped to the colour map: the data's
// range, symmetric about zero for a diverging map, unless ColorRange set
// one.
func (f *Figure) colorRange(lo, hi float64) (float64, float64) {
	if f.colors != nil {
		return f.colors[0], f.colors[1]
	}
	if f.diverging {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if m == 0 {
			m = 1
		}
		return -m, m
	}
	if lo == hi {
		return lo - 0.5, hi + 0.5
	}
	return lo, hi
}

// labelTicks returns ticks at 0..n-1 labelled by labels (already in data
// order, low to high), or numbered ticks every few cells when labels is nil.
// With top set, numbers count from the top (rows of a matrix).
func labelTicks(labels []string, n int, top bool) plot.ConstantTicks {
	ts := make(plot.ConstantTicks, 0, n)
	if labels != nil {
		for i, l := range labels {
			ts = append(ts, plot.Tick{Value: float64(i), Label: tokenLabel(l)})
		}
		return ts
	}
	step := niceStep(n, 10)
	for i := 0; i < n; i += step {
		v := float64(i)
		if top {
			v = float64(n - 1 - i)
		}
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(i)})
	}
	return ts
}

// niceStep returns the smallest of 1, 2, 5, 10, 20, 50, ... that leaves at
// most most ticks for n cells.
func niceStep(n, most int) int {
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			if s := m * base; (n+s-1)/s <= most {
				return s
			}
		}
	}
}

// labelFontSize picks a tick label size (points) that fits cells of the
// given size in points.
func labelFontSize(cell float64, scale float64) vg.Length {
	return vg.Length(math.Max(4, math.Min(tickSize*scale, cell*0.72)))
}

// styleHeatAxes sets up the axes of a heatmap plot: labelled ticks, small
// enough fonts to fit the cells, x labels turned upright when they would
// overlap.
func styleHeatAxes(p *plot.Plot, g grid, rowLabels, colLabels []string, cellW, cellH float64, scale float64, showX, showY bool) {
	p.X.Min, p.X.Max = -0.5, float64(g.cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(g.rows)-0.5
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Tick.Length = vg.Length(2.5 * scale)
	}
	var rl []string
	if rowLabels != nil {
		rl = make([]string, len(rowLabels))
		for i := range rowLabels {
			rl[i] = rowLabels[len(rowLabels)-1-i]
		}
	}
	p.Y.Tick.Marker = labelTicks(rl, g.rows, true)
	p.X.Tick.Marker = labelTicks(colLabels, g.cols, false)
	if rowLabels != nil {
		p.Y.Tick.Label.Font.Size = labelFontSize(cellH, scale)
	}
	if colLabels != nil {
		fitXLabels(p, colLabels, cellW, scale)
	}
	if !showX {
		p.X.Tick.Marker = blankTicks(p.X.Tick.Marker)
	}
	if !showY {
		p.Y.Tick.Marker = blankTicks(p.Y.Tick.Marker)
	}
}

// fitXLabels sizes the labelled x ticks of p (one per cell of width cellW
// points) to fit, turning them upright when they would overlap side by side.
func fitXLabels(p *plot.Plot, labels []string, cellW, scale float64) {
	sz := labelFontSize(cellW, scale)
	p.X.Tick.Label.Font.Size = sz
	sty := p.X.Tick.Label
	widest := vg.Length(0)
	for _, l := range labels {
		widest = max(widest, sty.Width(tokenLabel(l)))
	}
	if float64(widest) <= cellW*0.9 {
		return
	}
	p.X.Tick.Label.Font.Size = labelFontSize(cellW*1.25, scale)
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	// gonum anchors tick labels as if unrotated; trailing spaces keep
	// upright labels clear of the tick marks.
	if ct, ok := p.X.Tick.Marker.(plot.ConstantTicks); ok {
		for i := range ct {
			ct[i].Label += "  "
		}
	}
}

// blankTicks keeps tick positions but drops their labels.
func blankTicks(t plot.Ticker) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		ts := t.Ticks(min, max)
		out := make([]plot.Tick, len(ts))
		for i, tk := range ts {
			out[i] = plot.Tick{Value: tk.Value}
		}
		return out
	})
}

// annotation formats a cell value for Annotate.
func annotation(v float64, ints bool) string {
	if ints {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 100 || a < 0.001:
		return trimExp(strconv.FormatFloat(v, 'g', 2, 64))
	case a < 0.01:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// annotations returns a Labels plotter writing each cell's value, in white
// on dark cells and near-black on light ones.
func annotations(g grid, cm palette.ColorMap, cellW, cellH float64, scale float64) (*plotter.Labels, bool) {
	ints := true
	for _, v := range g.data {
		if v != math.Trunc(v) || math.Abs(v) > 1e9 {
			ints = false
			break
		}
	}
	n := g.rows * g.cols
	xy := make(plotter.XYs, 0, n)
	txt := make([]string, 0, n)
	for r := 0; r < g.rows; r++ {
		for c := 0; c < g.cols; c++ {
			xy = append(xy, plotter.XY{X: float64(c), Y: float64(g.rows - 1 - r)})
			txt = append(txt, annotation(g.at(r, c), ints))
		}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: txt})
	if err != nil {
		return nil, false
	}
	size := math.Min(math.Min(cellH*0.45, 10*scale), 10)
	base := textStyle(vg.Length(size), false)
	widest := vg.Length(0)
	for _, s := range txt {
		widest = max(widest, base.Width(s))
	}
	if float64(widest) > cellW*0.92 {
		size *= cellW * 0.92 / float64(widest)
	}
	if size < 4 {
		return nil, false // too small to read: skip rather than smudge
	}
	for i := range l.TextStyle {
		sty := textStyle(vg.Length(size), false)
		sty.XAlign = draw.XCenter
		sty.YAlign = draw.YCenter
		v := math.Max(cm.Min(), math.Min(cm.Max(), g.data[i]))
		sty.Color = color.NRGBA{0x11, 0x11, 0x11, 0xFF}
		if bg, err := cm.At(v); err == nil && luminance(bg) < 0.45 {
			sty.Color = color.White
		}
		l.TextStyle[i] = sty
	}
	return l, true
}

// colorBar draws a vertical colour bar for cm at the right edge of c,
// spanning the vertical extent [bottom, top] of a data area.
func colorBar(c draw.Canvas, top, bottom vg.Length, cm palette.ColorMap, scale float64, label string) {
	lo, hi := cm.Min(), cm.Max()
	if label != "" {
		// The label reads upwards along the bar's right edge; the bar moves left to make room.
		sty := textStyle(vg.Length(10*scale), false)
		sty.Rotation = math.Pi / 2
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		c.FillText(sty, vg.Point{X: c.Max.X, Y: (top + bottom) / 2}, label)
		c.Max.X -= textStyle(vg.Length(10*scale), false).Height(label) + vg.Length(4*scale)
	}
	cb := newPlot("", "", "", scale)
	cb.HideX()
	cb.Y.Tick.Length = vg.Length(3 * scale)
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true, Colors: 256})
	cb.Y.Min, cb.Y.Max = lo, hi
	barW := vg.Length(12 * scale)
	strip := c
	strip.Max.Y, strip.Min.Y = top, bottom
	// Find the width of the axis (tick labels) and grow the strip so the
	// bar's data area matches the heatmap's height exactly.
	dc := cb.DataCanvas(strip)
	axisW := dc.Min.X - strip.Min.X
	strip.Min.X = c.Max.X - axisW - barW
	strip.Min.Y -= dc.Min.Y - strip.Min.Y
	strip.Max.Y += strip.Max.Y - dc.Max.Y
	cb.Draw(strip)
	// A thin frame around the bar.
	dc = cb.DataCanvas(strip)
	frame := vg.Path{}
	frame.Move(dc.Min)
	frame.Line(vg.Point{X: dc.Max.X, Y: dc.Min.Y})
	frame.Line(dc.Max)
	frame.Line(vg.Point{X: dc.Min.X, Y: dc.Max.Y})
	frame.Close()
	c.SetLineStyle(draw.LineStyle{Color: axisColor, Width: vg.Points(0.6)})
	c.Stroke(frame)
}

// colorBarWidth is the horizontal room reserved for a colour bar.
func colorBarWidth(lo, hi float64, scale float64, label string) vg.Length {
	cb := newPlot("", "", "", scale)
	w := vg.Length(0)
	for _, t := range (niceTicks{}).Ticks(lo, hi) {
		w = max(w, cb.Y.Tick.Label.Width(t.Label))
	}
	if label != "" {
		w += textStyle(vg.Length(10*scale), false).Height(label) + vg.Length(4*scale)
	}
	return w + vg.Length(30*scale)
}

func (b *heatBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	lo, hi := b.g.minMax()
	lo, hi = f.colorRange(lo, hi)
	cbw := colorBarWidth(lo, hi, scale, f.colorLabel)
	main := c
	main.Max.X -= cbw + vg.Length(10*scale)
	p := newPlot(f.title, f.xlabel, f.ylabel, scale)
	fitTitle(p, main)
	// Estimate the cell size from the canvas (refined below).
	est := p.DataCanvas(main)
	cellW := float64(est.Max.X-est.Min.X) / float64(b.g.cols)
	cellH := float64(est.Max.Y-est.Min.Y) / float64(b.g.rows)
	styleHeatAxes(p, b.g, b.rowLabels, b.colLabels, cellW, cellH, scale, true, true)
	dc := p.DataCanvas(main)
	cellW = float64(dc.Max.X-dc.Min.X) / float64(b.g.cols)
	cellH = float64(dc.Max.Y-dc.Min.Y) / float64(b.g.rows)
	// Square cells, as in most heatmaps (unless that would make a very
	// long and thin picture): shrink the area in one direction, centred.
	if r := float64(b.g.rows) / float64(b.g.cols); r >= 0.25 && r <= 4 {
		if cellW > cellH*1.02 {
			shrink := vg.Length((cellW - cellH) * float64(b.g.cols))
			main.Min.X += shrink / 2
			main.Max.X -= shrink / 2
		} else if cellH > cellW*1.02 {
			shrink := vg.Length((cellH - cellW) * float64(b.g.rows))
			main.Min.Y += shrink / 2
			main.Max.Y -= shrink / 2
		}
		styleHeatAxes(p, b.g, b.rowLabels, b.colLabels, math.Min(cellW, cellH), math.Min(cellW, cellH), scale, true, true)
		dc = p.DataCanvas(main)
		cellW = float64(dc.Max.X-dc.Min.X) / float64(b.g.cols)
		cellH = float64(dc.Max.Y-dc.Min.Y) / float64(b.g.rows)
	}
	cm := f.colorMap(lo, hi)
	p.Add(heatLayer(b.g, cm))
	if f.annot {
		if l, ok := annotations(b.g, cm, cellW, cellH, scale); ok {
			p.Add(l)
		}
	}
	p.Draw(main)
	cbc := c
	cbc.Max.X = main.Max.X + cbw + vg.Length(10*scale)
	colorBar(cbc, dc.Max.Y, dc.Min.Y, cm, scale, f.colorLabel)
	return nil
}

// fontScale is 1 for a figure drawn on its own and smaller inside Panels.
func (f *Figure) fontScale() float64 {
	if f.scale > 0 {
		return f.scale
	}
	return 1
}

// luminance is the relative luminance of c in [0,1].
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xFFFF
}
