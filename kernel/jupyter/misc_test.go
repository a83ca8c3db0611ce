package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/notmagic/notmagic/kernel/session"
)

func TestHistoryFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "history.jsonl")
	h, err := openHistory(file)
	if err != nil {
		t.Fatal(err)
	}
	h.add(1, "a := 1", "")
	h.add(2, "a + 1", "2")
	h.close()
	os.WriteFile(file+".tmp", nil, 0o600)
	f, _ := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("not json\n")
	f.Close()

	h2, err := openHistory(file)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.close()
	if h2.current != 2 {
		t.Fatalf("second kernel is session %d, want 2", h2.current)
	}
	h2.add(1, "b := 2", "")
	n := 10
	all := h2.query(historyRequest{HistAccessType: "tail", N: &n})
	if len(all) != 3 || all[0][0] != 1 || all[2][0] != 2 {
		t.Errorf("tail across sessions %v", all)
	}
	prev := h2.query(historyRequest{HistAccessType: "range", Session: -1, Start: 1, Output: true})
	if len(prev) != 2 || prev[1][2].([]any)[1] != "2" {
		t.Errorf("range of the previous session %v", prev)
	}
	cur := h2.query(historyRequest{HistAccessType: "range", Session: 0, Start: 1})
	if len(cur) != 1 || cur[0][2] != "b := 2" {
		t.Errorf("range of this session %v", cur)
	}
	if _, err := openHistory(filepath.Join(t.TempDir(), "no", "such", "dir", "h")); err == nil {
		t.Error("unwritable history file: no error")
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true}, {"*", "a\nb", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a?c", "abc", true},
		{"a?c", "ac", false}, {"*hello*", "fmt.Println(\"hello\")", true}, {"x*y", "xay/b", false}, {"x*y", "xa/by", true},
		{"", "", true}, {"", "a", false}, {"**a", "ba", true}, {"é?", "éü", true},
	} {
		if got := globMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

// TestPortTaken checks that a port already taken is a clear error, not a hang.
func TestPortTaken(t *testing.T) {
	ci := testConnInfo(t, "127.0.0.1", "k")
	k, err := New(ci, Options{newInterp: newTestInterp})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if _, err := New(ci, Options{newInterp: newTestInterp}); err == nil || !strings.Contains(err.Error(), "socket") {
		t.Errorf("second kernel on the same ports: %v", err)
	}
}

// TestIPCTransport runs the kernel over ipc:// sockets.
func TestIPCTransport(t *testing.T) {
	dir, err := os.MkdirTemp("", "nm-ipc") // short path: unix socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ci := &ConnectionInfo{Transport: "ipc", IP: filepath.Join(dir, "k"), ShellPort: 1, ControlPort: 2, StdinPort: 3,
		IOPubPort: 4, HBPort: 5, Key: randomKey(), SignatureScheme: "hmac-sha256"}
	k, err := New(ci, Options{Log: log.New(&syncBuffer{}, "", 0), newInterp: newTestInterp})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if _, err := os.Stat(filepath.Join(dir, "k-1")); err != nil {
		t.Errorf("no ipc socket file: %v", err)
	}
	c := newTestClient(t, ci)
	c.waitReady()
	if rep, ms := c.execute(`fmt.Println("over ipc")`, nil); rep["status"] != "ok" || streamText(ms, "stdout") != "over ipc\n" {
		t.Errorf("execute over ipc: %v %v", rep, types(ms))
	}
}

// TestSIGINTAndShutdownWhileBusy runs the kernel as its own process: SIGINT interrupts a `for {}` cell
// like an interrupt_request, and a shutdown_request while a cell runs ends the process cleanly.
func TestSIGINTAndShutdownWhileBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	ci, cmd := startChildKernel(t)
	c := newTestClient(t, ci)
	c.waitReady()
	req := c.message("execute_request", map[string]any{"code": "for {}"})
	c.sendOn(c.shell, req)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rep := c.recvOn(c.shell, 10*time.Second)
	if r := contentOf(rep); r["status"] != "error" || r["ename"] != "Interrupted" {
		t.Errorf("SIGINT: reply %v", r)
	}
	t.Logf("SIGINT stopped for {} in %v", time.Since(start).Round(time.Millisecond))
	if r, _ := c.execute("1+1", nil); r["status"] != "ok" {
		t.Errorf("after SIGINT: %v", r)
	}
	// Shutdown while busy.
	c.sendOn(c.shell, c.message("execute_request", map[string]any{"code": "for {}"}))
	time.Sleep(300 * time.Millisecond)
	_, sd := c.request(c.control, "shutdown_request", map[string]any{"restart": false})
	if contentOf(sd)["status"] != "ok" {
		t.Errorf("shutdown_reply %v", contentOf(sd))
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("kernel exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kernel did not exit after shutdown_request")
	}
}

