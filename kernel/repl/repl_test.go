package repl

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
)

func TestPiped(t *testing.T) {
	var out, errb bytes.Buffer
	in := strings.NewReader(`x := 20
func add(a, b int) int {
	return a + b
}
add(x, 22)
:help
fmt.Println("printed")
undefinedName
"still alive"
:reset
x
`)
	err := Run(Config{In: in, Out: &out, Err: &errb, ImageDir: t.TempDir()})
	if err == nil {
		t.Error("a failing cell should make piped mode fail")
	}
	o := out.String()
	for _, want := range []string{"42\n", "Known limits", ":reset", "printed\n", `"still alive"`, "(fresh interpreter)"} {
		if !strings.Contains(o, want) {
			t.Errorf("stdout lacks %q:\n%s", want, o)
		}
	}
	e := errb.String()
	if !strings.Contains(e, "undefined: undefinedName") || !strings.Contains(e, "undefined: x") {
		t.Errorf("stderr:\n%s", e)
	}
}

func TestHistoryFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "hist")
	h := newFileHistory(p)
	h.Add("a := 1")
	h.Add("a := 1") // repeated: kept once
	h.Add("b")
	h2 := newFileHistory(p)
	if h2.Len() != 2 || h2.At(0) != "b" || h2.At(1) != "a := 1" {
		t.Errorf("reloaded history: %v", h2.entries)
	}
}

// TestPipedTruthful: in the REPL, run-time errors name the failing line in Go's words, the magics work
// in both spellings, and redefinitions and unsupported constructs say what happens.
func TestPipedTruthful(t *testing.T) {
	var out, errb bytes.Buffer
	in := strings.NewReader(`xs := []int{1, 2, 3}
func get(i int) int {
	v := xs[i]
	return v
}
get(7)
:time y := 2
%timeit y++
?nn.Randn
:doc nn.Zeros
type P struct{ X int }
type P struct{ X, Y int }
%nope
`)
	Run(Config{In: in, Out: &out, Err: &errb, ImageDir: t.TempDir()})
	o, e := out.String(), errb.String()
	for _, want := range []string{"time: ", " ns/op", "func Randn(shape ...int) *Tensor", "func Zeros(shape ...int) *Tensor"} {
		if !strings.Contains(o, want) {
			t.Errorf("stdout lacks %q:\n%s", want, o)
		}
	}
	for _, want := range []string{
		"panic: runtime error: index out of range", "  at cell[2]:2:2 in get", "  called from cell[3]:1:1",
		"RedefinitionError: cell[8]:1:1: type P is already declared (cell[7]:1)",
		"MagicError: %nope is not a magic of this kernel",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%s", want, e)
		}
	}
}

// TestPipedGet: the REPL's :get fetches a module that the next line imports.
func TestPipedGet(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	var out, errb bytes.Buffer
	in := strings.NewReader(":get github.com/montanaflynn/stats@v0.7.1\nimport \"github.com/montanaflynn/stats\"\nv, _ := stats.Max([]float64{3, 9, 4})\nv\n")
	err := Run(Config{In: in, Out: &out, Err: &errb})
	if err != nil {
		testexec.RequireNetwork(t, fmt.Errorf("%v: %s", err, errb.String()))
	}
	if !strings.Contains(out.String(), `github.com/montanaflynn/stats v0.7.1: 1 package to import`) || !strings.HasSuffix(out.String(), "9\n") {
		t.Errorf("stdout %q, stderr %q", out.String(), errb.String())
	}
}

// TestPipedKnobs: in the REPL a knob cell shows its static frame, and a button's handler runs on Click.
func TestPipedKnobs(t *testing.T) {
	var out, errb bytes.Buffer
	in := strings.NewReader("b := widgets.NewButton(\"go\")\nb.OnClick(func() { fmt.Println(\"clicked\") })\nb.Click()\nd := widgets.NewDropdown(\"act\", []string{\"relu\", \"tanh\"}, \"tanh\")\nd\n")
	if err := Run(Config{In: in, Out: &out, Err: &errb, ImageDir: t.TempDir()}); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "clicked\n") || !strings.Contains(out.String(), `act: tanh (one of ["relu" "tanh"])`) {
		t.Errorf("stdout %q", out.String())
	}
}
