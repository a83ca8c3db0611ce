package session

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"log"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/kernel/symbols/gonum"
	"github.com/traefik/yaegi/interp"
)

// chunkKind is what a run of a cell's top-level items is.
type chunkKind int

const (
	kindStmt   chunkKind = iota // statements: run in the interpreter's main function scope (globals)
	kindDecl                    // const, var, type and func declarations
	kindImport                  // an import declaration
	kindSkip                    // a package clause: dropped, every cell is in package main
)

// resultMode says how a chunk yields the cell's value.
type resultMode int

const (
	resultNo   resultMode = iota
	resultExpr            // the chunk ends in a non-call expression: Execute's value is the result
	resultCall            // the trailing call was wrapped in __nm.Result
)

// alt is a form of a chunk's trailing statement and how it yields the cell's value.
type alt struct {
	stmt ast.Stmt
	mode resultMode
}

// item is one top-level element of a cell (a declaration or a statement), by byte offsets.
type item struct {
	kind       chunkKind
	start, end int
}

// chunk is a run of items of one kind, ready to compile.
type chunk struct {
	kind    chunkKind
	text    string // the cell's text of the chunk
	line    int    // 1-based line in the cell where text starts
	col     int    // 1-based column of text's first byte
	node    ast.Node
	result  resultMode
	imports map[string]string // imports this chunk brings into effect (name → path)
	ranges  []rangeSite       // single-variable ranges over an expression of unknown type
	body    *ast.BlockStmt    // a statement chunk's body, when it ends in an expression
	alts    []alt             // other forms of the trailing statement, tried in order when it does not compile
	decls   []*declRecord     // the declarations to record once the chunk has run (decls.go)
	changed []string          // functions it declares anew, whose callers must be compiled again
}

// splitItems cuts a cell into top-level items with go/scanner (braces, brackets and parentheses nest;
// a semicolon, written or inserted at a newline, ends an item at depth 0).
func splitItems(code string) ([]item, error) {
	fset := token.NewFileSet()
	f := fset.AddFile("", fset.Base(), len(code))
	var s scanner.Scanner
	var errs scanner.ErrorList
	s.Init(f, []byte(code), func(pos token.Position, msg string) { errs.Add(pos, msg) }, 0)
	type tok struct {
		off int
		tok token.Token
		lit string
	}
	var items []item
	var cur []tok
	depth := 0
	header := false // inside the header of for/if/switch, whose semicolons do not end the statement
	flush := func(end int) {
		if len(cur) == 0 {
			return
		}
		it := item{kind: kindStmt, start: cur[0].off, end: end}
		switch cur[0].tok {
		case token.IMPORT:
			it.kind = kindImport
		case token.CONST, token.VAR, token.TYPE:
			it.kind = kindDecl
		case token.PACKAGE:
			it.kind = kindSkip
		case token.FUNC:
			if len(cur) > 1 && cur[1].tok == token.IDENT {
				it.kind = kindDecl
			} else if len(cur) > 1 && cur[1].tok == token.LPAREN {
				// a method declaration has a name after the receiver; a function literal does not
				d := 0
				for i := 1; i < len(cur); i++ {
					switch cur[i].tok {
					case token.LPAREN:
						d++
					case token.RPAREN:
						d--
					}
					if d == 0 {
						if i+2 < len(cur) && cur[i+1].tok == token.IDENT && (cur[i+2].tok == token.LPAREN || cur[i+2].tok == token.LBRACK) {
							it.kind = kindDecl // func (r T) Name( or Name[T any](
						}
						break
					}
				}
			}
		}
		items = append(items, it)
		cur = cur[:0]
	}
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			flush(len(code))
			break
		}
		off := f.Offset(pos)
		switch t {
		case token.FOR, token.IF, token.SWITCH:
			if depth == 0 {
				header = true
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		case token.SEMICOLON:
			if depth <= 0 && !header {
				end := off
				if lit == ";" {
					end = off + 1
				}
				flush(end)
				continue
			}
		}
		cur = append(cur, tok{off, t, lit})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return items, nil
}