func TestKernelInfoContent(t *testing.T) {
	ki := kernelInfo()
	b, err := json.Marshal(ki)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"protocol_version":"5.4"`, `"banner":"`, `"help_links":[{`, `"implementation":"notmagic"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("kernel_info lacks %s: %s", want, b)
		}
	}
}

// faultyInterp wraps the real session and panics on request, to check that a failing handler is
// answered with an error while the kernel keeps serving.
type faultyInterp struct{ interpreter }

func (f faultyInterp) Complete(code string, cursor int) ([]string, int, int) {
	if code == "panic please" {
		panic("injected fault")
	}
	return f.interpreter.Complete(code, cursor)
}

func TestHandlerPanicAnswered(t *testing.T) {
	ci := testConnInfo(t, "127.0.0.1", randomKey())
	logs := &syncBuffer{}
	k, err := New(ci, Options{Log: log.New(logs, "", 0), newInterp: func() (interpreter, error) {
		in, err := newTestInterp()
		return faultyInterp{in}, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	c := newTestClient(t, ci)
	c.waitReady()
	req, rep := c.request(c.shell, "complete_request", map[string]any{"code": "panic please", "cursor_pos": 3})
	if r := contentOf(rep); rep.Header.MsgType != "complete_reply" || r["status"] != "error" || r["ename"] != "InternalError" {
		t.Errorf("got %s %v", rep.Header.MsgType, r)
	}
	if got := types(c.outputs(req.Header.MsgID, 5*time.Second)); got[len(got)-1] != "status:idle" {
		t.Errorf("iopub %v", got)
	}
	if !strings.Contains(logs.String(), "injected fault") {
		t.Errorf("panic not logged: %s", logs.String())
	}
	if r, _ := c.execute("1+1", nil); r["status"] != "ok" {
		t.Errorf("after a handler panic: %v", r)
	}
	// A panic inside the session's Execute becomes the cell's error.
	res, cerr := runCell(context.Background(), &session.Session{}, "cell", "1+1", discardOutput{})
	if res != nil || cerr == nil || cerr.Name != "InternalError" {
		t.Errorf("nil session: %v %+v", res, cerr)
	}
}

// TestKernelInfoBeforeInterpreter checks that kernel_info answers while the interpreter session is
// still being built, and that a cell sent meanwhile waits for it and runs.
func TestKernelInfoBeforeInterpreter(t *testing.T) {
	ci := testConnInfo(t, "127.0.0.1", randomKey())
	release := make(chan struct{})
	k, err := New(ci, Options{Log: log.New(&syncBuffer{}, "", 0), newInterp: func() (interpreter, error) {
		<-release
		return newTestInterp()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	c := newTestClient(t, ci)
	c.waitReady()
	select {
	case <-k.ready:
		t.Fatal("the interpreter was built before it was released")
	default:
	}
	done := make(chan map[string]any)
	go func() {
		r, _ := c.execute("1+1", nil)
		done <- r
	}()
	select {
	case r := <-done:
		t.Fatalf("the cell answered before the interpreter existed: %v", r)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if r := <-done; r["status"] != "ok" {
		t.Errorf("cell after the interpreter was built: %v", r)
	}
}

// TestInterpreterFailure checks that a kernel whose interpreter cannot be built stops by itself and
// says why.
func TestInterpreterFailure(t *testing.T) {
	ci := testConnInfo(t, "127.0.0.1", randomKey())
	k, err := New(ci, Options{Log: log.New(&syncBuffer{}, "", 0), newInterp: func() (interpreter, error) {
		return nil, errors.New("no symbols today")
	}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { k.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the kernel did not stop")
	}
	if err := k.Err(); err == nil || !strings.Contains(err.Error(), "no symbols today") {
		t.Errorf("Err() = %v", err)
	}
	if _, err := k.interpreter(); err == nil || !strings.Contains(err.Error(), "the interpreter did not start: no symbols today") {
		t.Errorf("interpreter() error = %v", err)
	}
}
