package jupyter

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-zeromq/zmq4"
)

// BenchCell is one piece of code whose execute round trip Bench times, under a case name that is the
// same for every kernel measured (the code differs: Go for notmagic, Python for ipykernel).
type BenchCell struct {
	Case, Code string
}

// BenchOptions says what Bench measures of one kernel. Every figure goes through real sockets to a
// kernel process started from Argv, with the Jupyter protocol as any frontend speaks it.
type BenchOptions struct {
	Kernel string   // the kernel's name in the results
	Argv   []string // its command line; {connection_file} is replaced by the connection file's path
	Env    []string // added to the environment of the kernel process

	Cells  []BenchCell // each timed Runs times after Warmup untimed runs, from execute_request to iopub idle
	Runs   int
	Warmup int

	Starts int // start-ups timed: from starting the process to its first kernel_info_reply, and then
	// the shutdown: from shutdown_request on control to the process's exit

	// InterruptCode runs until interrupted (a busy loop); it is run Interrupts times, and each time
	// interrupted with interrupt_request on control once it runs: timed from the request to the cell's
	// reply and idle status.
	InterruptCode string
	Interrupts    int

	SoakCode   string // run SoakWarmup times, then Soak times, with the kernel's RSS read before and after
	SoakWarmup int
	Soak       int

	Timeout time.Duration // for each reply; 0 means 30 s
}

// BenchResult is one measured figure, printed as a JSON line by `notmagic bench kernel`.
type BenchResult struct {
	Kernel string `json:"kernel"`
	// Frontend is what measured it: "bench" (Bench's own, in Go) or "jupyter_client" (BenchJupyterClient).
	Frontend string  `json:"frontend"`
	Case     string  `json:"case"`
	N        int     `json:"n"`
	MedianMs float64 `json:"median_ms,omitempty"`
	P95Ms    float64 `json:"p95_ms,omitempty"`
	// The soak's figures: the kernel's resident set (the median over the first and over the last tenth
	// of the soak's cells, and the largest), and the growth from the one median to the other.
	RSSBeforeMB float64 `json:"rss_before_mb,omitempty"`
	RSSAfterMB  float64 `json:"rss_after_mb,omitempty"`
	RSSPeakMB   float64 `json:"rss_peak_mb,omitempty"`
	GrowthPct   float64 `json:"growth_pct,omitempty"`
}

// Bench measures one kernel as o says and calls emit with each result as soon as it is known: the
// start-up time, then each cell's round trip, then the soak. It returns the first error (a kernel
// that does not start, a cell that fails, a reply that does not come).
func Bench(ctx context.Context, o BenchOptions, emit func(BenchResult)) error {
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Starts > 0 {
		starts, stops := make([]time.Duration, 0, o.Starts), make([]time.Duration, 0, o.Starts)
		for range o.Starts {
			start, stop, err := timeStart(ctx, o)
			if err != nil {
				return err
			}
			starts, stops = append(starts, start), append(stops, stop)
		}
		emit(summarize(o.Kernel, "start", starts))
		emit(summarize(o.Kernel, "shutdown", stops))
	}
	if len(o.Cells) == 0 && o.Soak == 0 && o.Interrupts == 0 {
		return nil
	}
	k, err := startBenchKernel(ctx, o)
	if err != nil {
		return err
	}
	defer k.stop()
	if err := k.client.waitReady(o.Timeout); err != nil {
		return fmt.Errorf("%s: %w", o.Kernel, err)
	}
	for _, c := range o.Cells {
		ds := make([]time.Duration, 0, o.Runs)
		for i := range o.Warmup + o.Runs {
			d, err := k.client.execute(c.Code, o.Timeout)
			if err != nil {
				return fmt.Errorf("%s, case %s: %w", o.Kernel, c.Case, err)
			}
			if i >= o.Warmup {
				ds = append(ds, d)
			}
		}
		emit(summarize(o.Kernel, c.Case, ds))
	}
	if o.Interrupts > 0 {
		ds := make([]time.Duration, 0, o.Interrupts)
		for range o.Interrupts {
			d, err := k.client.interrupt(o.InterruptCode, o.Timeout)
			if err != nil {
				return fmt.Errorf("%s, interrupt: %w", o.Kernel, err)
			}
			ds = append(ds, d)
		}
		emit(summarize(o.Kernel, "interrupt", ds))
	}
	if o.Soak > 0 {
		for range o.SoakWarmup {
			if _, err := k.client.execute(o.SoakCode, o.Timeout); err != nil {
				return fmt.Errorf("%s, soak: %w", o.Kernel, err)
			}
		}
		// The resident set moves by several MB within a few cells as the heap grows to its next
		// collection and pages go back to the system: it is read after every cell, and the soak's
		// figures are the medians of its first and last tenths.
		rss := make([]float64, 0, o.Soak)
		for range o.Soak {
			if _, err := k.client.execute(o.SoakCode, o.Timeout); err != nil {
				return fmt.Errorf("%s, soak: %w", o.Kernel, err)
			}
			r, err := processRSS(k.cmd.Process.Pid)
			if err != nil {
				return fmt.Errorf("%s, soak: %w", o.Kernel, err)
			}
			rss = append(rss, r)
		}
		w := max(1, len(rss)/10)
		before, after := median(rss[:w]), median(rss[len(rss)-w:])
		mb := func(x float64) float64 { return round3(x / (1 << 20)) }
		emit(BenchResult{Kernel: o.Kernel, Frontend: "bench", Case: "soak", N: o.Soak, RSSBeforeMB: mb(before), RSSAfterMB: mb(after),
			RSSPeakMB: mb(slices.Max(rss)), GrowthPct: round3(100 * (after - before) / before)})
	}
	return nil
}

