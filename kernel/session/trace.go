package session

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"strings"
)

// Statement positions for runtime errors. yaegi v0.16.1 reports a panic at the first statement of each
// frame it unwinds, not at the statement that failed. So the rewrite marks statements: before each one
// that can panic it sets the interpreted global __nmPos to the statement's position, and before each
// top-level statement of a cell it also sets __nmTop (and clears __nmPos). After a panic the two say
// where the cell was: the failing statement, and the top-level statement that called into it.
//
// Markers cost an interpreted assignment (~15 ns), so cheap statements inside loop bodies (an index,
// a division, a field access with no call) are not marked; after a panic the failing one is found
// among the unmarked statements of the innermost loop by the kind of the panic (an index out of range
// can only come from a statement that indexes). Statements with calls are marked before and after, so
// a callee's markers never stand for the caller's next statement.

const (
	posVar = "__nmPos" // the position of the statement running now (0: none since the last top-level statement)
	topVar = "__nmTop" // the position of the top-level statement running now
)

// markerSource declares the marker variables; it runs once per session.
const markerSource = "var " + posVar + ", " + topVar + " int"

// panicKind is a class of run-time panic, by the kind of expression that raises it.
type panicKind uint8

const (
	kindIndex  panicKind = 1 << iota // x[i]: index out of range, assignment to a nil map
	kindSlice                        // x[i:j]: slice bounds out of range
	kindNil                          // p.f, *p: nil pointer dereference
	kindDiv                          // a / b, a % b: integer divide by zero
	kindAssert                       // x.(T): interface conversion
	kindSend                         // ch <- v: send on closed channel
)

// site is a marked statement.
type site struct {
	stmt ast.Stmt
	fn   string   // the function it is in: a cell's func name, "func literal", or "" at top level
	loop *loopSet // the innermost loop around it (or the loop it is), whose unmarked statements may fail after it
}

// loopSet holds a loop's statements that can panic but carry no marker, with their kinds.
type loopSet struct {
	stmts []ast.Stmt
	kinds []panicKind
	fn    string
}

// encodePos packs an interpreter position into one int: line·4096 + column.
func encodePos(p token.Position) int { return p.Line<<12 | min(p.Column, 4095) }

func decodePos(v int) (line, col int) { return v >> 12, v & 4095 }

// markStatements inserts the markers into a chunk of top-level statements (top) or a function body.
func (s *Session) markStatements(body *ast.BlockStmt, top bool, fn string) {
	m := marker{s: s, fset: s.fset()}
	if top {
		for i := 0; i < len(body.List); i++ {
			st := body.List[i]
			if kinds, calls := headerKinds(st); kinds == 0 && !calls && !hasBlock(st) {
				continue // cannot panic: no marker, no cost
			}
			var inner *loopSet
			if isLoop(st) {
				inner = &loopSet{fn: fn}
			}
			m.walk(st, fn, inner)
			m.record(st, fn, inner)
			body.List = insertAt(body.List, i, m.assign(st, topVar, true))
			i++
		}
		return
	}
	m.list(&body.List, fn, nil)
}

type marker struct {
	s    *Session
	fset *token.FileSet
}

// assign returns `name = pos(st)` (with top, `__nmTop, __nmPos = pos(st), 0`) and records st.
func (m marker) assign(st ast.Stmt, name string, top bool) ast.Stmt {
	pos := encodePos(m.fset.Position(st.Pos()))
	lit := &ast.BasicLit{ValuePos: st.Pos(), Kind: token.INT, Value: fmt.Sprint(pos)}
	if top {
		return &ast.AssignStmt{Lhs: []ast.Expr{&ast.Ident{NamePos: st.Pos(), Name: topVar}, &ast.Ident{NamePos: st.Pos(), Name: posVar}}, TokPos: st.Pos(), Tok: token.ASSIGN,
			Rhs: []ast.Expr{lit, &ast.BasicLit{ValuePos: st.Pos(), Kind: token.INT, Value: "0"}}}
	}
	return &ast.AssignStmt{Lhs: []ast.Expr{&ast.Ident{NamePos: st.Pos(), Name: name}}, TokPos: st.Pos(), Tok: token.ASSIGN, Rhs: []ast.Expr{lit}}
}

func insertAt(list []ast.Stmt, i int, st ast.Stmt) []ast.Stmt {
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = st
	return list
}

