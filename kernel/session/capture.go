package session

import (
	"bytes"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"
)

// The platform part of capture lives in capture_unix.go, capture_windows.go and capture_other.go:
//
//	redirectStd(fd, w) points standard output (fd 1) or error (fd 2) at the pipe writer w, taking
//	    ownership of w, and returns the function that points it back;
//	pendingBytes(r) counts the bytes waiting in the pipe r (-1 where the platform cannot tell);
//	stdFile(fd) is the file that standard output or error writes to now, redirected or not;
//	dupStderr() is a file on the process's standard error that stays there through redirections;
//	captureLimits says what the platform's capture misses ("" where it misses nothing).

// captureMu serialises fd redirection across sessions in one process.
var captureMu sync.Mutex

var (
	stderrOnce sync.Once
	origStderr io.Writer
)

// OriginalStderr returns a writer on the process's standard error as it was before any cell ran: what
// it writes goes to the terminal or log even while a cell's output is captured. The first call (or the
// first captured cell) also makes the runtime print fatal errors there, so that a crash inside a
// captured cell (an unrecovered panic in a goroutine of compiled code, say) reaches the kernel's log.
func OriginalStderr() io.Writer {
	stderrOnce.Do(func() {
		f, err := dupStderr()
		if err != nil {
			origStderr = os.Stderr
			return
		}
		origStderr = f
		debug.SetCrashOutput(f, debug.CrashOptions{})
	})
	return origStderr
}

// CaptureLimits says, in one line, what output of compiled code a notebook cell cannot show on this
// platform (it reaches the kernel's standard error instead), or "" where every write is captured.
func CaptureLimits() string { return captureLimits }

// capture redirects standard output and error into pipes while a cell runs, so that output written by
// compiled code (which bypasses the interpreter's writers) reaches the cell's Output. What arrives is
// forwarded promptly (every ~20ms, or at once past 256 KiB), split only at UTF-8 boundaries.
type capture struct {
	out     Output
	streams [2]*stream
	emitMu  sync.Mutex // keeps forwarded chunks in order across the two streams and sync
}

type stream struct {
	c      *capture
	name   string
	undo   func() // points the redirected descriptor back
	r      *os.File
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	read   int64 // bytes read from the pipe so far
	eof    bool
	done   chan struct{}
	closed chan struct{}
}

func startCapture(out Output) (*capture, error) {
	OriginalStderr()
	captureMu.Lock()
	c := &capture{out: out}
	for i, name := range []string{"stdout", "stderr"} {
		r, w, err := os.Pipe()
		if err != nil {
			c.restore(i)
			captureMu.Unlock()
			return nil, err
		}
		undo, err := redirectStd(i+1, w)
		if err != nil {
			r.Close()
			c.restore(i)
			captureMu.Unlock()
			return nil, err
		}
		st := &stream{c: c, name: name, undo: undo, r: r, done: make(chan struct{}), closed: make(chan struct{})}
		st.cond = sync.NewCond(&st.mu)
		c.streams[i] = st
		go st.readLoop()
		go st.flushLoop()
	}
	return c, nil
}

// restore puts back the first n redirected descriptors.
func (c *capture) restore(n int) {
	for i := 0; i < n; i++ {
		if st := c.streams[i]; st != nil {
			st.undo()
		}
	}
}

// stop restores the descriptors and forwards everything written before.
func (c *capture) stop() {
	stdFile(1).Sync()
	c.restore(2)
	captureMu.Unlock()
	for _, st := range c.streams {
		// Once the descriptors are restored the pipe's writers are gone, unless a child process kept
		// one: then stop waiting after a moment.
		st.r.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	}
	for _, st := range c.streams {
		<-st.closed
		close(st.done)
	}
	for _, st := range c.streams {
		st.forward(true)
		st.r.Close()
	}
}

func (st *stream) readLoop() {
	defer close(st.closed)
	b := make([]byte, 64<<10)
	for {
		n, err := st.r.Read(b)
		st.mu.Lock()
		if n > 0 {
			st.buf = append(st.buf, b[:n]...)
			st.read += int64(n)
		}
		if err != nil {
			st.eof = true
		}
		st.cond.Broadcast()
		st.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (st *stream) flushLoop() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-st.done:
			return
		case <-t.C:
			st.forward(false)
		}
	}
}

// forward emits the buffered bytes (all of them when final, else up to the last complete rune).
func (st *stream) forward(final bool) {
	st.c.emitMu.Lock()
	defer st.c.emitMu.Unlock()
	st.mu.Lock()
	b := st.buf
	cut := len(b)
	if !final {
		cut = completeRunes(b)
	}
	out := string(b[:cut])
	st.buf = append([]byte(nil), b[cut:]...)
	st.mu.Unlock()
	if out != "" {
		st.c.out.Stream(st.name, out)
	}
}

// sync forwards everything written to the descriptors so far: it waits until the reader has taken
// what the pipe holds now, then emits it.
func (c *capture) sync() {
	for _, st := range c.streams {
		pending := pendingBytes(st.r)
		st.mu.Lock()
		deadline := time.Now().Add(time.Second)
		if pending < 0 { // the platform cannot tell: give the reader a moment
			pending, deadline = 1<<62, time.Now().Add(5*time.Millisecond)
		}
		target := st.read + int64(pending)
		for st.read < target && !st.eof && time.Now().Before(deadline) {
			st.mu.Unlock()
			time.Sleep(200 * time.Microsecond)
			st.mu.Lock()
		}
		st.mu.Unlock()
		st.forward(false)
	}
}

// completeRunes returns the length of the longest prefix of b that does not end inside a UTF-8 sequence.
func completeRunes(b []byte) int {
	n := len(b)
	for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			return n
		}
	}
	return n
}

// fdWriter writes to standard output (fd 1) or error (fd 2) as the process sees it now (redirected or not).
type fdWriter struct{ fd int }

func (w fdWriter) Write(p []byte) (int, error) { return stdFile(w.fd).Write(p) }

// lineFilter passes text through to w, except whole lines that match, which go to onMatch.
type lineFilter struct {
	mu      sync.Mutex
	match   func(line string) bool
	onMatch func(line string)
	w       interface{ Write([]byte) (int, error) }
	partial []byte
}

func (f *lineFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			break
		}
		line := f.partial[:i+1]
		if f.match(string(line[:i])) {
			f.onMatch(string(line[:i]))
		} else if _, err := f.w.Write(line); err != nil {
			f.partial = f.partial[i+1:]
			return len(p), err
		}
		f.partial = f.partial[i+1:]
	}
	// Text without a newline that cannot be a panic line is passed on at once.
	if len(f.partial) > 0 && !f.match(string(f.partial)) && !(f.partial[0] >= '0' && f.partial[0] <= '9') {
		f.w.Write(f.partial)
		f.partial = nil
	}
	return len(p), nil
}