// summarize returns the median and 95th percentile of ds in milliseconds.
func summarize(kernel, name string, ds []time.Duration) BenchResult {
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return round3(float64(d) / 1e6) }
	p95 := ds[max(0, int(math.Ceil(0.95*float64(len(ds))))-1)]
	return BenchResult{Kernel: kernel, Frontend: "bench", Case: name, N: len(ds), MedianMs: ms(ds[len(ds)/2]), P95Ms: ms(p95)}
}

// median returns the median of xs (the upper one of an even count), leaving xs as it was.
func median[T cmp.Ordered](xs []T) T {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// benchKernel is a kernel process with a connected client.
type benchKernel struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	dir    string
	stderr *bytes.Buffer
	client *benchClient
}

// launch writes a connection file with free ports and starts the kernel of o on it.
func launch(o BenchOptions) (*benchKernel, *ConnectionInfo, error) {
	if len(o.Argv) == 0 {
		return nil, nil, errors.New("no kernel command line")
	}
	ports, err := freeTCPPorts(5)
	if err != nil {
		return nil, nil, err
	}
	ci := &ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: ports[0], ControlPort: ports[1],
		StdinPort: ports[2], IOPubPort: ports[3], HBPort: ports[4], Key: newID(), SignatureScheme: "hmac-sha256"}
	dir, err := os.MkdirTemp("", "notmagic-bench-")
	if err != nil {
		return nil, nil, err
	}
	file := filepath.Join(dir, "kernel.json")
	js, _ := json.Marshal(ci)
	if err := os.WriteFile(file, js, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	argv := make([]string, len(o.Argv))
	for i, a := range o.Argv {
		argv[i] = strings.ReplaceAll(a, "{connection_file}", file)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	newProcessGroup(cmd) // as Jupyter starts kernels: ipykernel's interrupt signals its process group
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), o.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("%s: %w", o.Kernel, err)
	}
	k := &benchKernel{cmd: cmd, exited: make(chan struct{}), dir: dir, stderr: &stderr}
	go func() { cmd.Wait(); close(k.exited) }()
	return k, ci, nil
}

// timeStart times one start-up, from starting the process to the first kernel_info_reply on shell, and
// then its shutdown, from shutdown_request on control to the process's exit.
func timeStart(ctx context.Context, o BenchOptions) (start, stop time.Duration, err error) {
	t0 := time.Now()
	k, ci, err := launch(o)
	if err != nil {
		return 0, 0, err
	}
	defer k.stop()
	if k.client, err = dial(ctx, ci, false, o.Timeout, k.exited); err != nil {
		return 0, 0, k.failure(o.Kernel, err)
	}
	if _, err := k.client.request("kernel_info_request", map[string]any{}, o.Timeout); err != nil {
		return 0, 0, k.failure(o.Kernel, err)
	}
	start = time.Since(t0)
	t1 := time.Now()
	if _, err := k.client.send(k.client.control, "shutdown_request", map[string]any{"restart": false}); err != nil {
		return 0, 0, k.failure(o.Kernel, err)
	}
	select {
	case <-k.exited:
	case <-time.After(o.Timeout):
		return 0, 0, k.failure(o.Kernel, fmt.Errorf("still running %v after shutdown_request", o.Timeout))
	}
	return start, time.Since(t1), nil
}

