package plots

import (
	"fmt"
	"image/color"
	"math"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// okabeIto is the Okabe–Ito colour-blind-safe palette, ordered for line charts
// (blue and orange first, so "train" and "val" are the classic pair; the pale
// yellow comes last because it is hard to see on white).
var okabeIto = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
	{0xF0, 0xE4, 0x42, 0xFF}, // yellow
}

// seriesColor returns the i-th colour of the palette (cycling).
func seriesColor(i int) color.NRGBA { return okabeIto[i%len(okabeIto)] }

// withAlpha returns c with opacity a in [0,1].
func withAlpha(c color.NRGBA, a float64) color.NRGBA {
	c.A = uint8(math.Round(255 * a))
	return c
}

// tint mixes c with white: f=0 gives c, f=1 gives white.
func tint(c color.NRGBA, f float64) color.NRGBA {
	mix := func(v uint8) uint8 { return uint8(math.Round(float64(v) + (255-float64(v))*f)) }
	return color.NRGBA{mix(c.R), mix(c.G), mix(c.B), 0xFF}
}

var (
	textColor  = color.NRGBA{0x22, 0x22, 0x22, 0xFF}
	axisColor  = color.NRGBA{0x55, 0x55, 0x55, 0xFF}
	gridColor  = color.NRGBA{0xE3, 0xE3, 0xE3, 0xFF}
	frameColor = color.NRGBA{0xBB, 0xBB, 0xBB, 0xFF}
)

// Font sizes in points at the default figure size.
const (
	titleSize  = 13
	labelSize  = 11
	tickSize   = 9.5
	legendSize = 10
)

func sansFont(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = stdfont.WeightBold
	}
	return f
}

func textStyle(size vg.Length, bold bool) text.Style {
	return text.Style{
		Color:   textColor,
		Font:    sansFont(size, bold),
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns a gonum plot in the package's house style: sans-serif
// fonts, a bold title, axes without the detached-axis padding, grey ticks.
// scale multiplies every font size (1 at the default size; smaller in panels).
func newPlot(title, xlabel, ylabel string, scale float64) *plot.Plot {
	p := plot.New()
	// The canvas is white already; a second full-size fill per plot
	// costs a rasterizer pass over every pixel.
	p.BackgroundColor = nil
	s := func(v float64) vg.Length { return vg.Length(v * scale) }
	p.Title.Text = title
	p.Title.TextStyle = textStyle(s(titleSize), true)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = s(8)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Padding = 0
		ax.Color = axisColor
		ax.Width = vg.Points(0.6)
		ax.Label.TextStyle = textStyle(s(labelSize), false)
		ax.Label.Padding = s(3)
		ax.Tick.Color = axisColor
		ax.Tick.Width = vg.Points(0.6)
		ax.Tick.Length = s(4)
		ax.Tick.Label = textStyle(s(tickSize), false)
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Label.TextStyle.XAlign = draw.XCenter
	p.X.Label.TextStyle.YAlign = draw.YBottom
	p.Y.Label.TextStyle.XAlign = draw.XCenter
	p.Y.Label.TextStyle.YAlign = draw.YBottom
	p.X.Tick.Label.XAlign = draw.XCenter
	p.X.Tick.Label.YAlign = draw.YTop
	p.Y.Tick.Label.XAlign = draw.XRight
	p.Y.Tick.Label.YAlign = draw.YCenter
	p.Y.Tick.Marker = niceTicks{}
	p.X.Tick.Marker = niceTicks{}
	return p
}

// addGrid adds light horizontal and vertical grid lines at the major ticks.
func addGrid(p *plot.Plot) {
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.6)}
	g.Horizontal = g.Vertical
	p.Add(g)
}

// niceTicks places about six labelled ticks at round numbers (steps of
// 1, 2, 2.5 or 5 times a power of ten) with unlabelled minor ticks between,
// and formats labels without trailing zeros.
type niceTicks struct{}

func (niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	span := max - min
	raw := span / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 5
	if m := step / mag; m == 2.5 || m == 25 {
		minor = step / 5
	} else if m == 2 || m == 20 {
		minor = step / 4
	}
	var ts []plot.Tick
	eps := step * 1e-9
	for i := math.Ceil((min - eps) / minor); ; i++ {
		v := i * minor
		if v > max+eps {
			break
		}
		if math.Abs(v) < eps {
			v = 0
		}
		t := plot.Tick{Value: v}
		if r := math.Abs(math.Remainder(v, step)); r < eps || math.Abs(r-step) < eps {
			t.Label = formatTick(v, step)
		}
		ts = append(ts, t)
		if len(ts) > 200 {
			break
		}
	}
	return ts
}

