package jupyter

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// writeLogo draws the kernel's logo, size×size pixels, as PNG: a Go-blue rounded square holding a tiny
// neural network (three inputs wired to one neuron), anti-aliased by 4×4 supersampling.
func writeLogo(w io.Writer, size int) error {
	const ss = 4
	bg := color.NRGBA{0x00, 0xAD, 0xD8, 0xFF} // Go blue
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// Shapes in unit coordinates (0..1).
	type pt struct{ x, y float64 }
	inputs := []pt{{0.27, 0.27}, {0.27, 0.5}, {0.27, 0.73}}
	neuron := pt{0.73, 0.5}
	inRect := func(x, y float64) bool { // rounded square
		const r, m = 0.2, 0.02
		cx := math.Max(math.Max(m+r-x, x-(1-m-r)), 0)
		cy := math.Max(math.Max(m+r-y, y-(1-m-r)), 0)
		return x >= m && x <= 1-m && y >= m && y <= 1-m && cx*cx+cy*cy <= r*r
	}
	segDist := func(p, a, b pt) float64 {
		dx, dy := b.x-a.x, b.y-a.y
		t := ((p.x-a.x)*dx + (p.y-a.y)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		return math.Hypot(p.x-a.x-t*dx, p.y-a.y-t*dy)
	}
	white := func(p pt) bool {
		for _, in := range inputs {
			if math.Hypot(p.x-in.x, p.y-in.y) <= 0.085 || segDist(p, in, neuron) <= 0.032 {
				return true
			}
		}
		return math.Hypot(p.x-neuron.x, p.y-neuron.y) <= 0.14
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var cover, light float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					p := pt{(float64(x) + (float64(sx)+0.5)/ss) / float64(size), (float64(y) + (float64(sy)+0.5)/ss) / float64(size)}
					if !inRect(p.x, p.y) {
						continue
					}
					cover++
					if white(p) {
						light++
					}
				}
			}
			if cover == 0 {
				continue
			}
			f := light / cover
			mix := func(c uint8) uint8 { return uint8(math.Round(float64(c)*(1-f) + 255*f)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(bg.R), mix(bg.G), mix(bg.B), uint8(math.Round(255 * cover / (ss * ss)))})
		}
	}
	return png.Encode(w, img)
}