// startBenchKernel starts the kernel of o with a client on shell, control and iopub.
func startBenchKernel(ctx context.Context, o BenchOptions) (*benchKernel, error) {
	k, ci, err := launch(o)
	if err != nil {
		return nil, err
	}
	if k.client, err = dial(ctx, ci, true, o.Timeout, k.exited); err != nil {
		k.stop()
		return nil, k.failure(o.Kernel, err)
	}
	return k, nil
}

// failure describes a kernel that did not answer, with the end of what it wrote to stderr.
func (k *benchKernel) failure(name string, err error) error {
	msg := strings.TrimSpace(k.stderr.String())
	if len(msg) > 2000 {
		msg = "…" + msg[len(msg)-2000:]
	}
	if msg != "" {
		return fmt.Errorf("%s: %w; its stderr:\n%s", name, err, msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// stop asks the kernel to shut down, kills it if it has not exited within 5 s, and removes its folder.
func (k *benchKernel) stop() {
	if k.client != nil {
		// A send can wait for a peer that is gone: it must not hold up the kill below.
		go k.client.send(k.client.control, "shutdown_request", map[string]any{"restart": false})
	}
	select {
	case <-k.exited:
	case <-time.After(5 * time.Second):
		k.cmd.Process.Kill()
		<-k.exited
	}
	if k.client != nil {
		k.client.close()
	}
	os.RemoveAll(k.dir)
}

// benchClient is a minimal frontend: requests on shell and control, outputs from iopub.
type benchClient struct {
	signer                *Signer
	session               string
	cancel                context.CancelFunc
	shell, control, iopub zmq4.Socket
	replies, outputs      chan *Message
	exited                <-chan struct{} // the kernel process has exited
}

// dial connects a client to the kernel at ci, retrying until it listens; it gives up after timeout or
// when the kernel process exits first.
func dial(ctx context.Context, ci *ConnectionInfo, withIOPub bool, timeout time.Duration, exited <-chan struct{}) (*benchClient, error) {
	ctx, cancel := context.WithCancel(ctx)
	dialing := make(chan struct{})
	defer close(dialing)
	go func() {
		select {
		case <-dialing:
		case <-exited:
			cancel()
		case <-time.After(timeout):
			cancel()
		}
	}()
	id := zmq4.SocketIdentity(newID())
	retry := []zmq4.Option{zmq4.WithID(id), zmq4.WithDialerRetry(time.Millisecond), zmq4.WithDialerMaxRetries(-1)}
	c := &benchClient{signer: NewSigner([]byte(ci.Key)), session: newID(), cancel: cancel,
		shell: zmq4.NewDealer(ctx, retry...), control: zmq4.NewDealer(ctx, retry...),
		replies: make(chan *Message, 16), outputs: make(chan *Message, 1024), exited: exited}
	socks := []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, ci.ShellPort}, {c.control, ci.ControlPort}}
	if withIOPub {
		c.iopub = zmq4.NewSub(ctx, zmq4.WithDialerRetry(time.Millisecond), zmq4.WithDialerMaxRetries(-1))
		socks = append(socks, struct {
			s    zmq4.Socket
			port int
		}{c.iopub, ci.IOPubPort})
	}
	for _, s := range socks {
		if err := s.s.Dial(ci.Endpoint(s.port)); err != nil {
			c.close()
			select {
			case <-exited:
				return nil, errors.New("the process exited before it listened")
			default:
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("nothing listened on port %d within %v", s.port, timeout)
			}
			return nil, err
		}
	}
	go c.read(c.shell, c.replies)
	if withIOPub {
		if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
			c.close()
			return nil, err
		}
		go c.read(c.iopub, c.outputs)
	}
	return c, nil
}

// read forwards the messages of s to ch until s closes.
func (c *benchClient) read(s zmq4.Socket, ch chan<- *Message) {
	for {
		zm, err := s.Recv()
		if err != nil {
			close(ch)
			return
		}
		if m, err := ParseMessage(zm.Frames, c.signer); err == nil {
			ch <- m
		}
	}
}

