package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line status (step, loss, tokens/s, ETA) on a terminal, redrawn in place;
// on a pipe or file it writes a plain line every 10% of the run instead.
type progress struct {
	w        io.Writer
	tty      bool
	total    int
	start    time.Time
	lastLen  int
	lastDraw time.Time
}

func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, tty: tty, total: total, start: time.Now()}
}

// line formats the status of step (1-based count of steps done).
func (p *progress) line(step int, loss float64, tokens int) string {
	el := time.Since(p.start)
	tps := float64(tokens) / max(el.Seconds(), 1e-9)
	eta := time.Duration(0)
	if step > 0 {
		eta = time.Duration(float64(el) / float64(step) * float64(p.total-step))
	}
	return fmt.Sprintf("step %d/%d  loss %.4f  %.0f tok/s  elapsed %s  ETA %s",
		step, p.total, loss, tps, el.Round(time.Second), eta.Round(time.Second))
}

// update shows the status after step steps.
func (p *progress) update(step int, loss float64, tokens int) {
	if p.tty {
		if time.Since(p.lastDraw) < 100*time.Millisecond && step < p.total {
			return
		}
		p.lastDraw = time.Now()
		s := p.line(step, loss, tokens)
		pad := ""
		if n := p.lastLen - len(s); n > 0 {
			pad = strings.Repeat(" ", n)
		}
		fmt.Fprintf(p.w, "\r%s%s", s, pad)
		p.lastLen = len(s)
		return
	}
	if every := max(p.total/10, 1); step%every == 0 || step == p.total {
		fmt.Fprintln(p.w, p.line(step, loss, tokens))
	}
}

// println prints a message on its own line, keeping the status line below it on a terminal.
func (p *progress) println(format string, args ...any) {
	if p.tty && p.lastLen > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastLen))
		p.lastLen = 0
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// done ends the status line.
func (p *progress) done() {
	if p.tty && p.lastLen > 0 {
		fmt.Fprintln(p.w)
		p.lastLen = 0
	}
}
