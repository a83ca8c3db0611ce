package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decodePNG decodes b and checks its size and that it is not blank.
func decodePNG(t *testing.T, name string, b []byte, wantW, wantH int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: PNG does not decode: %v", name, err)
	}
	if got := img.Bounds().Size(); got.X != wantW || got.Y != wantH {
		t.Errorf("%s: PNG is %dx%d, want %dx%d", name, got.X, got.Y, wantW, wantH)
	}
	if v := lumaVariance(img); v < 100 {
		t.Errorf("%s: PNG looks blank (luma variance %.1f)", name, v)
	}
	return img
}

func lumaVariance(img image.Image) float64 {
	b := img.Bounds()
	var sum, sum2, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += l
			sum2 += l * l
			n++
		}
	}
	m := sum / n
	return sum2/n - m*m
}

// checkSVG decodes every token of b as XML and returns the character data
// of each <text> element.
func checkSVG(t *testing.T, name string, b []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var texts []string
	inText, root := false, ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: SVG is not well-formed XML: %v", name, err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tk.Name.Local
			}
			inText = tk.Name.Local == "text"
			if inText {
				texts = append(texts, "")
			}
		case xml.CharData:
			if inText {
				texts[len(texts)-1] += string(tk)
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element is %q, want svg", name, root)
	}
	return texts
}

func pixels(f *Figure) (int, int) {
	w, h := f.inches()
	return int(math.Ceil(w * float64(f.dpi))), int(math.Ceil(h * float64(f.dpi)))
}

// TestGallery writes the gallery (every figure kind, PNG and SVG) and
// checks each file: the PNG decodes at the expected size and is not blank,
// the SVG is well-formed and carries the title.
func TestGallery(t *testing.T) {
	dir := t.TempDir()
	paths, err := Gallery(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, figs := GalleryFigures()
	if len(names) < 8 || len(paths) != 2*len(names) {
		t.Fatalf("%d files for %d figures", len(paths), len(names))
	}
	kinds := map[string]bool{}
	for i, f := range figs {
		if err := f.Err(); err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
		kinds[f.body.kind()] = true
		b, err := os.ReadFile(filepath.Join(dir, names[i]+".png"))
		if err != nil {
			t.Fatal(err)
		}
		w, h := pixels(f)
		decodePNG(t, names[i], b, w, h)
		s, err := os.ReadFile(filepath.Join(dir, names[i]+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		texts := checkSVG(t, names[i], s)
		if f.title != "" && !containsText(texts, f.title) {
			t.Errorf("%s: SVG lacks the title %q", names[i], f.title)
		}
		// Raster parts (colour bars, maps) must stretch like in the PNG.
		if n, m := bytes.Count(s, []byte("<image ")), bytes.Count(s, []byte(`<image preserveAspectRatio="none" style="image-rendering:pixelated" `)); n != m {
			t.Errorf("%s: %d of %d SVG images keep their aspect ratio", names[i], n-m, n)
		}
	}
	for _, k := range []string{"line chart", "function plot", "scatter plot", "heatmap", "attention grid", "panel grid", "histogram", "loss landscape", "bar chart"} {
		if !kinds[k] {
			t.Errorf("gallery has no %s", k)
		}
	}
}

func containsText(texts []string, s string) bool {
	for _, t := range texts {
		if strings.TrimSpace(t) == s {
			return true
		}
	}
	return false
}

func TestSizeAndDPI(t *testing.T) {
	f := Line("sized", S("a", []float64{1, 3, 2})).Size(3, 2).DPI(100)
	b, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, "sized", b, 300, 200)
	if w, h := f.DisplaySize(); w != 288 || h != 192 {
		t.Errorf("DisplaySize = %d×%d, want 288×192", w, h)
	}
	// The default is twice screen resolution.
	g := Line("default", S("a", []float64{1, 3, 2}))
	b, err = g.PNG()
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, "default", b, int(math.Ceil(DefaultWidth*DefaultDPI)), int(math.Ceil(DefaultHeight*DefaultDPI)))
	if w, _ := g.DisplaySize(); w != int(math.Round(DefaultWidth*96)) {
		t.Errorf("default display width %d", w)
	}
}

func TestDeterministic(t *testing.T) {
	names, figs := GalleryFigures()
	_, again := GalleryFigures()
	for i, f := range figs {
		// Every figure: SVG twice from the same figure and once from a
		// figure rebuilt from the same data. SVG shows drawing order, which
		// is where nondeterminism (gonum's contour map iteration) showed.
		a, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []*Figure{f, again[i], f} {
			b, err := g.SVG()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: SVG output differs between renders", names[i])
			}
		}
	}
	// PNG bytes for a few kinds (PNG rendering is the slow part).
	for i, f := range figs {
		switch names[i] {
		case "landscape", "classes", "attention", "loss":
		default:
			continue
		}
		a, err := f.PNG()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := again[i].PNG()
		if !bytes.Equal(a, b) {
			t.Errorf("%s: PNG output differs between renders", names[i])
		}
	}
}

