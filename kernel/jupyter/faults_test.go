package jupyter

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startChildKernel runs the kernel as a separate process (this test binary in kernel mode) on loopback
// and returns its connection info and process.
func startChildKernel(t testing.TB) (*ConnectionInfo, *exec.Cmd) {
	t.Helper()
	ci := testConnInfo(t, "127.0.0.1", randomKey())
	b, _ := json.Marshal(ci)
	file := filepath.Join(t.TempDir(), "kernel.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "kernel", "-f", file, "--quiet")
	cmd.Env = append(os.Environ(), "NOTMAGIC_KERNEL_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return ci, cmd
}

// rssKiB reads the resident set size of a process (Linux; skips elsewhere).
func rssKiB(t testing.TB, pid int) int {
	b, err := processRSS(pid)
	if err != nil {
		t.Skipf("no resident set size: %v", err)
	}
	return int(b / 1024)
}

// TestThousandExecutesNoGrowth runs 1,000 cells in a row in a kernel process, after 1,000 that let the
// interpreter's caches and the Go heap settle, and reports its RSS before and after; growth beyond 16 MiB
// (16 KiB a cell) fails. (The history of executed cells, ~300 bytes a cell, is kept by design.)
func TestThousandExecutesNoGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("long test skipped in -short mode")
	}
	ci, cmd := startChildKernel(t)
	c := newTestClient(t, ci)
	c.waitReady()
	cells := []string{"1+1", `fmt.Println("tick")`, "v := 3\nv * v"}
	run := func(n int) {
		for i := 0; i < n; i++ {
			req, rep := c.request(c.shell, "execute_request", map[string]any{"code": cells[i%len(cells)], "silent": false})
			if s := contentOf(rep)["status"]; s != "ok" {
				t.Fatalf("cell %d failed: %v", contentOf(rep)["execution_count"], contentOf(rep))
			}
			c.outputs(req.Header.MsgID, 10*time.Second)
			c.mu.Lock()
			c.iopubMs = c.iopubMs[:0] // the client keeps nothing
			c.mu.Unlock()
		}
	}
	start := rssKiB(t, cmd.Process.Pid)
	run(1000) // the interpreter's caches and the Go heap settle
	before := rssKiB(t, cmd.Process.Pid)
	t0 := time.Now()
	run(1000)
	after := rssKiB(t, cmd.Process.Pid)
	t.Logf("kernel RSS: %.1f MiB at start, %.1f MiB after 1000 executes, %.1f MiB after 1000 more (%v; growth %+.1f MiB)",
		float64(start)/1024, float64(before)/1024, float64(after)/1024, time.Since(t0).Round(time.Millisecond),
		float64(after-before)/1024)
	if after-before > 16<<10 {
		t.Errorf("RSS grew by %d KiB over 1000 executes", after-before)
	}
}

// TestTenMegabytePrint prints 10 MiB in one cell: it must arrive whole on iopub, and the kernel must
// keep answering control and heartbeat meanwhile.
func TestTenMegabytePrint(t *testing.T) {
	if testing.Short() {
		t.Skip("long test skipped in -short mode")
	}
	_, c, _ := startKernel(t)
	const n = 10 << 20
	start := time.Now()
	req := c.message("execute_request", map[string]any{"code": `fmt.Print(strings.Repeat("x", 10<<20))` + "\n" + `fmt.Print("END")`})
	c.sendOn(c.shell, req)
	_, rep := c.request(c.control, "kernel_info_request", map[string]any{})
	if rep.Header.MsgType != "kernel_info_reply" {
		t.Fatal("control did not answer during the big print")
	}
	r := c.recvOn(c.shell, 60*time.Second)
	if contentOf(r)["status"] != "ok" {
		t.Fatalf("reply %v", contentOf(r))
	}
	ms := c.outputs(req.Header.MsgID, 60*time.Second)
	took := time.Since(start)
	out := streamText(ms, "stdout")
	msgs := 0
	for _, m := range ms {
		if m.Header.MsgType == "stream" {
			msgs++
		}
	}
	t.Logf("10 MiB print arrived in %v as %d stream messages", took.Round(time.Millisecond), msgs)
	if len(out) != n+3 || strings.Count(out, "x") != n || !strings.HasSuffix(out, "END") {
		t.Fatalf("got %d bytes (%d x), want %d x then END", len(out), strings.Count(out, "x"), n)
	}
	if took > 30*time.Second {
		t.Errorf("the 10 MiB print took %v", took)
	}
	if rep, _ := c.execute("1+1", nil); rep["status"] != "ok" {
		t.Errorf("next cell: %v", rep)
	}
}
