package plots

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"golang.org/x/term"
)

// Frame is one redraw of a live display (see Progress). The first frame
// with a given ID should create an output; later frames with the same ID
// replace it. Figure is nil until there is data to chart.
type Frame struct {
	ID     string
	Figure *Figure
	Text   string
	Final  bool
}

var (
	liveMu   sync.Mutex
	liveOut  func(Frame)
	outDir   = "out"
	progSeq  atomic.Int64
	termOnce sync.Once
	isTerm   bool
)

// SetLiveOutput installs where Progress frames go: the Jupyter kernel
// installs a function that sends display_data for a new Frame.ID and
// update_display_data afterwards. nil restores the default terminal
// output. It affects Progress values created afterwards.
func SetLiveOutput(f func(Frame)) {
	liveMu.Lock()
	defer liveMu.Unlock()
	liveOut = f
}

// LiveOutput returns the function Progress frames currently go to (the
// terminal output unless SetLiveOutput installed another).
func LiveOutput() func(Frame) {
	liveMu.Lock()
	defer liveMu.Unlock()
	if liveOut != nil {
		return liveOut
	}
	return TerminalOutput
}

// SetOutputDir sets the folder where the terminal output saves final
// charts ("" restores the default, "out").
func SetOutputDir(dir string) {
	liveMu.Lock()
	defer liveMu.Unlock()
	if dir == "" {
		dir = "out"
	}
	outDir = dir
}

// OutputDir returns the folder set by SetOutputDir.
func OutputDir() string {
	liveMu.Lock()
	defer liveMu.Unlock()
	return outDir
}

// TerminalOutput is the default live output: it rewrites one progress line
// on standard error (with \r when standard error is a terminal, one line
// every few seconds otherwise) and, on the final frame, saves the chart as
// a PNG in OutputDir and prints its path.
func TerminalOutput(fr Frame) {
	termOnce.Do(func() { isTerm = term.IsTerminal(int(os.Stderr.Fd())) })
	termState.Lock()
	defer termState.Unlock()
	now := time.Now()
	if !fr.Final {
		if isTerm {
			fmt.Fprintf(os.Stderr, "\r%s\x1b[K", fr.Text)
		} else if now.Sub(termState.last[fr.ID]) >= 5*time.Second {
			fmt.Fprintln(os.Stderr, fr.Text)
			termState.last[fr.ID] = now
		}
		return
	}
	if isTerm {
		fmt.Fprintf(os.Stderr, "\r%s\x1b[K\n", fr.Text)
	} else {
		fmt.Fprintln(os.Stderr, fr.Text)
	}
	delete(termState.last, fr.ID)
	if fr.Figure == nil {
		return
	}
	dir := OutputDir()
	path := filepath.Join(dir, slug(fr.Figure.Title())+".png")
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = fr.Figure.Save(path)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "plots: could not save the chart: %v\n", err)
		return
	}
	fmt.Fprintf(os.Stderr, "chart saved to %s\n", path)
}

var termState = struct {
	sync.Mutex
	last map[string]time.Time
}{last: map[string]time.Time{}}

// FileName turns a figure's title into a file name without extension, as charts are saved from the
// terminal: "Training loss" → "training-loss" (letters and digits, dashes between words, at most 60
// bytes; "progress" for a title with neither).
func FileName(title string) string { return slug(title) }

// slug turns a title into a file name: "Training loss" → "training-loss".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" {
		out = "progress"
	}
	if len(out) > 60 {
		out = out[:60]
	}
	return out
}

// MinRedraw is the shortest time between two redraws of a Progress.
const MinRedraw = 250 * time.Millisecond

