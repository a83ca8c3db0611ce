package plots

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNetworkDiagram(t *testing.T) {
	hidden := [][]float64{{1, -2}, {0.5, 0}, {-0.1, 3}} // [out 3, in 2]
	out := [][]float64{{2, -1, 0.25}}                   // [out 1, in 3]
	f := Network("2-3-1", hidden, out).LayerNames("input", "hidden", "output")
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	if s := f.String(); !strings.Contains(s, "layers 2-3-1") {
		t.Errorf("String %q does not name the layers' sizes", s)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	texts := checkSVG(t, "network", svg)
	for _, name := range []string{"2-3-1", "input", "hidden", "output"} {
		if !containsText(texts, name) {
			t.Errorf("the SVG has no text %q: %q", name, texts)
		}
	}
	// 2·3 + 3·1 weights, each a line; 6 neurons, each a circle (a path with an arc).
	body := f.body.(*netBody)
	if got := len(body.weights[0])*len(body.weights[0][0]) + len(body.weights[1])*len(body.weights[1][0]); got != 9 {
		t.Errorf("%d weights, want 9", got)
	}
	if got := strings.Count(string(svg), "<path"); got < 9+6 {
		t.Errorf("%d paths in the SVG, want at least 9 lines and 6 circles", got)
	}
	// A tensor works as a matrix, as nn.Linear's Weight would be passed.
	if err := Network("tensor", fakeTensor{shape: []int{3, 2}, data: f32([]float64{1, 2, 3, 4, 5, 6})}).Err(); err != nil {
		t.Errorf("a [3, 2] tensor: %v", err)
	}
}

func TestNetworkBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *Figure
		want string
	}{
		{"none", Network("x"), "no weight matrices"},
		{"mismatch", Network("x", [][]float64{{1, 2}, {3, 4}}, [][]float64{{1, 2, 3}}), "a matrix is [out, in]"},
		{"names", Network("x", [][]float64{{1}}).LayerNames("a"), "1 names for 2 layers"},
		{"not a network", Heatmap("x", [][]float64{{1}}, nil, nil).LayerNames("a"), "does not apply"},
		{"nan", Network("x", [][]float64{{1, math.NaN()}}), "NaN"},
	} {
		err := tc.f.Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// graphNode is the shape of lib/nn's GraphNode, to check that Graph reads any such struct.
type graphNode struct {
	Label, Op, Value, Grad string
	Inputs                 []int
}

func TestComputationGraph(t *testing.T) {
	// o = tanh(x·w + b)
	nodes := []graphNode{
		{Label: "x", Value: "1.5"},
		{Label: "w", Value: "0.8", Grad: "0.087"},
		{Label: "x·w", Op: "*", Value: "1.2", Grad: "0.058", Inputs: []int{0, 1}},
		{Label: "b", Value: "0.3", Grad: "0.058"},
		{Label: "z", Op: "+", Value: "1.5", Grad: "0.058", Inputs: []int{2, 3}},
		{Label: "o", Op: "tanh", Value: "0.905", Grad: "1", Inputs: []int{4}},
	}
	f := Graph("a neuron", nodes)
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	b := f.body.(*graphBody)
	if want := []int{0, 0, 1, 1, 2, 3}; !slices.Equal(b.column, want) {
		t.Errorf("columns %v, want %v (each value right of its inputs, each input just before its first use)", b.column, want)
	}
	if s := f.String(); !strings.Contains(s, "6 values, 5 edges") {
		t.Errorf("String %q", s)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	texts := checkSVG(t, "graph", svg)
	for _, want := range []string{"o │ data 0.905 │ grad 1", "w │ data 0.8 │ grad 0.087", "tanh", "*", "+"} {
		if !containsText(texts, want) {
			t.Errorf("the SVG has no text %q: %q", want, texts)
		}
	}
	for _, tc := range []struct {
		name  string
		nodes any
		want  string
	}{
		{"empty", []Node{}, "no nodes"},
		{"cycle", []Node{{Label: "a", Inputs: []int{1}}, {Label: "b", Inputs: []int{0}}}, "depends on itself"},
		{"range", []Node{{Label: "a", Inputs: []int{5}}}, "outside"},
		{"not structs", []int{1, 2}, "want a struct"},
		{"not a slice", 3, "want a []plots.Node"},
	} {
		err := Graph("bad", tc.nodes).Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestLogYLabelLeavesNoBand: a y label on a log axis must not push the plot down from the title (gonum
// places the label's box by the arithmetic middle of the range, near the top of a log axis).
func TestLogYLabelLeavesNoBand(t *testing.T) {
	ys := make([]float64, 200)
	for i := range ys {
		ys[i] = 3 * math.Exp(-float64(i)/15) // five decades
	}
	top := func(f *Figure) float64 {
		svg, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		return svgTextY(t, svg, "1") // the highest labelled tick
	}
	plain := top(Line("loss", S("train", ys)).LogY())
	labelled := top(Line("loss", S("train", ys)).LogY().Labels("step", "cross-entropy loss"))
	if math.Abs(plain-labelled) > 2 {
		t.Errorf("the tick \"1\" sits at y %.1f with a y label and %.1f without: the label pushed the plot down", labelled, plain)
	}
	hist := make([]float64, 500)
	for i := range hist {
		hist[i] = float64(i % 37)
	}
	if err := Histogram("h", hist, 20).LogY().Labels("value", "count").Err(); err != nil {
		t.Error(err)
	}
}

func TestColorBarLabels(t *testing.T) {
	m := [][]float64{{0.2, 0.8}, {0.6, 0.4}}
	for _, tc := range []struct {
		f    *Figure
		want string
	}{
		{Heatmap("counts", m, nil, nil).ColorLabel("count"), "count"},
		{Attention("attention", m, []string{"a", "b"}), "attention weight"},
		{Landscape("bowl", func(x, y float64) float64 { return x*x + y*y }, -1, 1, -1, 1), "loss"},
	} {
		svg, err := tc.f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		if texts := checkSVG(t, tc.f.Title(), svg); !containsText(texts, tc.want) {
			t.Errorf("%s: no colour bar label %q in %q", tc.f.Title(), tc.want, texts)
		}
	}
	if err := Line("x", S("y", []float64{1, 2})).ColorLabel("z").Err(); err == nil || !strings.Contains(err.Error(), "does not apply") {
		t.Errorf("ColorLabel on a line chart: %v", err)
	}
}

// TestSymmetricSurfaces: a bowl and a circular decision boundary render. gonum's contour tracing
// allocated without bound on the bowl x²+y²; the level lines are drawn cell by cell now.
func TestSymmetricSurfaces(t *testing.T) {
	bowl := Landscape("bowl", func(x, y float64) float64 { return x*x + y*y }, -1, 1, -1, 1)
	if _, err := bowl.PNG(); err != nil {
		t.Fatal(err)
	}
	var pts [][]float64
	var cls []int
	for i := 0; i < 40; i++ {
		a := float64(i) * 0.157
		r := 0.5 + float64(i%2)
		pts = append(pts, []float64{r * math.Cos(a), r * math.Sin(a)})
		cls = append(cls, i%2)
	}
	circle := Scatter("circle", pts, cls).Boundary(func(x, y float64) float64 { return x*x + y*y - 1 })
	if _, err := circle.PNG(); err != nil {
		t.Fatal(err)
	}
}
