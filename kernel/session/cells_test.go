package session

import (
	"bytes"
	"go/parser"
	"go/printer"
	"go/token"
	"strings"
	"testing"
)

func TestSplitItems(t *testing.T) {
	kinds := map[chunkKind]string{kindStmt: "S", kindDecl: "D", kindImport: "I", kindSkip: "P"}
	cases := []struct {
		code string
		want string // kinds of the items in order
	}{
		{"x := 1", "S"},
		{"import \"fmt\"\nfmt.Println(1)", "IS"},
		{"package main\nimport (\n\t\"fmt\"\n\t\"os\"\n)\nfunc main() {}\n", "PID"},
		{"func f() {}\nf()", "DS"},
		{"func (p P) M() int { return 1 }", "D"},
		{"func() { println(1) }()", "S"},
		{"func(a int) { println(a) }(3)", "S"},
		{"func() int { return 3 }()", "S"},
		{"func() fmt.Stringer { return nil }()", "S"},
		{"func (p *P) Set(v int) { p.v = v }", "D"},
		{"type T struct{ A int }\nvar v T\nconst c = 2\nv.A = c", "DDDS"},
		{"for i := 0; i < 3; i++ {\n\tx := i\n\t_ = x\n}", "S"},
		{"a := []int{\n\t1,\n\t2,\n}; b := 2", "SS"},
		{"// just a comment\n", ""},
	}
	for _, c := range cases {
		items, err := splitItems(c.code)
		if err != nil {
			t.Errorf("splitItems(%q): %v", c.code, err)
			continue
		}
		var got strings.Builder
		for _, it := range items {
			got.WriteString(kinds[it.kind])
		}
		if got.String() != c.want {
			t.Errorf("splitItems(%q) = %s, want %s", c.code, got.String(), c.want)
		}
	}
	if _, err := splitItems("s := \"unterminated"); err == nil {
		t.Error("unterminated string: no error")
	}
}

func TestRewrite(t *testing.T) {
	s := newSession(t)
	cases := []struct {
		code    string
		want    []string // fragments of the rewritten code
		notWant []string
	}{
		{"for {}", []string{"if *__nm.Stop != 0 {", "__nm.Interrupted()"}, nil},
		{"for i := range 10 { _ = i }", []string{"__nmN := 10", "for i := __nmN - __nmN; i < __nmN; i++"}, []string{"range"}},
		{"for range 3 {}", []string{"for __nmK := __nmN - __nmN; __nmK < __nmN; __nmK++"}, nil},
		{"xs := []int{1}\nfor i := range xs { _ = i }", []string{"range xs"}, []string{"__nmN"}},
		{"for k, v := range m { _, _ = k, v }", []string{"range m"}, nil},
		{"go work(a, 2)", []string{"__nmF1, __nmA2 := work, a", "__nm.Go(func() {", "__nmF1(__nmA2, 2)"}, []string{"go work"}},
		{"go close(ch)", []string{"__nmA1 := ch", "close(__nmA1)"}, nil},
		{"func f(n int) { for i := range n { _ = i } }", []string{"__nmN := n"}, nil},
		{"func main() {}\nmain()", []string{"func __nmmain()", "__nmmain()"}, nil},
	}
	for _, c := range cases {
		fset := token.NewFileSet()
		src := "package main\nfunc __cell() {\n" + c.code + "\n}"
		if strings.HasPrefix(c.code, "func") {
			src = "package main\n" + c.code
			if strings.Contains(c.code, "\nmain()") {
				src = "package main\nfunc main() {}\nfunc g() { main() }"
			}
		}
		f, err := parser.ParseFile(fset, "", src, 0)
		if err != nil {
			t.Fatalf("%q: %v", c.code, err)
		}
		s.rewrite(f)
		var buf bytes.Buffer
		printer.Fprint(&buf, fset, f)
		out := buf.String()
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("rewrite(%q) lacks %q:\n%s", c.code, w, out)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(out, w) {
				t.Errorf("rewrite(%q) contains %q:\n%s", c.code, w, out)
			}
		}
	}
	// An unknown operand is left for the compile step, and rewritten there when yaegi fails.
	f, _ := parser.ParseFile(token.NewFileSet(), "", "package main\nfunc g() { for i := range cfg.N { _ = i } }", 0)
	if u := s.rewrite(f); len(u) != 1 {
		t.Errorf("unknown ranges: %d, want 1", len(u))
	}
}
