package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain runs the command line and returns its exit status, standard output and standard error.
func runMain(args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := Main(args, Streams{In: strings.NewReader(""), Out: &out, Err: &errs})
	return code, out.String(), errs.String()
}

func TestMainDispatch(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		out, err   string // substrings expected
		notInUsage bool
	}{
		{args: nil, code: 2, err: "usage: notmagic COMMAND"},
		{args: []string{"help"}, code: 0, err: "commands:"},
		{args: []string{"frobnicate"}, code: 2, err: `unknown command "frobnicate"`},
		{args: []string{"version"}, code: 0, out: "notmagic " + Version},
		{args: []string{"version", "x"}, code: 1, err: "unexpected argument"},
		{args: []string{"run", "-h"}, code: 0, err: "usage: notmagic run FILE|DIR"},
		{args: []string{"run"}, code: 1, err: "missing FILE"},
		{args: []string{"kernel"}, code: 1, err: "usage: notmagic kernel -f CONNECTION_FILE"},
		{args: []string{"kernel", "--nope"}, code: 1, err: "flag provided but not defined: -nope"},
		{args: []string{"kernel", "-f", "/nonexistent/kernel.json"}, code: 1, err: "notmagic kernel:"},
		{args: []string{"bench"}, code: 1, err: "usage: notmagic bench gpt"},
		{args: []string{"bench", "tpu"}, code: 1, err: `unknown benchmark "tpu"`},
		{args: []string{"bench", "matmul", "-threads", "0"}, code: 1, err: `"0" is not a positive integer`},
		{args: []string{"bench", "matmul", "-clock", "sundial"}, code: 1, err: `-clock "sundial"`},
		{args: []string{"bench", "matmul", "2x3"}, code: 1, err: "notmagic bench:"},
		{args: []string{"gallery", "a", "b"}, code: 1, err: "want at most one directory"},
		{args: []string{"sample", "stray"}, code: 1, err: `unexpected argument "stray"`},
	}
	for _, tc := range tests {
		code, out, errs := runMain(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
			t.Errorf("notmagic %q: status %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, out, errs, tc.code, tc.out, tc.err)
		}
	}
}

// TestKernelCmdErrors: a bad connection file is a clear error, not a hang.
func TestKernelCmdErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"transport":"carrier-pigeon"}`), 0o600)
	for _, args := range [][]string{{}, {"-f", filepath.Join(dir, "missing.json")}, {"-f", bad}, {"--nope"}} {
		if err := kernelCmd(Streams{Out: io.Discard, Err: io.Discard}, args); err == nil {
			t.Errorf("kernel %q: no error", args)
		}
	}
}

func TestBenchMatmul(t *testing.T) {
	code, out, errs := runMain("bench", "matmul", "-threads", "1,2", "-time", "5ms", "17x9x33:TN", "8")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), out)
	}
	var r struct {
		M, N, K int
		Trans   string
		Threads int
		GFlops  float64
	}
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil {
		t.Fatal(err)
	}
	if r.M != 17 || r.N != 9 || r.K != 33 || r.Trans != "TN" || r.Threads != 2 || !(r.GFlops > 0) {
		t.Errorf("unexpected result %+v", r)
	}
}

// TestRunExitStatus: a script's os.Exit(n) becomes the process's exit status, without an error message.
func TestRunExitStatus(t *testing.T) {
	f := filepath.Join(t.TempDir(), "exit.go")
	os.WriteFile(f, []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfmt.Println(\"bye\")\n\tos.Exit(3)\n}\n"), 0o644)
	code, out, errs := runMain("run", f, "--out", t.TempDir())
	if code != 3 || !strings.Contains(out, "bye") || strings.Contains(errs, "notmagic run:") {
		t.Errorf("status %d, stdout %q, stderr %q; want 3, bye, no error line", code, out, errs)
	}
}
