package jupyter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as the kernel process: the kernelspec the integration tests install
// runs this binary with NOTMAGIC_KERNEL_CHILD=1 and the arguments `kernel -f FILE`, exactly as Jupyter
// runs `notmagic kernel -f FILE` (which internal/cli turns into Serve). Set NOTMAGIC_KERNEL_BINARY to a built notmagic binary to test that instead.
func TestMain(m *testing.M) {
	if os.Getenv("NOTMAGIC_KERNEL_CHILD") == "1" {
		// The kernelspec's argv, kernel -f FILE, and --quiet where a test asks for it.
		var file string
		var logTo io.Writer = os.Stderr
		for i, a := range os.Args[1:] {
			switch {
			case a == "-f" && i+2 < len(os.Args):
				file = os.Args[i+2]
			case a == "--quiet":
				logTo = io.Discard
			}
		}
		ci, err := ReadConnectionFile(file)
		if err == nil {
			err = Serve(ci, Options{Log: log.New(logTo, "notmagic kernel: ", log.LstdFlags)})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "notmagic kernel:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const systemPython = "/usr/bin/python3"

// requirePython skips the test when /usr/bin/python3 cannot import the modules, unless
// NOTMAGIC_REQUIRE_JUPYTER=1 (CI), where it fails.
func requirePython(t *testing.T, modules ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test skipped in -short mode")
	}
	cmd := exec.Command(systemPython, "-c", "import "+strings.Join(modules, ", "))
	if out, err := cmd.CombinedOutput(); err != nil {
		msg := fmt.Sprintf("%s cannot import %s: %v %s", systemPython, strings.Join(modules, ", "), err, out)
		if os.Getenv("NOTMAGIC_REQUIRE_JUPYTER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set NOTMAGIC_REQUIRE_JUPYTER=1 to fail instead)")
	}
}

// installTestKernel installs a kernelspec for this test binary (or $NOTMAGIC_KERNEL_BINARY) into a fresh
// Jupyter path and returns the environment that makes Jupyter find it (and only it), and its name.
func installTestKernel(t *testing.T) (env []string, name string) {
	t.Helper()
	root := t.TempDir()
	name = "notmagic-test"
	o := InstallOptions{Name: name, KernelsDir: filepath.Join(root, "share", "kernels")}
	if bin := os.Getenv("NOTMAGIC_KERNEL_BINARY"); bin != "" {
		o.Executable = bin
	} else {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		o.Executable = exe
		o.Env = map[string]string{"NOTMAGIC_KERNEL_CHILD": "1"}
	}
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(),
		"JUPYTER_PATH="+filepath.Join(root, "share"),
		"JUPYTER_DATA_DIR="+filepath.Join(root, "data"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(root, "runtime"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(root, "config"),
		"IPYTHONDIR="+filepath.Join(root, "ipython"),
		"JUPYTER_PLATFORM_DIRS=1",
		"PYTHONWARNINGS=ignore",
	)
	return env, name
}

// runPython runs a script of testdata with args and decodes the JSON it prints into v.
func runPython(t *testing.T, env []string, timeout time.Duration, v any, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, append([]string{filepath.Join("testdata", script)}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", script, err, stdout.String(), tail(stderr.String(), 6000))
	}
	if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
		t.Fatalf("%s printed no JSON (%v):\n%s\nstderr:\n%s", script, err, stdout.String(), tail(stderr.String(), 6000))
	}
	if testing.Verbose() {
		t.Logf("%s stderr:\n%s", script, tail(stderr.String(), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

type execResult [2]json.RawMessage // [reply content, [[msg_type, content], ...]]

func (r execResult) reply(t *testing.T) map[string]any {
	var m map[string]any
	json.Unmarshal(r[0], &m)
	return m
}

func (r execResult) outputs(t *testing.T) [][2]any {
	var raw [][2]json.RawMessage
	json.Unmarshal(r[1], &raw)
	var out [][2]any
	for _, o := range raw {
		var typ string
		var c map[string]any
		json.Unmarshal(o[0], &typ)
		json.Unmarshal(o[1], &c)
		out = append(out, [2]any{typ, c})
	}
	return out
}

func (r execResult) find(t *testing.T, typ string) map[string]any {
	for _, o := range r.outputs(t) {
		if o[0] == typ {
			return o[1].(map[string]any)
		}
	}
	return nil
}

func (r execResult) stream(t *testing.T, name string) string {
	var b strings.Builder
	for _, o := range r.outputs(t) {
		if c := o[1].(map[string]any); o[0] == "stream" && c["name"] == name {
			b.WriteString(c["text"].(string))
		}
	}
	return b.String()
}

// TestJupyterClient drives the kernel with Debian's jupyter_client through the installed kernelspec.
func TestJupyterClient(t *testing.T) {
	requirePython(t, "jupyter_client")
	env, name := installTestKernel(t)
	var res struct {
		StartupS           float64                   `json:"startup_s"`
		KernelInfo         map[string]any            `json:"kernel_info"`
		Stdout             execResult                `json:"stdout"`
		Stderr             execResult                `json:"stderr"`
		Result             execResult                `json:"result"`
		Error              execResult                `json:"error"`
		InputRequest       map[string]any            `json:"input_request"`
		InputReply         map[string]any            `json:"input_reply"`
		InputStdout        string                    `json:"input_stdout"`
		Complete           map[string]any            `json:"complete"`
		Inspect            map[string]any            `json:"inspect"`
		IsComplete         map[string]map[string]any `json:"is_complete"`
		HistoryTail        map[string]any            `json:"history_tail"`
		HistorySearch      map[string]any            `json:"history_search"`
		InterruptReply     map[string]any            `json:"interrupt_reply"`
		InterruptS         float64                   `json:"interrupt_s"`
		AfterInterrupt     execResult                `json:"after_interrupt"`
		RestartS           float64                   `json:"restart_s"`
		AfterRestartOldVar execResult                `json:"after_restart_old_var"`
		AfterRestartCount  execResult                `json:"after_restart_count"`
		ShutdownS          float64                   `json:"shutdown_s"`
		AliveAfterShutdown bool                      `json:"alive_after_shutdown"`
		ExitCode           *int                      `json:"exit_code"`
	}
	runPython(t, env, 3*time.Minute, &res, "jupyter_client_check.py", name)
	t.Logf("startup %.2fs, interrupt %.3fs, restart %.2fs, shutdown %.2fs", res.StartupS, res.InterruptS, res.RestartS, res.ShutdownS)

	if li, _ := res.KernelInfo["language_info"].(map[string]any); li["name"] != "go" || res.KernelInfo["implementation"] != "notmagic" {
		t.Errorf("kernel_info %v", res.KernelInfo)
	}
	if s := res.Stdout.stream(t, "stdout"); s != "hello from go\n" {
		t.Errorf("stdout %q", s)
	}
	if s := res.Stderr.stream(t, "stderr"); s != "to stderr\n" {
		t.Errorf("stderr %q", s)
	}
	if r := res.Result.find(t, "execute_result"); r == nil || r["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("result %v", r)
	}
	if e := res.Error.find(t, "error"); e == nil || res.Error.reply(t)["status"] != "error" || !strings.Contains(fmt.Sprint(e["evalue"]), "undefinedThing") {
		t.Errorf("error: %v / %v", e, res.Error.reply(t))
	}
	if res.InputRequest == nil || res.InputReply["status"] != "ok" || res.InputStdout != "hi gopher\n" {
		t.Errorf("stdin: request %v, reply %v, stdout %q", res.InputRequest, res.InputReply, res.InputStdout)
	}
	matches, _ := res.Complete["matches"].([]any)
	if !containsAny(matches, "Println") || !containsAny(matches, "Printf") {
		t.Errorf("complete %v", res.Complete)
	}
	if res.Inspect["found"] != true || !strings.Contains(fmt.Sprint(res.Inspect["data"]), "Println") {
		t.Errorf("inspect %v", res.Inspect)
	}
	for code, want := range map[string]string{"x := 1": "complete", "func f() {": "incomplete", "x := )": "invalid"} {
		if got := res.IsComplete[code]["status"]; got != want {
			t.Errorf("is_complete(%q) = %v, want %s", code, res.IsComplete[code], want)
		}
	}
	if h, _ := res.HistoryTail["history"].([]any); len(h) != 3 {
		t.Errorf("history tail %v", res.HistoryTail)
	}
	if h, _ := res.HistorySearch["history"].([]any); len(h) != 1 || !strings.Contains(fmt.Sprint(h[0]), "hello from go") {
		t.Errorf("history search %v", res.HistorySearch)
	}
	if res.InterruptReply["status"] != "error" || res.InterruptS > 1.5 {
		t.Errorf("interrupt: reply %v after %.2fs", res.InterruptReply, res.InterruptS)
	}
	if s := res.AfterInterrupt.stream(t, "stdout"); s != "still alive\n" {
		t.Errorf("cell after interrupt printed %q (%v)", s, res.AfterInterrupt.reply(t))
	}
	if res.AfterRestartOldVar.reply(t)["status"] != "error" {
		t.Errorf("a variable survived the restart: %v", res.AfterRestartOldVar.reply(t))
	}
	if c := res.AfterRestartCount.reply(t)["execution_count"]; c != float64(2) {
		t.Errorf("execution_count after restart %v, want 2 (counter reset)", c)
	}
	if res.RestartS > 10 {
		t.Errorf("restart took %.1fs", res.RestartS)
	}
	// jupyter_client sends SIGTERM after half its shutdown wait (2.5 s): a kernel that exits by itself is
	// gone well before.
	if res.AliveAfterShutdown || res.ShutdownS >= 2.5 || (res.ExitCode != nil && *res.ExitCode != 0) {
		t.Errorf("shutdown: alive %v after %.1fs, exit code %v", res.AliveAfterShutdown, res.ShutdownS, res.ExitCode)
	}
}

func containsAny(xs []any, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestNbclient executes a notebook end to end with Debian's nbclient; the executed notebook is saved as
// an artifact.
func TestNbclient(t *testing.T) {
	requirePython(t, "nbclient", "nbformat")
	env, name := installTestKernel(t)
	out := filepath.Join(artifactsDir(t), "nbclient-executed.ipynb")
	var res struct {
		LanguageInfo map[string]any `json:"language_info"`
		Cells        []struct {
			ExecutionCount int              `json:"execution_count"`
			Outputs        []map[string]any `json:"outputs"`
		} `json:"cells"`
	}
	runPython(t, env, 3*time.Minute, &res, "nbclient_run.py", name, out)
	t.Logf("executed notebook: %s", out)
	if res.LanguageInfo["name"] != "go" {
		t.Errorf("language_info %v", res.LanguageInfo)
	}
	if len(res.Cells) != 5 {
		t.Fatalf("%d cells", len(res.Cells))
	}
	for i, c := range res.Cells {
		if c.ExecutionCount != i+1 {
			t.Errorf("cell %d: execution_count %d", i, c.ExecutionCount)
		}
	}
	desc := func(i int) string { b, _ := json.Marshal(res.Cells[i].Outputs); return string(b) }
	if o := res.Cells[0].Outputs; len(o) != 1 || o[0]["text"] != "hello notebook\n" {
		t.Errorf("cell 0: %s", desc(0))
	}
	if o := res.Cells[1].Outputs; len(o) != 1 || o[0]["output_type"] != "execute_result" || o[0]["text"] != "42" {
		t.Errorf("cell 1: %s", desc(1))
	}
	if !strings.Contains(desc(2), "text/markdown") {
		t.Errorf("cell 2: %s", desc(2))
	}
	if !strings.Contains(desc(3), "image/png") {
		t.Errorf("cell 3: %s", desc(3))
	}
	if o := res.Cells[4].Outputs; len(o) != 1 || !strings.Contains(fmt.Sprint(o[0]["text"]), "step 2") {
		t.Errorf("cell 4 (updated display): %s", desc(4))
	}
}

// artifactsDir is $NOTMAGIC_ARTIFACTS (created if needed) or a temporary folder.
func artifactsDir(t *testing.T) string {
	if d := os.Getenv("NOTMAGIC_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(d)
		return abs
	}
	return t.TempDir()
}
