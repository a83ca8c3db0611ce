package display

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// TestMatrixForms: a small matrix gets aligned text, an HTML table and LaTeX; a large one shows its
// corners with ellipses and no LaTeX.
func TestMatrixForms(t *testing.T) {
	small := mat.NewDense(2, 3, []float64{1, 2.5, -3, 4, 5, 6e-7})
	data, _ := Bundle(small)
	text, _ := data[MIMEText].(string)
	if !strings.HasPrefix(text, "*mat.Dense 2×3\n") || !strings.Contains(text, "2.5") || !strings.Contains(text, "6e-07") {
		t.Errorf("text/plain: %q", text)
	}
	html, _ := data[MIMEHTML].(string)
	if strings.Count(html, "<tr>") != 2 || strings.Count(html, "<td") != 6 || !strings.Contains(html, ">-3<") {
		t.Errorf("text/html: %q", html)
	}
	if data[MIMELaTeX] != `$$\begin{bmatrix}1 & 2.5 & -3 \\ 4 & 5 & 6e-07\end{bmatrix}$$` {
		t.Errorf("text/latex: %q", data[MIMELaTeX])
	}

	big := mat.NewDense(100, 50, nil)
	big.Set(99, 49, 7)
	data, _ = Bundle(big)
	html, _ = data[MIMEHTML].(string)
	if strings.Count(html, "<tr>") != 9 || !strings.Contains(html, "⋯") || !strings.Contains(html, ">7<") {
		t.Errorf("large text/html: %d rows, %q…", strings.Count(html, "<tr>"), html[:min(len(html), 200)])
	}
	if _, ok := data[MIMELaTeX]; ok {
		t.Error("a 100×50 matrix has a LaTeX form")
	}
	if text, _ := data[MIMEText].(string); !strings.HasPrefix(text, "*mat.Dense 100×50") || !strings.Contains(text, "...") {
		t.Errorf("large text/plain: %q", text)
	}
	// Vectors and other mat.Matrix kinds take the same path.
	if data, _ := Bundle(mat.NewVecDense(3, []float64{1, 2, 3})); !strings.HasPrefix(data[MIMEText].(string), "*mat.VecDense 3×1") {
		t.Errorf("vector: %q", data[MIMEText])
	}
}

// TestGonumPlot: a *plot.Plot renders as a PNG figure, or SVG with PreferSVG; a nil plot reports an
// error in its text instead of panicking.
func TestGonumPlot(t *testing.T) {
	p := plot.New()
	p.Title.Text = "squares"
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}, {X: 2, Y: 4}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	data, _ := Bundle(p)
	b64, _ := data[MIMEPNG].(string)
	png, _ := base64.StdEncoding.DecodeString(b64)
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("no PNG: %v", keys(data))
	}
	if text, _ := data[MIMEText].(string); !strings.Contains(text, "squares") {
		t.Errorf("text/plain: %q", text)
	}
	PreferSVG(true)
	defer PreferSVG(false)
	data, _ = Bundle(p)
	if svg, _ := data[MIMESVG].(string); !strings.Contains(svg, "<svg") {
		t.Errorf("PreferSVG: %v", keys(data))
	}
	PreferSVG(false)
	data, _ = Bundle((*plot.Plot)(nil))
	if text, _ := data[MIMEText].(string); !strings.Contains(text, "nil *plot.Plot") {
		t.Errorf("nil plot: %v", data)
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
