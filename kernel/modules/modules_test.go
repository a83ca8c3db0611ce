package modules

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
)

// TestCheckNamesTheCulprit: a package is importable only when it and everything it imports can run;
// otherwise the error names the package at fault, its module and the chain that needs it.
func TestCheckNamesTheCulprit(t *testing.T) {
	tr := NewTree(filepath.Join(os.TempDir(), "never-created")) // Check reads no files
	tr.pkgs = map[string]*Package{
		"ex.com/app":      {ImportPath: "ex.com/app", Module: "ex.com/app v1.0.0", Imports: []string{"fmt", "ex.com/app/util"}},
		"ex.com/app/util": {ImportPath: "ex.com/app/util", Module: "ex.com/app v1.0.0", Imports: []string{"ex.com/fast"}},
		"ex.com/fast":     {ImportPath: "ex.com/fast", Module: "ex.com/fast v0.3.0", Problem: "it has assembly (sum_amd64.s), which the interpreter cannot run"},
		"ex.com/pure":     {ImportPath: "ex.com/pure", Module: "ex.com/pure v1.2.0", Imports: []string{"strings"}},
		"ex.com/loop":     {ImportPath: "ex.com/loop", Module: "ex.com/loop v1.0.0", Imports: []string{"ex.com/loop", "ex.com/pure"}},
	}
	for _, c := range []struct{ path, want string }{
		{"ex.com/pure", ""},
		{"ex.com/loop", ""}, // an import cycle ends
		{"ex.com/fast", `package "ex.com/fast" (ex.com/fast v0.3.0) cannot be imported: it has assembly (sum_amd64.s), which the interpreter cannot run`},
		{"ex.com/app", `package "ex.com/app" cannot be imported: it needs "ex.com/fast" (ex.com/fast v0.3.0, through ex.com/app → ex.com/app/util → ex.com/fast), and it has assembly (sum_amd64.s), which the interpreter cannot run`},
	} {
		err := tr.Check(c.path)
		if got := ""; err != nil {
			got = err.Error()
			if got != c.want {
				t.Errorf("Check(%s) = %q, want %q", c.path, got, c.want)
			}
		} else if c.want != "" {
			t.Errorf("Check(%s) = nil, want %q", c.path, c.want)
		}
	}
}

