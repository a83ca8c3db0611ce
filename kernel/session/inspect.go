package session

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"
)

const modulePath = "github.com/notmagic/notmagic"

func parserParse(src string) (*ast.File, error) {
	return parser.ParseFile(token.NewFileSet(), "", src, 0)
}

// Inspect returns the signature and doc comment of the symbol at cursor: a package member (`nn.Randn`,
// `strings.Split`), a method or field of a live value (`x.Backward`), a package name, or a global of the
// session (its type and value). detail 1 adds the whole declaration for types. Docs come from the Go
// sources of the standard library (GOROOT) and of notmagic's packages (found from the working directory
// or the binary's location); without sources the signature is given from reflection.
func (s *Session) Inspect(code string, cursor, detail int) (MIMEBundle, bool) {
	off := byteOffset(code, cursor)
	// extend to the whole identifier under the cursor, then take the chain before it
	j := off
	for j < len(code) {
		r, size := utf8.DecodeRuneInString(code[j:])
		if !isIdentRune(r) {
			break
		}
		j += size
	}
	// the name under the cursor, else the callee of the call the cursor is in
	var chains []string
	if c := identChain(code[:j]); c != "" {
		chains = append(chains, c)
	}
	depth := 0
	for k := off - 1; k >= 0; k-- {
		switch code[k] {
		case ')':
			depth++
		case '(':
			if depth == 0 {
				if c := identChain(code[:k]); c != "" {
					chains = append(chains, c)
				}
				k = 0
			}
			depth--
		}
	}
	text := ""
	for _, c := range chains {
		if text = s.describe(c, detail); text != "" {
			break
		}
	}
	if text == "" {
		return nil, false
	}
	return MIMEBundle{"text/plain": text}, true
}

// describe returns the help text of a chain of names.
func (s *Session) describe(chain string, detail int) string {
	parts := strings.Split(chain, ".")
	s.mu.Lock()
	path, isPkg := s.imports[parts[0]]
	s.mu.Unlock()
	if isPkg {
		if len(parts) == 1 {
			if d := packageDoc(path); d != nil {
				return "package " + d.Name + " // import \"" + path + "\"\n\n" + strings.TrimSpace(d.Doc)
			}
			return "package " + parts[0] + " // import \"" + path + "\""
		}
		if len(parts) == 2 {
			if t := symbolDoc(path, parts[1], detail); t != "" {
				return t
			}
			// No source: the signature from the symbol table.
			for _, m := range s.in.Symbols(path) {
				if v, ok := m[parts[1]]; ok {
					return parts[0] + "." + parts[1] + " " + typeString(v)
				}
			}
			return ""
		}
	}
	// A method of a cell's type, a method or field of a live value, or the value itself.
	if len(parts) == 2 {
		s.mu.Lock()
		d, ok := s.cellDocs[s.varTypes[parts[0]]+"."+parts[1]]
		if !ok {
			d, ok = s.cellDocs[parts[0]+"."+parts[1]] // T.Method
		}
		s.mu.Unlock()
		if ok {
			return strings.ReplaceAll(d, mainAlias, "main")
		}
	}
	if len(parts) >= 2 {
		recv := strings.Join(parts[:len(parts)-1], ".")
		if v, ok := s.evalChain(recv); ok {
			return memberDoc(v, parts[len(parts)-1], detail)
		}
		return ""
	}
	s.mu.Lock()
	d, ok := s.cellDocs[chain]
	s.mu.Unlock()
	if ok {
		return strings.ReplaceAll(d, mainAlias, "main")
	}
	if v, ok := s.evalChain(chain); ok {
		if v.Kind() == reflect.Func {
			return chain + " " + typeString(v)
		}
		val := fmt.Sprintf("%v", safeInterface(v))
		if len(val) > 200 {
			val = val[:200] + "…"
		}
		return fmt.Sprintf("%s %s = %s", chain, typeString(v), val)
	}
	return ""
}

func safeInterface(v reflect.Value) any {
	if v.IsValid() && v.CanInterface() {
		return v.Interface()
	}
	return v
}

func typeString(v reflect.Value) string {
	if !v.IsValid() {
		return "?"
	}
	t := v.Type()
	if v.Kind() == reflect.Pointer && v.IsNil() && t.Elem().Kind() != reflect.Pointer {
		// yaegi exports a type T as (*T)(nil)
		return "type " + t.Elem().String()
	}
	return t.String()
}

