package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

type panelsBody struct {
	cols int
	figs []*Figure
}

// Panels arranges figures in a grid with cols columns (rows as needed)
// under one title, e.g. one histogram per layer. Each panel keeps its own
// title, labels and options; its size and DPI are ignored.
func Panels(title string, cols int, figs ...*Figure) *Figure {
	b := &panelsBody{cols: cols}
	if cols < 1 {
		return newFigure(title, b, fmt.Errorf("cols must be at least 1, got %d", cols))
	}
	if len(figs) == 0 {
		return newFigure(title, b, fmt.Errorf("no panels given"))
	}
	for i, f := range figs {
		if f == nil {
			return newFigure(title, b, fmt.Errorf("panel %d is nil", i))
		}
		if f.err != nil {
			return newFigure(title, b, fmt.Errorf("panel %d: %w", i, f.err))
		}
	}
	if cols > len(figs) {
		b.cols = len(figs)
	}
	b.figs = figs
	return newFigure(title, b, nil)
}

func (*panelsBody) kind() string { return "panel grid" }
func (b *panelsBody) rows() int  { return (len(b.figs) + b.cols - 1) / b.cols }
func (b *panelsBody) summary(*Figure) string {
	return fmt.Sprintf("%d panels, %d×%d", len(b.figs), b.rows(), b.cols)
}
func (b *panelsBody) size(*Figure) (float64, float64) {
	w := math.Min(maxInches, 3.4*float64(b.cols))
	h := math.Min(maxInches, 2.7*float64(b.rows())+0.45)
	return w, h
}

func (b *panelsBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	c = drawTitle(c, f.title, scale)
	t := draw.Tiles{
		Rows: b.rows(), Cols: b.cols,
		PadX: vg.Length(14 * scale), PadY: vg.Length(10 * scale),
		PadTop: vg.Length(2 * scale), PadBottom: vg.Length(4 * scale),
		PadLeft: vg.Length(4 * scale), PadRight: vg.Length(8 * scale),
	}
	for i, sub := range b.figs {
		tile := t.At(c, i%b.cols, i/b.cols)
		cp := *sub
		// Fonts shrink a little in small panels.
		cp.scale = scale * math.Max(0.8, math.Min(1, float64(tile.Max.X-tile.Min.X)/72/4.5))
		if err := cp.body.draw(&cp, tile, vector); err != nil {
			return fmt.Errorf("panel %d: %w", i, err)
		}
	}
	return nil
}

type attnBody struct {
	layers, heads, t int
	data             []float64 // [layers][heads][t][t]
	tokens           []string
}

// Attention draws attention weights as a grid of heatmaps, one per layer
// (rows) and head (columns), labelled with the tokens and sharing one
// colour bar. weights is a tensor or nested numbers of shape [T,T],
// [heads,T,T] or [layers,heads,T,T] (query rows, key columns); tokens has
// T entries, or is nil for numbered positions. Slice a batch dimension off
// first; to show one head of several layers, pass [layers,1,T,T] so the
// panels are titled by layer.
func Attention(title string, weights any, tokens []string) *Figure {
	b := &attnBody{}
	a, err := toArray("weights", weights)
	if err != nil {
		return newFigure(title, b, err)
	}
	s := a.shape
	switch len(s) {
	case 2:
		b.layers, b.heads = 1, 1
	case 3:
		b.layers, b.heads = 1, s[0]
	case 4:
		b.layers, b.heads = s[0], s[1]
	default:
		return newFigure(title, b, fmt.Errorf("weights: want shape [T,T], [heads,T,T] or [layers,heads,T,T], got %v", s))
	}
	r, cl := s[len(s)-2], s[len(s)-1]
	if r != cl {
		return newFigure(title, b, fmt.Errorf("weights: attention matrices must be square (T×T), got shape %v", s))
	}
	if len(a.data) == 0 {
		return newFigure(title, b, fmt.Errorf("weights: no data (shape %v)", s))
	}
	if b.layers*b.heads > 64 {
		return newFigure(title, b, fmt.Errorf("weights: %d layers × %d heads is too many panels (at most 64); slice the tensor", b.layers, b.heads))
	}
	if err := checkFinite("weights", a.data); err != nil {
		return newFigure(title, b, err)
	}
	b.t = r
	if tokens != nil && len(tokens) != r {
		return newFigure(title, b, fmt.Errorf("%d tokens for %d×%d attention matrices", len(tokens), r, r))
	}
	b.data, b.tokens = a.data, tokens
	f := newFigure(title, b, nil)
	f.colorLabel = "attention weight"
	return f
}

