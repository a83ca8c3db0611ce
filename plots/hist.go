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

type histBody struct {
	bins   int
	series []Series // only Y used
}

// Histogram draws the distribution of values (any numbers or a tensor,
// e.g. a layer's weights) in bins bars; bins <= 0 picks a number from the
// data size.
func Histogram(title string, values any, bins int) *Figure {
	return Histograms(title, bins, S("values", values))
}

// Histograms overlays the distributions of several named series on shared
// bins, e.g. the activations of each layer: plots.Histograms("Activations",
// 50, plots.S("layer 1", a1), plots.S("layer 2", a2)).
func Histograms(title string, bins int, series ...Series) *Figure {
	b := &histBody{bins: bins}
	if len(series) == 0 {
		return newFigure(title, b, fmt.Errorf("no series given"))
	}
	if bins > 1000 {
		return newFigure(title, b, fmt.Errorf("at most 1000 bins, got %d", bins))
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

func (*histBody) kind() string { return "histogram" }
func (b *histBody) summary(*Figure) string {
	n := 0
	for _, s := range b.series {
		n += len(s.Y)
	}
	if len(b.series) == 1 {
		return fmt.Sprintf("%d values", n)
	}
	return fmt.Sprintf("%d series, %d values", len(b.series), n)
}
func (*histBody) size(*Figure) (float64, float64) { return DefaultWidth, DefaultHeight }

func (b *histBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	ylabel := f.ylabel
	if ylabel == "" {
		ylabel = "count"
	}
	p := newPlot(f.title, f.xlabel, ylabel, scale)
	fitTitle(p, c)
	addGrid(p)
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, s := range b.series {
		for _, v := range s.Y {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		n = max(n, len(s.Y))
	}
	bins := b.bins
	if bins <= 0 {
		bins = int(math.Max(10, math.Min(60, math.Sqrt(float64(n)))))
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(bins)
	var entries []legendEntry
	var pts [][2]float64
	for i, s := range b.series {
		hb := make([]plotter.HistogramBin, bins)
		for k := range hb {
			hb[k].Min = lo + float64(k)*width
			hb[k].Max = lo + float64(k+1)*width
		}
		for _, v := range s.Y {
			k := int((v - lo) / width)
			k = min(max(k, 0), bins-1)
			hb[k].Weight++
		}
		for _, bin := range hb {
			pts = append(pts, [2]float64{(bin.Min + bin.Max) / 2, bin.Weight}, [2]float64{(bin.Min + bin.Max) / 2, bin.Weight / 2})
		}
		h := &plotter.Histogram{Bins: hb, Width: width, LogY: f.logY}
		col := seriesColor(i)
		if len(b.series) == 1 {
			h.FillColor = col
			h.LineStyle = draw.LineStyle{Color: tint(col, 0.6), Width: vg.Points(0.5)}
		} else {
			h.FillColor = withAlpha(col, 0.35)
			h.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1)}
		}
		p.Add(h)
		name := s.Name
		if name == "" {
			name = "series " + strconv.Itoa(i)
		}
		entries = append(entries, legendEntry{name, h})
	}
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	} else {
		p.Y.Min = 0
	}
	if f.xRange != nil {
		p.X.Min, p.X.Max = f.xRange[0], f.xRange[1]
	}
	if f.yRange != nil {
		p.Y.Min, p.Y.Max = f.yRange[0], f.yRange[1]
	}
	c = drawPlot(p, c)
	if len(entries) > 1 {
		drawLegend(p, c, entries, pts, scale)
	}
	return nil
}
