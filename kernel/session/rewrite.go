package session

import (
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
)

// builtins that a rewritten go statement must call directly (they are not values).
var builtinFuncs = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true,
	"imag": true, "len": true, "make": true, "new": true, "panic": true, "print": true, "println": true,
	"real": true, "recover": true,
}

var intTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true, "byte": true, "rune": true,
}

// displayPath is the import path of the display API cells call.
const displayPath = "github.com/notmagic/notmagic/kernel/display"

// mainAlias is what the identifier main becomes in cells.
const mainAlias = "__nmmain"

// rewrite applies the session's rewrites to n in place and returns the single-variable range statements
// whose operand it could not classify (the compile step rewrites them if yaegi fails):
//
//   - every for and range loop body starts with `if *__nm.Stop != 0 { __nm.Interrupted() }`;
//   - `go f(a, b)` becomes `{ f', a', b' := f, a, b; __nm.Go(func() { f'(a', b') }) }`, so that the
//     goroutine runs under a compiled recover (arguments are still evaluated at the go statement);
//   - `for i := range n` with n an integer becomes a counted loop;
//   - the identifier main becomes __nmmain (yaegi would run a function main after every later declaration).
func (s *Session) rewrite(n ast.Node) []rangeSite {
	ints := s.intNames()
	var lists []*[]ast.Stmt
	var loops []*ast.BlockStmt
	var unknown []rangeSite
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.Ident:
			// yaegi runs a package-level main after compiling any later declaration: rename it.
			if x.Name == "main" {
				x.Name = mainAlias
			}
		case *ast.CallExpr:
			// display.Show(v) and display.Update(id, v) go through the prelude's generic helpers, where
			// the interpreter's fmt gives v its text (a cell type's String method).
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && s.imports[pkg.Name] == displayPath {
					switch {
					case sel.Sel.Name == "Show" && len(x.Args) == 1 && x.Ellipsis == token.NoPos:
						x.Fun = &ast.Ident{NamePos: sel.Pos(), Name: "__nmDisplay"}
					case sel.Sel.Name == "Update" && len(x.Args) == 2 && x.Ellipsis == token.NoPos:
						x.Fun = &ast.Ident{NamePos: sel.Pos(), Name: "__nmUpdate"}
					}
				}
			}
		case *ast.BlockStmt:
			lists = append(lists, &x.List)
		case *ast.CaseClause:
			lists = append(lists, &x.Body)
		case *ast.CommClause:
			lists = append(lists, &x.Body)
		case *ast.ForStmt:
			loops = append(loops, x.Body)
		case *ast.RangeStmt:
			loops = append(loops, x.Body)
		case *ast.AssignStmt:
			// remember names defined from integer expressions, for range-over-int detection
			if x.Tok == token.DEFINE && len(x.Lhs) == len(x.Rhs) {
				for i, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						ints[id.Name] = isIntExpr(x.Rhs[i], ints)
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range x.Names {
				switch {
				case x.Type != nil:
					t, ok := x.Type.(*ast.Ident)
					ints[id.Name] = ok && intTypes[t.Name]
				case i < len(x.Values):
					ints[id.Name] = isIntExpr(x.Values[i], ints)
				}
			}
		case *ast.FuncType:
			if x.Params != nil {
				for _, f := range x.Params.List {
					t, ok := f.Type.(*ast.Ident)
					for _, id := range f.Names {
						ints[id.Name] = ok && intTypes[t.Name]
					}
				}
			}
		}
		return true
	})
	if f, ok := n.(*ast.File); ok {
		f.Name.Name = "main" // the package clause keeps its name
	}
	for _, body := range loops {
		body.List = append([]ast.Stmt{checkStmt(body.Lbrace)}, body.List...)
	}
	nextID := 0
	for _, list := range lists {
		for i, st := range *list {
			target := st
			if l, ok := st.(*ast.LabeledStmt); ok {
				target = l.Stmt
			}
			switch x := target.(type) {
			case *ast.GoStmt:
				(*list)[i] = goRewrite(x, &nextID)
			case *ast.RangeStmt:
				if x.Value != nil || x.X == nil {
					continue
				}
				site := rangeSite{list, i, x}
				if isIntExpr(x.X, ints) {
					rangeToCount(site)
				} else if !notInt(x.X) {
					unknown = append(unknown, site)
				}
			}
		}
	}
	return unknown
}