// list marks the statements of a block. loop is the innermost enclosing loop (nil outside loops).
func (m marker) list(list *[]ast.Stmt, fn string, loop *loopSet) {
	for i := 0; i < len(*list); i++ {
		st := (*list)[i]
		kinds, calls := headerKinds(st)
		var inner *loopSet
		if isLoop(st) {
			inner = &loopSet{fn: fn}
		}
		m.walk(st, fn, firstNonNil(inner, loop))
		switch {
		case inner != nil || calls || (loop == nil && kinds != 0):
			m.record(st, fn, firstNonNil(inner, loop))
			*list = insertAt(*list, i, m.assign(st, posVar, false))
			i++
			if calls && loop != nil && !endsFlow(st) {
				// After the call: the callee's markers must not stand for this loop's next statements.
				*list = insertAt(*list, i+1, m.assign(st, posVar, false))
				i++
			}
		case kinds != 0: // cheap and in a loop: found after a panic by its kind
			loop.stmts = append(loop.stmts, st)
			loop.kinds = append(loop.kinds, kinds)
		}
	}
}

func isLoop(st ast.Stmt) bool {
	switch unlabel(st).(type) {
	case *ast.ForStmt, *ast.RangeStmt:
		return true
	}
	return false
}

func firstNonNil(a, b *loopSet) *loopSet {
	if a != nil {
		return a
	}
	return b
}

func (m marker) record(st ast.Stmt, fn string, loop *loopSet) {
	pos := encodePos(m.fset.Position(st.Pos()))
	m.s.mu.Lock()
	if m.s.sites == nil {
		m.s.sites = map[int]*site{}
	}
	m.s.sites[pos] = &site{stmt: st, fn: fn, loop: loop}
	m.s.mu.Unlock()
}

// dropTopLevelSites forgets the marked statements of cells' top-level code (their syntax trees, about
// 2 KB a cell): they never run again once their cell has ended. Statements in functions and function
// literals, which can, stay.
func (s *Session) dropTopLevelSites() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pos, st := range s.sites {
		if st.fn == "" {
			delete(s.sites, pos)
		}
	}
}

// walk marks the blocks inside st (its bodies, branches, cases and function literals).
func (m marker) walk(st ast.Stmt, fn string, loop *loopSet) {
	switch x := unlabel(st).(type) {
	case *ast.BlockStmt:
		m.list(&x.List, fn, loop)
	case *ast.IfStmt:
		m.list(&x.Body.List, fn, loop)
		if x.Else != nil {
			m.walk(x.Else, fn, loop)
		}
	case *ast.ForStmt:
		m.list(&x.Body.List, fn, loop)
	case *ast.RangeStmt:
		m.list(&x.Body.List, fn, loop)
	case *ast.SwitchStmt:
		m.clauses(x.Body, fn, loop)
	case *ast.TypeSwitchStmt:
		m.clauses(x.Body, fn, loop)
	case *ast.SelectStmt:
		m.clauses(x.Body, fn, loop)
	}
	// Function literals anywhere in the statement's own expressions get their own marking.
	ast.Inspect(st, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			return n == st // blocks were handled above
		case *ast.FuncLit:
			m.list(&x.Body.List, "func literal", nil)
			return false
		}
		return true
	})
}

func (m marker) clauses(body *ast.BlockStmt, fn string, loop *loopSet) {
	for _, c := range body.List {
		switch c := c.(type) {
		case *ast.CaseClause:
			m.list(&c.Body, fn, loop)
		case *ast.CommClause:
			m.list(&c.Body, fn, loop)
		}
	}
}

func unlabel(st ast.Stmt) ast.Stmt {
	for {
		l, ok := st.(*ast.LabeledStmt)
		if !ok {
			return st
		}
		st = l.Stmt
	}
}

// endsFlow reports whether control never falls through st to the next statement.
func endsFlow(st ast.Stmt) bool {
	switch unlabel(st).(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	}
	return false
}

