package repl

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pty:", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skip("unlockpt:", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skip("ptsname:", err)
	}
	s, err := os.OpenFile("/dev/pts/"+itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("open slave:", err)
	}
	unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120})
	return m, s
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// screen collects what the REPL writes to the terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}
func (s *screen) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.buf.String() }

// waitFor waits until the screen shows want after position from, returning the new position.
func (s *screen) waitFor(t *testing.T, from int, want string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out := s.String()
		if i := strings.Index(out[from:], want); i >= 0 {
			return from + i + len(want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("screen never showed %q; after %d it has:\n%q", want, from, s.String()[from:])
	return 0
}

// TestTerminal drives `notmagic repl` through a real pseudo-terminal: line editing, a multi-line cell,
// Tab completion, Ctrl-C interrupting `for {}`, persistent history and Ctrl-D.
func TestTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "notmagic")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/notmagic/notmagic").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	master, slave := openPTY(t)
	defer master.Close()
	hist := filepath.Join(t.TempDir(), "history")
	cmd := exec.Command(bin, "repl", "--history", hist, "--out", t.TempDir())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	scr := &screen{}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			scr.Write(b[:n])
			if err != nil {
				return
			}
		}
	}()
	send := func(s string) { master.Write([]byte(s)) }
	pos := scr.waitFor(t, 0, "go> ")
	send("x := 21\r")
	pos = scr.waitFor(t, pos, "go> ")
	send("func twice(v int) int {\r")
	pos = scr.waitFor(t, pos, "... ")
	send("return 2 * v\r}\r")
	pos = scr.waitFor(t, pos, "go> ")
	send("twice(x)\r")
	pos = scr.waitFor(t, pos, "42")
	send("nn.ZerosL\t")
	pos = scr.waitFor(t, pos, "nn.ZerosLike")
	send("(nn.Ones(2, 2)).Shape()\r")
	pos = scr.waitFor(t, pos, "[2 2]")
	send("for {}\r")
	// Press Ctrl-C until the cell reports the interrupt (a press that lands before the cell starts,
	// while the line editor still owns the terminal, is not a signal; a loaded machine makes that likely).
	for i := 0; i < 40 && !strings.Contains(scr.String()[pos:], "Interrupted"); i++ {
		time.Sleep(500 * time.Millisecond)
		send("\x03")
	}
	pos = scr.waitFor(t, pos, "Interrupted")
	time.Sleep(time.Second) // let a last Ctrl-C press land
	send("x + 1\r")
	pos = scr.waitFor(t, pos, "22")
	send("abc\x03") // Ctrl-C at the prompt clears the input
	pos = scr.waitFor(t, pos, "^C")
	send("\x04")
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if err != nil {
			t.Errorf("repl exited with %v:\n%s", err, scr.String())
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("Ctrl-D did not end the REPL:\n%s", scr.String())
	}
	b, _ := os.ReadFile(hist)
	if !strings.Contains(string(b), "x := 21") || !strings.Contains(string(b), "twice(x)") {
		t.Errorf("history file:\n%s", b)
	}
}