func tokens(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func countPrefix(texts []string, prefix string) int {
	n := 0
	for _, t := range texts {
		if strings.HasPrefix(strings.TrimSpace(t), prefix) {
			n++
		}
	}
	return n
}

func TestHeatmapHasOneLabelPerToken(t *testing.T) {
	for _, n := range []int{1, 5, 12, 64} {
		m := make([][]float64, n)
		for i := range m {
			m[i] = make([]float64, n)
			for j := range m[i] {
				m[i][j] = float64(i*n + j)
			}
		}
		f := Heatmap("labels", m, tokens("row", n), tokens("col", n))
		s, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		texts := checkSVG(t, "heatmap", s)
		if got := countPrefix(texts, "row"); got != n {
			t.Errorf("n=%d: %d row labels, want %d", n, got, n)
		}
		if got := countPrefix(texts, "col"); got != n {
			t.Errorf("n=%d: %d column labels, want %d", n, got, n)
		}
		// Each label appears exactly once, in order.
		for i, tok := range tokens("col", n) {
			found := 0
			for _, tx := range texts {
				if strings.TrimSpace(tx) == tok {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("n=%d: column label %d (%s) appears %d times", n, i, tok, found)
			}
		}
	}
	// Rows are drawn top to bottom: the first row label is highest on the page.
	f := Heatmap("order", [][]float64{{1, 2}, {3, 4}, {5, 6}}, []string{"top", "mid", "bottom"}, nil)
	s, _ := f.SVG()
	if yTop, yBottom := svgTextY(t, s, "top"), svgTextY(t, s, "bottom"); !(yTop < yBottom) {
		t.Errorf("row 0 is drawn below the last row (SVG y %v vs %v)", yTop, yBottom)
	}
}

// svgTextY returns the page y coordinate (downwards) of the text element
// whose content is txt. vgsvg writes y negated inside a flipped group.
func svgTextY(t *testing.T, svg []byte, txt string) float64 {
	t.Helper()
	s := string(svg)
	end := strings.Index(s, ">"+txt+"</text>")
	if end < 0 {
		t.Fatalf("no text %q in SVG", txt)
	}
	start := strings.LastIndex(s[:end], "<text ")
	i := strings.Index(s[start:end], ` y="`)
	if start < 0 || i < 0 {
		t.Fatalf("text %q has no y attribute", txt)
	}
	var y float64
	fmt.Sscanf(s[start+i+4:end], "%g", &y)
	return y
}

func TestAttentionLabels(t *testing.T) {
	const L, H, T = 2, 3, 6
	w := make([]float64, L*H*T*T)
	for i := range w {
		w[i] = float64(i%T) / T
	}
	f := Attention("attn", fakeTensor{shape: []int{L, H, T, T}, data: f32(w)}, tokens("tk", T))
	s, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	texts := checkSVG(t, "attention", s)
	// Tokens label the left column (one set per layer) and the bottom row
	// (one set per head).
	if got, want := countPrefix(texts, "tk"), L*T+H*T; got != want {
		t.Errorf("%d token labels, want %d", got, want)
	}
	if got := countPrefix(texts, "layer 1 · head 2"); got != 1 {
		t.Errorf("panel title for layer 1 head 2 appears %d times", got)
	}
	if !strings.Contains(f.String(), "2 layers × 3 heads") {
		t.Errorf("String = %q", f.String())
	}
}

type fakeTensor struct {
	shape []int
	data  []float32
}

func (t fakeTensor) Shape() []int    { return t.shape }
func (t fakeTensor) Data() []float32 { return t.data }

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func TestInputs(t *testing.T) {
	tests := []struct {
		name  string
		v     any
		shape []int
		err   string
	}{
		{"float64 matrix", [][]float64{{1, 2}, {3, 4}}, []int{2, 2}, ""},
		{"float32 vector", []float32{1, 2, 3}, []int{3}, ""},
		{"ints", []int{1, 2}, []int{2}, ""},
		{"array", [2][3]float64{}, []int{2, 3}, ""},
		{"tensor", fakeTensor{[]int{2, 3}, make([]float32, 6)}, []int{2, 3}, ""},
		{"nil", nil, nil, "no data"},
		{"ragged", [][]float64{{1, 2}, {3}}, nil, "ragged data: row 1 has 1 values but row 0 has 2"},
		{"ragged deep", [][][]float64{{{1}, {2}}, {{3}, {4, 5}}}, nil, "row 1,1 has 2 values"},
		{"strings", []string{"a"}, nil, "cannot plot"},
		{"scalar", 3.0, nil, "single float64"},
		{"interfaces", []any{1.0}, nil, "not interfaces"},
		{"bad tensor", fakeTensor{[]int{2, 3}, make([]float32, 5)}, nil, "needs 6 values but Data() has 5"},
	}
	for _, tc := range tests {
		a, err := toArray("x", tc.v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if fmt.Sprint(a.shape) != fmt.Sprint(tc.shape) {
			t.Errorf("%s: shape %v, want %v", tc.name, a.shape, tc.shape)
		}
	}
}

func TestBadInputsGiveErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		fig  func() *Figure
		want string
	}{
		{"ragged heatmap", func() *Figure { return Heatmap("h", [][]float64{{1, 2, 3}, {4, 5}}, nil, nil) }, "ragged"},
		{"row label count", func() *Figure { return Heatmap("h", [][]float64{{1, 2}, {3, 4}}, []string{"a"}, nil) }, "1 row labels for 2 rows"},
		{"column label count", func() *Figure { return Heatmap("h", [][]float64{{1, 2}, {3, 4}}, nil, []string{"a", "b", "c"}) }, "3 column labels for 2 columns"},
		{"empty heatmap", func() *Figure { return Heatmap("h", [][]float64{}, nil, nil) }, "no data"},
		{"3-D heatmap", func() *Figure { return Heatmap("h", [][][]float64{{{1}}}, nil, nil) }, "want a matrix"},
		{"NaN heatmap", func() *Figure { return Heatmap("h", [][]float64{{1, nan}}, nil, nil) }, "value 1 is NaN"},
		{"no series", func() *Figure { return Line("l") }, "no series"},
		{"empty series", func() *Figure { return Line("l", S("train", []float64{})) }, "empty"},
		{"NaN series", func() *Figure { return Line("l", S("train", []float64{1, nan})) }, "value 1 is NaN"},
		{"x/y mismatch", func() *Figure { return Line("l", XY("val", []float64{1, 2}, []float64{1})) }, "2 x values but 1 y values"},
		{"literal mismatch", func() *Figure { return Line("l", Series{Name: "s", X: []float64{1}, Y: []float64{1, 2}}) }, "1 x values but 2 y values"},
		{"log of zero", func() *Figure { return Line("l", S("a", []float64{1, 0})).LogY() }, "log-y needs positive values"},
		{"option misuse", func() *Figure { return Line("l", S("a", []float64{1})).Annotate() }, "Annotate: does not apply to a line chart"},
		{"bad size", func() *Figure { return Line("l", S("a", []float64{1})).Size(-1, 2) }, "Size"},
		{"bad dpi", func() *Figure { return Line("l", S("a", []float64{1})).DPI(0) }, "dpi must be"},
		{"bad range", func() *Figure { return Line("l", S("a", []float64{1})).YRange(2, 1) }, "min < max"},
		{"func NaN", func() *Figure { return Func("f", -1, 1, Fn{"log", math.Log}) }, "log(-1) = NaN"},
		{"func nil", func() *Figure { return Func("f", -1, 1, Fn{"g", nil}) }, "is nil"},
		{"func range", func() *Figure { return Func("f", 1, -1, Fn{"sin", math.Sin}) }, "xmin < xmax"},
		{"scatter dims", func() *Figure { return Scatter("s", [][]float64{{1, 2, 3}}, nil) }, "want N×2"},
		{"scatter labels", func() *Figure { return Scatter("s", [][]float64{{1, 2}, {3, 4}}, []int{0}) }, "1 labels for 2 points"},
		{"scatter label value", func() *Figure { return Scatter("s", [][]float64{{1, 2}}, []float64{0.5}) }, "want a class number"},
		{"boundary NaN", func() *Figure {
			return Scatter("s", [][]float64{{1, 2}, {2, 3}}, []int{0, 1}).Boundary(func(x, y float64) float64 { return nan })
		}, "must be finite"},
		{"batch length", func() *Figure {
			return Scatter("s", [][]float64{{1, 2}, {2, 3}}, []int{0, 1}).BoundaryBatch(func(xs, ys []float64) []float64 { return xs[:3] })
		}, "returned 3 values"},
		{"class names", func() *Figure { return Scatter("s", [][]float64{{1, 2}, {2, 3}}, []int{0, 1}).ClassNames("a") }, "1 names for 2 classes"},
		{"histogram empty", func() *Figure { return Histogram("h", []float64{}, 10) }, "empty"},
		{"histogram NaN", func() *Figure { return Histogram("h", []float64{1, nan}, 10) }, "NaN"},
		{"landscape NaN", func() *Figure { return Landscape("l", func(x, y float64) float64 { return math.Log(x) }, -1, 1, -1, 1) }, "must be finite"},
		{"path mismatch", func() *Figure {
			return Landscape("l", func(x, y float64) float64 { return x * y }, -1, 1, -1, 1).Path("p", []float64{1}, []float64{1, 2})
		}, "1 x values but 2 y values"},
		{"bars label count", func() *Figure { return Bars("b", []string{"a", "b"}, S("p", []float64{1, 2, 3})) }, "3 values for 2 labels"},
		{"bars no labels", func() *Figure { return Bars("b", nil, S("p", []float64{1})) }, "no labels"},
		{"bars NaN", func() *Figure { return Bars("b", []string{"a"}, S("p", []float64{nan})) }, "NaN"},
		{"points mismatch", func() *Figure { return Line("l", Points("data", []float64{1, 2}, []float64{1})) }, "2 x values but 1 y values"},
		{"attention shape", func() *Figure { return Attention("a", [][]float64{{1, 2}}, nil) }, "square"},
		{"attention tokens", func() *Figure { return Attention("a", [][]float64{{1, 0}, {0, 1}}, []string{"a"}) }, "1 tokens for 2×2"},
		{"panels with a bad panel", func() *Figure { return Panels("p", 2, Line("l")) }, "panel 0: plots.line chart: no series"},
		{"panels nil", func() *Figure { return Panels("p", 2, nil) }, "panel 0 is nil"},
		{"panels cols", func() *Figure { return Panels("p", 0, Line("l", S("a", []float64{1}))) }, "cols must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f *Figure
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panicked: %v", r)
					}
				}()
				f = tc.fig()
			}()
			_, err := f.PNG()
			if err == nil {
				t.Fatalf("PNG gave no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if _, err2 := f.SVG(); err2 == nil {
				t.Errorf("SVG gave no error")
			}
			if f.Err() != nil && !strings.HasPrefix(f.String(), "Figure error: ") {
				t.Errorf("String = %q", f.String())
			}
		})
	}
}

