package plots_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/notmagic/notmagic/plots"
)

// A training and a validation loss on one chart, with a log y axis and
// the noisy training curve smoothed.
func ExampleLine() {
	train := make([]float64, 500)
	for i := range train {
		train[i] = 3*math.Exp(-float64(i)/100) + 0.3 + 0.05*math.Sin(float64(i))
	}
	valSteps := []float64{0, 100, 200, 300, 400, 499}
	val := []float64{3.4, 1.5, 0.8, 0.55, 0.45, 0.42}
	fig := plots.Line("Training loss", plots.S("train", train), plots.XY("val", valSteps, val)).
		Labels("step", "loss").LogY().Smooth(20)
	png, err := fig.PNG()
	fmt.Println(fig, len(png) > 0, err)
	// Output: Figure: Training loss (line chart, 2 series, 506 points) true <nil>
}

// An activation function and its derivative.
func ExampleFunc() {
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	dsigmoid := func(x float64) float64 { s := sigmoid(x); return s * (1 - s) }
	fig := plots.Func("Sigmoid", -6, 6, plots.Fn{Name: "σ(x)", F: sigmoid}, plots.Fn{Name: "σ'(x)", F: dsigmoid})
	fmt.Println(fig)
	// Output: Figure: Sigmoid (function plot, 2 functions on [-6, 6])
}

// An attention matrix labelled with its tokens, with the weights written in
// the cells.
func ExampleHeatmap() {
	tokens := []string{"the", "cat", "sat"}
	w := [][]float64{
		{1, 0, 0},
		{0.3, 0.7, 0},
		{0.1, 0.6, 0.3},
	}
	fig := plots.Heatmap("Attention", w, tokens, tokens).Annotate().ColorRange(0, 1)
	svg, err := fig.SVG()
	fmt.Println(fig, len(svg) > 0, err)
	// Output: Figure: Attention (heatmap, 3×3, labelled) true <nil>
}

// Bad input is reported, not panicked on.
func ExampleFigure_Err() {
	fig := plots.Heatmap("Ragged", [][]float64{{1, 2}, {3}}, nil, nil)
	fmt.Println(fig.Err())
	_, err := fig.PNG()
	fmt.Println(err == fig.Err())
	// Output:
	// plots.heatmap: matrix: ragged data: row 1 has 1 values but row 0 has 2
	// true
}

// Points of two classes and a model's decision boundary.
func ExampleScatter() {
	points := [][]float64{{0, 0}, {1, 0.2}, {0.2, 1}, {2, 2}, {2.5, 1.8}, {1.8, 2.6}}
	labels := []int{0, 0, 0, 1, 1, 1}
	model := func(x, y float64) float64 { return 1 / (1 + math.Exp(-3*(x+y-2.5))) } // P(class 1)
	fig := plots.Scatter("A linear classifier", points, labels).Boundary(model).ClassNames("no", "yes")
	fmt.Println(fig)
	// Output: Figure: A linear classifier (scatter plot, 6 points, 2 classes, decision boundary)
}

// A live display: frames go to the function installed with SetLiveOutput
// (the Jupyter kernel installs one that updates a notebook output).
func ExampleProgress() {
	frames := 0
	plots.SetLiveOutput(func(f plots.Frame) {
		frames++
		if f.Final {
			fmt.Println("final frame with", f.Figure)
		}
	})
	defer plots.SetLiveOutput(nil)

	p := plots.NewProgress(100, "Training loss")
	for step := 0; step < 100; step++ {
		p.Add(step, "train", 2/float64(step+1))
		p.Update(step, "")
	}
	p.Done()
	fmt.Println(frames <= 3)
	// Output:
	// final frame with Figure: Training loss (line chart, 1 series, 100 points)
	// true
}

// Save picks the format from the extension.
func ExampleFigure_Save() {
	dir, _ := os.MkdirTemp("", "plots")
	defer os.RemoveAll(dir)
	fig := plots.Histogram("Weights", []float64{-1, -0.5, 0, 0, 0.5, 1}, 4).Size(4, 3)
	fmt.Println(fig.Save(filepath.Join(dir, "weights.png")))
	fmt.Println(fig.Save(filepath.Join(dir, "weights.svg")))
	fmt.Println(fig.Save(filepath.Join(dir, "weights.gif")) != nil)
	// Output:
	// <nil>
	// <nil>
	// true
}