// TestLayOut reads go list's JSON for packages in real directories: Go files (not tests) are linked
// into the GOPATH tree; cgo, assembly and load errors are recorded, not laid out; main packages are not
// offered for import.
func TestLayOut(t *testing.T) {
	cache := t.TempDir()
	write := func(rel, text string) string {
		p := filepath.Join(cache, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Dir(p)
	}
	lib := write("lib/lib.go", "package lib\n")
	write("lib/lib_test.go", "package lib\n")
	cgo := write("cgo/c.go", "package cgo\nimport \"C\"\n")
	cmd := write("cmd/main.go", "package main\n")
	tr := NewTree(t.TempDir())
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // Windows paths have backslashes
	js := `{"ImportPath": "ex.com/m/lib", "Name": "lib", "Dir": ` + q(lib) + `, "Module": {"Path": "ex.com/m", "Version": "v1.0.0"}, "Imports": ["strings"]}
{"ImportPath": "strings", "Name": "strings", "Standard": true}
{"ImportPath": "ex.com/m/cgo", "Name": "cgo", "Dir": ` + q(cgo) + `, "Module": {"Path": "ex.com/m", "Version": "v1.0.0"}, "CgoFiles": ["c.go"]}
{"ImportPath": "ex.com/m/cmd", "Name": "main", "Dir": ` + q(cmd) + `, "Module": {"Path": "ex.com/m", "Version": "v1.0.0"}}
{"ImportPath": "ex.com/m/bad", "Name": "bad", "Dir": ` + q(cmd) + `, "Module": {"Path": "ex.com/m", "Version": "v1.0.0"}, "Error": {"Err": "no Go files"}}
`
	mods, err := tr.layOut(strings.NewReader(js), []string{"ex.com/m/lib@v1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 || mods[0].Path != "ex.com/m" || mods[0].Version != "v1.0.0" || strings.Join(mods[0].Importable, ",") != "ex.com/m/lib" || mods[0].Unusable != 2 {
		t.Errorf("modules: %+v", mods)
	}
	src := filepath.Join(tr.GoPath(), "src", "ex.com", "m")
	if b, err := os.ReadFile(filepath.Join(src, "lib", "lib.go")); err != nil || string(b) != "package lib\n" {
		t.Errorf("lib.go in the tree: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(src, "lib", "lib_test.go")); err == nil {
		t.Error("a test file was laid out")
	}
	if _, err := os.Stat(filepath.Join(src, "cgo")); err == nil {
		t.Error("a cgo package was laid out")
	}
	if p := tr.Lookup("ex.com/m/cgo"); p == nil || !strings.Contains(p.Problem, `uses cgo (import "C" in c.go)`) {
		t.Errorf("cgo package: %+v", p)
	}
	if p := tr.Lookup("ex.com/m/bad"); p == nil || p.Problem != "it does not load: no Go files" {
		t.Errorf("bad package: %+v", p)
	}
	if tr.Lookup("strings") != nil {
		t.Error("a standard package was recorded")
	}
	if _, err := tr.layOut(strings.NewReader(js), []string{"ex.com/other"}); err == nil {
		t.Error("a spec that matched no module was accepted")
	}
}

// TestGetWithoutGo: without the go command Get says what is missing.
func TestGetWithoutGo(t *testing.T) {
	unused := filepath.Join(os.TempDir(), "never-created") // Get fails before it writes anything
	t.Setenv("PATH", unused)
	if _, err := NewTree(unused).Get(context.Background(), []string{"ex.com/m"}, nil); err != ErrNoGo {
		t.Errorf("Get without go: %v", err)
	}
	if _, err := NewTree(unused).Get(context.Background(), nil, nil); err == nil {
		t.Error("Get of nothing succeeded")
	}
}

// TestGetFromProxy fetches github.com/montanaflynn/stats v0.7.1 (a small, stable, pure-Go module) and
// golang.org/x/sys through the module proxy, as %get does. Without network it skips, unless
// NOTMAGIC_REQUIRE_NETWORK is set (as in CI).
func TestGetFromProxy(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	tr := NewTree(t.TempDir())
	defer tr.Remove()
	var progress strings.Builder
	mods, err := tr.Get(context.Background(), []string{"github.com/montanaflynn/stats@v0.7.1", "golang.org/x/sys@v0.50.0"}, &progress)
	if err != nil {
		testexec.RequireNetwork(t, err)
	}
	if len(mods) != 2 || mods[0].Path != "github.com/montanaflynn/stats" || mods[0].Version != "v0.7.1" || !contains(mods[0].Importable, "github.com/montanaflynn/stats") {
		t.Errorf("modules: %+v", mods)
	}
	if !strings.Contains(progress.String(), "github.com/montanaflynn/stats v0.7.1") {
		t.Errorf("progress: %q", progress.String())
	}
	if _, err := os.Stat(filepath.Join(tr.GoPath(), "src", "github.com", "montanaflynn", "stats", "median.go")); err != nil {
		t.Error(err)
	}
	if err := tr.Check("github.com/montanaflynn/stats"); err != nil {
		t.Error(err)
	}
	if err := tr.Check("golang.org/x/sys/cpu"); err == nil || !strings.Contains(err.Error(), "it has assembly (cpu_") {
		t.Errorf("x/sys/cpu: %v", err)
	}
	if _, err := tr.Get(context.Background(), []string{"example.com/no/such/module@v1.0.0"}, nil); err == nil || !strings.Contains(err.Error(), "example.com/no/such/module") {
		t.Errorf("a missing module: %v", err)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
