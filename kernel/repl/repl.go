// Package repl implements `notmagic repl`: an interactive Go session in the terminal on the same
// interpreter session as the Jupyter kernel.
//
// On a terminal it offers line editing (golang.org/x/term), history kept across runs in the user's
// state directory, Tab completion, multi-line input decided by session.IsComplete, and Ctrl-C that
// interrupts a running cell (or clears the input) without leaving; Ctrl-D leaves. With piped input it
// reads cells the same way without prompts and exits non-zero if a cell failed. Images are written to
// files (default out/repl) and their paths printed.
package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/notmagic/notmagic/kernel/session"
	"github.com/notmagic/notmagic/kernel/terminal"
)

// Config configures Run.
type Config struct {
	ImageDir    string
	HistoryFile string
	In          io.Reader
	Out, Err    io.Writer
	Terminal    bool // In and Out are a terminal (TerminalFD): raw-mode line editing
	TerminalFD  int
}

const help = `Commands (the notebook's magics work too: %help, ?NAME, %time, %timeit, %get):
  :help          this help
  :reset         start a fresh interpreter (forget all definitions)
  :doc NAME      signature and documentation of NAME (e.g. :doc nn.Randn)
  :time CODE     run CODE once and print the wall time
  :timeit CODE   run CODE many times and print runs and ns/op
  :get MODULE    fetch a module (MODULE@VERSION too) with the go command, for import
  :quit          leave (or Ctrl-D)
Enter runs the input once it is complete Go; open brackets continue on the next line.
Tab completes; Ctrl-C interrupts a running cell or clears the input.`

// repl is one interactive session.
type repl struct {
	cfg    Config
	s      *session.Session
	term   *terminal.Output
	failed bool

	mu      sync.Mutex
	running context.CancelFunc // cancels the running cell
}

// Run runs the REPL until end of input, :quit or Ctrl-D.
func Run(cfg Config) error {
	r := &repl{cfg: cfg}
	r.term = terminal.New(cfg.Out, cfg.Err, nil, cfg.Terminal)
	if err := r.newSession(); err != nil {
		return err
	}
	defer func() { r.s.Close() }()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			r.mu.Lock()
			if r.running != nil {
				r.running()
			} else if !cfg.Terminal {
				os.Exit(130)
			}
			r.mu.Unlock()
		}
	}()

	if cfg.Terminal {
		return r.interactive()
	}
	return r.piped()
}

func (r *repl) newSession() error {
	if r.s != nil {
		r.s.Close()
	}
	s, err := session.New(session.Options{
		ImageDir: r.cfg.ImageDir,
		Direct:   r.cfg.Out == os.Stdout,
		Stdin:    r.cfg.In,
	})
	if err != nil {
		return err
	}
	r.s = s
	return nil
}

// piped reads cells from non-terminal input.
func (r *repl) piped() error {
	sc := bufio.NewScanner(r.cfg.In)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var buf []string
	for sc.Scan() {
		line := sc.Text()
		if len(buf) == 0 {
			if done, quit := r.command(line); quit {
				break
			} else if done {
				continue
			}
		}
		buf = append(buf, line)
		code := strings.Join(buf, "\n")
		if st, _ := session.IsComplete(code); st == "incomplete" {
			continue
		}
		buf = nil
		r.execute(code)
	}
	if len(buf) > 0 {
		r.execute(strings.Join(buf, "\n"))
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if r.failed {
		return errors.New("a cell failed")
	}
	return nil
}

// command runs a :command; done reports that line was one, quit that the REPL should end.
func (r *repl) command(line string) (done, quit bool) {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, ":") {
		return false, false
	}
	f := strings.Fields(t)
	switch f[0] {
	case ":help", ":h", ":?":
		fmt.Fprintln(r.cfg.Out, session.Banner())
		io.WriteString(r.cfg.Out, help+"\n")
		fmt.Fprintln(r.cfg.Out, "\nKnown limits of the interpreter:")
		for _, l := range session.KnownLimits() {
			fmt.Fprintln(r.cfg.Out, "  - "+l)
		}
	case ":reset":
		if err := r.newSession(); err != nil {
			fmt.Fprintln(r.cfg.Err, "reset:", err)
		} else {
			fmt.Fprintln(r.cfg.Out, "(fresh interpreter)")
		}
	case ":doc":
		if len(f) < 2 {
			fmt.Fprintln(r.cfg.Err, "usage: :doc NAME")
			break
		}
		name := f[1]
		if d, ok := r.s.Inspect(name, utf8.RuneCountInString(name), 1); ok {
			fmt.Fprintln(r.cfg.Out, d["text/plain"])
		} else {
			fmt.Fprintln(r.cfg.Err, "no documentation for", name)
		}
	case ":time", ":timeit", ":get":
		// The notebook's magic, with the REPL's colon.
		r.execute("%" + strings.TrimPrefix(strings.TrimSpace(line), ":"))
	case ":quit", ":q", ":exit":
		return true, true
	default:
		fmt.Fprintf(r.cfg.Err, "unknown command %s (:help lists them)\n", f[0])
	}
	return true, false
}

