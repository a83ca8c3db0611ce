package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default figure geometry. Sizes are in inches; one inch is 96 CSS pixels
// on screen, and PNGs are drawn at DefaultDPI (twice that) so they stay
// sharp on high-DPI screens.
const (
	DefaultWidth  = 6.4
	DefaultHeight = 4.0
	DefaultDPI    = 192
	screenDPI     = 96
	maxInches     = 40
	maxPixels     = 60_000_000
)

// Figure is a chart that renders itself as PNG or SVG. Functions such as
// Line, Func, Scatter, Heatmap, Attention, Histogram, Bars, Landscape and
// Panels make one; chained methods (Labels, LogY, Smooth, Size, ...) adjust it.
//
// Errors: constructors and option methods never panic on bad input. The
// first problem (a ragged matrix, a label count that does not match, empty
// data, a NaN, an option that does not apply to this kind of figure) is
// recorded in the figure; Err, PNG, SVG and Save return it and String shows
// it. A figure is not safe for concurrent modification, but rendering a
// finished figure from several goroutines is fine.
type Figure struct {
	title string
	body  body
	err   error

	w, h       float64 // inches; 0 means the kind's default
	dpi        int
	xlabel     string
	ylabel     string
	logY       bool
	logX       bool
	smooth     int
	xRange     *[2]float64
	yRange     *[2]float64
	colors     *[2]float64
	annot      bool
	diverging  bool
	classes    []string
	scale      float64 // font scale; 0 means 1 (set for panels)
	colorLabel string  // what a colour bar measures; empty draws none
}

// body is the kind-specific part of a figure.
type body interface {
	// kind names the figure kind for messages ("line chart").
	kind() string
	// summary is the parenthesised part of String ("2 series").
	summary(f *Figure) string
	// size is the default size in inches.
	size(f *Figure) (w, h float64)
	// draw draws the figure onto c. vector is true for SVG output.
	draw(f *Figure, c draw.Canvas, vector bool) error
}

func newFigure(title string, b body, err error) *Figure {
	f := &Figure{title: title, body: b, dpi: DefaultDPI}
	if err != nil {
		f.err = fmt.Errorf("plots.%s: %w", b.kind(), err)
	}
	return f
}

// fail records err (prefixed with the method name) unless an earlier error
// is already recorded.
func (f *Figure) fail(method string, err error) *Figure {
	if f.err == nil && err != nil {
		f.err = fmt.Errorf("plots: %s: %w", method, err)
	}
	return f
}

// Err returns the first error recorded while building the figure, or nil.
func (f *Figure) Err() error {
	if f == nil {
		return errors.New("plots: nil figure")
	}
	return f.err
}

// Title returns the figure's title.
func (f *Figure) Title() string { return f.title }

// Size sets the figure's size in inches (1 inch shows as 96 pixels on a
// normal screen). The default depends on the kind: 6.4×4 for charts,
// larger for big heatmaps and panel grids.
func (f *Figure) Size(wInches, hInches float64) *Figure {
	if !(wInches > 0 && hInches > 0 && wInches <= maxInches && hInches <= maxInches) {
		return f.fail("Size", fmt.Errorf("width and height must be in (0, %d] inches, got %v×%v", maxInches, wInches, hInches))
	}
	f.w, f.h = wInches, hInches
	return f
}

// DPI sets the resolution of PNG output in dots per inch (default 192,
// twice a normal screen's, so images stay sharp on high-DPI displays).
func (f *Figure) DPI(dpi int) *Figure {
	if dpi < 24 || dpi > 1200 {
		return f.fail("DPI", fmt.Errorf("dpi must be between 24 and 1200, got %d", dpi))
	}
	f.dpi = dpi
	return f
}

// Labels sets the x and y axis labels.
func (f *Figure) Labels(x, y string) *Figure {
	f.xlabel, f.ylabel = x, y
	return f
}

// LogY draws the y axis on a log scale (line charts, function plots and
// histograms). All plotted y values must then be positive.
func (f *Figure) LogY() *Figure {
	switch f.body.(type) {
	case *lineBody, *funcBody, *histBody:
		f.logY = true
		return f
	}
	return f.notFor("LogY")
}

