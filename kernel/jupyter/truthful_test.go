//go:build unix

package jupyter

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/notmagic/notmagic/internal/testexec"
	"github.com/notmagic/notmagic/kernel/modules"
)

// TestTruthfulErrors runs, through Debian's jupyter_client and the installed kernelspec, the cases of
// "the interpreter tells the truth": run-time errors at the failing line in Go's words, redefinitions,
// unsupported constructs, the magics and a cell type's String method.
func TestTruthfulErrors(t *testing.T) {
	cases := []cellCase{
		{cell: "fmt.Println(\"before\")\nxs := []int{1, 2, 3}\ni := 5\nfmt.Println(xs[i])", ename: "panic",
			evalue: "runtime error: index out of range [5] with length 3", tb: []string{"  at cell[1]:4:1 in the cell", "    4 | fmt.Println(xs[i])"}, stdout: "before"},
		{cell: "z := 0\nfmt.Println(10 / z)", ename: "panic", evalue: "runtime error: integer divide by zero", tb: []string{"  at cell[2]:2:1 in the cell"}},
		{cell: "type P struct{ X int }\nvar p *P\nfmt.Println(p.X)", ename: "panic",
			evalue: "runtime error: invalid memory address or nil pointer dereference", tb: []string{"  at cell[3]:3:1 in the cell"}},
		{cell: "func get(xs []int, i int) int {\n\tfmt.Println(\"get\", i)\n\tv := xs[i]\n\treturn v\n}"},
		{cell: "ys := []int{1, 2}\nfmt.Println(\"calling\")\nget(ys, 7)", ename: "panic", evalue: "runtime error: index out of range",
			tb: []string{"  at cell[4]:3:2 in get", "  called from cell[5]:3:1", "    3 | \tv := xs[i]"}, stdout: "calling"},
		{cell: "type P struct{ X, Y int }", ename: "RedefinitionError",
			evalue: "cell[6]:1:1: type P is already declared (cell[3]:1) and the interpreter cannot change a type once it exists: restart the kernel to declare it anew, or give the new one another name"},
		{cell: "type P struct{ X int }"}, // the same again: silent
		{cell: "seq := func(yield func(int) bool) {\n\tyield(1)\n}\nfor v := range seq {\n\tfmt.Println(v)\n}", ename: "UnsupportedError",
			evalue: "cell[8]:4:1: range over a function (a Go 1.23 iterator) is not supported by the interpreter: call the function with the loop body as its yield function instead, e.g. seq(func(v T) bool { …; return true })"},
		{cell: "%help", markdown: "%timeit"},
		{cell: "?nn.Randn", result: "func Randn(shape ...int) *Tensor\n\nRandn returns a tensor of standard normal values."},
		{cell: "nn.Zeros?", result: "func Zeros(shape ...int) *Tensor\n\nZeros returns a tensor of zeros."},
		{cell: "%time q := 1 + 1", stdout: "time: "},
		{cell: "%timeit q++", stdout: " ns/op"},
		{cell: "%magic", ename: "MagicError", evalue: "%magic is not a magic of this kernel; the magics are %help, %time, %timeit, %get and ?name (%help tells more)"},
		{cell: "type Pt struct{ X, Y int }\n\nfunc (p Pt) String() string { return fmt.Sprintf(\"(%d, %d)\", p.X, p.Y) }"},
		{cell: "fmt.Println(Pt{1, 2})\nPt{3, 4}", stdout: "(1, 2)", result: "(3, 4)"},
		{cell: "type codeErr struct{ code int }\n\nfunc (e codeErr) Error() string { return fmt.Sprint(\"code \", e.code) }\n\nfunc fail() error { return codeErr{5} }"},
		{cell: "fmt.Println(codeErr{1}, fail())\ncodeErr{2}", stdout: "code 1 code 5", result: "code 2"},
		{cell: "e := error(codeErr{3})", ename: "panic", evalue: "a value of a cell-defined type cannot be stored in an error variable directly (an interpreter limit): return it from a func whose result is error, as Go code usually does, and store that result"},
	}
	checkCells(t, cases)
}

// cellCase is a cell run through the real kernel and what its messages must hold.
type cellCase struct {
	cell     string
	ename    string   // "" when the cell must succeed
	evalue   string   // exact
	tb       []string // lines the traceback must hold (ANSI colours removed)
	stdout   string   // a substring of the cell's stdout
	result   string   // the result's text/plain, exactly
	markdown string   // a substring of the result's text/markdown
	mimes    []string // MIME types the result must have
	stderrOK bool     // stderr may have output
}

