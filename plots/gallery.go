package plots

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// GalleryFigures returns one example of every figure kind, built from
// synthetic data with a fixed seed, keyed by a file-name-friendly name in
// display order.
func GalleryFigures() (names []string, figs []*Figure) {
	add := func(name string, f *Figure) {
		names = append(names, name)
		figs = append(figs, f)
	}
	rng := rand.New(rand.NewPCG(1, 2))

	// 1. Loss curves: 2,000 noisy training steps, validation every 100.
	train := make([]float64, 2000)
	var vx, vy []float64
	for i := range train {
		base := 0.45 + 3.7*math.Exp(-float64(i)/260)
		train[i] = base * math.Exp(0.12*rng.NormFloat64())
		if i%100 == 0 || i == len(train)-1 {
			vx = append(vx, float64(i))
			vy = append(vy, base*1.06+0.05*float64(i)/2000)
		}
	}
	add("loss", Line("Training loss", S("train", train), XY("val", vx, vy)).
		Labels("step", "cross-entropy loss").LogY().Smooth(40))

	// 2. Activation functions and a derivative.
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	relu := func(x float64) float64 { return math.Max(0, x) }
	gelu := func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	add("activations", Func("Activation functions", -4, 4,
		Fn{"tanh", math.Tanh}, Fn{"sigmoid", sigmoid}, Fn{"ReLU", relu}, Fn{"GELU", gelu}).
		Labels("x", "f(x)").YRange(-1.5, 3))
	add("derivative", Func("tanh and its derivative", -4, 4,
		Fn{"tanh(x)", math.Tanh}, Fn{"tanh'(x) = 1 - tanh²(x)", func(x float64) float64 { t := math.Tanh(x); return 1 - t*t }}).
		Labels("x", ""))

	// 3. Two moons and a smooth classifier's decision boundary.
	var pts [][]float64
	var labels []int
	for i := 0; i < 200; i++ {
		t := math.Pi * rng.Float64()
		c := i % 2
		x, y := math.Cos(t), math.Sin(t)
		if c == 1 {
			x, y = 1-x, 0.5-y
		}
		pts = append(pts, []float64{x + 0.12*rng.NormFloat64(), y + 0.12*rng.NormFloat64()})
		labels = append(labels, c)
	}
	parzen := func(x, y float64) float64 {
		var s0, s1 float64
		for i, p := range pts {
			d := (p[0]-x)*(p[0]-x) + (p[1]-y)*(p[1]-y)
			w := math.Exp(-d / (2 * 0.15 * 0.15))
			if labels[i] == 0 {
				s0 += w
			} else {
				s1 += w
			}
		}
		return (s1 + 1e-9) / (s0 + s1 + 2e-9)
	}
	add("boundary", Scatter("Two moons: decision boundary", pts, labels).
		Boundary(parzen).ClassNames("upper moon", "lower moon").Labels("x₁", "x₂"))

	// 4. Three classes, nearest-centroid regions.
	var pts3 [][]float64
	var lab3 []int
	centres := [][2]float64{{-1.5, 0}, {1.2, 1.3}, {0.8, -1.4}}
	for i := 0; i < 150; i++ {
		c := i % 3
		pts3 = append(pts3, []float64{centres[c][0] + 0.6*rng.NormFloat64(), centres[c][1] + 0.6*rng.NormFloat64()})
		lab3 = append(lab3, c)
	}
	nearest := func(xs, ys []float64) []float64 {
		out := make([]float64, len(xs))
		for i := range xs {
			best, bd := 0, math.Inf(1)
			for c, m := range centres {
				if d := math.Hypot(xs[i]-m[0], ys[i]-m[1]); d < bd {
					best, bd = c, d
				}
			}
			out[i] = float64(best)
		}
		return out
	}
	add("classes", Scatter("Three classes: nearest-centroid regions", pts3, lab3).BoundaryBatch(nearest).Labels("x₁", "x₂"))

	// 5. An attention matrix, annotated.
	tokens := strings.Fields("the animal didn't cross the street because it was too tired")
	add("attention", Heatmap("Attention of one head (causal)", causalAttention(rng, tokens, 0), tokens, tokens).
		Labels("key (attended to)", "query").Annotate().ColorRange(0, 1))

	// 6. Bigram counts over characters.
	text := "the cat sat on the mat. the dog sat on the log. a cat and a dog met at the gate and ate a date. " +
		"ten men and ten hens went to the den. the sun set on the sea and the sand. no one knows the tone of a stone."
	alphabet := []string{"."}
	index := map[rune]int{'.': 0}
	for r := 'a'; r <= 'z'; r++ {
		index[r] = len(alphabet)
		alphabet = append(alphabet, string(r))
	}
	counts := make([][]float64, len(alphabet))
	for i := range counts {
		counts[i] = make([]float64, len(alphabet))
	}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '.' }) {
		prev := 0
		for _, r := range w + "." {
			cur := index[r]
			counts[prev][cur]++
			prev = cur
		}
	}
	add("bigrams", Heatmap("Bigram counts (row: first letter, column: next)", counts, alphabet, alphabet).
		Labels("next character", "character"))

	// 6b. A signed weight matrix on a diverging colour map.
	wm := make([][]float64, 8)
	for i := range wm {
		wm[i] = make([]float64, 12)
		for j := range wm[i] {
			wm[i][j] = 0.5 * rng.NormFloat64()
		}
	}
	add("weights_heatmap", Heatmap("Weights of a 12 → 8 linear layer", wm, nil, nil).
		Diverging().Annotate().Labels("input", "output"))

	// 7. Attention of every layer and head.
	var layers [][][][]float64
	for l := 0; l < 2; l++ {
		var heads [][][]float64
		for h := 0; h < 4; h++ {
			heads = append(heads, causalAttention(rng, tokens, l*4+h))
		}
		layers = append(layers, heads)
	}
	add("attention_grid", Attention("Attention weights: 2 layers × 4 heads", layers, tokens))

	// 8. One histogram per layer, as panels.
	var hs []*Figure
	for l := 0; l < 4; l++ {
		w := make([]float64, 4096)
		std := 0.8 / math.Sqrt(float64(l+1))
		for i := range w {
			w[i] = std * rng.NormFloat64()
		}
		hs = append(hs, Histogram(fmt.Sprintf("layer %d weights", l+1), w, 40).Labels("weight", ""))
	}
	add("weights_panels", Panels("Weights per layer", 2, hs...))

	// 9. Overlaid histograms: tanh activations saturating layer by layer.
	var acts []Series
	for l := 0; l < 3; l++ {
		a := make([]float64, 5000)
		gain := 0.7 + 1.1*float64(l)
		for i := range a {
			a[i] = math.Tanh(gain * rng.NormFloat64())
		}
		acts = append(acts, S(fmt.Sprintf("layer %d", l+1), a))
	}
	add("activations_hist", Histograms("tanh activations by layer", 50, acts...).Labels("activation", ""))

	// 9b. Next-token probabilities at two temperatures.
	next := []string{"mat", "floor", "sofa", "roof", "moon", "table", "bed", "car"}
	logits := []float64{3.1, 2.2, 1.9, 1.2, -0.5, 0.8, 1.0, -1.2}
	softmax := func(temp float64) []float64 {
		out := make([]float64, len(logits))
		var sum float64
		for i, l := range logits {
			out[i] = math.Exp(l / temp)
			sum += out[i]
		}
		for i := range out {
			out[i] /= sum
		}
		return out
	}
	add("next_token", Bars("The cat sat on the …: P(next word)", next,
		S("temperature 1", softmax(1)), S("temperature 0.5", softmax(0.5)), S("temperature 2", softmax(2))).
		Labels("next word", "probability"))

	// 9c. Data points and a fitted line.
	var dx, dy []float64
	for i := 0; i < 40; i++ {
		x := 2 * rng.Float64()
		dx, dy = append(dx, x), append(dy, 2*x+1+0.3*rng.NormFloat64())
	}
	add("fit", Line("Data and the fitted line ŷ = 1.98·x + 1.03", Points("data", dx, dy),
		XY("ŷ = 1.98·x + 1.03", []float64{0, 2}, []float64{1.03, 4.99})).Labels("x", "y"))

	// 10. A loss landscape with gradient descent with and without momentum.
	loss := func(x, y float64) float64 { return 0.5*(x*x+12*y*y) + 0.3*math.Sin(2*x) }
	grad := func(x, y float64) (float64, float64) { return x + 0.6*math.Cos(2*x), 12 * y }
	gd := func(lr, mom float64) (xs, ys []float64) {
		x, y, vx, vy := -3.5, 1.6, 0.0, 0.0
		for i := 0; i < 40; i++ {
			xs, ys = append(xs, x), append(ys, y)
			gx, gy := grad(x, y)
			vx, vy = mom*vx-lr*gx, mom*vy-lr*gy
			x, y = x+vx, y+vy
		}
		return xs, ys
	}
	sx, sy := gd(0.15, 0)
	mx, my := gd(0.05, 0.8)
	add("landscape", Landscape("Loss landscape and gradient descent", loss, -4, 4, -2, 2).
		Path("SGD, lr 0.15", sx, sy).Path("momentum 0.8, lr 0.05", mx, my).Labels("w₁", "w₂"))

	// 11. A small network's weights, and the computation graph of one neuron.
	w1 := [][]float64{{1.2, -0.4}, {-0.9, 0.7}, {0.3, 1.6}}
	w2 := [][]float64{{0.8, -1.5, 0.6}}
	add("network", Network("A 2 → 3 → 1 network (blue positive, red negative)", w1, w2).
		LayerNames("input", "hidden", "output"))
	add("graph", Graph("o = tanh(x·w + b)", []Node{
		{Label: "x", Value: "1.5000", Grad: "0.0466"},
		{Label: "w", Value: "0.8000", Grad: "0.0873"},
		{Label: "x·w", Op: "*", Value: "1.2000", Grad: "0.0582", Inputs: []int{0, 1}},
		{Label: "b", Value: "0.9000", Grad: "0.0582"},
		{Label: "z", Op: "+", Value: "2.1000", Grad: "0.0582", Inputs: []int{2, 3}},
		{Label: "o", Op: "tanh", Value: "0.9705", Grad: "1.0000", Inputs: []int{4}},
	}))
	return names, figs
}

