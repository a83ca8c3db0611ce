package jupyter

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBench runs the kernel benchmark on this test binary acting as the kernel (TestMain): every
// figure comes back with a positive median, the soak reads the kernel's memory, and a failing cell, a
// command that is not a kernel and a kernel that never answers are errors that say so.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kernel processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	kernel := BenchOptions{Kernel: "notmagic", Argv: []string{exe, "kernel", "-f", "{connection_file}", "--quiet"},
		Env: []string{"NOTMAGIC_KERNEL_CHILD=1"}}
	o := kernel
	o.Cells = []BenchCell{{"1+1", "1+1"}, {"print", `fmt.Println("hello")`},
		{"figure", `plots.Func("x²", -1, 1, plots.Fn{Name: "x²", F: func(x float64) float64 { return x * x }})`}}
	o.Runs, o.Warmup, o.Starts = 5, 1, 2
	o.InterruptCode, o.Interrupts = "for {\n}", 2
	if runtime.GOOS == "linux" {
		o.SoakCode, o.SoakWarmup, o.Soak = o.Cells[2].Code, 2, 5
	}
	var got []BenchResult
	if err := Bench(context.Background(), o, func(r BenchResult) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"start", "shutdown", "1+1", "print", "figure", "interrupt"}
	if o.Soak > 0 {
		want = append(want, "soak")
	}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.Case != want[i] || r.Kernel != "notmagic" {
			t.Errorf("result %d: %+v, want case %s", i, r, want[i])
		}
		if r.Case == "soak" {
			if r.N != 5 || r.RSSBeforeMB <= 0 || r.RSSAfterMB <= 0 || r.RSSPeakMB < r.RSSAfterMB {
				t.Errorf("soak: %+v", r)
			}
			continue
		}
		if r.MedianMs <= 0 || r.P95Ms < r.MedianMs {
			t.Errorf("%s: median %v ms, p95 %v ms", r.Case, r.MedianMs, r.P95Ms)
		}
	}
	t.Logf("%+v", got)

	bad := kernel
	bad.Cells = []BenchCell{{"bad", "undefinedName + 1"}}
	bad.Runs = 1
	err = Bench(context.Background(), bad, func(BenchResult) {})
	if err == nil || !strings.Contains(err.Error(), "case bad") || !strings.Contains(err.Error(), "undefinedName") {
		t.Errorf("a failing cell: %v", err)
	}

	// A cell that ends by itself is not an interrupt.
	quick := kernel
	quick.InterruptCode, quick.Interrupts = "1+1", 1
	if err := Bench(context.Background(), quick, func(BenchResult) {}); err == nil || !strings.Contains(err.Error(), "interrupt") {
		t.Errorf("an interrupt of a cell that ends by itself: %v", err)
	}

	missing := BenchOptions{Kernel: "nothing", Argv: []string{"/nonexistent/kernel"}, Starts: 1}
	if err := Bench(context.Background(), missing, func(BenchResult) {}); err == nil || !strings.Contains(err.Error(), "nothing") {
		t.Errorf("a missing command: %v", err)
	}

	silent := BenchOptions{Kernel: "silent", Argv: []string{exe, "-test.run=^$"}, Starts: 1, Timeout: time.Second}
	if err := Bench(context.Background(), silent, func(BenchResult) {}); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("a process that never answers: %v", err)
	}
}

// TestBenchJupyterClient runs the same benchmark through Python's jupyter_client: a start-up, each
// case, and the client's own share of the first; a failing cell is an error that names it.
func TestBenchJupyterClient(t *testing.T) {
	requirePython(t, "jupyter_client")
	python := systemPython
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o := BenchOptions{Kernel: "notmagic", Argv: []string{exe, "kernel", "-f", "{connection_file}", "--quiet"},
		Env: []string{"NOTMAGIC_KERNEL_CHILD=1"}, Cells: []BenchCell{{"1+1", "1+1"}, {"print", `fmt.Println("hello")`}},
		Runs: 5, Warmup: 1, Starts: 1}
	var got []BenchResult
	if err := BenchJupyterClient(context.Background(), python, []BenchOptions{o}, func(r BenchResult) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"start", "1+1", "print", "1+1 client"}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.Case != want[i] || r.Kernel != "notmagic" || r.Frontend != "jupyter_client" || r.MedianMs <= 0 || r.P95Ms < r.MedianMs {
			t.Errorf("result %d: %+v, want case %s", i, r, want[i])
		}
	}
	t.Logf("%+v", got)

	o.Cells, o.Starts = []BenchCell{{"bad", "undefinedName + 1"}}, 0
	err = BenchJupyterClient(context.Background(), python, []BenchOptions{o}, func(BenchResult) {})
	if err == nil || !strings.Contains(err.Error(), "undefinedName") {
		t.Errorf("a failing cell: %v", err)
	}
}
