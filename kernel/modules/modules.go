// Package modules brings third-party Go modules to an interpreter session, interpreted from source: Get
// resolves modules with the Go toolchain (`go get`, through the module proxy into the module cache, as a
// Go program would), and lays their packages out as a GOPATH tree (src/IMPORT/PATH/*.go) that yaegi's
// GoPath option reads. Check tells, before the interpreter tries, whether a package can run there at all:
// a package (or a dependency) that needs cgo or assembly cannot.
//
// A Tree belongs to one session: the versions it holds are those that session asked for, resolved
// together by the Go toolchain's minimal version selection in the tree's own go.mod.
package modules

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Package is a package that Get laid out in the tree.
type Package struct {
	ImportPath string
	Name       string // the package clause's name
	Dir        string // its directory in the module cache
	Module     string // the module's path and version, e.g. "github.com/montanaflynn/stats v0.7.1"
	Problem    string // why the interpreter cannot run it ("" when it can try)
	Imports    []string
}

// Module is a module named to Get.
type Module struct {
	Path, Version string
	Importable    []string // its packages that the interpreter can try (not main, no cgo or assembly)
	Unusable      int      // its packages that need cgo or assembly (or failed to load)
}

// Tree is a GOPATH-style tree of interpreted packages, plus the Go module that resolves them.
type Tree struct {
	root string // the tree; the GOPATH is root/gopath

	mu   sync.Mutex
	pkgs map[string]*Package
}

// NewTree returns a tree rooted at root, which is created on the first Get.
func NewTree(root string) *Tree { return &Tree{root: root, pkgs: map[string]*Package{}} }

// GoPath is the directory to give yaegi as its GoPath.
func (t *Tree) GoPath() string { return filepath.Join(t.root, "gopath") }

// Remove deletes the tree (not the module cache).
func (t *Tree) Remove() error { return os.RemoveAll(t.root) }

// ErrNoGo is returned by Get when the go command cannot be found.
var ErrNoGo = errors.New("fetching modules needs the Go toolchain: the go command is not on PATH (install Go from https://go.dev/dl)")

// Get resolves specs (module or package paths, each optionally @version, as `go get` takes them) with
// the go command, writes its progress lines ("go: downloading …") to progress, and lays out every
// package of the named modules and their dependencies. It returns the modules named by specs.
func (t *Tree) Get(ctx context.Context, specs []string, progress io.Writer) ([]Module, error) {
	if len(specs) == 0 {
		return nil, errors.New("name a module: %get example.com/mod@v1.2.3 (or @latest, or no version for the latest)")
	}
	for _, s := range specs {
		if strings.HasPrefix(s, "-") {
			return nil, fmt.Errorf("%s: flags are not supported; name modules, e.g. example.com/mod@v1.2.3", s)
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, ErrNoGo
	}
	work := filepath.Join(t.root, "mod")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(work, "go.mod")); err != nil {
		if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte("module notmagic.cells\n"), 0o644); err != nil {
			return nil, err
		}
	}
	if err := t.goRun(ctx, goCmd, work, progress, append([]string{"get"}, specs...)...); err != nil {
		return nil, err
	}
	var patterns []string
	for _, s := range specs {
		p, _, _ := strings.Cut(s, "@")
		patterns = append(patterns, p+"/...")
	}
	var out bytes.Buffer
	list := append([]string{"list", "-deps", "-e", "-json=ImportPath,Name,Dir,Module,CgoFiles,SFiles,Imports,Standard,Error"}, patterns...)
	if err := t.goRunTo(ctx, goCmd, work, &out, progress, list...); err != nil {
		return nil, err
	}
	return t.layOut(&out, specs)
}

// goRun runs go ARGS in dir, passing its stderr lines to progress; a failure returns them.
func (t *Tree) goRun(ctx context.Context, goCmd, dir string, progress io.Writer, args ...string) error {
	return t.goRunTo(ctx, goCmd, dir, io.Discard, progress, args...)
}

func (t *Tree) goRunTo(ctx context.Context, goCmd, dir string, stdout, progress io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	// GOTOOLCHAIN=local: never download another Go to satisfy a module's go line; GOFLAGS=-mod=mod:
	// the tree's go.mod is ours to update. GOWORK=off: a go.work around the session's directory is not ours.
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOWORK=off")
	cmd.Stdout = stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	var lines []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if progress != nil {
				fmt.Fprintln(progress, sc.Text())
			}
		}
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, "go: ")
		}
		msg := strings.TrimSpace(strings.Join(lines, "\n"))
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("go %s: %s", args[0], msg)
	}
	return nil
}