func (c *benchClient) close() {
	c.cancel()
	for _, s := range []zmq4.Socket{c.shell, c.control, c.iopub} {
		if s != nil {
			s.Close()
		}
	}
}

// send sends a signed request and returns its msg_id.
func (c *benchClient) send(s zmq4.Socket, msgType string, content any) (string, error) {
	h := NewHeader(msgType, c.session)
	h.Username = "bench"
	rh, _ := json.Marshal(h)
	b, err := json.Marshal(content)
	if err != nil {
		return "", err
	}
	frames, err := (&Message{Header: h, RawHeader: rh, Content: b}).Frames(c.signer)
	if err != nil {
		return "", err
	}
	return h.MsgID, s.Send(zmq4.NewMsgFrom(frames...))
}

// request sends a request on shell and waits for its reply.
func (c *benchClient) request(msgType string, content any, timeout time.Duration) (*Message, error) {
	id, err := c.send(c.shell, msgType, content)
	if err != nil {
		return nil, err
	}
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-c.replies:
			if !ok {
				return nil, errors.New("shell socket closed")
			}
			if parentMsgID(m) == id {
				return m, nil
			}
		case <-c.exited:
			return nil, errors.New("the kernel process exited")
		case <-deadline:
			return nil, fmt.Errorf("no %s reply within %v", strings.TrimSuffix(msgType, "_request"), timeout)
		}
	}
}

// waitReady sends kernel_info_request until iopub delivers the status of one (the subscription is live).
func (c *benchClient) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m, err := c.request("kernel_info_request", map[string]any{}, timeout)
		if err != nil {
			return err
		}
		wait := time.After(100 * time.Millisecond)
	drain:
		for {
			select {
			case o := <-c.outputs:
				if parentMsgID(o) == parentMsgID(m) {
					return nil
				}
			case <-wait:
				break drain
			}
		}
	}
	return fmt.Errorf("iopub delivered nothing within %v", timeout)
}

// interrupt runs code (which must run until interrupted), sends interrupt_request on control once the
// kernel says it is busy with it and a moment has passed, and returns the time from the request to the
// cell's reply (an error) and its idle status.
func (c *benchClient) interrupt(code string, timeout time.Duration) (time.Duration, error) {
	id, err := c.sendExecute(code, false)
	if err != nil {
		return 0, err
	}
	deadline := time.After(timeout)
	for busy := false; !busy; {
		select {
		case m, ok := <-c.outputs:
			if !ok {
				return 0, errors.New("iopub socket closed")
			}
			busy = isStatus(m, id, "busy")
		case <-c.exited:
			return 0, errors.New("the kernel process exited")
		case <-deadline:
			return 0, fmt.Errorf("no busy status within %v", timeout)
		}
	}
	time.Sleep(20 * time.Millisecond) // into the loop
	start := time.Now()
	if _, err := c.send(c.control, "interrupt_request", map[string]any{}); err != nil {
		return 0, err
	}
	r, err := c.waitReply(id, deadline)
	if err != nil {
		return 0, fmt.Errorf("after interrupt_request: %w", err)
	}
	if r.Status == "ok" {
		return 0, errors.New("the cell ended without an error: it was not interrupted")
	}
	return time.Since(start), nil
}

// execute runs code and returns the time from sending execute_request to receiving both its reply and
// its idle status on iopub; a reply whose status is not ok is an error naming the exception.
func (c *benchClient) execute(code string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	id, err := c.sendExecute(code, true)
	if err != nil {
		return 0, err
	}
	r, err := c.waitReply(id, time.After(timeout))
	if err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if r.Status != "ok" {
		return 0, fmt.Errorf("the cell failed: %s %s: %s", r.Status, r.Ename, r.Evalue)
	}
	return elapsed, nil
}

// sendExecute sends an execute_request for code; store also records it in the history and stops the
// queue on an error, as a notebook's cells do.
func (c *benchClient) sendExecute(code string, store bool) (string, error) {
	return c.send(c.shell, "execute_request", map[string]any{"code": code, "silent": false,
		"store_history": store, "user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": store})
}

// executeReply is what the benchmark reads of an execute_reply.
type executeReply struct{ Status, Ename, Evalue string }

