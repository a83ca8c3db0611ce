//go:build ignore

// %% [markdown]
// # Go's numeric ecosystem in a notebook
//
// The course builds everything from `wx + b` with notmagic's own `nn`. Cells can also reach the rest of
// Go: **gonum** for linear algebra and statistics, **gonum/plot** for figures, and any pure-Go module,
// fetched with `%get` and interpreted from source. This notebook fits a line three ways and checks that
// they agree.
//
// Run it as a notebook, or as a script: `notmagic run examples/ecosystem.go`.

// %% [markdown]
// ## Data
//
// Fifty noisy points around the line `y = 1.5 + 0.8·x`, drawn with gonum's normal distribution (a fixed
// seed, so the numbers below are the same on every run).

// %%
import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

noise := distuv.Normal{Mu: 0, Sigma: 0.6, Src: rand.NewPCG(1, 2)}
n := 50
xs, ys := make([]float64, n), make([]float64, n)
for i := range xs {
	xs[i] = 10 * float64(i) / float64(n-1)
	ys[i] = 1.5 + 0.8*xs[i] + noise.Rand()
}
fmt.Printf("x from %.1f to %.1f, y from %.2f to %.2f\n", xs[0], xs[n-1], ys[0], ys[n-1])

// %% [markdown]
// ## 1. Least squares with `mat`
//
// Stack a column of ones beside `x` to get the design matrix `A`; the best `(a, b)` in `y ≈ a + b·x`
// solves `A·w ≈ y` in the least-squares sense, which `mat.Dense.Solve` does with a QR decomposition.
// A `mat.Matrix` as a cell's value shows as a table (and in LaTeX when small).

// %%
A := mat.NewDense(n, 2, nil)
for i, x := range xs {
	A.Set(i, 0, 1)
	A.Set(i, 1, x)
}
var w mat.Dense
if err := w.Solve(A, mat.NewVecDense(n, ys)); err != nil {
	panic(err)
}
fmt.Printf("mat: y = %.3f + %.3f·x\n", w.At(0, 0), w.At(1, 0))
A.Slice(0, 4, 0, 2)

// %% [markdown]
// ## 2. The same fit with `stat`
//
// `stat.LinearRegression` computes the same line from the data directly; the two must agree to rounding.

// %%
alpha, beta := stat.LinearRegression(xs, ys, nil, false)
r2 := stat.RSquared(xs, ys, nil, alpha, beta)
fmt.Printf("stat: y = %.3f + %.3f·x, R² = %.3f\n", alpha, beta, r2)
fmt.Printf("difference from mat: %.1e, %.1e\n", math.Abs(alpha-w.At(0, 0)), math.Abs(beta-w.At(1, 0)))

// %% [markdown]
// ## 3. A third-party module: `github.com/montanaflynn/stats`
//
// `%get` runs `go get` through the module proxy, as for any Go program, and lays the module out for
// the interpreter; the next cell imports it like any package.

// %%
%get github.com/montanaflynn/stats@v0.7.1

// %%
import "github.com/montanaflynn/stats"

series := make([]stats.Coordinate, n)
for i := range xs {
	series[i] = stats.Coordinate{X: xs[i], Y: ys[i]}
}
fit, err := stats.LinearRegression(series)
if err != nil {
	panic(err)
}
a3 := fit[0].Y                      // the fitted line at x = 0 …
b3 := (fit[n-1].Y - fit[0].Y) / 10 // … and its slope over x from 0 to 10
median, _ := stats.Median(ys)
fmt.Printf("montanaflynn/stats: y = %.3f + %.3f·x; median y = %.3f\n", a3, b3, median)

// %% [markdown]
// ## The picture, with gonum/plot
//
// A `*plot.Plot` as a cell's value shows inline, like notmagic's own figures.

// %%
p := plot.New()
p.Title.Text = "Fifty points and their least-squares line"
p.X.Label.Text = "x"
p.Y.Label.Text = "y"
pts := make(plotter.XYs, n)
for i := range xs {
	pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
}
scatter, _ := plotter.NewScatter(pts)
scatter.GlyphStyle.Radius = vg.Points(2.5)
line := plotter.NewFunction(func(x float64) float64 { return alpha + beta*x })
line.Width = vg.Points(2)
p.Add(scatter, line)
p.Legend.Add("data", scatter)
p.Legend.Add(fmt.Sprintf("y = %.2f + %.2f·x", alpha, beta), line)
p.Legend.Top = true
p.Legend.Left = true
p

// %% [markdown]
// ## Try this
//
// - Raise the noise's `Sigma` to 3 and watch R² fall while the three fits still agree.
// - `%get` another pure-Go module and import it; one that needs cgo or assembly is refused at its
//   import, with the reason.
