package session

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

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

// item is one top-level element of a cell (a declaration or a statement), by byte offsets.
type item struct {
	kind       chunkKind
	start, end int
}

// chunk is a run of items of one kind, ready to compile.
type chunk struct {
	kind     chunkKind
	text     string // the cell's text of the chunk
	line     int    // 1-based line in the cell where text starts
	col      int    // 1-based column of text's first byte
	node     ast.Node
	result   resultMode
	imports  map[string]string // imports this chunk brings into effect (name → path)
	ranges   []rangeSite       // single-variable ranges over an expression of unknown type
	body     *ast.BlockStmt    // a statement chunk's body, when it ends in a call statement
	trailing *ast.ExprStmt     // that call statement, as written
}

// srcRange maps a band of interpreter line numbers back to a source.
type srcRange struct {
	base  int // interpreter line of the source's line 1 (exclusive offset: line L is base+L)
	src   Source
	lines []string
}

// bandSlack is the number of interpreter lines reserved for each cell beyond twice its own length, so
// that rewrites never run into the next cell's band. Bands grow with the cells (go/token rejects line
// numbers of 2³⁰ and more, so a fixed band of a million lines failed after about a thousand cells).
const bandSlack = 1_000

// firstBand is the interpreter line where the first cell's band starts: band lines have at least seven
// digits, which is how error messages tell them from other positions (posRE).
const firstBand = 1_000_000

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
			f, err := parser.ParseFile(fset, "_.go", "package main\n"+directive+c.text, parser.ParseComments)
			if err != nil {
				return nil, s.syntaxError(err, 0)
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
					if sp.Name != nil {
						name = sp.Name.Name
					}
					c.imports[name] = p
				}
			}
			c.ranges = s.rewrite(f)
			c.node = f
		case kindStmt:
			f, err := parser.ParseFile(fset, "_.go", "package main; func main() {\n"+directive+c.text+"\n}", parser.ParseComments)
			if err != nil {
				return nil, s.syntaxError(err, 0)
			}
			body := f.Decls[0].(*ast.FuncDecl).Body
			c.ranges = s.rewrite(body)
			c.node = body
			if i == len(chunks)-1 && len(body.List) > 0 {
				if es, ok := body.List[len(body.List)-1].(*ast.ExprStmt); ok {
					if call, ok := es.X.(*ast.CallExpr); ok {
						// yaegi's value of a trailing call is junk when the function returns nothing:
						// pass the call's results to __nm.Result; when that does not compile (no
						// result), the chunk runs as written with no value.
						c.body, c.trailing = body, es
						body.List[len(body.List)-1] = &ast.ExprStmt{X: &ast.CallExpr{
							Fun:    &ast.SelectorExpr{X: &ast.Ident{NamePos: call.Pos(), Name: "__nm"}, Sel: &ast.Ident{NamePos: call.Pos(), Name: "Result"}},
							Lparen: call.Pos(), Args: []ast.Expr{call}, Rparen: call.End(),
						}}
						c.result = resultCall
					} else {
						c.result = resultExpr
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
			return false, &Error{Name: "ImportError", Value: fmt.Sprintf("package %q is not available in this interpreter: cells can import the standard library and notmagic's packages (nn, plots, display)", p),
				Traceback: []string{fmt.Sprintf("ImportError: package %q is not available", p)}}
		}
		if is.Name != nil {
			name = is.Name.Name
		}
		if name == "_" || name == "." {
			keep = append(keep, sp)
			continue
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
	prog, err := s.compileNode(c.node)
	if err != nil && len(c.ranges) > 0 {
		for _, r := range c.ranges {
			rangeToCount(r)
		}
		c.ranges = nil
		if p2, err2 := s.compileNode(c.node); err2 == nil {
			return p2, nil
		}
	}
	if err != nil && c.trailing != nil {
		// Run the chunk as written, with no value.
		list := append([]ast.Stmt(nil), c.body.List...)
		list[len(list)-1] = c.trailing
		plain := &ast.BlockStmt{Lbrace: c.body.Lbrace, List: list, Rbrace: c.body.Rbrace}
		if p2, err2 := s.compileNode(plain); err2 == nil {
			c.result = resultNo
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
		return nil, s.compileError("CompileError", err)
	}
	s.noteDefined(c.node)
	return prog, nil
}

// noteDefined records the top-level names a compiled chunk defines.
func (s *Session) noteDefined(n ast.Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.defined == nil {
		s.defined = map[string]bool{}
		s.cellDocs = map[string]string{}
		s.methods = map[string][]string{}
		s.varTypes = map[string]string{}
	}
	add := func(e ast.Expr) {
		if id, ok := e.(*ast.Ident); ok {
			s.defined[id.Name] = true
		}
	}
	var list []ast.Stmt
	switch n := n.(type) {
	case *ast.File:
		for _, d := range n.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					add(d.Name)
					s.cellDocs[d.Name.Name] = declText(d) + docSuffix(d.Doc.Text())
				} else if len(d.Recv.List) == 1 {
					if tn := typeName(d.Recv.List[0].Type); tn != "" {
						s.methods[tn] = appendNew(s.methods[tn], d.Name.Name)
						s.cellDocs[tn+"."+d.Name.Name] = declText(d) + docSuffix(d.Doc.Text())
					}
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.ValueSpec:
						for _, id := range sp.Names {
							add(id)
						}
					case *ast.TypeSpec:
						add(sp.Name)
						doc := sp.Doc.Text()
						if doc == "" {
							doc = d.Doc.Text()
						}
						s.cellDocs[sp.Name.Name] = declText(&ast.GenDecl{Tok: token.TYPE, Specs: []ast.Spec{sp}}) + docSuffix(doc)
					}
				}
			}
		}
		return
	case *ast.BlockStmt:
		list = n.List
	}
	for _, st := range list {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for i, l := range st.Lhs {
					add(l)
					if id, ok := l.(*ast.Ident); ok && len(st.Lhs) == len(st.Rhs) {
						if tn := litType(st.Rhs[i]); tn != "" {
							s.varTypes[id.Name] = tn
						} else {
							delete(s.varTypes, id.Name)
						}
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok {
				for _, sp := range gd.Specs {
					switch sp := sp.(type) {
					case *ast.ValueSpec:
						for _, id := range sp.Names {
							add(id)
						}
					case *ast.TypeSpec:
						add(sp.Name)
					}
				}
			}
		}
	}
}