// LogX draws the x axis of a line chart on a log scale, for quantities that span orders of magnitude
// (parameters against width, compute against model size). All x values must then be positive.
func (f *Figure) LogX() *Figure {
	if _, ok := f.body.(*lineBody); !ok {
		return f.notFor("LogX")
	}
	f.logX = true
	return f
}

// Smooth draws each series of a line chart as a centred moving average over
// window points, with the raw values kept as a faint line behind it.
// A window of 0 or 1 turns smoothing off.
func (f *Figure) Smooth(window int) *Figure {
	if _, ok := f.body.(*lineBody); !ok {
		return f.notFor("Smooth")
	}
	if window < 0 {
		return f.fail("Smooth", fmt.Errorf("window must be >= 0, got %d", window))
	}
	f.smooth = window
	return f
}

// YRange fixes the y axis to [min, max] (line charts, function plots,
// histograms and bar charts); values outside are clipped.
func (f *Figure) YRange(min, max float64) *Figure {
	switch f.body.(type) {
	case *lineBody, *funcBody, *histBody, *barsBody:
	default:
		return f.notFor("YRange")
	}
	if !(min < max) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return f.fail("YRange", fmt.Errorf("want finite min < max, got [%v, %v]", min, max))
	}
	f.yRange = &[2]float64{min, max}
	return f
}

// XRange fixes the x axis to [min, max] (line charts and function plots).
func (f *Figure) XRange(min, max float64) *Figure {
	switch f.body.(type) {
	case *lineBody, *funcBody, *histBody:
	default:
		return f.notFor("XRange")
	}
	if !(min < max) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return f.fail("XRange", fmt.Errorf("want finite min < max, got [%v, %v]", min, max))
	}
	f.xRange = &[2]float64{min, max}
	return f
}

// ColorRange fixes the values mapped to the two ends of the colour map
// (heatmaps, attention grids, loss landscapes). By default the data's
// minimum and maximum are used.
func (f *Figure) ColorRange(min, max float64) *Figure {
	switch f.body.(type) {
	case *heatBody, *attnBody, *landBody:
	default:
		return f.notFor("ColorRange")
	}
	if !(min < max) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return f.fail("ColorRange", fmt.Errorf("want finite min < max, got [%v, %v]", min, max))
	}
	f.colors = &[2]float64{min, max}
	return f
}

// Diverging colours a heatmap, attention grid or landscape with a
// blue–white–red diverging map centred on zero (Moreland's smooth
// cool-warm map), for signed data such as weights or gradients. The range
// is symmetric about zero unless ColorRange sets it.
func (f *Figure) Diverging() *Figure {
	switch f.body.(type) {
	case *heatBody, *attnBody, *landBody:
		f.diverging = true
		return f
	}
	return f.notFor("Diverging")
}

// Annotate writes each cell's value in a heatmap (readable up to about
// 20×20 cells at the default size).
func (f *Figure) Annotate() *Figure {
	if _, ok := f.body.(*heatBody); !ok {
		return f.notFor("Annotate")
	}
	f.annot = true
	return f
}

// ColorLabel names what the colours of a heatmap, attention grid or loss landscape measure ("attention
// weight", "count", "loss"); it is written along the colour bar. Attention figures say "attention
// weight" and landscapes "loss" unless told otherwise.
func (f *Figure) ColorLabel(text string) *Figure {
	switch f.body.(type) {
	case *heatBody, *attnBody, *landBody:
		f.colorLabel = text
		return f
	}
	return f.notFor("ColorLabel")
}

func (f *Figure) notFor(method string) *Figure {
	return f.fail(method, fmt.Errorf("does not apply to a %s", f.body.kind()))
}

// String is the text/plain form of the figure, e.g.
// "Figure: Training loss (line chart, 2 series)".
func (f *Figure) String() string {
	if f == nil {
		return "Figure: <nil>"
	}
	if f.err != nil {
		return "Figure error: " + f.err.Error()
	}
	t := f.title
	if t == "" {
		t = "untitled"
	}
	s := f.body.kind()
	if sum := f.body.summary(f); sum != "" {
		s += ", " + sum
	}
	return fmt.Sprintf("Figure: %s (%s)", t, s)
}

