package jupyter

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// BenchmarkExecuteRoundTrip measures execute_request for `1+1` over real sockets: from sending the request
// to receiving iopub idle (all outputs, the execute_reply included). Reports the median in ms.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	ci := testConnInfo(b, "127.0.0.1", randomKey())
	k, err := New(ci, Options{newInterp: newTestInterp})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	c := newTestClient(b, ci)
	c.waitReady()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		req, rep := c.request(c.shell, "execute_request", map[string]any{"code": "1+1"})
		c.outputs(req.Header.MsgID, 10*time.Second)
		ds = append(ds, time.Since(start))
		if contentOf(rep)["status"] != "ok" {
			b.Fatal(contentOf(rep))
		}
		c.mu.Lock()
		c.iopubMs = c.iopubMs[:0]
		c.mu.Unlock()
	}
	b.StopTimer()
	b.ReportMetric(float64(median(ds).Microseconds())/1000, "ms-median")
}

// BenchmarkStartupToKernelInfo measures the time from starting a kernel process to its first
// kernel_info_reply on shell. Reports the median in ms.
func BenchmarkStartupToKernelInfo(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	ds := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ci := testConnInfo(b, "127.0.0.1", randomKey())
		js, _ := json.Marshal(ci)
		file := filepath.Join(b.TempDir(), "conn.json")
		os.WriteFile(file, js, 0o600)
		cmd := exec.Command(exe, "kernel", "-f", file, "--quiet")
		cmd.Env = append(os.Environ(), "NOTMAGIC_KERNEL_CHILD=1")
		ctx, cancel := context.WithCancel(context.Background())
		shell := zmq4.NewDealer(ctx, zmq4.WithDialerRetry(time.Millisecond), zmq4.WithDialerMaxRetries(-1))
		c := &testClient{t: b, ci: ci, signer: NewSigner([]byte(ci.Key)), session: newID(), ctx: ctx, cancel: cancel, shell: shell}
		b.StartTimer()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := shell.Dial(ci.Endpoint(ci.ShellPort)); err != nil {
			b.Fatal(err)
		}
		c.sendOn(shell, c.message("kernel_info_request", map[string]any{}))
		if r := c.recvOn(shell, 30*time.Second); r.Header.MsgType != "kernel_info_reply" {
			b.Fatal(r.Header.MsgType)
		}
		ds = append(ds, time.Since(start))
		b.StopTimer()
		cancel()
		shell.Close()
		cmd.Process.Kill()
		cmd.Wait()
		b.StartTimer()
	}
	b.ReportMetric(float64(median(ds).Microseconds())/1000, "ms-median")
}