// intNames returns the session's integer globals, as a starting point for range-over-int detection.
func (s *Session) intNames() map[string]bool {
	m := map[string]bool{}
	for name, v := range s.globals() {
		if !v.IsValid() {
			continue
		}
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			m[name] = true
		}
	}
	return m
}

// globals returns the interpreter's global variables and constants (empty if yaegi fails on them).
func (s *Session) globals() (g map[string]reflect.Value) {
	defer func() {
		if recover() != nil {
			g = nil
		}
	}()
	return s.in.Globals()
}

// isIntExpr reports whether e is certainly an integer (literals, len/cap, integer conversions, arithmetic
// on such, names known to be integers).
func isIntExpr(e ast.Expr, ints map[string]bool) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT
	case *ast.ParenExpr:
		return isIntExpr(e.X, ints)
	case *ast.Ident:
		return ints[e.Name]
	case *ast.UnaryExpr:
		return (e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR) && isIntExpr(e.X, ints)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return isIntExpr(e.X, ints) && isIntExpr(e.Y, ints)
		case token.SHL, token.SHR:
			return isIntExpr(e.X, ints)
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap" || intTypes[id.Name]
		}
	}
	return false
}

// notInt reports whether e is certainly not an integer (composite, string and function literals,
// slicing, make).
func notInt(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.CompositeLit, *ast.SliceExpr, *ast.FuncLit:
		return true
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			return id.Name == "make" || id.Name == "append"
		}
	}
	return false
}

// checkStmt is the interrupt check put at the top of every loop body.
func checkStmt(pos token.Pos) ast.Stmt {
	sel := func(name string) *ast.SelectorExpr {
		return &ast.SelectorExpr{X: &ast.Ident{NamePos: pos, Name: "__nm"}, Sel: &ast.Ident{NamePos: pos, Name: name}}
	}
	return &ast.IfStmt{
		If: pos,
		Cond: &ast.BinaryExpr{
			X:  &ast.StarExpr{Star: pos, X: sel("Stop")},
			Op: token.NEQ, OpPos: pos,
			Y: &ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: "0"},
		},
		Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{
			&ast.ExprStmt{X: &ast.CallExpr{Fun: sel("Interrupted"), Lparen: pos, Rparen: pos}},
		}},
	}
}

// goRewrite turns `go f(args)` into a call of __nm.Go with the function and arguments evaluated first.
func goRewrite(g *ast.GoStmt, nextID *int) ast.Stmt {
	pos := g.Go
	call := g.Call
	id := func(base string) *ast.Ident {
		*nextID++
		return &ast.Ident{NamePos: pos, Name: "__nm" + base + strconv.Itoa(*nextID)}
	}
	var lhs, rhs []ast.Expr
	inner := &ast.CallExpr{Fun: call.Fun, Lparen: call.Lparen, Ellipsis: call.Ellipsis, Rparen: call.Rparen}
	if fid, ok := call.Fun.(*ast.Ident); !ok || !builtinFuncs[fid.Name] {
		f := id("F")
		lhs, rhs = append(lhs, f), append(rhs, call.Fun)
		inner.Fun = &ast.Ident{NamePos: pos, Name: f.Name}
	}
	for _, a := range call.Args {
		if lit, ok := a.(*ast.BasicLit); ok {
			inner.Args = append(inner.Args, lit) // constants keep their untyped meaning
			continue
		}
		v := id("A")
		lhs, rhs = append(lhs, v), append(rhs, a)
		inner.Args = append(inner.Args, &ast.Ident{NamePos: pos, Name: v.Name})
	}
	var list []ast.Stmt
	if len(lhs) > 0 {
		list = append(list, &ast.AssignStmt{Lhs: lhs, TokPos: pos, Tok: token.DEFINE, Rhs: rhs})
	}
	list = append(list, &ast.ExprStmt{X: &ast.CallExpr{
		Fun:    &ast.SelectorExpr{X: &ast.Ident{NamePos: pos, Name: "__nm"}, Sel: &ast.Ident{NamePos: pos, Name: "Go"}},
		Lparen: pos,
		Args: []ast.Expr{&ast.FuncLit{
			Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}},
			Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: inner}}},
		}},
		Rparen: pos,
	}})
	return &ast.BlockStmt{Lbrace: pos, List: list, Rbrace: pos}
}