// checkCells runs cases in order in one kernel, started through Debian's jupyter_client and the
// installed kernelspec, and checks each one's reply, error, streams and result.
func checkCells(t *testing.T, cases []cellCase) {
	t.Helper()
	requirePython(t, "jupyter_client")
	env, name := installTestKernel(t)
	var cells []string
	for _, c := range cases {
		cells = append(cells, c.cell)
	}
	file := filepath.Join(t.TempDir(), "cells.json")
	b, _ := json.Marshal(cells)
	os.WriteFile(file, b, 0o644)
	var res []execResult
	runPython(t, env, 3*time.Minute, &res, "cells_check.py", name, file)
	if len(res) != len(cases) {
		t.Fatalf("%d results for %d cells", len(res), len(cases))
	}
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for i, c := range cases {
		r := res[i]
		reply := r.reply(t)
		if c.ename == "" {
			if reply["status"] != "ok" {
				t.Errorf("cell %d %q: %v", i+1, c.cell, reply)
				continue
			}
		} else {
			errc := r.find(t, "error")
			if reply["status"] != "error" || errc == nil || errc["ename"] != c.ename || errc["evalue"] != c.evalue {
				t.Errorf("cell %d %q: got %v %v %v; want %s: %q", i+1, c.cell, reply["status"], errc["ename"], errc["evalue"], c.ename, c.evalue)
				continue
			}
			var tb []string
			for _, l := range errc["traceback"].([]any) {
				tb = append(tb, ansi.ReplaceAllString(l.(string), ""))
			}
			for _, want := range c.tb {
				if !containsAny(toAny(tb), want) {
					t.Errorf("cell %d: traceback lacks %q:\n%s", i+1, want, strings.Join(tb, "\n"))
				}
			}
		}
		if c.stdout != "" && !strings.Contains(r.stream(t, "stdout"), c.stdout) {
			t.Errorf("cell %d: stdout %q lacks %q", i+1, r.stream(t, "stdout"), c.stdout)
		}
		if s := r.stream(t, "stderr"); s != "" && !c.stderrOK {
			t.Errorf("cell %d %q: stderr %q (the interpreter's logging must not reach the cell)", i+1, c.cell, s)
		}
		if c.result != "" || c.markdown != "" || len(c.mimes) > 0 {
			data, _ := r.find(t, "execute_result")["data"].(map[string]any)
			for _, m := range c.mimes {
				if _, ok := data[m]; !ok {
					t.Errorf("cell %d %q: the result lacks %s (has %v)", i+1, c.cell, m, mapKeys(data))
				}
			}
			if c.result != "" && data["text/plain"] != c.result {
				t.Errorf("cell %d %q: result %q, want %q", i+1, c.cell, data["text/plain"], c.result)
			}
			if md, _ := data["text/markdown"].(string); c.markdown != "" && !strings.Contains(md, c.markdown) {
				t.Errorf("cell %d %q: markdown %q lacks %q", i+1, c.cell, md, c.markdown)
			}
		}
	}
}

func mapKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// TestKernelEndsWithItsParent starts the kernel from a jupyter_client process, sets it running
// `for {}`, kills that process and checks that the kernel ends itself within a few seconds.
func TestKernelEndsWithItsParent(t *testing.T) {
	requirePython(t, "jupyter_client")
	env, name := installTestKernel(t)
	cmd := exec.Command(systemPython, filepath.Join("testdata", "parent_death.py"), name)
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("no kernel pid from the client: %q %v", line, err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL) // only if the test fails
	if !processAlive(pid) {
		t.Fatalf("kernel %d not running", pid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	start := time.Now()
	for processAlive(pid) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the kernel (pid %d) is still running %v after its client was killed", pid, time.Since(start).Round(time.Millisecond))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the kernel ended %v after its client was killed, in the middle of for {}", time.Since(start).Round(time.Millisecond))
}

// TestProcessAlive checks the liveness probe behind watchParent on a real child: running, then a
// zombie (dead but not yet reaped, which must count as gone), then reaped.
func TestProcessAlive(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	pid := cmd.Process.Pid
	if !processAlive(pid) {
		t.Fatalf("running child %d reported dead", pid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(pid) { // a zombie until Wait reaps it
		if time.Now().After(deadline) {
			t.Fatalf("killed child %d (a zombie, not reaped) still reported alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Wait()
	if processAlive(pid) {
		t.Fatalf("reaped child %d reported alive", pid)
	}
}

// TestGonumThroughKernel imports each gonum and gonum/plot package with a table in a real kernel,
// computes with them and shows a *plot.Plot (PNG) and a *mat.Dense (HTML and LaTeX) as results.
func TestGonumThroughKernel(t *testing.T) {
	checkCells(t, []cellCase{
		{cell: "import (\n\t\"gonum.org/v1/gonum/floats\"\n\t\"gonum.org/v1/gonum/mat\"\n\t\"gonum.org/v1/gonum/optimize\"\n\t\"gonum.org/v1/gonum/stat\"\n\t\"gonum.org/v1/gonum/stat/distuv\"\n" +
			"\t\"gonum.org/v1/plot\"\n\t\"gonum.org/v1/plot/plotter\"\n\t\"gonum.org/v1/plot/plotutil\"\n\t\"gonum.org/v1/plot/vg\"\n\t\"gonum.org/v1/plot/vg/draw\"\n)"},
		{cell: "xs := []float64{1, 2, 3, 4}\nfmt.Println(stat.Mean(xs, nil), floats.Max(xs), distuv.Normal{Mu: 0, Sigma: 1}.Prob(0) > 0.39, vg.Inch > 0, draw.PosRight > 0)\n" +
			"r, _ := optimize.Minimize(optimize.Problem{Func: func(x []float64) float64 { return (x[0] + 2) * (x[0] + 2) }}, []float64{0}, nil, &optimize.NelderMead{})\nfmt.Printf(\"%.2f\\n\", r.X[0])",
			stdout: "2.5 4 true true true\n-2.00\n"},
		{cell: "p := plot.New()\np.Title.Text = \"sine\"\nvar pts plotter.XYs\nfor i := 0; i < 50; i++ {\n\tx := float64(i) / 8\n\tpts = append(pts, plotter.XY{X: x, Y: math.Sin(x)})\n}\nplotutil.AddLines(p, \"sin\", pts)\np",
			mimes: []string{"image/png", "text/plain"}},
		{cell: "mat.NewDense(2, 2, []float64{1, 2, 3, 4})", mimes: []string{"text/html", "text/latex"}, result: "*mat.Dense 2×2\n⎡1  2⎤\n⎣3  4⎦"},
	})
}

// TestModulesThroughKernel: %get in a real kernel fetches github.com/montanaflynn/stats v0.7.1 from the
// module proxy, a cell imports and calls it, and a package with assembly is refused by name.
func TestModulesThroughKernel(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	// Warm the module cache first, so that an offline machine skips here instead of failing below.
	tr := modules.NewTree(t.TempDir())
	if _, err := tr.Get(context.Background(), []string{"github.com/montanaflynn/stats@v0.7.1", "golang.org/x/sys@v0.50.0"}, nil); err != nil {
		testexec.RequireNetwork(t, err)
	}
	checkCells(t, []cellCase{
		{cell: "%get github.com/montanaflynn/stats@v0.7.1 golang.org/x/sys@v0.50.0", stdout: `github.com/montanaflynn/stats v0.7.1: 1 package to import: "github.com/montanaflynn/stats"`, stderrOK: true},
		{cell: "import \"github.com/montanaflynn/stats\"\n\nr, _ := stats.LinearRegression([]stats.Coordinate{{1, 2.3}, {2, 3.3}, {3, 3.7}, {4, 4.3}})\nfmt.Printf(\"%.2f\\n\", r[3].Y)\np, _ := stats.Percentile([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90)\np",
			stdout: "4.36\n", result: "9"},
		{cell: "import \"golang.org/x/sys/cpu\"", ename: "ImportError", evalue: `package "golang.org/x/sys/cpu" (golang.org/x/sys v0.50.0) cannot be imported: it has assembly (` + cpuAsm() + `), which the interpreter cannot run`},
		{cell: "sum, _ := stats.Sum([]float64{1, 2, 3.5})\nsum", result: "6.5"},
	})
}

// cpuAsm is the first assembly file of golang.org/x/sys/cpu v0.50.0 on this platform, as go list sorts them.
func cpuAsm() string {
	switch runtime.GOARCH {
	case "amd64":
		return "cpu_gc_x86.s"
	case "arm64":
		return "cpu_gc_arm64.s"
	}
	return ""
}
