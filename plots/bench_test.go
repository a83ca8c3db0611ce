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

// BenchmarkProgressAdd is the cost of one Progress.Add plus Update per
// training step, including the redraws (to a no-op output) that fall due,
// over runs of 10,000 steps.
func BenchmarkProgressAdd(b *testing.B) {
	frames := 0
	var p *Progress
	i := 0
	for b.Loop() {
		if i%10000 == 0 {
			p = NewProgress(10000, "bench")
			p.out = func(Frame) { frames++ }
		}
		p.Add(i%10000, "train", 1/float64(i+1))
		p.Update(i%10000, "")
		i++
	}
	b.ReportMetric(float64(frames)/float64(b.N)*1e4, "frames/10k-steps")
}

// BenchmarkProgressRedraw is the cost of one redraw of a live chart after
// 100,000 steps (drawn as at most 2,000 points per series) with validation
// every 1,000, as a notebook pays it: the frame snapshot plus rendering it
// to PNG.
func BenchmarkProgressRedraw(b *testing.B) {
	p := NewProgress(200000, "Training loss")
	p.out = func(Frame) {}
	for i := 0; i < 100000; i++ {
		p.Add(i, "train", 3*math.Exp(-float64(i)/500)+0.1*math.Sin(float64(i)))
		if i%1000 == 0 {
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