// rangeSite is a range statement and where it sits, so it can be replaced.
type rangeSite struct {
	list *[]ast.Stmt
	idx  int
	r    *ast.RangeStmt
}

// rangeToCount replaces `L: for k := range n { … }` (n an integer) by
// `{ __nmN := n; L: for k := __nmN - __nmN; k < __nmN; k++ { … } }`: n is evaluated once and k has
// n's type.
func rangeToCount(site rangeSite) {
	r := site.r
	pos := r.For
	nName := "__nmN"
	ident := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	key := r.Key
	tok := r.Tok
	if key == nil {
		key, tok = ident("__nmK"), token.DEFINE
	}
	loop := &ast.ForStmt{
		For: pos,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{key}, TokPos: pos, Tok: tok,
			Rhs: []ast.Expr{&ast.BinaryExpr{X: ident(nName), Op: token.SUB, OpPos: pos, Y: ident(nName)}}},
		Cond: &ast.BinaryExpr{X: key, Op: token.LSS, OpPos: pos, Y: ident(nName)},
		Post: &ast.IncDecStmt{X: key, TokPos: pos, Tok: token.INC},
		Body: r.Body,
	}
	// Find the statement again: statements may have been inserted before it since it was recorded.
	idx := site.idx
	for i, st := range *site.list {
		if unlabel(st) == ast.Stmt(r) {
			idx = i
			break
		}
	}
	var inner ast.Stmt = loop
	if l, ok := (*site.list)[idx].(*ast.LabeledStmt); ok {
		l.Stmt = loop
		inner = l
	}
	(*site.list)[idx] = &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{ident(nName)}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{r.X}},
		inner,
	}}
}

// wrapNestedDefines works around a yaegi v0.16.1 bug: at a cell's top level, a definition of several
// variables from one value (`a, b := f()`, `v, ok := m[k]`) inside any block — a loop body, an if
// branch — fails with "undefined: a". Each top-level statement that holds one becomes
// `func() { statement }()`, where yaegi compiles it correctly; such a statement defines no globals,
// so nothing else changes.
func wrapNestedDefines(body *ast.BlockStmt) {
	for i, st := range body.List {
		if !hasBlock(st) || !hasNestedMultiDefine(st) {
			continue
		}
		body.List[i] = &ast.ExprStmt{X: &ast.CallExpr{
			Fun: &ast.FuncLit{
				Type: &ast.FuncType{Func: st.Pos(), Params: &ast.FieldList{Opening: st.Pos(), Closing: st.Pos()}},
				Body: &ast.BlockStmt{Lbrace: st.Pos(), List: []ast.Stmt{st}, Rbrace: st.End()},
			},
			Lparen: st.End(), Rparen: st.End(),
		}}
	}
}

// hasBlock reports whether st is a statement with blocks of its own (a block, loops, if, switch, select).
func hasBlock(st ast.Stmt) bool {
	switch st.(type) {
	case *ast.BlockStmt, *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
		*ast.SelectStmt, *ast.LabeledStmt:
		return true
	}
	return false
}

// hasNestedMultiDefine reports whether a block inside st (not inside a function literal, which yaegi
// compiles correctly) defines several variables from one value.
func hasNestedMultiDefine(st ast.Stmt) bool {
	found := false
	var depth int
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			depth++
			ast.Inspect(x, func(m ast.Node) bool {
				if m == x {
					return true
				}
				return visit(m)
			})
			depth--
			return false
		case *ast.AssignStmt:
			if depth > 0 && x.Tok == token.DEFINE && len(x.Lhs) > 1 && len(x.Rhs) == 1 {
				found = true
			}
		}
		return true
	}
	ast.Inspect(st, visit)
	return found
}