// headerKinds returns the kinds of panic that st's own expressions can raise (not those of the blocks
// and function literals inside it) and whether they call anything.
func headerKinds(st ast.Stmt) (kinds panicKind, calls bool) {
	visit := func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BlockStmt, *ast.FuncLit, *ast.CaseClause, *ast.CommClause:
			return false
		case *ast.CallExpr:
			if !ours(x.Fun) { // the session's own calls (__nm.Interrupted, __nm.Result) are not the cell's
				calls = true
			}
		case *ast.IndexExpr:
			kinds |= kindIndex
		case *ast.SliceExpr:
			kinds |= kindSlice
		case *ast.StarExpr:
			if !ours(x.X) {
				kinds |= kindNil
			}
		case *ast.SelectorExpr:
			if !ours(x.X) {
				kinds |= kindNil // possibly a field through a nil pointer (package selectors too: harmless)
			}
		case *ast.BinaryExpr:
			if x.Op == token.QUO || x.Op == token.REM {
				kinds |= kindDiv
			}
		case *ast.AssignStmt:
			if x.Tok == token.QUO_ASSIGN || x.Tok == token.REM_ASSIGN {
				kinds |= kindDiv
			}
			if len(x.Lhs) == 2 && len(x.Rhs) == 1 {
				if _, ok := x.Rhs[0].(*ast.TypeAssertExpr); ok {
					// v, ok := x.(T) cannot panic
					return visitExprs(x.Rhs[0].(*ast.TypeAssertExpr).X, &kinds, &calls)
				}
			}
		case *ast.TypeAssertExpr:
			if x.Type != nil {
				kinds |= kindAssert
			}
		case *ast.SendStmt:
			kinds |= kindSend
		}
		return true
	}
	switch x := unlabel(st).(type) {
	case *ast.IfStmt:
		for _, n := range []ast.Node{x.Init, x.Cond} {
			if n != nil && !isNilNode(n) {
				ast.Inspect(n, visit)
			}
		}
	case *ast.ForStmt:
		for _, n := range []ast.Node{x.Init, x.Cond, x.Post} {
			if n != nil && !isNilNode(n) {
				ast.Inspect(n, visit)
			}
		}
	case *ast.RangeStmt:
		ast.Inspect(x.X, visit)
	case *ast.SwitchStmt:
		for _, n := range []ast.Node{x.Init, x.Tag} {
			if n != nil && !isNilNode(n) {
				ast.Inspect(n, visit)
			}
		}
	case *ast.TypeSwitchStmt:
		for _, n := range []ast.Node{x.Init, x.Assign} {
			if n != nil && !isNilNode(n) {
				ast.Inspect(n, visit)
			}
		}
	case *ast.BlockStmt, *ast.SelectStmt:
	default:
		ast.Inspect(st, visit)
	}
	return kinds, calls
}

// ours reports whether e is the session's own runtime (__nm.Stop in the loop checks).
func ours(e ast.Expr) bool {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return strings.HasPrefix(x.Name, "__nm")
		case *ast.SelectorExpr:
			e = x.X
		default:
			return false
		}
	}
}

// visitExprs adds the kinds of e (a comma-ok assertion's operand) and stops the caller's descent.
func visitExprs(e ast.Expr, kinds *panicKind, calls *bool) bool {
	k, c := headerKinds(&ast.ExprStmt{X: e})
	*kinds |= k
	*calls = *calls || c
	return false
}

func isNilNode(n ast.Node) bool {
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// kindOf classifies a panic message (the interpreter's or Go's wording).
func kindOf(msg string) panicKind {
	switch {
	case strings.Contains(msg, "index out of range"), strings.Contains(msg, "nil map"):
		return kindIndex
	case strings.Contains(msg, "slice bounds"), strings.Contains(msg, "slice index out of bounds"):
		return kindSlice
	case strings.Contains(msg, "nil pointer"), strings.Contains(msg, "on zero Value"):
		return kindNil
	case strings.Contains(msg, "divide by zero"):
		return kindDiv
	case strings.Contains(msg, "interface conversion"):
		return kindAssert
	case strings.Contains(msg, "closed channel"):
		return kindSend
	}
	return 0
}

// location is where a panic happened, as far as the markers tell.
type location struct {
	inner, top int      // encoded positions (0: unknown)
	fn         string   // the function holding inner ("" at top level)
	stmt       ast.Stmt // the failing statement, when known
}

// locate reads the markers after a panic with message msg and finds the failing statement.
// resetMarkers zeroes the statement markers: a callback that runs between cells must not be taken
// for a call from the last cell's last statement.
func (s *Session) resetMarkers() {
	g := s.globals()
	for _, name := range []string{posVar, topVar} {
		v, ok := g[name]
		for ok && v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
			v = v.Elem()
		}
		if ok && v.IsValid() && v.CanSet() && v.CanInt() {
			v.SetInt(0)
		}
	}
}