// memberDoc documents field or method name of the value v.
func memberDoc(v reflect.Value, name string, detail int) string {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	t := v.Type()
	named := t
	if named.Kind() == reflect.Pointer {
		named = named.Elem()
	}
	if named.PkgPath() != "" {
		if d := packageDoc(named.PkgPath()); d != nil {
			for _, dt := range d.Types {
				if dt.Name != named.Name() {
					continue
				}
				for _, m := range dt.Methods {
					if m.Name == name {
						return declText(m.Decl) + docSuffix(m.Doc)
					}
				}
				if detail > 0 {
					return declText(dt.Decl) + docSuffix(dt.Doc)
				}
			}
		}
	}
	if m, ok := reflect.PointerTo(named).MethodByName(name); ok {
		return fmt.Sprintf("func (%s) %s%s", t, name, strings.TrimPrefix(m.Type.String(), "func"))
	}
	if named.Kind() == reflect.Struct {
		if f, ok := named.FieldByName(name); ok {
			return fmt.Sprintf("%s.%s %s", named, name, f.Type)
		}
	}
	return ""
}

// symbolDoc documents name in the package at path from its sources.
func symbolDoc(path, name string, detail int) string {
	d := packageDoc(path)
	if d == nil {
		return ""
	}
	for _, f := range d.Funcs {
		if f.Name == name {
			return declText(f.Decl) + docSuffix(f.Doc)
		}
	}
	for _, t := range d.Types {
		for _, f := range t.Funcs {
			if f.Name == name {
				return declText(f.Decl) + docSuffix(f.Doc)
			}
		}
		if t.Name == name {
			decl := declText(t.Decl)
			if detail == 0 {
				if i := strings.IndexByte(decl, '\n'); i > 0 && len(decl) > 600 {
					decl = decl[:i] + " …"
				}
			}
			var methods []string
			for _, m := range t.Methods {
				methods = append(methods, "  "+declText(m.Decl))
			}
			text := decl + docSuffix(t.Doc)
			if len(methods) > 0 {
				text += "\n\nMethods:\n" + strings.Join(methods, "\n")
			}
			return text
		}
	}
	for _, group := range [][]*doc.Value{d.Consts, d.Vars} {
		for _, v := range group {
			for _, n := range v.Names {
				if n == name {
					return declText(v.Decl) + docSuffix(v.Doc)
				}
			}
		}
	}
	return ""
}

func docSuffix(d string) string {
	d = strings.TrimSpace(d)
	if d == "" {
		return ""
	}
	return "\n\n" + d
}

// declText prints a declaration without function bodies.
func declText(decl ast.Decl) string {
	if fd, ok := decl.(*ast.FuncDecl); ok {
		c := *fd
		c.Body = nil
		c.Doc = nil
		decl = &c
	}
	if gd, ok := decl.(*ast.GenDecl); ok {
		c := *gd
		c.Doc = nil
		decl = &c
	}
	var buf bytes.Buffer
	printer.Fprint(&buf, token.NewFileSet(), decl)
	return buf.String()
}

var (
	docMu    sync.Mutex
	docCache = map[string]*doc.Package{}
)

// packageDoc parses the package at import path from source (cached); nil when its source is not found.
func packageDoc(path string) *doc.Package {
	docMu.Lock()
	defer docMu.Unlock()
	if d, ok := docCache[path]; ok {
		return d
	}
	var d *doc.Package
	if dir := sourceDir(path); dir != "" {
		d = parseDoc(dir, path)
	}
	docCache[path] = d
	return d
}

func parseDoc(dir, path string) *doc.Package {
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		return nil
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err == nil {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil
	}
	d, err := doc.NewFromFiles(fset, files, path)
	if err != nil {
		return nil
	}
	return d
}

// sourceDir finds the source directory of an import path: GOROOT/src for the standard library, the
// module's directory (found upwards from the working directory or the executable) for notmagic's own.
func sourceDir(path string) string {
	if rest, ok := strings.CutPrefix(path, modulePath+"/"); ok {
		for _, root := range moduleRoots() {
			dir := filepath.Join(root, filepath.FromSlash(rest))
			if st, err := os.Stat(dir); err == nil && st.IsDir() {
				return dir
			}
		}
		return ""
	}
	goroot := runtime.GOROOT()
	if goroot == "" {
		goroot = os.Getenv("GOROOT")
	}
	if goroot == "" {
		goroot = "/usr/local/go"
	}
	dir := filepath.Join(goroot, "src", filepath.FromSlash(path))
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// moduleRoots returns directories holding notmagic's go.mod, looked for upwards from the working
// directory, the executable, and this source file.
func moduleRoots() []string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	var roots []string
	for _, dir := range starts {
		for {
			if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n")) {
				roots = append(roots, dir)
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return roots
}
