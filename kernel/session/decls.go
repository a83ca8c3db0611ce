package session

import (
	"context"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"sort"
	"strings"
)

// Redefinitions. yaegi v0.16.1 keeps the first declaration of a type or a method and silently ignores a
// later one (the next cell then fails with an unrelated error), and a function redeclared in a later
// cell changes for new callers only: functions compiled before keep calling the old body. So the session
// remembers every type, function and method a cell declares (its tokens, without comments or spacing):
//
//   - the same declaration run again is dropped silently;
//   - a different type or method is refused with one error that says why and what to do;
//   - a different function is compiled, and then the cell functions that call it (directly or through
//     others) are compiled again from their own source, so every caller uses the new body.

// declRecord is a declaration a cell made.
type declRecord struct {
	key    string          // "type P", "func f" or "method T.M"
	tokens string          // its tokens, for telling a re-run from a change
	source string          // its source text, to compile it again
	src    Source          // where that text came from (a cell, or a line of a file)
	calls  map[string]bool // for functions: the cell functions its body calls
}

// declKey names a declaration; ok is false for declarations the session does not track.
func declKey(d ast.Decl) (keys []string) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			return []string{"func " + d.Name.Name}
		}
		return []string{"method " + funcName(d)}
	case *ast.GenDecl:
		if d.Tok == token.TYPE {
			for _, sp := range d.Specs {
				keys = append(keys, "type "+sp.(*ast.TypeSpec).Name.Name)
			}
		}
	}
	return keys
}

// tokensOf returns src's tokens joined by spaces: the same for two texts that differ only in comments,
// spacing and line breaks.
func tokensOf(src string) string {
	var sc scanner.Scanner
	fset := token.NewFileSet()
	sc.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	var b strings.Builder
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			return b.String()
		}
		if tok == token.SEMICOLON { // written or inserted at a line break: layout, not meaning
			continue
		}
		if lit == "" {
			lit = tok.String()
		}
		b.WriteString(lit)
		b.WriteByte(' ')
	}
}

// checkRedefinitions looks at the declarations of a chunk (f, parsed from text with the offsets of full)
// before it compiles: it drops the ones that repeat an earlier declaration word for word, refuses a
// changed type or method with a RedefinitionError, and returns the records to keep once the chunk has
// run and the functions that changed.
func (s *Session) checkRedefinitions(f *ast.File, fset *token.FileSet, full string, src Source) (records []*declRecord, changed []string, err *Error) {
	kept := f.Decls[:0]
	for _, d := range f.Decls {
		keys := declKey(d)
		if len(keys) == 0 {
			kept = append(kept, d)
			continue
		}
		start, end := fset.Position(d.Pos()).Offset, fset.Position(d.End()).Offset
		text := full[start:end]
		tokens := tokensOf(text)
		if s.redeclaring { // compiling a caller again (commitDecls): as it is
			kept = append(kept, d)
			continue
		}
		s.mu.Lock()
		prev := s.decls[keys[0]]
		s.mu.Unlock()
		if prev != nil && prev.tokens == tokens {
			continue // the same declaration again: nothing to do
		}
		if prev != nil && !strings.HasPrefix(keys[0], "func ") {
			pos := fset.Position(d.Pos())
			return nil, nil, s.errorFrom("RedefinitionError", fmt.Sprintf("%d:%d: %s is already declared (%s:%d) and the interpreter cannot change a %s once it exists: "+
				"restart the kernel to declare it anew, or give the new one another name",
				pos.Line, pos.Column, keys[0], prev.src.Name, prev.src.Line, strings.Fields(keys[0])[0]))
		}
		kept = append(kept, d)
		_, line, _, _ := s.lookupLine(fset.Position(fset.File(d.Pos()).Pos(start)).Line)
		for _, k := range keys {
			r := &declRecord{key: k, tokens: tokens, source: text, src: Source{Name: src.Name, Line: line}}
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				r.calls = calledNames(fd.Body)
				if prev != nil {
					changed = append(changed, fd.Name.Name)
				}
			}
			records = append(records, r)
		}
	}
	f.Decls = kept
	return records, changed, nil
}

// calledNames returns the plain names a function body calls (some of them cell functions).
func calledNames(body *ast.BlockStmt) map[string]bool {
	names := map[string]bool{}
	if body == nil {
		return names
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok {
				names[id.Name] = true
			}
		}
		return true
	})
	return names
}

// commitDecls records the declarations of a chunk that ran, and compiles again the cell functions that
// call a function it changed, so that they call the new body. A caller that no longer compiles keeps
// its old body, and a line on stderr says so.
func (s *Session) commitDecls(records []*declRecord, changed []string, out Output) {
	s.mu.Lock()
	if s.decls == nil {
		s.decls = map[string]*declRecord{}
	}
	for _, r := range records {
		s.decls[r.key] = r
	}
	// Callers of the changed functions, transitively, not counting functions the chunk itself declared.
	fresh := map[string]bool{}
	for _, r := range records {
		fresh[r.key] = true
	}
	todo := map[string]bool{}
	queue := append([]string(nil), changed...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for key, r := range s.decls {
			if r.calls[name] && !fresh[key] && !todo[key] {
				todo[key] = true
				queue = append(queue, strings.TrimPrefix(key, "func "))
			}
		}
	}
	var redo []*declRecord
	for key := range todo {
		redo = append(redo, s.decls[key])
	}
	s.mu.Unlock()
	sort.Slice(redo, func(i, j int) bool { return redo[i].key < redo[j].key })
	s.redeclaring = true
	defer func() { s.redeclaring = false }()
	for _, r := range redo {
		chunks, err := s.prepare(r.source, r.src)
		if err == nil {
			for _, c := range chunks {
				if _, _, err = s.runChunk(context.Background(), c); err != nil {
					break
				}
			}
		}
		if err != nil {
			out.Stream("stderr", fmt.Sprintf("note: %s (%s:%d) calls a function this cell changed, and it no longer compiles: it keeps its old body (%v)\n",
				strings.TrimPrefix(r.key, "func "), r.src.Name, r.src.Line, err))
		}
	}
}