// innerTicks wraps a ticker and drops the labels of ticks within 3% of
// either end of the axis. gonum pads the data area so that such labels fit,
// which leaves a white gap between the axes and a map that should fill the
// whole area (landscapes, decision regions).
type innerTicks struct{ plot.Ticker }

func (t innerTicks) Ticks(min, max float64) []plot.Tick {
	ts := t.Ticker.Ticks(min, max)
	edge := 0.03 * (max - min)
	for i := range ts {
		if ts[i].Value < min+edge || ts[i].Value > max-edge {
			ts[i].Label = ""
		}
	}
	return ts
}

// formatTick formats the tick value v on an axis whose labelled ticks are
// step apart, with just enough decimals to tell neighbours apart.
func formatTick(v, step float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-3 {
		return trimExp(fmt.Sprintf("%.3g", v))
	}
	dec := 0
	for ; dec < 6; dec++ {
		s := step * math.Pow(10, float64(dec))
		if math.Abs(s-math.Round(s)) < 1e-6*math.Max(1, s) {
			break
		}
	}
	s := fmt.Sprintf("%.*f", dec, v)
	if s == "-0" {
		s = "0"
	}
	return s
}

// trimExp turns "1e+06" into "1e6" and "2.5e-05" into "2.5e-5".
func trimExp(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'e' && i+1 < len(s) {
			out = append(out, 'e')
			i++
			if s[i] == '-' {
				out = append(out, '-')
			}
			i++
			for i < len(s)-1 && s[i] == '0' {
				i++
			}
			out = append(out, s[i:]...)
			break
		}
		out = append(out, c)
	}
	return string(out)
}

// viridis is the viridis perceptual colour map (as a palette.ColorMap),
// computed from a degree-6 polynomial fit that stays within 2% of the
// reference table.
type viridis struct {
	min, max float64
	alpha    float64
}

func newViridis(min, max float64) *viridis { return &viridis{min: min, max: max, alpha: 1} }

var viridisCoef = [7][3]float64{
	{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
	{0.1050930431085774, 1.404613529898575, 1.384590162594685},
	{-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
	{-4.634230498983486, -5.799100973351585, -19.33244095627987},
	{6.228269936347081, 14.17993336680509, 56.69055260068105},
	{4.776384997670288, -13.74514537774601, -65.35303263337234},
	{-5.435455855934631, 4.645852612178535, 26.3124352495832},
}

// viridisAt returns the viridis colour at t in [0,1] (clamped).
func viridisAt(t float64) color.NRGBA {
	t = math.Max(0, math.Min(1, t))
	var rgb [3]uint8
	for k := 0; k < 3; k++ {
		v := viridisCoef[6][k]
		for i := 5; i >= 0; i-- {
			v = viridisCoef[i][k] + t*v
		}
		rgb[k] = uint8(math.Round(255 * math.Max(0, math.Min(1, v))))
	}
	return color.NRGBA{rgb[0], rgb[1], rgb[2], 0xFF}
}

func (v *viridis) At(x float64) (color.Color, error) {
	if math.IsNaN(x) {
		return nil, fmt.Errorf("plots: NaN has no colour")
	}
	if v.max == v.min {
		return viridisAt(0.5), nil
	}
	c := viridisAt((x - v.min) / (v.max - v.min))
	c.A = uint8(math.Round(255 * v.alpha))
	return c, nil
}
func (v *viridis) Max() float64                  { return v.max }
func (v *viridis) Min() float64                  { return v.min }
func (v *viridis) SetMax(x float64)              { v.max = x }
func (v *viridis) SetMin(x float64)              { v.min = x }
func (v *viridis) Alpha() float64                { return v.alpha }
func (v *viridis) SetAlpha(a float64)            { v.alpha = a }
func (v *viridis) Palette(n int) palette.Palette { return viridisPalette(n) }

// viridisPalette is n evenly spaced viridis colours.
type viridisPalette int

func (n viridisPalette) Colors() []color.Color {
	out := make([]color.Color, int(n))
	for i := range out {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		out[i] = viridisAt(t)
	}
	return out
}

// listPalette is a fixed list of colours.
type listPalette []color.Color

func (l listPalette) Colors() []color.Color { return l }

// fitTitle shrinks the title font of p (down to 7 points) so the title fits
// the width of c.
func fitTitle(p *plot.Plot, c draw.Canvas) {
	p.Title.TextStyle.Font.Size = fitSize(p.Title.TextStyle, p.Title.Text, c.Max.X-c.Min.X)
}

// fitSize returns the font size at which txt fits in width.
func fitSize(sty text.Style, txt string, width vg.Length) vg.Length {
	size := sty.Font.Size
	if txt == "" {
		return size
	}
	if w := sty.Width(txt); w > width*0.98 && w > 0 {
		size = vg.Length(math.Max(7, float64(size)*float64(width*0.98/w)))
	}
	return size
}