func TestString(t *testing.T) {
	f := Line("Training loss", S("train", []float64{3, 2, 1}), S("val", []float64{3, 2.5}))
	if got, want := f.String(), "Figure: Training loss (line chart, 2 series, 5 points)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := Heatmap("", [][]int{{1, 2}}, nil, nil).String(); got != "Figure: untitled (heatmap, 1×2)" {
		t.Errorf("String = %q", got)
	}
	if got := Bars("P", []string{"a", "b"}, S("x", []float64{1, 2}), S("y", []float64{2, 1})).String(); got != "Figure: P (bar chart, 2 series × 2 bars)" {
		t.Errorf("String = %q", got)
	}
	var nilFig *Figure
	if nilFig.String() != "Figure: <nil>" || nilFig.Err() == nil {
		t.Error("nil figure")
	}
	if _, err := nilFig.PNG(); err == nil {
		t.Error("nil figure renders")
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	f := Histogram("h", []float64{1, 2, 2, 3, 3, 3}, 3)
	for _, name := range []string{"h.png", "h.SVG"} {
		p := filepath.Join(dir, name)
		if err := f.Save(p); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if strings.HasSuffix(name, ".png") {
			w, h := pixels(f)
			decodePNG(t, name, b, w, h)
		} else {
			checkSVG(t, name, b)
		}
	}
	if err := f.Save(filepath.Join(dir, "h.pdf")); err == nil || !strings.Contains(err.Error(), "unknown extension") {
		t.Errorf("Save .pdf: %v", err)
	}
	if err := Line("x").Save(filepath.Join(dir, "bad.png")); err == nil {
		t.Error("saving a bad figure succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.png")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a bad figure left a file")
	}
}