// inches returns the figure's size in inches.
func (f *Figure) inches() (w, h float64) {
	if f.w > 0 {
		return f.w, f.h
	}
	return f.body.size(f)
}

// DisplaySize returns the size in CSS pixels at which the figure should be
// shown (96 per inch). PNGs are drawn at DPI/96 times this size, so a
// notebook front end should be given these as the image's width and
// height to show them sharp and at the intended size.
func (f *Figure) DisplaySize() (width, height int) {
	w, h := f.inches()
	return int(math.Round(w * screenDPI)), int(math.Round(h * screenDPI))
}

// PNG renders the figure as a PNG image at the figure's DPI.
func (f *Figure) PNG() ([]byte, error) { return f.render("png") }

// SVG renders the figure as an SVG document. Text stays text (Liberation
// Sans, falling back to the metric-compatible Arial or Helvetica); raster
// parts such as heatmap cells are embedded PNG images.
func (f *Figure) SVG() ([]byte, error) { return f.render("svg") }

// Save writes the figure to path; the extension picks the format (.png or
// .svg). The parent directory must exist.
func (f *Figure) Save(path string) error {
	var format string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		format = "png"
	case ".svg":
		format = "svg"
	default:
		return fmt.Errorf("plots: Save %q: unknown extension %q (want .png or .svg)", path, filepath.Ext(path))
	}
	b, err := f.render(format)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// render draws the figure in the given format. Panics inside the drawing
// library are turned into errors so a bad figure never kills the caller.
func (f *Figure) render(format string) (out []byte, err error) {
	if f == nil {
		return nil, errors.New("plots: nil figure")
	}
	if f.err != nil {
		return nil, f.err
	}
	wIn, hIn := f.inches()
	if px := wIn * hIn * float64(f.dpi*f.dpi); format == "png" && px > maxPixels {
		return nil, fmt.Errorf("plots: %.1f×%.1f in at %d dpi is %.0f megapixels; make it smaller", wIn, hIn, f.dpi, px/1e6)
	}
	defer func() {
		if r := recover(); r != nil {
			out = nil
			err = fmt.Errorf("plots: drawing %s failed: %v\n%s", f.body.kind(), r, firstLines(debug.Stack(), 12))
		}
	}()
	w, h := vg.Length(wIn)*vg.Inch, vg.Length(hIn)*vg.Inch
	var buf bytes.Buffer
	switch format {
	case "png":
		c := newPNGCanvas(w, h, f.dpi)
		if err := f.body.draw(f, margin(draw.New(c)), false); err != nil {
			return nil, fmt.Errorf("plots: %s: %w", f.body.kind(), err)
		}
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, err
		}
	case "svg":
		c := vgsvg.New(w, h)
		dc := draw.New(c)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		if err := f.body.draw(f, margin(dc), true); err != nil {
			return nil, fmt.Errorf("plots: %s: %w", f.body.kind(), err)
		}
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, err
		}
		return fixSVGImages(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// fixSVGImages makes vgsvg's embedded raster images (heatmap cells, colour
// bars, maps) look as they do in the PNG: stretched to the rectangle they
// were drawn into (SVG's default preserveAspectRatio would letterbox them)
// and scaled without smoothing, so cells stay crisp. Heatmaps are embedded
// as images rather than one rectangle per cell because browsers draw
// hairline seams between adjacent anti-aliased rectangles. It also labels
// the embedded data as the PNG it is.
func fixSVGImages(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("<image "), []byte(`<image preserveAspectRatio="none" style="image-rendering:pixelated" `))
	b = bytes.ReplaceAll(b, []byte("data:image/jpg;base64,"), []byte("data:image/png;base64,"))
	// Arial and Helvetica have the same metrics as Liberation Sans, so
	// text keeps the width it was laid out with where Liberation is missing.
	return bytes.ReplaceAll(b, []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
}

// margin leaves a small white border around the figure.
func margin(c draw.Canvas) draw.Canvas {
	m := vg.Points(5)
	return draw.Crop(c, m, -m, m, -m)
}

// newPNGCanvas returns an image canvas whose images (heatmap cells, colour
// bars) are scaled with nearest-neighbour sampling, so cells stay crisp.
func newPNGCanvas(w, h vg.Length, dpi int) *vgimg.Canvas {
	pw := int(math.Ceil(float64(w/vg.Inch) * float64(dpi)))
	ph := int(math.Ceil(float64(h/vg.Inch) * float64(dpi)))
	img := image.NewRGBA(image.Rect(0, 0, pw, ph))
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	ctx.SetInterpolator(xdraw.NearestNeighbor)
	return vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(dpi))
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// drawTitle draws a figure-level title at the top of c and returns the
// canvas below it.
func drawTitle(c draw.Canvas, title string, scale float64) draw.Canvas {
	if title == "" {
		return c
	}
	sty := textStyle(vg.Length(titleSize*scale), true)
	sty.XAlign = draw.XCenter
	sty.YAlign = draw.YTop
	sty.Font.Size = fitSize(sty, title, c.Max.X-c.Min.X)
	pad := vg.Length(6 * scale)
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - pad}, title)
	c.Max.Y -= sty.Rectangle(title).Size().Y + 2*pad
	return c
}

