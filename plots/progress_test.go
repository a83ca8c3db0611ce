package plots

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// capture installs a live output that records frames and restores the
// previous one when the test ends.
func capture(t *testing.T) (*[]Frame, *sync.Mutex) {
	var mu sync.Mutex
	var frames []Frame
	SetLiveOutput(func(f Frame) {
		mu.Lock()
		defer mu.Unlock()
		frames = append(frames, f)
	})
	t.Cleanup(func() { SetLiveOutput(nil) })
	return &frames, &mu
}

func TestProgressFrames(t *testing.T) {
	frames, _ := capture(t)
	const total = 60
	p := NewProgress(total, "Training loss").PerStep(256, "tok")
	start := time.Now()
	for step := 0; step < total; step++ {
		p.Add(step, "train", 3*math.Exp(-float64(step)/20))
		if step%10 == 0 {
			p.Add(step, "val", 3.2*math.Exp(-float64(step)/20))
		}
		p.Update(step, "lr 3e-4")
		time.Sleep(10 * time.Millisecond)
	}
	p.Done()
	p.Done() // idempotent
	p.Add(total, "train", 1)
	elapsed := time.Since(start)

	fs := *frames
	// At most one redraw per MinRedraw, plus the first and the final frame.
	maxFrames := int(elapsed/MinRedraw) + 2
	if len(fs) < 3 || len(fs) > maxFrames {
		t.Errorf("%d frames in %v, want 3..%d", len(fs), elapsed, maxFrames)
	}
	for i, f := range fs {
		if f.ID != p.ID() || f.ID == "" {
			t.Fatalf("frame %d has ID %q, want %q", i, f.ID, p.ID())
		}
		if f.Final != (i == len(fs)-1) {
			t.Errorf("frame %d Final = %v", i, f.Final)
		}
	}
	last := fs[len(fs)-1]
	for _, want := range []string{"Training loss", "60/60", "train 0.1570", "val", "step/s", "tok/s", "done in", "lr 3e-4"} {
		if !strings.Contains(last.Text, want) {
			t.Errorf("final text %q lacks %q", last.Text, want)
		}
	}
	if !strings.Contains(fs[len(fs)-2].Text, "left") {
		t.Errorf("progress text %q has no time left", fs[len(fs)-2].Text)
	}
	b, err := last.Figure.PNG()
	if err != nil {
		t.Fatal(err)
	}
	w, h := pixels(last.Figure)
	decodePNG(t, "progress", b, w, h)
	if s := last.Figure.String(); !strings.Contains(s, "2 series") {
		t.Errorf("final figure %q", s)
	}
	// Frames are snapshots: later Adds do not change an emitted figure.
	if n := len(last.Figure.body.(*lineBody).series[0].Y); n != total {
		t.Errorf("final chart has %d train points, want %d", n, total)
	}
}

func TestProgressNaNAndLogY(t *testing.T) {
	frames, _ := capture(t)
	p := NewProgress(0, "diverging").LogY().Label("loss")
	p.Add(0, "train", 2)
	p.Add(1, "train", 0) // not drawable on log-y: left out of the chart
	p.Add(2, "train", math.NaN())
	p.Done()
	last := (*frames)[len(*frames)-1]
	if !strings.Contains(last.Text, "train NaN") || !strings.Contains(last.Text, "step 2") {
		t.Errorf("text %q should show the NaN and the step", last.Text)
	}
	if _, err := last.Figure.PNG(); err != nil {
		t.Errorf("chart with NaN and 0 on log-y: %v", err)
	}
	// No data: no figure.
	q := NewProgress(10, "empty")
	q.Update(3, "warming up")
	if q.Figure() != nil {
		t.Error("figure before any value")
	}
	q.Done()
	if f := (*frames)[len(*frames)-1]; f.Figure != nil || !strings.Contains(f.Text, "warming up") {
		t.Errorf("frame %+v", f)
	}
}

func TestTerminalOutputSavesChart(t *testing.T) {
	dir := t.TempDir()
	SetOutputDir(filepath.Join(dir, "charts"))
	t.Cleanup(func() { SetOutputDir("") })
	SetLiveOutput(nil)
	// Capture standard error.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	p := NewProgress(3, "Tiny run: loss")
	for i := 0; i < 3; i++ {
		p.Add(i, "train", float64(3-i))
		p.Update(i, "")
	}
	p.Done()
	os.Stderr = old
	w.Close()
	var out bytes.Buffer
	out.ReadFrom(r)
	path := filepath.Join(dir, "charts", "tiny-run-loss.png")
	if !strings.Contains(out.String(), "chart saved to "+path) || !strings.Contains(out.String(), "3/3") {
		t.Errorf("stderr = %q", out.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Error(err)
	}
	if OutputDir() != filepath.Join(dir, "charts") {
		t.Error("OutputDir")
	}
}

func TestProgressConcurrent(t *testing.T) {
	capture(t)
	p := NewProgress(4000, "concurrent")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				p.Add(g*1000+i, []string{"a", "b"}[g%2], float64(i))
				p.Update(g*1000+i, "")
			}
		}(g)
	}
	wg.Wait()
	p.Done()
	f := p.Figure()
	if n := len(f.body.(*lineBody).series[0].Y) + len(f.body.(*lineBody).series[1].Y); n != 4000 {
		t.Errorf("%d points recorded, want 4000", n)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Training loss": "training-loss", "  GPT (char) — run #2 ": "gpt-char-run-2", "": "progress", "!!!": "progress"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// A slow output (a notebook rendering each frame) makes Progress redraw
// less often, keeping the time spent in the output to about a tenth.
func TestProgressBacksOffSlowOutput(t *testing.T) {
	var mu sync.Mutex
	var frames int
	var inOutput time.Duration
	SetLiveOutput(func(f Frame) {
		t0 := time.Now()
		time.Sleep(60 * time.Millisecond)
		mu.Lock()
		frames++
		inOutput += time.Since(t0)
		mu.Unlock()
	})
	t.Cleanup(func() { SetLiveOutput(nil) })
	p := NewProgress(0, "slow output")
	start := time.Now()
	for step := 0; time.Since(start) < 1500*time.Millisecond; step++ {
		p.Add(step, "train", 1)
		time.Sleep(time.Millisecond)
	}
	p.Done()
	total := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	// Interval is max(MinRedraw, 10×60ms) = 600ms: about 1500/600 + final.
	if frames > 5 {
		t.Errorf("%d frames in %v with a 60 ms output; want at most 5", frames, total)
	}
	if share := float64(inOutput) / float64(total); share > 0.25 {
		t.Errorf("%.0f%% of the loop's time went to output", 100*share)
	}
}

func TestDownsample(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6}
	ys := []float64{1, 3, 5, 7, 9, 11, 13}
	ox, oy := downsample(xs, ys, 3)
	if fmt.Sprint(ox, oy) != "[1 4 6] [3 9 13]" {
		t.Errorf("downsample = %v %v", ox, oy)
	}
	ox, _ = downsample(xs, ys, 10)
	ox[0] = 99
	if xs[0] != 0 {
		t.Error("downsample must copy")
	}
	// A long run is charted with a bounded number of points.
	p := NewProgress(0, "long")
	p.out = func(Frame) {}
	for i := 0; i < 50000; i++ {
		p.Add(i, "train", 1)
	}
	if n := len(p.Figure().body.(*lineBody).series[0].Y); n > maxChartPoints {
		t.Errorf("%d points in the chart", n)
	}
}
