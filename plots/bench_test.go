package plots

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func heatmap64() *Figure {
	rng := rand.New(rand.NewPCG(3, 4))
	m := make([][]float64, 64)
	for i := range m {
		m[i] = make([]float64, 64)
		for j := range m[i] {
			m[i][j] = rng.Float64()
		}
	}
	toks := make([]string, 64)
	for i := range toks {
		toks[i] = fmt.Sprintf("tok%d", i)
	}
	return Heatmap("64×64 attention", m, toks, toks)
}

func loss2000() *Figure {
	rng := rand.New(rand.NewPCG(5, 6))
	ys := make([]float64, 2000)
	for i := range ys {
		ys[i] = (0.5 + 3*math.Exp(-float64(i)/300)) * math.Exp(0.1*rng.NormFloat64())
	}
	return Line("Training loss", S("train", ys)).Labels("step", "loss")
}

// BenchmarkHeatmap64PNG renders a 64×64 heatmap with 64 row and 64 column
// labels and a colour bar to PNG at the default size and DPI.
func BenchmarkHeatmap64PNG(b *testing.B) {
	f := heatmap64()
	for b.Loop() {
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoss2000PNG renders a 2,000-point loss curve to PNG.
func BenchmarkLoss2000PNG(b *testing.B) {
	f := loss2000()
	for b.Loop() {
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoss2000SVG renders the same chart to SVG.
func BenchmarkLoss2000SVG(b *testing.B) {
	f := loss2000()
	for b.Loop() {
		if _, err := f.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProgressAdd is the cost of one Progress.Add between redraws
// (what a training loop pays on almost every step).
func BenchmarkProgressAdd(b *testing.B) {
	frames := 0
	p := NewProgress(0, "bench")
	p.out = func(Frame) { frames++ }
	i := 0
	for b.Loop() {
		p.Add(i, "train", 1/float64(i+1))
		i++
	}
	b.ReportMetric(float64(frames), "frames")
}

// BenchmarkProgressRedraw is the cost of one redraw of a live chart with
// 2,000 training and 20 validation points as a notebook pays it: the frame
// snapshot plus rendering it to PNG.
func BenchmarkProgressRedraw(b *testing.B) {
	p := NewProgress(4000, "Training loss")
	p.out = func(Frame) {}
	for i := 0; i < 2000; i++ {
		p.Add(i, "train", 3*math.Exp(-float64(i)/500)+0.1*math.Sin(float64(i)))
		if i%100 == 0 {
			p.Add(i, "val", 3*math.Exp(-float64(i)/500)+0.2)
		}
	}
	for b.Loop() {
		f := p.Figure()
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}