// prepare splits a cell into chunks, parses them with positions in the session's line bands, and applies
// the rewrites (imports in effect dropped, loop checks, go statements, range over int, trailing value).
func (s *Session) prepare(code string, src Source) ([]*chunk, error) {
	s.mu.Lock()
	s.nextBase = max(s.nextBase, firstBand)
	base := s.nextBase + src.Line - 1
	s.nextBase += src.Line + 2*strings.Count(code, "\n") + bandSlack
	s.srcs = append(s.srcs, srcRange{base: base - (src.Line - 1), src: src, lines: strings.Split(code, "\n")})
	s.mu.Unlock()
	// s.srcs' base is the band start: interpreter line = band + cell line + src.Line - 1.
	items, err := splitItems(code)
	if err != nil {
		return nil, s.syntaxError(err, base)
	}
	var chunks []*chunk
	prevEnd := 0
	for _, it := range items {
		if it.kind == kindSkip {
			prevEnd = it.end
			continue
		}
		if n := len(chunks); n > 0 && chunks[n-1].kind == it.kind && it.kind != kindImport {
			c := chunks[n-1]
			c.text = code[offsetOf(code, c.line, c.col):it.end]
			prevEnd = it.end
			continue
		}
		// A chunk starts where the previous item ended, so the comments before a declaration
		// (its doc comment) belong to it.
		start := prevEnd
		if start > it.start {
			start = it.start
		}
		line, col := lineCol(code, start)
		chunks = append(chunks, &chunk{kind: it.kind, text: code[start:it.end], line: line, col: col})
		prevEnd = it.end
	}
	fset := s.in.FileSet()
	var out []*chunk
	for i, c := range chunks {
		directive := fmt.Sprintf("//line _.go:%d:%d\n", base+c.line, c.col)
		switch c.kind {
		case kindImport, kindDecl:
			full := "package main\n" + directive + c.text
			f, err := parser.ParseFile(fset, "_.go", full, parser.ParseComments)
			if err != nil {
				return nil, s.syntaxError(err, 0)
			}
			if c.kind == kindDecl {
				recs, changed, rerr := s.checkRedefinitions(f, fset, full, src)
				if rerr != nil {
					return nil, rerr
				}
				if len(f.Decls) == 0 {
					continue // every declaration repeated an earlier one
				}
				c.decls, c.changed = recs, changed
			}
			if c.kind == kindImport {
				keep, err := s.filterImports(f)
				if err != nil {
					return nil, err
				}
				if !keep {
					continue
				}
				c.imports = map[string]string{}
				for _, sp := range f.Imports {
					p, _ := strconv.Unquote(sp.Path.Value)
					name := s.available[p]
					if pkg := s.mods.Lookup(p); name == "" && pkg != nil {
						name = pkg.Name
					}
					if sp.Name != nil {
						name = sp.Name.Name
					}
					c.imports[name] = p
				}
			}
			c.ranges = s.rewrite(f)
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					s.markStatements(fd.Body, false, funcName(fd))
				}
			}
			c.node = f
		case kindStmt:
			f, err := parser.ParseFile(fset, "_.go", "package main; func main() {\n"+directive+c.text+"\n}", parser.ParseComments)
			if err != nil {
				return nil, s.syntaxError(err, 0)
			}
			body := f.Decls[0].(*ast.FuncDecl).Body
			c.ranges = s.rewrite(body)
			s.markStatements(body, true, "")
			wrapNestedDefines(body)
			c.node = body
			if i == len(chunks)-1 && len(body.List) > 0 {
				if es, ok := body.List[len(body.List)-1].(*ast.ExprStmt); ok {
					// The cell's value goes to __nmResult, which also takes its text as the
					// interpreter's fmt prints it (a cell type's String method). When that does not
					// compile (several results, or none), a call's results go to __nm.Result, and
					// failing that the chunk runs as written (yaegi's value of a trailing call that
					// returns nothing is junk, so a call then gives no value).
					c.body = body
					e := es.X
					wrap := func(fun ast.Expr) ast.Stmt {
						return &ast.ExprStmt{X: &ast.CallExpr{Fun: fun, Lparen: e.Pos(), Args: []ast.Expr{e}, Rparen: e.End()}}
					}
					body.List[len(body.List)-1] = wrap(&ast.Ident{NamePos: e.Pos(), Name: "__nmResult"})
					c.result = resultCall
					if call, isCall := e.(*ast.CallExpr); isCall {
						toResult := wrap(&ast.SelectorExpr{X: &ast.Ident{NamePos: e.Pos(), Name: "__nm"}, Sel: &ast.Ident{NamePos: e.Pos(), Name: "Result"}})
						c.alts = []alt{{toResult, resultCall}, {es, resultNo}}
						// A compiled function's results are compiled values, whose text needs no
						// __nmResult; knowing their number spares a compile that fails (and whose
						// leftovers the interpreter keeps: ~8 KiB a cell for fmt.Println).
						switch s.compiledResults(call) {
						case 0:
							body.List[len(body.List)-1], c.result, c.alts = es, resultNo, nil
						case -1, 1:
						default:
							body.List[len(body.List)-1], c.alts = toResult, c.alts[1:]
						}
					} else {
						c.alts = []alt{{es, resultExpr}}
					}
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// filterImports drops the specs of f already in effect; it reports whether any remain, and refuses
// unknown packages and names already taken by another package.
func (s *Session) filterImports(f *ast.File) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gd := f.Decls[0].(*ast.GenDecl)
	var keep []ast.Spec
	for _, sp := range gd.Specs {
		is := sp.(*ast.ImportSpec)
		p, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			return false, &Error{Name: "SyntaxError", Value: "bad import path " + is.Path.Value}
		}
		name, ok := s.available[p]
		if !ok {
			pkg := s.mods.Lookup(p)
			if pkg == nil {
				msg := fmt.Sprintf("package %q is not available in this interpreter: cells import the standard library, notmagic's packages (nn, plots, display), gonum and gonum/plot, and the packages of modules that %%get fetched (%%get MODULE@VERSION, then import)", p)
				return false, &Error{Name: "ImportError", Value: msg, Traceback: []string{red("ImportError") + ": " + msg}}
			}
			if err := s.mods.Check(p); err != nil {
				return false, &Error{Name: "ImportError", Value: err.Error(), Traceback: []string{red("ImportError") + ": " + err.Error()}}
			}
			name = pkg.Name
		}
		if is.Name != nil {
			name = is.Name.Name
		}
		if name == "_" || name == "." {
			keep = append(keep, sp)
			continue
		}
		if err := s.loadLazy(p); err != nil {
			return false, err
		}
		if prev, ok := s.imports[name]; ok {
			if prev == p {
				continue // already in effect
			}
			return false, &Error{Name: "ImportError", Value: fmt.Sprintf("cannot import %q as %s: the name %s already refers to %q in this session; import it under another name: import %s2 %q", p, name, name, prev, path.Base(p), p)}
		}
		keep = append(keep, sp)
	}
	gd.Specs = keep
	if len(keep) == 0 {
		return false, nil
	}
	gd.Lparen = gd.Pos() + 1 // force the parenthesised form for several specs
	return true, nil
}

// compile compiles a chunk, retrying with rewrites where yaegi fails on valid Go (range over an
// integer it could not prove, a trailing call that returns nothing). yaegi panics on some inputs;
// those become errors.
func (s *Session) compile(c *chunk) (*interp.Program, error) {
	// try compiles the chunk, then the other forms of its trailing statement (see prepare).
	try := func() (*interp.Program, error) {
		prog, err := s.compileNode(c.node)
		for _, a := range c.alts {
			if err == nil {
				break
			}
			list := append([]ast.Stmt(nil), c.body.List...)
			list[len(list)-1] = a.stmt
			other := &ast.BlockStmt{Lbrace: c.body.Lbrace, List: list, Rbrace: c.body.Rbrace}
			if p2, err2 := s.compileNode(other); err2 == nil {
				c.result = a.mode
				return p2, nil
			}
		}
		return prog, err
	}
	prog, err := try()
	if _, internal := err.(*internalError); internal {
		if e := s.unsupported(c.node); e != nil {
			return nil, e
		}
	}
	if err != nil && len(c.ranges) > 0 {
		// Ranges over expressions of unknown type may be over integers: count instead.
		for _, r := range c.ranges {
			rangeToCount(r)
		}
		c.ranges = nil
		if p2, err2 := try(); err2 == nil {
			return p2, nil
		}
	}
	if err != nil {
		if strings.Contains(err.Error(), "constant definition loop") {
			// yaegi's message for `y := undefinedName`: find the undefined name ourselves.
			if msg := s.undefinedName(c.node); msg != "" {
				return nil, s.errorFrom("CompileError", msg)
			}
		}
		if e := s.sourceImportError(err); e != nil {
			return nil, e
		}
		return nil, s.compileError("CompileError", err)
	}
	s.noteDefined(c.node)
	return prog, nil
}

func (s *Session) fset() *token.FileSet { return s.in.FileSet() }

func (s *Session) compileNode(n ast.Node) (prog *interp.Program, err error) {
	// yaegi v0.16.1 reports some failures with log.Panic, which first prints a timestamped line through
	// the standard logger: keep it out of the cell (cells do not run while a chunk compiles).
	logMu.Lock()
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(io.Discard)
	defer func() {
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		logMu.Unlock()
		if r := recover(); r != nil {
			err = &internalError{fmt.Sprint(r)}
		}
	}()
	return s.in.CompileAST(n)
}

// logMu serialises the swaps of the standard logger's output around compilation.
var logMu sync.Mutex

// internalError is a failure inside the interpreter (a panic while compiling), as opposed to an error
// in the cell's code that the interpreter reports.
type internalError struct{ msg string }

func (e *internalError) Error() string {
	return "the interpreter failed on this code (yaegi: " + e.msg + ")"
}

// funcName is a declared function's name as tracebacks show it: "f", or "T.m" for a method.
func funcName(fd *ast.FuncDecl) string {
	name := fd.Name.Name
	if name == mainAlias {
		name = "main"
	}
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return name
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + name
	}
	return name
}

