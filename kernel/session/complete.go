package session

import (
	"go/scanner"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsComplete reports whether code is ready to run: "complete", "incomplete" (with the indent for the
// next line) or "invalid", from go/scanner and go/parser. Open brackets, an unterminated raw string or
// comment, and a last line ending in an operator or comma make code incomplete.
func IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	if isMagic(code) {
		// %time and %timeit are complete when the code they time is; every other magic is one line.
		first, rest, _ := strings.Cut(strings.TrimSpace(code), "\n")
		for _, m := range []string{"%timeit", "%time"} {
			if first == m || strings.HasPrefix(first, m+" ") {
				body := strings.TrimSpace(strings.TrimPrefix(first, m) + "\n" + rest)
				if body == "" {
					return "incomplete", ""
				}
				return IsComplete(body)
			}
		}
		return "complete", ""
	}
	fset := token.NewFileSet()
	f := fset.AddFile("", fset.Base(), len(code))
	var s scanner.Scanner
	var errs []string
	s.Init(f, []byte(code), func(_ token.Position, msg string) { errs = append(errs, msg) }, scanner.ScanComments)
	depth := 0
	var last token.Token
	for {
		_, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
			if depth < 0 {
				return "invalid", ""
			}
		case token.COMMENT:
			continue
		case token.SEMICOLON:
			if lit == "\n" {
				continue
			}
		}
		last = t
	}
	for _, e := range errs {
		if strings.Contains(e, "not terminated") {
			return "incomplete", ""
		}
	}
	if len(errs) > 0 {
		return "invalid", ""
	}
	if depth > 0 {
		return "incomplete", strings.Repeat("    ", depth)
	}
	switch {
	case last.IsOperator() && last != token.RPAREN && last != token.RBRACE && last != token.RBRACK &&
		last != token.INC && last != token.DEC && last != token.SEMICOLON:
		return "incomplete", ""
	}
	// Parse the chunks as the session would.
	items, err := splitItems(code)
	if err != nil {
		return "invalid", ""
	}
	for _, it := range items {
		if it.kind == kindSkip {
			continue
		}
		text := code[it.start:it.end]
		src := "package main\n" + text
		if it.kind == kindStmt {
			src = "package main; func main() {\n" + text + "\n}"
		}
		if _, err := parserParse(src); err != nil {
			return "invalid", ""
		}
	}
	return "complete", ""
}

var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func",
	"go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct",
	"switch", "type", "var",
}

var builtinNames = []string{
	"append", "cap", "close", "complex", "copy", "delete", "imag", "len", "make", "new", "panic", "print",
	"println", "real", "recover", "min", "max", "clear",
	"bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32",
	"int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any",
	"true", "false", "nil", "iota",
}

// Complete returns completions for code at cursor (cursor, start and end count Unicode code points):
// package members after `pkg.`, fields and methods of a live value after `x.` (the value is evaluated
// when the expression is a plain chain of names, so no call runs), and otherwise keywords, builtins,
// packages in effect, the session's globals and names used in code.
func (s *Session) Complete(code string, cursor int) (matches []string, start, end int) {
	off := byteOffset(code, cursor)
	before := code[:off]
	i := len(before)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(before[:i])
		if !isIdentRune(r) {
			break
		}
		i -= size
	}
	prefix := before[i:]
	start = cursor - utf8.RuneCountInString(prefix)
	end = cursor
	var cands []string
	if i > 0 && before[i-1] == '.' {
		chain := identChain(before[:i-1])
		if chain == "" {
			return nil, start, end
		}
		cands = s.members(chain)
	} else {
		cands = append(cands, keywords...)
		cands = append(cands, builtinNames...)
		cands = append(cands, s.topNames()...)
		cands = append(cands, namesIn(code)...)
	}
	seen := map[string]bool{prefix: true}
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] && !strings.HasPrefix(c, "__nm") && !strings.HasPrefix(c, "_") {
			seen[c] = true
			matches = append(matches, c)
		}
	}
	sort.Strings(matches)
	return matches, start, end
}

// topNames lists packages in effect and names the cells defined.
func (s *Session) topNames() []string {
	g := s.globals()
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.imports {
		names = append(names, n)
	}
	for n := range s.defined {
		names = append(names, n)
	}
	for n := range g {
		names = append(names, n)
	}
	return names
}

// members lists what can follow `chain.`: a package's exported symbols, or the fields and methods of
// the value chain evaluates to.
func (s *Session) members(chain string) []string {
	s.mu.Lock()
	path, isPkg := s.imports[chain]
	s.mu.Unlock()
	if isPkg {
		return s.packageSymbols(path)
	}
	s.mu.Lock()
	methods := append([]string(nil), s.methods[s.varTypes[chain]]...)
	s.mu.Unlock()
	v, ok := s.evalChain(chain)
	if !ok {
		return methods
	}
	return append(valueMembers(v), methods...) // yaegi's types of cells have no reflect methods
}

// packageSymbols lists the exported names of the package at path.
func (s *Session) packageSymbols(path string) []string {
	var names []string
	for _, m := range s.in.Symbols(path) {
		for n := range m {
			if token.IsExported(n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// evalChain evaluates a chain of names (x, x.f, pkg.V) in the interpreter.
func (s *Session) evalChain(chain string) (v reflect.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	s.mu.Lock()
	_, defined := s.defined[strings.Split(chain, ".")[0]]
	_, isPkg := s.imports[strings.Split(chain, ".")[0]]
	s.mu.Unlock()
	if !defined && !isPkg {
		if _, ok := s.globals()[strings.Split(chain, ".")[0]]; !ok {
			return v, false
		}
	}
	r, err := s.in.Eval(chain)
	if err != nil || !r.IsValid() {
		return v, false
	}
	return r, true
}

// valueMembers lists exported fields and methods of v (through pointers and interfaces).
func valueMembers(v reflect.Value) []string {
	var names []string
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	t := v.Type()
	addMethods := func(t reflect.Type) {
		for i := 0; i < t.NumMethod(); i++ {
			names = append(names, t.Method(i).Name)
		}
	}
	addMethods(t)
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		addMethods(reflect.PointerTo(t))
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			if f := st.Field(i); f.IsExported() {
				names = append(names, f.Name)
			}
		}
	}
	return names
}

// identChain returns the trailing `a.b.c` of s (names separated by dots, no calls), or "".
func identChain(s string) string {
	i := len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !isIdentRune(r) && r != '.' {
			break
		}
		i -= size
	}
	chain := strings.Trim(s[i:], ".")
	if chain == "" || strings.Contains(chain, "..") {
		return ""
	}
	if r, _ := utf8.DecodeRuneInString(chain); unicode.IsDigit(r) {
		return ""
	}
	return chain
}

// namesIn lists the identifiers used in code.
func namesIn(code string) []string {
	fset := token.NewFileSet()
	f := fset.AddFile("", fset.Base(), len(code))
	var s scanner.Scanner
	s.Init(f, []byte(code), func(token.Position, string) {}, 0)
	var names []string
	for {
		_, t, lit := s.Scan()
		if t == token.EOF {
			return names
		}
		if t == token.IDENT {
			names = append(names, lit)
		}
	}
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// byteOffset converts a cursor in code points into a byte offset (clamped to code).
func byteOffset(code string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	n := 0
	for i := range code {
		if n == cursor {
			return i
		}
		n++
	}
	return len(code)
}
