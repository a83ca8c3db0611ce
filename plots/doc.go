// Package plots draws the figures of the notmagic lessons on gonum/plot:
// loss curves, activation functions, decision boundaries, attention
// heatmaps, histograms and loss landscapes, diagrams of networks and of
// computation graphs, plus a live training display.
//
// # Figures
//
// Every constructor returns a *Figure; chained methods adjust it:
//
//	plots.Line("Loss", plots.S("train", losses), plots.XY("val", valSteps, valLosses)).
//		Labels("step", "loss").LogY().Smooth(50)
//	plots.Func("Activations", -4, 4, plots.Fn{"tanh", math.Tanh}, plots.Fn{"ReLU", relu})
//	plots.Scatter("Two moons", X, y).Boundary(func(x1, x2 float64) float64 { return model(x1, x2) })
//	plots.Heatmap("Bigram counts", counts, chars, chars).Annotate()
//	plots.Attention("Attention", weights, tokens)            // [T,T], [H,T,T] or [L,H,T,T]
//	plots.Histogram("Weights", w, 50)
//	plots.Histograms("Activations", 50, plots.S("layer 1", a1), plots.S("layer 2", a2))
//	plots.Bars("P(next word)", words, plots.S("T = 1", p1), plots.S("T = 0.5", p2))
//	plots.Line("Fit", plots.Points("data", xs, ys), plots.XY("model", gx, gy))
//	plots.Landscape("Loss surface", loss, -2, 2, -2, 2).Path("SGD", xs, ys)
//	plots.Panels("Per layer", 2, fig1, fig2, fig3, fig4)
//	plots.Network("2-3-1", hidden.Weight, out.Weight).LayerNames("in", "hidden", "out")
//	plots.Graph("loss", loss.Graph(nil))                    // a computation graph, micrograd style
//
// Data may be []float64, [][]float64, other numeric slices (float32, int,
// ...) or anything with Shape() []int and Data() []float32, such as a
// lib/nn tensor (see Tensor). The API has no generic functions, so the
// yaegi interpreter that runs notebook cells can call all of it.
//
// # Output
//
// A Figure renders with PNG (at DPI, default 192: twice a normal screen,
// sharp on high-DPI displays), SVG, or Save(path) by extension; Size sets
// the size in inches and DisplaySize gives the size in CSS pixels at which
// a front end should show the PNG. Output is deterministic: the same input
// gives the same bytes. String is a one-line text/plain fallback, so the
// kernel shows a figure that is a cell's last value as image/png + text.
//
// The house style: Liberation Sans, bold titles, a light grid, the
// Okabe–Ito colour-blind-safe palette for series and classes (classes also
// differ in marker shape), viridis for heatmaps and landscapes, legends in
// the corner that hides the least data.
//
// # Errors
//
// Constructors and option methods never panic on bad input: a ragged
// matrix, a label count that does not match, empty data, a NaN or infinite
// value or an option that does not apply is recorded in the figure, and
// Err, PNG, SVG and Save return it (String shows it). Functions passed to
// Func, Boundary and Landscape are evaluated once, when called, never
// while rendering.
//
// # Live training display
//
// NewProgress returns a Progress that a training loop feeds every step; it
// redraws a loss chart and a progress line at most four times a second
// (and never spends more than about a tenth of the loop's time on it).
// Frames go to a function set with SetLiveOutput — the kernel installs one
// that sends display_data then update_display_data — or by default to the
// terminal: one updating line on standard error and, at the end, the chart
// saved to OutputDir (SetOutputDir, default "out").
//
// # Gallery
//
// Gallery writes one example of every figure kind to a folder (the
// `notmagic gallery DIR` command), for looking at all of them at once.
package plots