// unsupported names a construct of n that yaegi v0.16.1 cannot run, with the way around it, after an
// internal failure of the interpreter (nil when it finds none).
func (s *Session) unsupported(n ast.Node) *Error {
	funcs := map[string]bool{} // names this chunk or earlier cells bound to functions
	for name, v := range s.globals() {
		if v.IsValid() && v.Kind() == reflect.Func {
			funcs[name] = true
		}
	}
	s.mu.Lock()
	for key := range s.decls {
		if name, ok := strings.CutPrefix(key, "func "); ok {
			funcs[name] = true
		}
	}
	s.mu.Unlock()
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.FuncDecl:
			funcs[x.Name.Name] = true
		case *ast.AssignStmt:
			for i, l := range x.Lhs {
				if id, ok := l.(*ast.Ident); ok && i < len(x.Rhs) {
					if _, isFunc := x.Rhs[i].(*ast.FuncLit); isFunc {
						funcs[id.Name] = true
					}
				}
			}
		}
		return true
	})
	var found *ast.RangeStmt
	ast.Inspect(n, func(x ast.Node) bool {
		r, ok := x.(*ast.RangeStmt)
		if !ok || found != nil {
			return found == nil
		}
		switch e := r.X.(type) {
		case *ast.FuncLit:
			found = r
		case *ast.Ident:
			if funcs[e.Name] {
				found = r
			}
		}
		return found == nil
	})
	if found == nil {
		return nil
	}
	pos := s.fset().Position(found.For)
	return s.errorFrom("UnsupportedError", fmt.Sprintf("%d:%d: range over a function (a Go 1.23 iterator) is not supported by the interpreter: "+
		"call the function with the loop body as its yield function instead, e.g. seq(func(v T) bool { …; return true })", pos.Line, pos.Column))
}