func TestTokenLabel(t *testing.T) {
	for in, want := range map[string]string{"the": "the", " cat": "·cat", "a  ": "a··", "\n": `\n`, "": "∅", " ": "·"} {
		if got := tokenLabel(in); got != want {
			t.Errorf("tokenLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTicks(t *testing.T) {
	ts := niceTicks{}.Ticks(0, 2000)
	var labels []string
	for _, tk := range ts {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0 500 1000 1500 2000" {
		t.Errorf("ticks 0..2000: %s", got)
	}
	labels = nil
	for _, tk := range (logTicks{}).Ticks(0.4, 4.5) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0.5 1 2" {
		t.Errorf("log ticks 0.4..4.5: %s", got)
	}
	for _, c := range []struct {
		v, span float64
		want    string
	}{{0.25, 0.25, "0.25"}, {0.5, 0.25, "0.50"}, {0.2, 0.1, "0.2"}, {1e-5, 1e-5, "1e-5"}, {2500000, 5e5, "2.5e6"}, {-0, 1, "0"}, {3, 1, "3"}, {1500, 500, "1500"}} {
		if got := formatTick(c.v, c.span); got != c.want {
			t.Errorf("formatTick(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestViridisEnds(t *testing.T) {
	// Reference end points of viridis: #440154 and #fde725.
	for _, c := range []struct {
		t       float64
		r, g, b uint8
	}{{0, 0x44, 0x01, 0x54}, {1, 0xfd, 0xe7, 0x25}, {0.5, 0x21, 0x91, 0x8c}} {
		got := viridisAt(c.t)
		if d := max(absDiff(got.R, c.r), absDiff(got.G, c.g), absDiff(got.B, c.b)); d > 6 {
			t.Errorf("viridis(%v) = %v, want about #%02x%02x%02x", c.t, got, c.r, c.g, c.b)
		}
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestMovingAverage(t *testing.T) {
	got := movingAverage([]float64{1, 2, 3, 4, 5}, 3)
	want := []float64{1.5, 2, 3, 4, 4.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("movingAverage = %v, want %v", got, want)
		}
	}
}

// Rendering one figure from several goroutines at once is safe and gives
// identical bytes (a notebook may render a frame while the loop goes on).
func TestConcurrentRender(t *testing.T) {
	f := Heatmap("concurrent", [][]float64{{1, 2}, {3, 4}}, []string{"a", "b"}, []string{"c", "d"}).Annotate().Size(3, 2).DPI(96)
	want, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			b, err := f.PNG()
			if err == nil && !bytes.Equal(b, want) {
				err = errors.New("different bytes")
			}
			errs <- err
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