// Progress is a live training display: a loss chart and a progress line
// (step/total, latest values, rate, time left) redrawn in place while a loop
// runs. Call Add for each value, Update once per step, and Done at the end:
//
//	p := plots.NewProgress(1000, "Training loss")
//	for step := 0; step < 1000; step++ {
//		loss := trainStep()
//		p.Add(step, "train", loss)
//		if step%100 == 0 {
//			p.Add(step, "val", evalLoss())
//		}
//		p.Update(step, "")
//	}
//	p.Done()
//
// Redraws happen at most every MinRedraw (4 per second), and never more
// often than keeps the time spent redrawing under about 10% of the loop's
// time: the interval grows to ten times the cost of the last redraw. Calls
// between redraws only record the value (tens of nanoseconds). A Progress
// is safe for use from several goroutines.
type Progress struct {
	mu       sync.Mutex
	id       string
	title    string
	total    int
	out      func(Frame)
	started  time.Time
	firstAt  time.Time
	first    int
	haveStep bool
	step     int
	status   string
	names    []string
	series   map[string]*liveSeries
	last     time.Time
	interval time.Duration
	done     bool
	logY     bool
	ylabel   string
	perStep  float64
	unit     string
}

type liveSeries struct {
	xs, ys []float64
	last   float64 // latest value, even if not finite
}

// NewProgress starts a live display for a loop of total steps (0 if
// unknown) titled title. Frames go to LiveOutput() as it is now.
func NewProgress(total int, title string) *Progress {
	if total < 0 {
		total = 0
	}
	now := time.Now()
	return &Progress{
		id:       fmt.Sprintf("notmagic-progress-%d-%d-%d", os.Getpid(), now.UnixNano(), progSeq.Add(1)),
		title:    title,
		total:    total,
		out:      LiveOutput(),
		started:  now,
		series:   map[string]*liveSeries{},
		interval: MinRedraw,
	}
}

// ID returns the display ID of the frames this Progress emits.
func (p *Progress) ID() string { return p.id }

// LogY draws the chart with a log-scale y axis (non-positive values are
// left out of the chart but still shown in the text).
func (p *Progress) LogY() *Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.logY = true
	return p
}

// Label sets the chart's y axis label (e.g. "loss").
func (p *Progress) Label(y string) *Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ylabel = y
	return p
}

// PerStep makes the progress line show a throughput in unit per second,
// counting n units per step, e.g. PerStep(batch*context, "tok").
func (p *Progress) PerStep(n float64, unit string) *Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.perStep, p.unit = n, unit
	return p
}

// Add records value for the series name ("train", "val", ...) at step and
// redraws if it is time to.
func (p *Progress) Add(step int, name string, value float64) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	s := p.series[name]
	if s == nil {
		s = &liveSeries{}
		p.series[name] = s
		p.names = append(p.names, name)
	}
	s.last = value
	if !math.IsNaN(value) && !math.IsInf(value, 0) {
		s.xs = append(s.xs, float64(step))
		s.ys = append(s.ys, value)
	}
	p.noteStep(step)
	p.maybeEmit(false)
}

// Update sets the current step and a free-form status text (e.g. a sample
// or a learning rate) and redraws if it is time to.
func (p *Progress) Update(step int, status string) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.status = status
	p.noteStep(step)
	p.maybeEmit(false)
}

// Done draws the final frame (the terminal output saves the chart to a
// file). Calls after the first do nothing.
func (p *Progress) Done() {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.done = true
	p.maybeEmit(true)
}

// Figure returns a snapshot of the chart so far (nil before any value).
func (p *Progress) Figure() *Figure {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.figureLocked()
}

// Text returns the current progress line.
func (p *Progress) Text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.textLocked(time.Now())
}

func (p *Progress) noteStep(step int) {
	if !p.haveStep {
		p.haveStep = true
		p.first, p.firstAt = step, time.Now()
	}
	if step > p.step {
		p.step = step
	}
}

// maybeEmit is called with p.mu held and releases it.
func (p *Progress) maybeEmit(final bool) {
	now := time.Now()
	if !final && !p.last.IsZero() && now.Sub(p.last) < p.interval {
		p.mu.Unlock()
		return
	}
	fr := Frame{ID: p.id, Figure: p.figureLocked(), Text: p.textLocked(now), Final: final}
	out := p.out
	p.last = now
	p.mu.Unlock()

	out(fr)

	cost := time.Since(now)
	p.mu.Lock()
	p.interval = max(MinRedraw, 10*cost)
	p.mu.Unlock()
}