// listed is the part of `go list -json` that layOut reads.
type listed struct {
	ImportPath, Name, Dir string
	Standard              bool
	Module                *struct{ Path, Version, Dir string }
	CgoFiles, SFiles      []string
	Imports               []string
	Error                 *struct{ Err string }
}

// layOut reads go list's output, links each non-standard package's Go files into the tree and records
// why a package cannot run in the interpreter.
func (t *Tree) layOut(r io.Reader, specs []string) ([]Module, error) {
	gopath := t.GoPath()
	mods := map[string]*Module{}
	dec := json.NewDecoder(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list: %v", err)
		}
		if p.Standard || p.Module == nil || p.Dir == "" {
			continue
		}
		pkg := &Package{ImportPath: p.ImportPath, Name: p.Name, Dir: p.Dir, Module: p.Module.Path + " " + p.Module.Version, Imports: p.Imports}
		switch {
		case p.Error != nil:
			pkg.Problem = "it does not load: " + p.Error.Err
		case len(p.CgoFiles) > 0:
			pkg.Problem = fmt.Sprintf("it uses cgo (import \"C\" in %s), and the interpreter runs Go only", p.CgoFiles[0])
		case len(p.SFiles) > 0:
			pkg.Problem = fmt.Sprintf("it has assembly (%s), which the interpreter cannot run", p.SFiles[0])
		}
		if pkg.Problem == "" {
			if err := linkGoFiles(p.Dir, filepath.Join(gopath, "src", filepath.FromSlash(p.ImportPath))); err != nil {
				return nil, err
			}
		}
		t.pkgs[p.ImportPath] = pkg
		m := mods[p.Module.Path]
		if m == nil {
			m = &Module{Path: p.Module.Path, Version: p.Module.Version}
			mods[p.Module.Path] = m
		}
		switch {
		case pkg.Problem != "":
			m.Unusable++
		case p.Name != "main":
			m.Importable = append(m.Importable, p.ImportPath)
		}
	}
	var named []Module
	for _, s := range specs {
		path, _, _ := strings.Cut(s, "@")
		var best *Module
		for mp, m := range mods { // the module that holds path: the longest module path that prefixes it
			if (path == mp || strings.HasPrefix(path, mp+"/")) && (best == nil || len(mp) > len(best.Path)) {
				best = m
			}
		}
		if best == nil {
			return nil, fmt.Errorf("%s: go get found it, but it holds no Go packages", s)
		}
		named = append(named, *best)
	}
	return named, nil
}

// linkGoFiles makes dst hold dir's non-test .go files: symbolic links into the module cache, or copies
// where links cannot be made (Windows without the privilege).
func linkGoFiles(dir, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, to := filepath.Join(dir, name), filepath.Join(dst, name)
		os.Remove(to) // a file of an earlier version
		if os.Symlink(src, to) == nil {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Lookup returns the package laid out at importPath, or nil.
func (t *Tree) Lookup(importPath string) *Package {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pkgs[importPath]
}

// Check returns nil when importPath and every package it imports (transitively) can be tried by the
// interpreter, and otherwise an error that names the package at fault and why.
func (t *Tree) Check(importPath string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[string]bool{}
	var walk func(path string, chain []string) error
	walk = func(path string, chain []string) error {
		if seen[path] {
			return nil
		}
		seen[path] = true
		p := t.pkgs[path]
		if p == nil {
			return nil // the standard library, or a package the interpreter has compiled
		}
		if p.Problem != "" {
			if len(chain) == 0 {
				return fmt.Errorf("package %q (%s) cannot be imported: %s", path, p.Module, p.Problem)
			}
			return fmt.Errorf("package %q cannot be imported: it needs %q (%s, through %s), and %s", chain[0], path, p.Module, strings.Join(append(chain, path), " → "), p.Problem)
		}
		imports := append([]string(nil), p.Imports...)
		sort.Strings(imports)
		for _, imp := range imports {
			if err := walk(imp, append(chain, path)); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(importPath, nil)
}