var universe = map[string]bool{
	"true": true, "false": true, "nil": true, "iota": true, "_": true, "any": true, "error": true, "comparable": true,
	"bool": true, "string": true, "float32": true, "float64": true, "complex64": true, "complex128": true,
	"min": true, "max": true,
}

// undefinedName finds the first identifier of n that is neither declared in n nor known to the session.
func (s *Session) undefinedName(n ast.Node) string {
	declared := map[string]bool{}
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
		case *ast.Field:
			for _, id := range x.Names {
				declared[id.Name] = true
			}
		case *ast.ValueSpec:
			for _, id := range x.Names {
				declared[id.Name] = true
			}
		case *ast.TypeSpec:
			declared[x.Name.Name] = true
		case *ast.FuncDecl:
			declared[x.Name.Name] = true
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{x.Key, x.Value} {
				if id, ok := e.(*ast.Ident); ok {
					declared[id.Name] = true
				}
			}
		}
		return true
	})
	globals := s.globals()
	s.mu.Lock()
	defer s.mu.Unlock()
	found := ""
	ast.Inspect(n, func(x ast.Node) bool {
		if found != "" {
			return false
		}
		switch x := x.(type) {
		case *ast.SelectorExpr:
			ast.Inspect(x.X, func(y ast.Node) bool { // only the operand can be undefined
				if id, ok := y.(*ast.Ident); ok && found == "" && s.unknown(id.Name, declared, globals) {
					found = s.fset().Position(id.Pos()).String()
					found = fmt.Sprintf("%d:%d: undefined: %s", s.fset().Position(id.Pos()).Line, s.fset().Position(id.Pos()).Column, id.Name)
				}
				return found == ""
			})
			return false
		case *ast.KeyValueExpr:
			if _, ok := x.Key.(*ast.Ident); ok { // struct field names
				ast.Inspect(x.Value, func(y ast.Node) bool { return true })
			}
		case *ast.Ident:
			if s.unknown(x.Name, declared, globals) {
				p := s.fset().Position(x.Pos())
				found = fmt.Sprintf("%d:%d: undefined: %s", p.Line, p.Column, x.Name)
			}
		}
		return true
	})
	return found
}

func (s *Session) unknown(name string, declared map[string]bool, globals map[string]reflect.Value) bool {
	if strings.HasPrefix(name, "__nm") || declared[name] || universe[name] || intTypes[name] || builtinFuncs[name] || s.defined[name] {
		return false
	}
	if _, ok := s.imports[name]; ok {
		return false
	}
	if _, ok := globals[name]; ok {
		return false
	}
	return true
}

