package jupyter

import (
	"bytes"
	"log"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestInterp is the interpreter the tests run: the real kernel/session.
func newTestInterp() (interpreter, error) { return newSession() }

// startKernel starts an in-process kernel on loopback with a fresh key and a connected, ready client.
func startKernel(t *testing.T) (*Kernel, *testClient, *syncBuffer) {
	t.Helper()
	ci := testConnInfo(t, "127.0.0.1", randomKey())
	logs := &syncBuffer{}
	k, err := New(ci, Options{Log: log.New(logs, "", 0), newInterp: newTestInterp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k.Close()
		if t.Failed() {
			t.Logf("kernel log:\n%s", logs.String())
		}
	})
	c := newTestClient(t, ci)
	c.waitReady()
	return k, c, logs
}

func TestKernelInfo(t *testing.T) {
	_, c, _ := startKernel(t)
	for _, sock := range []struct {
		name string
		s    interface{}
	}{{"shell", c.shell}, {"control", c.control}} {
		s := c.shell
		if sock.name == "control" {
			s = c.control
		}
		req, rep := c.request(s, "kernel_info_request", map[string]any{})
		if rep.Header.MsgType != "kernel_info_reply" {
			t.Fatalf("%s: got %s", sock.name, rep.Header.MsgType)
		}
		ci := contentOf(rep)
		li, _ := ci["language_info"].(map[string]any)
		if ci["protocol_version"] != "5.4" || ci["implementation"] != "notmagic" || li["name"] != "go" ||
			li["mimetype"] != "text/x-go" || li["file_extension"] != ".go" || li["codemirror_mode"] != "go" ||
			li["pygments_lexer"] != "go" || ci["status"] != "ok" {
			t.Errorf("%s: kernel_info_reply = %v", sock.name, ci)
		}
		if v, _ := li["version"].(string); v == "" || strings.HasPrefix(v, "go") {
			t.Errorf("language version %q", v)
		}
		got := types(c.outputs(req.Header.MsgID, 5*time.Second))
		if strings.Join(got, ",") != "status:busy,status:idle" {
			t.Errorf("%s: iopub %v, want busy, idle", sock.name, got)
		}
	}
}
