package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
	"github.com/notmagic/notmagic/kernel/session"
)

func write(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runFile(t *testing.T, path string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), path, Config{OutDir: filepath.Join(t.TempDir(), "out"), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), err
}

func TestPlainMain(t *testing.T) {
	p := write(t, "prog.go", `package main

import "fmt"

func helper() int { return 41 }

func main() {
	fmt.Println("answer", helper()+1)
}

func other() {}
`)
	out, errs, err := runFile(t, p)
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	if strings.Count(out, "answer 42") != 1 {
		t.Errorf("output %q", out)
	}
}

const lessonSrc = `//go:build ignore

// %% [markdown]
// # Squares
// We square numbers.

// %%
xs := []int{1, 2, 3}
sq := 0
for _, x := range xs {
	sq += x * x
}
fmt.Println("sum of squares", sq)

// %%
import "image"
img := image.NewGray(image.Rect(0, 0, 4, 4))
img

// %%
plots.Line("Squares, 1 to 3", plots.S("x²", []float64{1, 4, 9}))

// %%
display.Quick()
`

func TestLesson(t *testing.T) {
	t.Setenv("NOTMAGIC_QUICK", "1")
	p := write(t, "squares.go", lessonSrc)
	outDir := filepath.Join(t.TempDir(), "imgs")
	var out, errb bytes.Buffer
	err := Run(context.Background(), p, Config{OutDir: outDir, Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	// An image is saved by number; a figure by number and title.
	for _, want := range []string{"# Squares", "sum of squares 14", "[image: " + filepath.Join(outDir, "image-001.png") + "]",
		"[image: " + filepath.Join(outDir, "002-squares-1-to-3.png") + "]", "true"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(outDir, "image-001.png")); err != nil {
		t.Error(err)
	}
}

func TestLessonErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"// %%\nx := 1\n\n// %%\ny := x +\n  undefinedThing\n", "cell 2 (line 6): CompileError: %s:6:3: undefined: undefinedThing"},
		{"// %%\nxs := []int{1, 2, 3}\ni := 5\n// %%\nfmt.Println(\"before\")\nj := i - 1\n_ = j\nfmt.Println(xs[i])\n", "cell 2 (line 8): panic: runtime error: index out of range [5] with length 3"},
		{"// %%\nfunc f() { panic(\"deep\") }\n// %%\n\nf()\n", "cell 2 (line 5): panic: deep"},
		{"// %%\nnn.MatMul(nn.Zeros(2, 3), nn.Zeros(2, 3))\n", "cell 1 (line 2): nn.Error: matmul"},
	}
	for _, c := range cases {
		p := write(t, "bad.go", c.src)
		_, errs, err := runFile(t, p)
		var ce *CellError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: got %v", c.src, err)
		}
		want := c.want
		if strings.Contains(want, "%s") {
			want = strings.ReplaceAll(want, "%s", p)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want %q", err, want)
		}
		if errs == "" || strings.Contains(errs, "\x1b[") {
			t.Errorf("stderr traceback %q (no colours expected off a terminal)", errs)
		}
	}
}

func TestPlainExit(t *testing.T) {
	p := write(t, "exit.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(3) }\n")
	_, _, err := runFile(t, p)
	if code, ok := session.ExitCode(err); !ok || code != 3 {
		t.Errorf("got %v", err)
	}
	p = write(t, "lib.go", "package notmain\n")
	if _, _, err := runFile(t, p); err == nil || !strings.Contains(err.Error(), "package main") {
		t.Errorf("package notmain: %v", err)
	}
}

// TestBinary builds notmagic and runs a lesson and a failing one through `notmagic run`.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "notmagic")
	build := exec.Command("go", "build", "-o", bin, "github.com/notmagic/notmagic")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := write(t, "squares.go", lessonSrc)
	cmd := exec.Command(bin, "run", p, "--out", t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sum of squares 14") {
		t.Errorf("run: %v\n%s", err, out)
	}
	p = write(t, "bad.go", "// %%\nx := 1\n// %%\npanic(\"stop here\")\n")
	out, err = exec.Command(bin, "run", p).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "cell 2 (line 4)") {
		t.Errorf("failing lesson: %v\n%s", err, out)
	}
	p = write(t, "exit.go", "package main\nimport \"os\"\nfunc main() { os.Exit(7) }\n")
	err = exec.Command(bin, "run", p).Run()
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Errorf("exit code: %v", err)
	}
}