// compiledResults returns the number of results of call's function when it is a function of a
// compiled package (pkg.F), and -1 otherwise.
func (s *Session) compiledResults(call *ast.CallExpr) int {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return -1
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return -1
	}
	path, ok := s.imports[pkg.Name]
	if !ok {
		return -1
	}
	key := path + "." + sel.Sel.Name
	if n, ok := s.numOut.Load(key); ok {
		return n.(int)
	}
	n := -1
	if f, ok := s.in.Symbols(path)[path][sel.Sel.Name]; ok && f.Kind() == reflect.Func {
		n = f.Type().NumOut()
	}
	s.numOut.Store(key, n)
	return n
}

// loadLazy hands the interpreter the symbol table of path the first time a cell imports it (for the
// tables loaded on demand; see New). The caller holds s.mu.
func (s *Session) loadLazy(path string) error {
	key, ok := s.lazy[path]
	if !ok {
		return nil
	}
	if err := s.in.Use(interp.Exports{key: gonum.Symbols[key]}); err != nil {
		return &Error{Name: "ImportError", Value: fmt.Sprintf("loading %q: %v", path, err)}
	}
	delete(s.lazy, path)
	return nil
}

// importErrorRE matches yaegi's report of a package it failed to interpret: `import "P" error: FILE:L:C: MSG`.
var importErrorRE = regexp.MustCompile(`import "([^"]+)" error: (?:[^:\n]*/)?([^/:\n]+\.go:\d+:\d+: .*)`)

// sourceImportError rewords the interpreter's failure to run a package that %get fetched: which
// package, from which module, and the first thing the interpreter could not do (yaegi runs most but
// not all of Go). It returns nil for other errors.
func (s *Session) sourceImportError(err error) *Error {
	m := importErrorRE.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	pkg := s.mods.Lookup(m[1])
	if pkg == nil {
		return nil
	}
	msg := fmt.Sprintf("package %q (%s) does not run in the interpreter: %s (yaegi runs most of Go, not all; look for another package, or an older version)", m[1], pkg.Module, m[2])
	return &Error{Name: "ImportError", Value: msg, Traceback: []string{red("ImportError") + ": " + msg}}
}
