package symbols

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestTablesCurrent fails when a library exports a non-generic function, type, constant or variable
// that its symbol table lacks (or a whole package is missing): run `go generate ./kernel/...`.
func TestTablesCurrent(t *testing.T) {
	const module = "github.com/notmagic/notmagic"
	for _, p := range Packages {
		dir := filepath.Join("..", "..", strings.TrimPrefix(p, module+"/"))
		if _, err := os.Stat(dir); err != nil {
			continue // the package does not exist in this tree
		}
		bp, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		table, ok := Symbols[p+"/"+bp.Name]
		if !ok {
			t.Errorf("no symbol table for %s: run go generate ./kernel/...", p)
			continue
		}
		fset := token.NewFileSet()
		for _, name := range bp.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range exported(f) {
				if _, ok := table[want]; !ok {
					t.Errorf("%s.%s (%s) is missing from the symbol table: run go generate ./kernel/...", path.Base(p), want, name)
				}
			}
		}
	}
}

// exported lists the exported non-generic package-level names of f.
func exported(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() && d.Type.TypeParams == nil {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					if sp.Name.IsExported() && sp.TypeParams == nil {
						names = append(names, sp.Name.Name)
					}
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						if id.IsExported() {
							names = append(names, id.Name)
						}
					}
				}
			}
		}
	}
	return names
}
