package session

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
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

// TestGetModules: %get fetches a pure-Go module through the proxy and a cell imports and calls it;
// packages with assembly, and packages yaegi cannot run, give an ImportError naming them; an unknown
// import says how to fetch it.
func TestGetModules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	s := newSession(t)
	rec := &recorder{}
	if _, err := s.Execute(context.Background(), "%get github.com/montanaflynn/stats@v0.7.1 golang.org/x/sys@v0.50.0\ngithub.com/dustin/go-humanize@v1.0.1", rec); err != nil {
		testexec.RequireNetwork(t, err)
	}
	if !strings.Contains(rec.out(), `github.com/montanaflynn/stats v0.7.1: 1 package to import: "github.com/montanaflynn/stats"`) ||
		!strings.Contains(rec.out(), "golang.org/x/sys v0.50.0: ") {
		t.Errorf("%%get's summary: %q", rec.out())
	}
	run(t, s, `import "github.com/montanaflynn/stats"`)
	_, rec = run(t, s, "m, err := stats.Median([]float64{1, 5, 2, 8, 7})\nfmt.Println(m, err)")
	if rec.out() != "5 <nil>\n" {
		t.Errorf("stats.Median: %q", rec.out())
	}
	for _, c := range []struct{ code, want string }{
		{`import "golang.org/x/sys/cpu"`, `package "golang.org/x/sys/cpu" (golang.org/x/sys v0.50.0) cannot be imported: it has assembly (cpu_`},
		{`import "github.com/dustin/go-humanize"`, `package "github.com/dustin/go-humanize" (github.com/dustin/go-humanize v1.0.1) does not run in the interpreter: number.go:76:10: invalid operation: mismatched types untyped float and untyped float64`},
		{`import "example.com/never/fetched"`, `package "example.com/never/fetched" is not available in this interpreter: cells import the standard library, notmagic's packages (nn, plots, display), gonum and gonum/plot, and the packages of modules that %get fetched (%get MODULE@VERSION, then import)`},
		{"%get", "%get needs a module"},
		{"%get example.com/never/fetched@v1.0.0", "go get: example.com/never/fetched@v1.0.0: "},
	} {
		_, err := s.Execute(context.Background(), c.code, &recorder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.code, err, c.want)
		}
	}
	// The session goes on, and its tree goes with Close.
	if _, err := s.Execute(context.Background(), "stats.Sum([]float64{1, 2})", &recorder{}); err != nil {
		t.Error(err)
	}
	gopath := s.mods.GoPath()
	s.Close()
	if _, err := os.Stat(gopath); !os.IsNotExist(err) {
		t.Errorf("the module tree outlives the session: %v", err)
	}
}