// causalAttention makes a plausible attention pattern: each token attends
// to itself, the previous token and (for "it") back to "animal".
func causalAttention(rng *rand.Rand, tokens []string, head int) [][]float64 {
	n := len(tokens)
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
		var sum float64
		for j := 0; j <= i; j++ {
			s := 0.6 * rng.NormFloat64()
			switch head % 4 {
			case 0:
				if j == i {
					s += 2
				}
			case 1:
				if j == i-1 {
					s += 2.5
				}
			case 2:
				if j == 0 {
					s += 1.5
				}
			case 3:
				if tokens[i] == "it" && tokens[j] == "animal" {
					s += 4
				}
			}
			if tokens[i] == "it" && tokens[j] == "animal" && head == 0 {
				s += 3
			}
			w[i][j] = math.Exp(s)
			sum += w[i][j]
		}
		for j := 0; j <= i; j++ {
			w[i][j] /= sum
		}
	}
	return w
}

// Gallery writes every example of GalleryFigures to dir as PNG and SVG
// and returns the paths written. dir is created if needed.
func Gallery(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names, figs := GalleryFigures()
	var paths []string
	var errs []error
	for i, f := range figs {
		for _, ext := range []string{".png", ".svg"} {
			p := filepath.Join(dir, names[i]+ext)
			if err := f.Save(p); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", names[i], err))
				continue
			}
			paths = append(paths, p)
		}
	}
	return paths, errors.Join(errs...)
}