func TestRunDir(t *testing.T) {
	dir := t.TempDir()
	lessons := map[string]string{
		"01_ok.go":   "//go:build ignore\n\n// %%\nfmt.Println(\"first lesson\")\n",
		"02_bad.go":  "//go:build ignore\n\n// %%\nx := undefinedThing\n",
		"03_last.go": "//go:build ignore\n\n// %%\nfmt.Println(\"third lesson\")\n",
	}
	for name, src := range lessons {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	err := RunDir(context.Background(), dir, Config{OutDir: filepath.Join(t.TempDir(), "out"), Stdout: &out, Stderr: &errb})
	if err == nil || !strings.Contains(err.Error(), "1 of 3 lessons failed") || !strings.Contains(err.Error(), "02_bad.go") {
		t.Fatalf("error %v, want one failed lesson named", err)
	}
	// A failing lesson does not stop the others, and they run in name order.
	o := out.String()
	if i, j := strings.Index(o, "first lesson"), strings.Index(o, "third lesson"); i < 0 || j < i {
		t.Errorf("lessons did not all run in order:\n%s", o)
	}
	if err := RunDir(context.Background(), t.TempDir(), Config{Stdout: &out, Stderr: &errb}); err == nil {
		t.Error("an empty folder ran without error")
	}
}

// TestRunTruthful: a script's run-time error names its file line in Go's words, with the caller's line
// when it failed in a function of an earlier cell; the interactive magics are refused, %time runs.
func TestRunTruthful(t *testing.T) {
	p := write(t, "lesson.go", "// %%\nfunc get(xs []int, i int) int {\n\tv := xs[i]\n\treturn v\n}\n\n// %%\n%time n := 3\n\n// %%\nys := []int{1}\nfmt.Println(\"calling\")\nget(ys, n)\n")
	out, errs, err := runFile(t, p)
	var ce *CellError
	if !errors.As(err, &ce) || ce.Cell != 3 || ce.Line != 13 || ce.Err.Value != "runtime error: index out of range" {
		t.Fatalf("got %v (%+v)", err, ce)
	}
	for _, want := range []string{"  at " + p + ":3:2 in get", "  called from " + p + ":13:1"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "time: ") || !strings.Contains(out, "calling") {
		t.Errorf("stdout: %q", out)
	}
	p2 := write(t, "help.go", "// %%\n%help\n")
	if _, _, err := runFile(t, p2); err == nil || !strings.Contains(err.Error(), "MagicError: %help is for interactive sessions") {
		t.Errorf("%%help in a script: %v", err)
	}
}

// TestRunGet: a script's cell may %get a module, and the next cells import and use it.
func TestRunGet(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	p := write(t, "get.go", "// %%\n%get github.com/montanaflynn/stats@v0.7.1\n\n// %%\nimport \"github.com/montanaflynn/stats\"\n\nm, _ := stats.Mean([]float64{1, 2, 6})\nfmt.Println(\"mean\", m)\n")
	out, errs, err := runFile(t, p)
	if err != nil {
		testexec.RequireNetwork(t, fmt.Errorf("%v: %s", err, errs))
	}
	if !strings.Contains(out, "mean 3\n") {
		t.Errorf("stdout: %q", out)
	}
}

// TestRunKnobs: a knob cell runs without a frontend and shows one static frame: the knobs' values and
// the figure for them.
func TestRunKnobs(t *testing.T) {
	p := write(t, "knobs.go", "// %%\nw := widgets.NewFloatSlider(\"w\", 0.5, -2, 2, 0.1)\nn := widgets.NewIntSlider(\"n\", 3, 1, 5, 1)\n"+
		"widgets.Interact(func(w float64, n int) *plots.Figure {\n\treturn plots.Func(\"knob\", -1, 1, plots.Fn{Name: \"y\", F: func(x float64) float64 { return w * x * float64(n) }})\n}, w, n)\nw\n")
	out, errs, err := runFile(t, p)
	if err != nil {
		t.Fatalf("%v: %s", err, errs)
	}
	if !strings.Contains(out, "w = 0.5, n = 3\n") || !strings.Contains(out, "[image: ") || !strings.Contains(out, "w: 0.5 (slider -2 … 2)") {
		t.Errorf("stdout: %q", out)
	}
}
