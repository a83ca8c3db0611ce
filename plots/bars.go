package plots

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

type barsBody struct {
	labels []string
	series []Series
}

// Bars draws a bar chart with one bar per label for each series (bars of
// several series stand side by side), e.g. a model's next-token
// probabilities at two temperatures:
//
//	plots.Bars("P(next token)", tokens, plots.S("T = 1", p1), plots.S("T = 0.5", p05))
//
// Each series needs one value per label; its X values are ignored.
func Bars(title string, labels []string, series ...Series) *Figure {
	b := &barsBody{labels: labels}
	if len(labels) == 0 {
		return newFigure(title, b, fmt.Errorf("no labels given"))
	}
	if len(series) == 0 {
		return newFigure(title, b, fmt.Errorf("no series given"))
	}
	for i, s := range series {
		s, err := s.check(i)
		if err != nil {
			return newFigure(title, b, err)
		}
		if len(s.Y) != len(labels) {
			return newFigure(title, b, fmt.Errorf("series %q has %d values for %d labels", s.Name, len(s.Y), len(labels)))
		}
		b.series = append(b.series, s)
	}
	return newFigure(title, b, nil)
}

func (*barsBody) kind() string { return "bar chart" }
func (b *barsBody) summary(*Figure) string {
	if len(b.series) == 1 {
		return fmt.Sprintf("%d bars", len(b.labels))
	}
	return fmt.Sprintf("%d series × %d bars", len(b.series), len(b.labels))
}
func (b *barsBody) size(*Figure) (float64, float64) {
	w := math.Max(DefaultWidth, math.Min(16, 1.2+0.3*float64(len(b.labels)*len(b.series))))
	return w, DefaultHeight
}

func (b *barsBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	p := newPlot(f.title, f.xlabel, f.ylabel, scale)
	fitTitle(p, c)
	g := plotter.NewGrid()
	g.Horizontal = draw.LineStyle{Color: gridColor, Width: vg.Points(0.6)}
	g.Vertical.Color = nil
	p.Add(g)
	n := len(b.labels)
	lo, hi := 0.0, 0.0
	for _, s := range b.series {
		for _, v := range s.Y {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo == hi {
		hi = 1
	}
	pad := 0.05 * (hi - lo)
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = lo, hi+pad
	if lo < 0 {
		p.Y.Min = lo - pad
	}
	if f.yRange != nil {
		p.Y.Min, p.Y.Max = f.yRange[0], f.yRange[1]
	}
	p.X.Tick.Marker = labelTicks(b.labels, n, false)
	p.X.Tick.Length = 0
	est := p.DataCanvas(c)
	fitXLabels(p, b.labels, float64(est.Max.X-est.Min.X)/float64(n), scale)
	dc := p.DataCanvas(c)
	cell := (dc.Max.X - dc.Min.X) / vg.Length(n)
	ns := len(b.series)
	barW := cell * 0.8 / vg.Length(ns)
	var entries []legendEntry
	var pts [][2]float64
	for i, s := range b.series {
		bc, err := plotter.NewBarChart(plotter.Values(s.Y), barW)
		if err != nil {
			return err
		}
		col := seriesColor(i)
		bc.Color = col
		bc.LineStyle = draw.LineStyle{Color: tint(col, 0.5), Width: vg.Points(0.5)}
		bc.Offset = (vg.Length(i) - vg.Length(ns-1)/2) * barW
		p.Add(noGlyphs{bc})
		name := s.Name
		if name == "" {
			name = "series " + strconv.Itoa(i)
		}
		entries = append(entries, legendEntry{name, bc})
		for k, v := range s.Y {
			pts = append(pts, [2]float64{float64(k), v}, [2]float64{float64(k), v / 2})
		}
	}
	p.Draw(c)
	if ns > 1 {
		drawLegend(p, c, entries, pts, scale)
	}
	return nil
}
