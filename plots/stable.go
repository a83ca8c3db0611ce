package plots

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// strokeRecorder is a vg.Canvas that holds back strokes and replays them
// in a canonical order (see stableContour). Everything else passes through.
type strokeRecorder struct {
	vg.Canvas
	width   vg.Length
	dashes  []vg.Length
	offs    vg.Length
	col     color.Color
	strokes []recordedStroke
}

type recordedStroke struct {
	key    string
	width  vg.Length
	dashes []vg.Length
	offs   vg.Length
	col    color.Color
	path   vg.Path
}

func (r *strokeRecorder) SetLineWidth(w vg.Length) { r.width = w }
func (r *strokeRecorder) SetLineDash(d []vg.Length, o vg.Length) {
	r.dashes, r.offs = append([]vg.Length(nil), d...), o
}
func (r *strokeRecorder) SetColor(c color.Color) { r.col = c }

func (r *strokeRecorder) Stroke(p vg.Path) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%v|%v|", r.col, r.width)
	for _, c := range p {
		fmt.Fprintf(&sb, "%d:%.3f,%.3f;", c.Type, c.Pos.X, c.Pos.Y)
	}
	r.strokes = append(r.strokes, recordedStroke{
		key: sb.String(), width: r.width, dashes: r.dashes, offs: r.offs, col: r.col,
		path: append(vg.Path(nil), p...),
	})
}

func (r *strokeRecorder) Fill(p vg.Path) {
	r.Canvas.SetColor(r.col)
	r.Canvas.Fill(p)
}

// flush replays the recorded strokes sorted by their geometry.
func (r *strokeRecorder) flush() {
	sort.SliceStable(r.strokes, func(i, j int) bool { return r.strokes[i].key < r.strokes[j].key })
	for _, s := range r.strokes {
		r.Canvas.SetLineWidth(s.width)
		r.Canvas.SetLineDash(s.dashes, s.offs)
		r.Canvas.SetColor(s.col)
		r.Canvas.Stroke(s.path)
	}
	r.strokes = nil
}

// noGlyphs hides a plotter's glyph boxes, so a figure with fixed axis
// ranges (heatmaps, maps, decision regions) is not padded away from its
// axes to make room for markers at the edges.
type noGlyphs struct{ plot.Plotter }

func (n noGlyphs) DataRange() (xmin, xmax, ymin, ymax float64) {
	if d, ok := n.Plotter.(plot.DataRanger); ok {
		return d.DataRange()
	}
	return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
}
