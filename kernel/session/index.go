package session

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strings"
)

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
