package session

import (
	"bytes"
	"os"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// captureMu serialises fd redirection across sessions in one process.
var captureMu sync.Mutex

var crashOnce sync.Once

// keepCrashOutput makes the runtime print fatal errors (an unrecovered panic in a goroutine of compiled
// code, say) to the process's original standard error too, so they reach the kernel's log even when
// they happen while fd 2 is redirected into a cell.
func keepCrashOutput() {
	crashOnce.Do(func() {
		fd, err := unix.Dup(2)
		if err != nil {
			return
		}
		f := os.NewFile(uintptr(fd), "/dev/stderr (original)")
		if debug.SetCrashOutput(f, debug.CrashOptions{}) != nil {
			f.Close()
		}
	})
}

// capture redirects file descriptors 1 and 2 into pipes while a cell runs, so that output written by
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
	fd     int
	saved  int
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
	keepCrashOutput()
	captureMu.Lock()
	c := &capture{out: out}
	for i, name := range []string{"stdout", "stderr"} {
		fd := i + 1
		r, w, err := os.Pipe()
		if err != nil {
			c.restore(i)
			captureMu.Unlock()
			return nil, err
		}
		saved, err := unix.Dup(fd)
		if err == nil {
			err = unix.Dup2(int(w.Fd()), fd)
		}
		w.Close()
		if err != nil {
			r.Close()
			if saved >= 0 {
				unix.Close(saved)
			}
			c.restore(i)
			captureMu.Unlock()
			return nil, err
		}
		st := &stream{c: c, name: name, fd: fd, saved: saved, r: r, done: make(chan struct{}), closed: make(chan struct{})}
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
			unix.Dup2(st.saved, st.fd)
			unix.Close(st.saved)
		}
	}
}

// stop restores the descriptors and forwards everything written before.
func (c *capture) stop() {
	os.Stdout.Sync()
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
		var pending int
		if rc, err := st.r.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { pending, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
		}
		st.mu.Lock()
		target := st.read + int64(pending)
		deadline := time.Now().Add(time.Second)
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

// Files on descriptors 1 and 2 themselves (os.Stdout may be reassigned by a program embedding the
// session; cells' interpreted prints still go to the descriptors, where capture finds them).
// They are package variables so that they are never finalized (which would close the descriptors).
var fdFiles = [3]*os.File{nil, os.NewFile(1, "fd1"), os.NewFile(2, "fd2")}

// fdWriter writes to file descriptor 1 or 2 as the process sees it now (redirected or not).
type fdWriter struct{ fd int }

func (w fdWriter) Write(p []byte) (int, error) { return fdFiles[w.fd].Write(p) }

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
