package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/notmagic/notmagic/kernel/jupyter"
)

// The cells `bench kernel` times, by case: the same work in each kernel's language.
var (
	notmagicCells = []jupyter.BenchCell{
		{Case: "1+1", Code: "1+1"},
		{Case: "print", Code: `fmt.Println("hello")`},
		{Case: "figure", Code: figureCell},
	}
	ipykernelCells = []jupyter.BenchCell{
		{Case: "1+1", Code: "1+1"},
		{Case: "print", Code: `print("hello")`},
	}
)

// figureCell returns a small line plot, which the kernel renders to PNG and sends as display data.
const figureCell = `plots.Func("x²", -1, 1, plots.Fn{Name: "x²", F: func(x float64) float64 { return x * x }})`

// benchKernel is `notmagic bench kernel`: the kernel's start-up and execute round trips (and, with
// --soak, its memory over many figure cells) through real sockets, as JSON lines, with ipykernel
// measured in the same run by the same client where it is installed, and the ratios.
func benchKernel(s Streams, args []string) error {
	fs := newFlags(s, "bench kernel", `usage: notmagic bench kernel [-n 200] [-starts 10] [-interrupts 10] [-soak 1000] [-ipykernel auto|off] [-jupyter-client auto|off] [-python /usr/bin/python3] [-cpuprofile FILE]

Starts the kernel (this binary's, and ipykernel's where python3 has it) as Jupyter would, and prints a JSON
line per figure: start-up to the first kernel_info_reply, shutdown_request to the process's exit, an
interrupt_request to the end of a busy loop, and the execute round trip (request to idle) of 1+1, of a
cell that prints and of one that returns a small figure: median and 95th percentile in ms.
The figures come from a minimal frontend in Go ("frontend":"bench"), then, where python3 has jupyter_client,
from jupyter_client ("frontend":"jupyter_client": start_new_kernel, and the client's own share of a cell).
Then one line per frontend and case with the ratio notmagic/ipykernel of the medians. With -soak N, the
kernel runs N figure cells after 200 of warm-up, and its resident set is read after each (Linux).`)
	n := fs.Int("n", 200, "timed executes of each cell (after 20 untimed)")
	starts := fs.Int("starts", 10, "timed start-ups (and shutdowns)")
	interrupts := fs.Int("interrupts", 10, "timed interrupts of a busy loop")
	soak := fs.Int("soak", 0, "figure cells of the memory soak (0: none)")
	ipy := fs.String("ipykernel", "auto", "measure ipykernel too: auto (where python3 has it) or off")
	jc := fs.String("jupyter-client", "auto", "measure through jupyter_client too: auto (where python3 has it) or off")
	python := fs.String("python", "/usr/bin/python3", "the Python that runs ipykernel and jupyter_client")
	profile := fs.String("cpuprofile", "", "write a pprof CPU profile of the notmagic kernel that runs the cells to this file")
	memProfile := fs.String("memprofile", "", "write a pprof heap profile of that kernel at its shutdown to this file")
	only := fs.String("cases", "1+1,print,figure", "the cells to time, comma-separated: 1+1, print, figure")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *starts < 0 || *soak < 0 || *interrupts < 0 {
		return fmt.Errorf("bench kernel: -n must be at least 1, -starts, -interrupts and -soak at least 0")
	}
	if *ipy != "auto" && *ipy != "off" {
		return fmt.Errorf("bench kernel: -ipykernel is auto or off, not %q", *ipy)
	}
	if *jc != "auto" && *jc != "off" {
		return fmt.Errorf("bench kernel: -jupyter-client is auto or off, not %q", *jc)
	}
	nm, py, err := pickCells(*only)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(s.Out)
	type key struct{ frontend, kernel, cas string }
	medians := map[key]float64{}
	var order []key // the cases as they came, for the ratios
	emit := func(r jupyter.BenchResult) {
		enc.Encode(r)
		if r.MedianMs > 0 {
			medians[key{r.Frontend, r.Kernel, r.Case}] = r.MedianMs
			order = append(order, key{r.Frontend, "", r.Case})
		}
	}
	ctx := context.Background()
	plain := []string{exe, "kernel", "-f", "{connection_file}", "--quiet"}
	argv := slices.Clone(plain) // with the profiling flags asked for
	if err := jupyter.Bench(ctx, jupyter.BenchOptions{Kernel: "notmagic", Argv: argv, Starts: *starts}, emit); err != nil {
		return err
	}
	if *profile != "" {
		abs, err := filepath.Abs(*profile)
		if err != nil {
			return err
		}
		argv = append(argv, "--cpuprofile", abs)
	}
	if *memProfile != "" {
		abs, err := filepath.Abs(*memProfile)
		if err != nil {
			return err
		}
		argv = append(argv, "--memprofile", abs)
	}
	err = jupyter.Bench(ctx, jupyter.BenchOptions{
		Kernel: "notmagic", Argv: argv, Cells: nm, Runs: *n, Warmup: 20,
		InterruptCode: "for {\n}", Interrupts: *interrupts,
		SoakCode: figureCell, SoakWarmup: 200, Soak: *soak,
	}, emit)
	if err != nil {
		return err
	}
	ipyOpts := jupyter.BenchOptions{
		Kernel: "ipykernel", Argv: []string{*python, "-m", "ipykernel_launcher", "-f", "{connection_file}"},
		Env:   []string{"PYTHONWARNINGS=ignore", "JUPYTER_PLATFORM_DIRS=1"},
		Cells: py, Runs: *n, Warmup: 20, Starts: *starts, Timeout: 60 * time.Second,
		InterruptCode: "while True:\n    pass", Interrupts: *interrupts,
	}
	withIPy := *ipy == "auto" && pythonHas(s, *python, "ipykernel")
	if withIPy {
		if err := jupyter.Bench(ctx, ipyOpts, emit); err != nil {
			return err
		}
	}
	if *jc == "auto" && pythonHas(s, *python, "jupyter_client") {
		kernels := []jupyter.BenchOptions{{Kernel: "notmagic", Argv: plain, Cells: nm, Runs: *n, Warmup: 20, Starts: *starts}}
		if withIPy {
			kernels = append(kernels, ipyOpts)
		}
		if err := jupyter.BenchJupyterClient(ctx, *python, kernels, emit); err != nil {
			return err
		}
	}
	seen := map[key]bool{}
	for _, k := range order {
		nm, ipy := medians[key{k.frontend, "notmagic", k.cas}], medians[key{k.frontend, "ipykernel", k.cas}]
		if seen[k] || nm == 0 || ipy == 0 || strings.HasSuffix(k.cas, " client") {
			continue
		}
		seen[k] = true
		enc.Encode(map[string]any{"ratio": "notmagic/ipykernel", "frontend": k.frontend, "case": k.cas, "median": math.Round(1000*nm/ipy) / 1000})
	}
	return nil
}

// pythonHas reports whether python can import module, and says on s.Err why not when it cannot.
func pythonHas(s Streams, python, module string) bool {
	out, err := exec.Command(python, "-c", "import "+module).CombinedOutput()
	if err != nil {
		fmt.Fprintf(s.Err, "bench kernel: not measured with %s: %s cannot import it (%v): %s\n", module, python, err, strings.TrimSpace(string(out)))
		return false
	}
	return true
}

// pickCells returns the cells of the comma-separated cases in list, for notmagic and for ipykernel
// (which has no figure cell: that needs matplotlib, which the reference setup lacks).
func pickCells(list string) (nm, py []jupyter.BenchCell, err error) {
	for _, name := range strings.Split(list, ",") {
		found := false
		for _, c := range notmagicCells {
			if c.Case == name {
				nm, found = append(nm, c), true
			}
		}
		for _, c := range ipykernelCells {
			if c.Case == name {
				py = append(py, c)
			}
		}
		if !found {
			return nil, nil, fmt.Errorf("bench kernel: unknown case %q in -cases (have 1+1, print, figure)", name)
		}
	}
	return nm, py, nil
}
