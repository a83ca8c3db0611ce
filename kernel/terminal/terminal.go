// Package terminal is how the REPL and the script runner show a cell's output in a terminal or a log:
// streams as they come, displays by their text (images are files by then, shown by path), results after
// the cell, errors with their traceback, and live displays redrawn on one line.
package terminal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/notmagic/notmagic/kernel/session"
)

// IsTerminal reports whether w is a terminal (an *os.File on a tty).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Output is a session.Output that prints to a terminal or a log: streams as they come, displays by
// their text (images are already files, shown by path), results after the cell, errors with their
// traceback (ANSI colours only on a terminal).
type Output struct {
	mu            sync.Mutex
	stdout, stder io.Writer
	stdin         io.Reader
	tty           bool
	live          bool // a live line is on screen
}

// New returns an Output writing to stdout and stderr and reading stdin; tty enables colours and live lines.
func New(stdout, stderr io.Writer, stdin io.Reader, tty bool) *Output {
	return &Output{stdout: stdout, stder: stderr, stdin: stdin, tty: tty}
}

func (t *Output) endLive() {
	if t.live {
		fmt.Fprintln(t.stdout)
		t.live = false
	}
}

// Stream prints text to stdout or stderr.
func (t *Output) Stream(name, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endLive()
	if name == "stderr" {
		io.WriteString(t.stder, text)
	} else {
		io.WriteString(t.stdout, text)
	}
}

// Display prints the text form of a display (markdown as is, images as their file path).
func (t *Output) Display(d session.Display) {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := bundleText(d.Data)
	if text == "" {
		return
	}
	if d.ID != "" && t.tty && !strings.Contains(text, "\n") {
		// a display that updates in place: redraw one line
		fmt.Fprintf(t.stdout, "\r\x1b[K%s", text)
		t.live = true
		return
	}
	t.endLive()
	fmt.Fprintln(t.stdout, text)
}

// Clear does nothing in a terminal.
func (t *Output) Clear(bool) {}

// Input reads a line from stdin.
func (t *Output) Input(prompt string, password bool) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stdin == nil {
		return "", errors.New("no standard input")
	}
	fmt.Fprint(t.stdout, prompt)
	var b []byte
	one := make([]byte, 1)
	for {
		n, err := t.stdin.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			b = append(b, one[0])
		}
		if err != nil {
			if len(b) > 0 {
				break
			}
			return "", err
		}
	}
	return strings.TrimRight(string(b), "\r"), nil
}

// Markdown prints a markdown cell's text.
func (t *Output) Markdown(text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endLive()
	if t.tty {
		fmt.Fprintf(t.stdout, "\x1b[2m%s\x1b[0m\n\n", text)
	} else {
		fmt.Fprintf(t.stdout, "%s\n\n", text)
	}
}

// Result prints a cell's result.
func (t *Output) Result(b session.MIMEBundle) {
	if b == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endLive()
	if text := bundleText(b); text != "" {
		fmt.Fprintln(t.stdout, text)
	}
}

// Error prints a cell's error and traceback to stderr.
func (t *Output) Error(e *session.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endLive()
	lines := e.Traceback
	if len(lines) == 0 {
		lines = []string{e.Name + ": " + e.Value}
	}
	for _, l := range lines {
		if !t.tty {
			l = ansi.ReplaceAllString(l, "")
		}
		fmt.Fprintln(t.stder, l)
	}
}

// EndCell finishes a live line left by the cell.
func (t *Output) EndCell() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endLive()
}

// bundleText is the terminal form of a bundle.
func bundleText(b session.MIMEBundle) string {
	for _, k := range []string{"text/plain", "text/markdown", "text/latex"} {
		if s, ok := b[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