// execute runs one cell, interruptible by Ctrl-C.
func (r *repl) execute(code string) {
	if strings.TrimSpace(code) == "" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.running = cancel
	r.mu.Unlock()
	res, err := r.s.Execute(ctx, code, r.term)
	r.mu.Lock()
	r.running = nil
	r.mu.Unlock()
	cancel()
	r.term.EndCell()
	if err != nil {
		r.failed = true
		var e *session.Error
		if errors.As(err, &e) {
			r.term.Error(e)
		} else {
			fmt.Fprintln(r.cfg.Err, err)
		}
		return
	}
	r.term.Result(res)
}

// interactive is the raw-mode line editor loop.
func (r *repl) interactive() error {
	fd := r.cfg.TerminalFD
	in := &ctrlCReader{r: r.cfg.In}
	hist := newFileHistory(r.cfg.HistoryFile)
	var pending []string
	// newTerm makes a line editor; a fresh one after Ctrl-C, as x/term keeps the aborted line's state.
	newTerm := func() *term.Terminal {
		t := term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{in, r.cfg.Out}, "go> ")
		t.History = hist
		if w, h, err := term.GetSize(fd); err == nil {
			t.SetSize(w, h)
		}
		t.AutoCompleteCallback = func(line string, pos int, key rune) (string, int, bool) {
			if key != '\t' {
				return "", 0, false
			}
			return r.completeLine(t, pending, line, pos)
		}
		return t
	}
	t := newTerm()
	fmt.Fprintln(r.cfg.Out, session.Banner())
	fmt.Fprintln(r.cfg.Out, "Type :help for help, Ctrl-D to leave.")
	for {
		state, err := term.MakeRaw(fd)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			t.SetPrompt("go> ")
		} else {
			t.SetPrompt("... ")
		}
		line, err := t.ReadLine()
		term.Restore(fd, state)
		if err == io.EOF && in.takeCtrlC() {
			fmt.Fprintln(r.cfg.Out, "^C")
			pending = nil
			t = newTerm()
			continue
		}
		if err != nil {
			if err == io.EOF {
				fmt.Fprintln(r.cfg.Out)
				return nil
			}
			return err
		}
		if len(pending) == 0 {
			if done, quit := r.command(line); quit {
				return nil
			} else if done {
				continue
			}
		}
		pending = append(pending, line)
		code := strings.Join(pending, "\n")
		if st, _ := session.IsComplete(code); st == "incomplete" {
			continue
		}
		pending = nil
		r.execute(code)
	}
}

// completeLine handles Tab: one match is inserted, several are listed (and their common prefix
// inserted).
func (r *repl) completeLine(t *term.Terminal, pending []string, line string, pos int) (string, int, bool) {
	prior := ""
	if len(pending) > 0 {
		prior = strings.Join(pending, "\n") + "\n"
	}
	code := prior + line
	cursor := utf8.RuneCountInString(prior + line[:pos])
	matches, start, end := r.s.Complete(code, cursor)
	if len(matches) == 0 {
		return "", 0, false
	}
	// start/end are code points in code; convert to byte offsets in line
	priorRunes := utf8.RuneCountInString(prior)
	bs, be := runeOffset(line, start-priorRunes), runeOffset(line, end-priorRunes)
	if bs < 0 {
		return "", 0, false
	}
	insert := matches[0]
	if len(matches) > 1 {
		insert = commonPrefix(matches)
		if insert == line[bs:be] {
			fmt.Fprintln(t, strings.Join(matches, "  "))
			return "", 0, false
		}
	}
	newLine := line[:bs] + insert + line[be:]
	return newLine, bs + len(insert), true
}

func runeOffset(s string, n int) int {
	if n < 0 {
		return -1
	}
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

func commonPrefix(xs []string) string {
	p := xs[0]
	for _, x := range xs[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// ctrlCReader notes a Ctrl-C byte in the input: x/term reports it as io.EOF, like Ctrl-D, and the REPL
// must tell them apart.
type ctrlCReader struct {
	r     io.Reader
	mu    sync.Mutex
	ctrlC bool
}

func (c *ctrlCReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for _, b := range p[:n] {
		if b == 3 {
			c.mu.Lock()
			c.ctrlC = true
			c.mu.Unlock()
		}
	}
	return n, err
}

func (c *ctrlCReader) takeCtrlC() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.ctrlC
	c.ctrlC = false
	return v
}

// fileHistory is an x/term History kept in a file (one entry per line, newest last, at most 1000).
type fileHistory struct {
	path    string
	entries []string // oldest first
}

const maxHistory = 1000

func newFileHistory(path string) *fileHistory {
	h := &fileHistory{path: path}
	if path == "" {
		return h
	}
	if b, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" {
				h.entries = append(h.entries, l)
			}
		}
		if len(h.entries) > maxHistory {
			h.entries = h.entries[len(h.entries)-maxHistory:]
		}
	}
	return h
}

// Add records an entry and appends it to the file.
func (h *fileHistory) Add(e string) {
	if strings.TrimSpace(e) == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == e) {
		return
	}
	h.entries = append(h.entries, e)
	if len(h.entries) > maxHistory {
		h.entries = h.entries[1:]
	}
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, e)
	f.Close()
}

// Len is the number of entries.
func (h *fileHistory) Len() int { return len(h.entries) }

// At returns entry i, 0 being the newest.
func (h *fileHistory) At(i int) string { return h.entries[len(h.entries)-1-i] }