func (s *Session) locate(msg string) location {
	g := s.globals()
	read := func(name string) int {
		if v, ok := g[name]; ok && v.IsValid() {
			for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
				if v.IsNil() {
					return 0
				}
				v = v.Elem()
			}
			if v.CanInt() {
				return int(v.Int())
			}
		}
		return 0
	}
	loc := location{inner: read(posVar), top: read(topVar)}
	// Markers left by an earlier cell (this one failed before setting any, in a declaration's
	// initializer say) say nothing about this failure.
	s.mu.Lock()
	cell := s.cellBand
	s.mu.Unlock()
	inCell := func(pos int) bool { line, _ := decodePos(pos); return pos != 0 && s.band(line) == cell }
	switch {
	case inCell(loc.top):
	case inCell(loc.inner):
		loc.top = 0
	default:
		return location{}
	}
	if loc.inner == 0 {
		loc.inner = loc.top
	}
	s.mu.Lock()
	st := s.sites[loc.inner]
	s.mu.Unlock()
	if st == nil {
		return loc
	}
	loc.fn, loc.stmt = st.fn, st.stmt
	kind := kindOf(msg)
	if kind == 0 || st.loop == nil {
		return loc
	}
	// The marked statement cannot raise this kind of panic: look among the loop's unmarked statements.
	own, _ := headerKinds(st.stmt)
	if own&kind != 0 {
		return loc
	}
	var found []ast.Stmt
	for i, c := range st.loop.stmts {
		if st.loop.kinds[i]&kind != 0 {
			found = append(found, c)
		}
	}
	if len(found) == 1 {
		loc.inner = encodePos(s.fset().Position(found[0].Pos()))
		loc.stmt, loc.fn = found[0], st.loop.fn
	}
	return loc
}

// goWording rewrites the interpreter's wording of common run-time panics into Go's, adding the index
// and length (or the bounds and capacity) where the failing statement's operands can be read again
// without side effects (globals: a statement at a cell's top level).
func (s *Session) goWording(msg string, stmt ast.Stmt) string {
	switch {
	case strings.HasPrefix(msg, "reflect: slice index out of range"), strings.HasPrefix(msg, "reflect: array index out of range"),
		strings.HasPrefix(msg, "reflect: string index out of range"):
		return "runtime error: index out of range" + s.indexDetail(stmt)
	case strings.HasPrefix(msg, "reflect.Value.Slice") && strings.Contains(msg, "out of bounds"),
		strings.HasPrefix(msg, "reflect.Value.Slice3") && strings.Contains(msg, "out of bounds"):
		return "runtime error: slice bounds out of range" + s.sliceDetail(stmt)
	case strings.HasPrefix(msg, "reflect: call of reflect.Value.") && strings.HasSuffix(msg, "on zero Value"),
		msg == "reflect: Method on nil interface value":
		return "runtime error: invalid memory address or nil pointer dereference"
	case strings.HasPrefix(msg, "reflect.Set: value of type ") && strings.HasSuffix(msg, " is not assignable to type error"):
		return "a value of a cell-defined type cannot be stored in an error variable directly (an interpreter limit): " +
			"return it from a func whose result is error, as Go code usually does, and store that result"
	}
	// "1001014:6: interface conversion: …": the interpreter prefixes a position of its own.
	if m := posRE.FindStringIndex(msg); m != nil && m[0] == 0 && strings.HasPrefix(msg[m[1]:], ": ") {
		return msg[m[1]+2:]
	}
	return msg
}

// indexDetail returns " [i] with length n" for the first index expression of stmt that is out of range,
// reading its operands again; "" when they cannot be read safely.
func (s *Session) indexDetail(stmt ast.Stmt) string {
	detail := ""
	s.eachPure(stmt, func(n ast.Node) bool {
		ix, ok := n.(*ast.IndexExpr)
		if !ok || detail != "" {
			return detail == ""
		}
		i, ok1 := s.evalInt(ix.Index)
		n2, ok2 := s.evalInt(&ast.CallExpr{Fun: ast.NewIdent("len"), Args: []ast.Expr{ix.X}})
		if ok1 && ok2 && (i < 0 || i >= n2) {
			detail = fmt.Sprintf(" [%d] with length %d", i, n2)
		}
		return true
	})
	return detail
}