// waitReply waits for the execute_reply of request id and for its idle status on iopub.
func (c *benchClient) waitReply(id string, deadline <-chan time.Time) (executeReply, error) {
	var reply *Message
	for idle := false; reply == nil || !idle; {
		select {
		case m, ok := <-c.replies:
			if !ok {
				return executeReply{}, errors.New("shell socket closed")
			}
			if parentMsgID(m) == id {
				reply = m
			}
		case m, ok := <-c.outputs:
			if !ok {
				return executeReply{}, errors.New("iopub socket closed")
			}
			idle = idle || isStatus(m, id, "idle")
		case <-c.exited:
			return executeReply{}, errors.New("the kernel process exited")
		case <-deadline:
			return executeReply{}, errors.New("no reply and idle status in time")
		}
	}
	var r executeReply
	json.Unmarshal(reply.Content, &r)
	return r, nil
}

// isStatus reports whether m is the status message state (busy, idle) of request id.
func isStatus(m *Message, id, state string) bool {
	return parentMsgID(m) == id && m.Header.MsgType == "status" && bytes.Contains(m.Content, []byte(`"`+state+`"`))
}

func parentMsgID(m *Message) string {
	var h struct {
		MsgID string `json:"msg_id"`
	}
	json.Unmarshal(m.ParentHeader, &h)
	return h.MsgID
}

// freeTCPPorts returns n ports that were free on 127.0.0.1 a moment ago.
func freeTCPPorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

//go:embed bench_jupyter_client.py
var jupyterClientBench string

// BenchJupyterClient measures kernels as BenchOptions say, through Python's jupyter_client (run by
// python) instead of Bench's own frontend: each kernel gets a kernelspec in a temporary JUPYTER_PATH,
// is started with start_new_kernel and runs its cells. The results carry Frontend "jupyter_client",
// and one more case per kernel, "<first case> client": the client's own time for that cell, measured
// when all of its messages have already arrived. The soak options are ignored.
func BenchJupyterClient(ctx context.Context, python string, kernels []BenchOptions, emit func(BenchResult)) error {
	dir, err := os.MkdirTemp("", "notmagic-bench-jc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	type kernelConfig struct {
		Name   string      `json:"name"`
		Spec   string      `json:"spec"`
		Cells  [][2]string `json:"cells"`
		Runs   int         `json:"runs"`
		Warmup int         `json:"warmup"`
		Starts int         `json:"starts"`
	}
	var config struct {
		Kernels []kernelConfig `json:"kernels"`
	}
	for i, o := range kernels {
		spec := fmt.Sprintf("bench-%d", i)
		env := map[string]string{}
		for _, kv := range o.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		js, err := json.Marshal(map[string]any{"argv": o.Argv, "display_name": o.Kernel, "language": o.Kernel,
			"env": env, "interrupt_mode": "message"})
		if err != nil {
			return err
		}
		specDir := filepath.Join(dir, "kernels", spec)
		if err := os.MkdirAll(specDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(specDir, "kernel.json"), js, 0o644); err != nil {
			return err
		}
		kc := kernelConfig{Name: o.Kernel, Spec: spec, Cells: [][2]string{}, Runs: o.Runs, Warmup: o.Warmup, Starts: o.Starts}
		for _, c := range o.Cells {
			kc.Cells = append(kc.Cells, [2]string{c.Case, c.Code})
		}
		config.Kernels = append(config.Kernels, kc)
	}
	cfg := filepath.Join(dir, "config.json")
	script := filepath.Join(dir, "bench_jupyter_client.py")
	js, _ := json.Marshal(config)
	if err := os.WriteFile(cfg, js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(script, []byte(jupyterClientBench), 0o644); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, python, script, cfg)
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+dir, "JUPYTER_PLATFORM_DIRS=1", "PYTHONWARNINGS=ignore")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("jupyter_client: %w", err)
	}
	dec := json.NewDecoder(out)
	for {
		var r BenchResult
		if err := dec.Decode(&r); err != nil {
			if !errors.Is(err, io.EOF) {
				cmd.Process.Kill()
				cmd.Wait()
				return fmt.Errorf("jupyter_client: reading its results: %w", err)
			}
			break
		}
		emit(r)
	}
	if err := cmd.Wait(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return fmt.Errorf("jupyter_client: %w; its stderr:\n%s", err, msg)
	}
	return nil
}