func (s *Session) fset() *token.FileSet { return s.in.FileSet() }

func (s *Session) compileNode(n ast.Node) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the interpreter failed on this code (yaegi: %v)", r)
		}
	}()
	return s.in.CompileAST(n)
}

var posRE = regexp.MustCompile(`(?:_\.go:)?\b(\d{7,}):(\d+)\b`)

// mapPos rewrites interpreter positions in msg into source positions ("cell[3]:2:5").
func (s *Session) mapPos(msg string) (string, []string) {
	var context []string
	out := posRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := posRE.FindStringSubmatch(m)
		line, _ := strconv.Atoi(sub[1])
		col, _ := strconv.Atoi(sub[2])
		name, l, text, ok := s.lookupLine(line)
		if !ok {
			return m
		}
		if context == nil && text != "" {
			context = sourceContext(l, col, text)
		}
		return fmt.Sprintf("%s:%d:%d", name, l, col)
	})
	return out, context
}

// lookupLine finds the source of an interpreter line.
func (s *Session) lookupLine(line int) (name string, srcLine int, text string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.srcs), func(i int) bool { return s.srcs[i].base > line }) - 1
	if i < 0 {
		return "", 0, "", false
	}
	r := s.srcs[i]
	cellLine := line - r.base // 1-based line within the band, counting from the source's line 1
	srcLine = cellLine
	idx := cellLine - r.src.Line                 // index into the cell's lines
	if idx >= len(r.lines) && len(r.lines) > 0 { // the wrapper's closing lines: point at the cell's end
		idx = len(r.lines) - 1
		srcLine = r.src.Line + idx
	}
	if idx >= 0 && idx < len(r.lines) {
		text = r.lines[idx]
	}
	return r.src.Name, srcLine, text, true
}

// sourceContext shows a source line with a caret under col.
func sourceContext(line, col int, text string) []string {
	prefix := fmt.Sprintf("%5d | ", line)
	caret := strings.Repeat(" ", len(prefix)-2) + "| "
	for i, r := range text {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			caret += "\t"
		} else {
			caret += " "
		}
	}
	return []string{prefix + text, caret + "^"}
}

// syntaxError turns a parser or scanner error into an *Error with positions mapped. base > 0 means the
// positions are relative to the cell (from splitItems) and must be shifted into the band first.
func (s *Session) syntaxError(err error, base int) error {
	var msgs []string
	if list, ok := err.(scanner.ErrorList); ok {
		for i, e := range list {
			if i == 3 {
				msgs = append(msgs, fmt.Sprintf("(and %d more errors)", len(list)-3))
				break
			}
			line := e.Pos.Line
			if base > 0 {
				line += base
			}
			msgs = append(msgs, fmt.Sprintf("%d:%d: %s", line, e.Pos.Column, e.Msg))
		}
	} else {
		msgs = []string{err.Error()}
	}
	return s.errorFrom("SyntaxError", strings.Join(msgs, "\n"))
}

// compileError maps an interpreter error into an *Error.
func (s *Session) compileError(name string, err error) error {
	return s.errorFrom(name, err.Error())
}

func (s *Session) errorFrom(name, msg string) *Error {
	msg = strings.ReplaceAll(msg, mainAlias, "main")
	// Positions without a cell band (e.g. "5:3: …" from a line the mapping misses) are left as they are.
	mapped, context := s.mapPos(msg)
	tb := []string{red(name) + ": " + mapped}
	tb = append(tb, context...)
	return &Error{Name: name, Value: mapped, Traceback: tb}
}

// lineCol returns the 1-based line and column of byte offset off in code.
func lineCol(code string, off int) (int, int) {
	line := 1 + strings.Count(code[:off], "\n")
	col := off - strings.LastIndex(code[:off], "\n")
	return line, col
}

// offsetOf is the inverse of lineCol.
func offsetOf(code string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(code[off:], '\n')
		if i < 0 {
			return len(code)
		}
		off += i + 1
	}
	return off + col - 1
}

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

// typeName is the name of a receiver type (T or *T), or "".
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return typeName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return typeName(e.X)
	}
	return ""
}

// litType is the type name of T{…} or &T{…}, or "".
func litType(e ast.Expr) string {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	if c, ok := e.(*ast.CompositeLit); ok {
		if id, ok := c.Type.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