// legendEntry is one line of a legend drawn by drawLegend.
type legendEntry struct {
	name  string
	thumb plot.Thumbnailer
}

// drawLegend draws a boxed legend inside the data area of p (drawn on c)
// in whichever corner covers the fewest of the given data points.
func drawLegend(p *plot.Plot, c draw.Canvas, entries []legendEntry, pts [][2]float64, scale float64) {
	if len(entries) == 0 {
		return
	}
	dc := p.DataCanvas(c)
	l := plot.NewLegend()
	l.TextStyle = textStyle(vg.Length(legendSize*scale), false)
	l.Left, l.Top = true, true
	l.ThumbnailWidth = vg.Length(22 * scale)
	l.Padding = vg.Length(2.5 * scale)
	for _, e := range entries {
		l.Add(e.name, e.thumb)
	}
	em := l.TextStyle.Rectangle(" ").Max.X
	var textW, enth vg.Length
	for _, e := range entries {
		r := l.TextStyle.Rectangle(e.name)
		textW = max(textW, r.Max.X)
		enth = max(enth, r.Max.Y)
	}
	pad := vg.Length(5 * scale)
	inset := vg.Length(6 * scale)
	bw := l.ThumbnailWidth + em + textW + 2*pad
	bh := enth*vg.Length(len(entries)) + l.Padding*vg.Length(len(entries)-1) + l.TextStyle.FontExtents().Descent + 2*pad
	trX, trY := p.Transforms(&dc)
	corner := func(i int) vg.Rectangle {
		var r vg.Rectangle
		if i%2 == 0 { // right
			r.Max.X = dc.Max.X - inset
			r.Min.X = r.Max.X - bw
		} else {
			r.Min.X = dc.Min.X + inset
			r.Max.X = r.Min.X + bw
		}
		if i < 2 { // top
			r.Max.Y = dc.Max.Y - inset
			r.Min.Y = r.Max.Y - bh
		} else {
			r.Min.Y = dc.Min.Y + inset
			r.Max.Y = r.Min.Y + bh
		}
		return r
	}
	best, bestN := 0, -1
	for i := 0; i < 4; i++ { // top-right, top-left, bottom-right, bottom-left
		r := corner(i)
		n := 0
		for _, pt := range pts {
			x, y := trX(pt[0]), trY(pt[1])
			if x >= r.Min.X && x <= r.Max.X && y >= r.Min.Y && y <= r.Max.Y {
				n++
			}
		}
		if bestN < 0 || n < bestN {
			best, bestN = i, n
		}
	}
	r := corner(best)
	box := vg.Path{}
	box.Move(r.Min)
	box.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
	box.Line(r.Max)
	box.Line(vg.Point{X: r.Min.X, Y: r.Max.Y})
	box.Close()
	c.SetColor(color.NRGBA{0xFF, 0xFF, 0xFF, 0xE0})
	c.Fill(box)
	c.SetLineStyle(draw.LineStyle{Color: frameColor, Width: vg.Points(0.5)})
	c.Stroke(box)
	inner := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: r.Min.X + pad, Y: r.Min.Y + pad},
		Max: vg.Point{X: r.Max.X - pad, Y: r.Max.Y - pad},
	}}
	l.Draw(inner)
}