func (p *Progress) figureLocked() *Figure {
	var ss []Series
	longest := 0
	for _, name := range p.names {
		s := p.series[name]
		xs, ys := s.xs, s.ys
		if p.logY {
			xs, ys = positive(xs, ys)
		}
		if len(ys) == 0 {
			continue
		}
		xs, ys = downsample(xs, ys, maxChartPoints)
		ss = append(ss, Series{Name: name, X: xs, Y: ys})
		longest = max(longest, len(ys))
	}
	if len(ss) == 0 {
		return nil
	}
	f := Line(p.title, ss...).Labels("step", p.ylabel)
	if p.logY {
		f.LogY()
	}
	if longest >= 200 {
		f.Smooth(longest / 50)
	}
	if p.total > 0 {
		f.xRange = &[2]float64{0, float64(p.total)}
	}
	return f
}

// maxChartPoints bounds the points per series in a live chart, so a redraw
// costs the same after a million steps as after a thousand.
const maxChartPoints = 2000

// downsample returns copies of xs and ys; beyond max points, consecutive
// points are averaged in buckets so that at most max remain.
func downsample(xs, ys []float64, max int) ([]float64, []float64) {
	if len(ys) <= max {
		return append([]float64(nil), xs...), append([]float64(nil), ys...)
	}
	per := (len(ys) + max - 1) / max
	ox := make([]float64, 0, max)
	oy := make([]float64, 0, max)
	for i := 0; i < len(ys); i += per {
		j := min(i+per, len(ys))
		var sx, sy float64
		for k := i; k < j; k++ {
			sx += xs[k]
			sy += ys[k]
		}
		ox = append(ox, sx/float64(j-i))
		oy = append(oy, sy/float64(j-i))
	}
	return ox, oy
}

func positive(xs, ys []float64) ([]float64, []float64) {
	ok := true
	for _, y := range ys {
		if y <= 0 {
			ok = false
			break
		}
	}
	if ok {
		return xs, ys
	}
	var ox, oy []float64
	for i, y := range ys {
		if y > 0 {
			ox, oy = append(ox, xs[i]), append(oy, y)
		}
	}
	return ox, oy
}

func (p *Progress) textLocked(now time.Time) string {
	var b strings.Builder
	if p.title != "" {
		b.WriteString(p.title)
		b.WriteString("  ")
	}
	if p.total > 0 {
		frac := math.Min(1, float64(p.step+1)/float64(p.total))
		if p.done {
			frac = 1
		}
		const width = 20
		n := int(frac * width)
		fmt.Fprintf(&b, "[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), min(p.step+1, p.total), p.total)
	} else {
		fmt.Fprintf(&b, "step %d", p.step)
	}
	for _, name := range p.names {
		fmt.Fprintf(&b, "  %s %s", name, formatValue(p.series[name].last))
	}
	elapsed := now.Sub(p.started)
	if p.haveStep && p.step > p.first {
		rate := float64(p.step-p.first) / now.Sub(p.firstAt).Seconds()
		fmt.Fprintf(&b, "  %s step/s", formatRate(rate))
		if p.perStep > 0 {
			fmt.Fprintf(&b, " %s %s/s", formatRate(rate*p.perStep), p.unit)
		}
		if p.total > 0 && !p.done && rate > 0 {
			left := time.Duration(float64(p.total-1-p.step) / rate * float64(time.Second))
			fmt.Fprintf(&b, "  %s left", formatDuration(max(left, 0)))
		}
	}
	if p.done {
		fmt.Fprintf(&b, "  done in %s", formatDuration(elapsed))
	}
	if p.status != "" {
		b.WriteString("  ")
		b.WriteString(p.status)
	}
	return b.String()
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Sprint(v)
	case v != 0 && (math.Abs(v) < 1e-3 || math.Abs(v) >= 1e5):
		return fmt.Sprintf("%.3e", v)
	default:
		return fmt.Sprintf("%.4f", v)
	}
}

func formatRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.1fk", r/1e3)
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	default:
		return fmt.Sprintf("%.2f", r)
	}
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}