// sliceDetail returns " [:hi] with capacity c" (or " [lo:hi]") for the first out-of-range slice
// expression of stmt, reading its operands again.
func (s *Session) sliceDetail(stmt ast.Stmt) string {
	detail := ""
	s.eachPure(stmt, func(n ast.Node) bool {
		se, ok := n.(*ast.SliceExpr)
		if !ok || detail != "" {
			return detail == ""
		}
		c, okc := s.evalInt(&ast.CallExpr{Fun: ast.NewIdent("cap"), Args: []ast.Expr{se.X}})
		if _, isStr := s.evalString(se.X); isStr {
			c, okc = s.evalInt(&ast.CallExpr{Fun: ast.NewIdent("len"), Args: []ast.Expr{se.X}})
		}
		lo, hi := 0, c
		okl, okh := true, okc
		if se.Low != nil {
			lo, okl = s.evalInt(se.Low)
		}
		if se.High != nil {
			hi, okh = s.evalInt(se.High)
		}
		switch {
		case !okc || !okl || !okh:
		case hi > c || hi < 0:
			detail = fmt.Sprintf(" [:%d] with capacity %d", hi, c)
		case lo > hi || lo < 0:
			detail = fmt.Sprintf(" [%d:%d]", lo, hi)
		}
		return true
	})
	return detail
}

// eachPure visits the expressions of stmt (not in function literals) when every identifier in it is
// a global of the session and it calls nothing but len and cap: only then can its parts be evaluated
// again without side effects or missing locals.
func (s *Session) eachPure(stmt ast.Stmt, f func(ast.Node) bool) {
	if stmt == nil {
		return
	}
	g := s.globals()
	pure := true
	ast.Inspect(stmt, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id, ok := x.Fun.(*ast.Ident); !ok || (id.Name != "len" && id.Name != "cap") {
				// calls are allowed around the index expressions (fmt.Println(xs[i])), not inside them
				return true
			}
		case *ast.Ident:
			if _, ok := g[x.Name]; !ok && x.Name != "len" && x.Name != "cap" && x.Name != "true" && x.Name != "false" {
				if _, isPkg := s.imports[x.Name]; !isPkg {
					pure = pure && !identInIndex(stmt, x)
				}
			}
		}
		return true
	})
	if !pure {
		return
	}
	ast.Inspect(stmt, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		return f(n)
	})
}

// identInIndex reports whether id occurs inside an index or slice expression of stmt (where its value
// would be needed to read the operands again).
func identInIndex(stmt ast.Stmt, id *ast.Ident) bool {
	in := false
	ast.Inspect(stmt, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.IndexExpr, *ast.SliceExpr:
			ast.Inspect(x, func(m ast.Node) bool {
				if m == id {
					in = true
				}
				return !in
			})
			return false
		}
		return !in
	})
	return in
}

// evalInt evaluates a side-effect-free expression in the interpreter and returns it as an int.
func (s *Session) evalInt(e ast.Expr) (v int, ok bool) {
	r, ok := s.evalExpr(e)
	if !ok || !r.CanInt() {
		if ok && r.CanUint() {
			return int(r.Uint()), true
		}
		return 0, false
	}
	return int(r.Int()), true
}

func (s *Session) evalString(e ast.Expr) (string, bool) {
	r, ok := s.evalExpr(e)
	if !ok || r.Kind() != reflect.String {
		return "", false
	}
	return r.String(), true
}

func (s *Session) evalExpr(e ast.Expr) (v reflect.Value, ok bool) {
	var b bytes.Buffer
	if printer.Fprint(&b, token.NewFileSet(), e) != nil {
		return reflect.Value{}, false
	}
	defer func() {
		if recover() != nil {
			v, ok = reflect.Value{}, false
		}
	}()
	r, err := s.in.Eval(b.String())
	if err != nil || !r.IsValid() {
		return reflect.Value{}, false
	}
	for r.Kind() == reflect.Interface && !r.IsNil() {
		r = r.Elem()
	}
	return r, true
}