func (*attnBody) kind() string { return "attention grid" }
func (b *attnBody) summary(*Figure) string {
	return fmt.Sprintf("%d layers × %d heads, %d tokens", b.layers, b.heads, b.t)
}

func (b *attnBody) panel() float64 { return math.Max(1.5, math.Min(4, 0.16*float64(b.t))) }

func (b *attnBody) size(*Figure) (float64, float64) {
	p := b.panel()
	lab := 0.5
	if b.tokens != nil {
		lab = 0.3 + 0.07*float64(maxLen(b.tokens))
	}
	w := float64(b.heads)*(p+0.12) + math.Min(lab, 1.5) + 1.0
	h := float64(b.layers)*(p+0.3) + math.Min(lab, 1.5) + 0.5
	return math.Min(w, maxInches), math.Min(h, maxInches)
}

func (b *attnBody) grid(l, h int) grid {
	n := b.t * b.t
	off := (l*b.heads + h) * n
	return grid{rows: b.t, cols: b.t, data: b.data[off : off+n]}
}

func (b *attnBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	c = drawTitle(c, f.title, scale)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range b.data {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo >= 0 && hi <= 1 && !f.diverging {
		lo = 0 // attention weights: anchor the scale at zero
	}
	lo, hi = f.colorRange(lo, hi)
	cm := f.colorMap(lo, hi)
	cbw := colorBarWidth(lo, hi, scale, f.colorLabel)
	main := c
	main.Max.X -= cbw + vg.Length(8*scale)

	// Panel fonts shrink a little when panels are small.
	pw := float64(main.Max.X-main.Min.X) / float64(b.heads)
	ph := float64(main.Max.Y-main.Min.Y) / float64(b.layers)
	sub := scale * math.Max(0.8, math.Min(1, pw/72/3))
	t := draw.Tiles{Rows: b.layers, Cols: b.heads, PadX: vg.Length(6 * scale), PadY: vg.Length(6 * scale)}
	// Cell size estimate for label fonts, refined once the panels are laid out.
	cellW := pw * 0.8 / float64(b.t)
	cellH := ph * 0.75 / float64(b.t)
	plots := b.panels(f, cm, cellW, cellH, sub, scale)
	canvases := plot.Align(plots, t, main)
	// Square cells: shrink the grid in one direction.
	dc := plots[0][0].DataCanvas(canvases[0][0])
	w, h := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
	if w > h*1.02 {
		shrink := (w - h) * vg.Length(b.heads)
		main.Min.X += shrink / 2
		main.Max.X -= shrink / 2
	} else if h > w*1.02 {
		// Keep the grid under its title; the room left is at the bottom.
		main.Min.Y += (h - w) * vg.Length(b.layers)
	}
	side := float64(min(w, h)) / float64(b.t)
	plots = b.panels(f, cm, side, side, sub, scale)
	canvases = plot.Align(plots, t, main)
	top, bottom := vg.Length(math.Inf(-1)), vg.Length(math.Inf(1))
	for l := range plots {
		for h, p := range plots[l] {
			p.Draw(canvases[l][h])
			dc := p.DataCanvas(canvases[l][h])
			top, bottom = max(top, dc.Max.Y), min(bottom, dc.Min.Y)
		}
	}
	cbc := c
	cbc.Max.X = main.Max.X + cbw + vg.Length(8*scale)
	colorBar(cbc, top, bottom, cm, scale, f.colorLabel)
	return nil
}

// panels builds one heatmap plot per layer and head; cellW and cellH are
// the cell sizes (points) the label fonts are fitted to.
func (b *attnBody) panels(f *Figure, cm palette.ColorMap, cellW, cellH, sub, scale float64) [][]*plot.Plot {
	plots := make([][]*plot.Plot, b.layers)
	for l := 0; l < b.layers; l++ {
		plots[l] = make([]*plot.Plot, b.heads)
		for h := 0; h < b.heads; h++ {
			title := fmt.Sprintf("head %d", h)
			if b.layers > 1 {
				title = fmt.Sprintf("layer %d · head %d", l, h)
			}
			if b.layers == 1 && b.heads == 1 {
				title = ""
			}
			p := newPlot(title, "", "", sub)
			p.Title.TextStyle.Font.Weight = 0
			p.Title.Padding = vg.Length(3 * scale)
			g := b.grid(l, h)
			styleHeatAxes(p, g, b.tokens, b.tokens, cellW, cellH, sub, l == b.layers-1, h == 0)
			p.Add(heatLayer(g, cm))
			plots[l][h] = p
		}
	}
	if b.layers == 1 && b.heads == 1 {
		plots[0][0].X.Label.Text = "key"
		plots[0][0].Y.Label.Text = "query"
	}
	return plots
}
