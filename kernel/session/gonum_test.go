package session

import (
	"strings"
	"testing"

	"github.com/notmagic/notmagic/kernel/symbols/gonum"
)

// TestGonumImports: every gonum and gonum/plot package with a table imports in a cell, numerics run,
// and a *plot.Plot or *mat.Dense as a cell's value shows in its rich form. The tables are loaded on
// first import only.
func TestGonumImports(t *testing.T) {
	s := newSession(t)
	if len(s.lazy) != len(gonum.Symbols) {
		t.Fatalf("%d of %d gonum tables pending after New: they must load on first import", len(s.lazy), len(gonum.Symbols))
	}
	run(t, s, `import (
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)`)
	if _, ok := s.lazy["gonum.org/v1/gonum/mat"]; ok {
		t.Error("mat's table still pending after its import")
	}
	if _, ok := s.lazy["gonum.org/v1/plot/palette"]; !ok {
		t.Error("palette's table loaded without an import")
	}
	_, rec := run(t, s, `a := mat.NewDense(2, 2, []float64{4, 7, 2, 6})
var inv mat.Dense
if err := inv.Inverse(a); err != nil {
	panic(err)
}
xs := []float64{1, 2, 3, 4}
n := distuv.Normal{Mu: 0, Sigma: 1}
res, err := optimize.Minimize(optimize.Problem{Func: func(x []float64) float64 { return (x[0]-3)*(x[0]-3) + 1 }}, []float64{0}, nil, &optimize.NelderMead{})
fmt.Printf("%.1f %.1f %.1f %.4f %.3f %v %v\n", inv.At(0, 0), stat.Mean(xs, nil), floats.Sum(xs), n.CDF(1.96), res.X[0], err, vg.Points(2) > 0 && draw.PosLeft < 0)`)
	if got := rec.out(); got != "0.6 2.5 10.0 0.9750 3.000 <nil> true\n" {
		t.Errorf("numerics: %q", got)
	}
	res, _ := run(t, s, `p := plot.New()
p.Title.Text = "squares"
pts := plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}, {X: 2, Y: 4}}
plotutil.AddLinePoints(p, "y = x²", pts)
p`)
	if _, ok := res["image/png"].(string); !ok || !strings.Contains(res["text/plain"].(string), "squares") {
		t.Errorf("a *plot.Plot result: %v", res["text/plain"])
	}
	res, _ = run(t, s, "a")
	if _, ok := res["text/html"]; !ok || !strings.HasPrefix(res["text/plain"].(string), "*mat.Dense 2×2") || res["text/latex"] == nil {
		t.Errorf("a *mat.Dense result: %v", res)
	}
	_, rec = run(t, s, "display.Show(&inv)")
	if len(rec.displays) != 1 || !strings.HasPrefix(rec.displays[0].Data["text/plain"].(string), "*mat.Dense 2×2") {
		t.Errorf("display.Show of a matrix: %+v", rec.displays)
	}
}
