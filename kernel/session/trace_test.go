package session

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestRuntimeErrorPositions: a run-time panic names the statement that failed (its cell and line, with
// the caller in the cell when it failed in a function of an earlier cell) in Go's wording, and nothing
// of the interpreter's logging reaches the cell's output.
func TestRuntimeErrorPositions(t *testing.T) {
	cases := []struct {
		name  string
		setup string // an earlier cell (cell[1]) when not empty
		code  string
		value string   // the error's value, exactly
		at    []string // traceback lines after the first, as prefixes, in order
		line  int      // Error.Line
	}{
		{name: "index", code: "fmt.Println(\"before\")\nxs := []int{1, 2, 3}\ni := 5\nfmt.Println(xs[i])",
			value: "runtime error: index out of range [5] with length 3", at: []string{"  at cell[1]:4:1 in the cell", "    4 | fmt.Println(xs[i])"}, line: 4},
		{name: "divide", code: "z := 0\nfmt.Println(10 / z)",
			value: "runtime error: integer divide by zero", at: []string{"  at cell[1]:2:1 in the cell"}, line: 2},
		{name: "slice", code: "xs := []int{1, 2, 3}\nhi := 7\n\nys := xs[1:hi]\n_ = ys",
			value: "runtime error: slice bounds out of range [:7] with capacity 3", at: []string{"  at cell[1]:4:1 in the cell"}, line: 4},
		{name: "nil map", code: "var m map[string]int\nm[\"a\"] = 1",
			value: "assignment to entry in nil map", at: []string{"  at cell[1]:2:1 in the cell"}, line: 2},
		{name: "nil pointer", code: "type P struct{ X int }\nvar p *P\nfmt.Println(p.X)",
			value: "runtime error: invalid memory address or nil pointer dereference", at: []string{"  at cell[1]:3:1 in the cell"}, line: 3},
		{name: "assertion", code: "var v any = \"s\"\nn := v.(int)\n_ = n",
			value: "interface conversion: interface {} is string, not int", at: []string{"  at cell[1]:2:1 in the cell"}, line: 2},
		{name: "closed channel", code: "ch := make(chan int, 1)\nclose(ch)\nch <- 1",
			value: "send on closed channel", at: []string{"  at cell[1]:3:1 in the cell"}, line: 3},
		{name: "in a loop", code: "xs := []int{1, 2, 3}\ntotal := 0\nfor i := 0; i <= len(xs); i++ {\n\ttotal += i\n\ttotal += xs[i]\n}",
			value: "runtime error: index out of range [3] with length 3", at: []string{"  at cell[1]:5:2 in the cell"}, line: 5},
		{name: "function of an earlier cell",
			setup: "func get(xs []int, i int) int {\n\tfmt.Println(\"get\", i)\n\tv := xs[i]\n\treturn v\n}",
			code:  "xs := []int{1, 2, 3}\nfmt.Println(\"calling\")\ny := get(xs, 9)\n_ = y",
			value: "runtime error: index out of range", at: []string{"  at cell[1]:3:2 in get", "  called from cell[2]:3:1"}, line: 3},
		{name: "method", setup: "type Stack struct{ items []int }\n\nfunc (s *Stack) Pop() int {\n\tn := len(s.items)\n\tv := s.items[n-1]\n\ts.items = s.items[:n-1]\n\treturn v\n}",
			code:  "st := &Stack{}\nst.Pop()",
			value: "runtime error: index out of range", at: []string{"  at cell[1]:5:2 in Stack.Pop", "  called from cell[2]:2:1"}, line: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t)
			if c.setup != "" {
				if _, err := s.ExecuteSource(context.Background(), c.setup, &recorder{}, Source{Name: "cell[1]", Line: 1}); err != nil {
					t.Fatal(err)
				}
			}
			name := "cell[1]"
			if c.setup != "" {
				name = "cell[2]"
			}
			rec := &recorder{}
			_, err := s.ExecuteSource(context.Background(), c.code, rec, Source{Name: name, Line: 1})
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("got %v", err)
			}
			if e.Name != "panic" || e.Value != c.value || e.Line != c.line {
				t.Errorf("got %s: %q at line %d; want panic: %q at line %d", e.Name, e.Value, e.Line, c.value, c.line)
			}
			rest := e.Traceback[1:]
			for i, want := range c.at {
				if i >= len(rest) || !strings.HasPrefix(rest[i], want) {
					t.Errorf("traceback line %d: want %q; traceback:\n%s", i+1, want, strings.Join(e.Traceback, "\n"))
					break
				}
			}
			if strings.Contains(rec.err(), "panic:") || strings.Contains(rec.err(), "reflect") {
				t.Errorf("interpreter logging reached the cell: %q", rec.err())
			}
		})
	}
}

// TestRedefinitions: re-running a declaration is silent; a changed type or method is refused with one
// clear error naming where it was declared; a changed function takes effect in its callers too.
func TestRedefinitions(t *testing.T) {
	s := newSession(t)
	exec := func(code string) (MIMEBundle, error) {
		return s.Execute(context.Background(), code, &recorder{})
	}
	for _, code := range []string{"type P struct{ X int }", "func f() int { return 1 }", "func g() int { return f() * 10 }",
		"func h() int { return g() + 1 }", "type T struct{}", "func (T) M() int { return 1 }"} {
		if _, err := exec(code); err != nil {
			t.Fatalf("%q: %v", code, err)
		}
	}
	// The same declarations again, with other spacing and a comment: silent.
	for _, code := range []string{"type P struct {\n\tX int // the only field\n}", "func (T) M() int {\n\treturn 1\n}"} {
		if _, err := exec(code); err != nil {
			t.Errorf("re-running %q: %v", code, err)
		}
	}
	for _, c := range []struct{ code, want string }{
		{"type P struct{ X, Y int }", "type P is already declared (cell[1]:1) and the interpreter cannot change a type once it exists: restart the kernel"},
		{"func (T) M() int { return 2 }", "method T.M is already declared (cell[6]:1) and the interpreter cannot change a method once it exists"},
	} {
		_, err := exec(c.code)
		e, ok := err.(*Error)
		if !ok || e.Name != "RedefinitionError" || !strings.Contains(e.Value, c.want) {
			t.Errorf("%q: got %v, want a RedefinitionError saying %q", c.code, err, c.want)
		}
	}
	if res, err := exec("P{1}"); err != nil || res["text/plain"] != "main.P{X:1}" && res["text/plain"] != "{1}" {
		t.Errorf("P after the refused redefinition: %v %v", res, err)
	}
	// A changed function: its direct and indirect callers use the new body.
	if _, err := exec("func f() int {\n\treturn 2\n}"); err != nil {
		t.Fatal(err)
	}
	if res, err := exec("h()"); err != nil || res["text/plain"] != "21" {
		t.Errorf("h() after f changed: %v %v, want 21", res, err)
	}
	// A caller that no longer compiles keeps its old body, and a note says so.
	rec := &recorder{}
	if _, err := s.Execute(context.Background(), "func f() string { return \"two\" }", rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.err(), "note: g (cell[3]:1) calls a function this cell changed, and it no longer compiles") {
		t.Errorf("stderr: %q", rec.err())
	}
}

// TestUnsupportedConstructs: what the interpreter cannot run is named, with the way around it, and the
// interpreter's own log lines stay out of the cell.
func TestUnsupportedConstructs(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct{ code, at string }{
		{"seq := func(yield func(int) bool) {\n\tyield(1)\n}\nfor x := range seq {\n\tfmt.Println(x)\n}", ":4:1:"},
		{"func Seq(yield func(int) bool) {}\n\nfor x := range Seq {\n\tfmt.Println(x)\n}", ":3:1:"},
	} {
		rec := &recorder{}
		_, err := s.Execute(context.Background(), c.code, rec)
		e, ok := err.(*Error)
		if !ok || e.Name != "UnsupportedError" || !strings.Contains(e.Value, "range over a function (a Go 1.23 iterator) is not supported") ||
			!strings.Contains(e.Value, c.at) {
			t.Errorf("%q: got %v", c.code, err)
		}
		if rec.err() != "" {
			t.Errorf("%q: stderr %q", c.code, rec.err())
		}
	}
}

// TestCellTypeText: a cell-defined type's String method gives its text everywhere: fmt, the cell's
// result and display.Show (the rich forms of compiled values stay).
func TestCellTypeText(t *testing.T) {
	s := newSession(t)
	run(t, s, "type Pt struct{ X, Y int }\n\nfunc (p Pt) String() string { return fmt.Sprintf(\"(%d, %d)\", p.X, p.Y) }")
	for _, c := range []struct{ code, want string }{
		{"Pt{3, 4}", "(3, 4)"},
		{"&Pt{1, 2}", "(1, 2)"},
		{"\"text\"", `"text"`},
		{"nn.Zeros(2)", "tensor([0., 0.]) shape=[2]"},
	} {
		if res, _ := run(t, s, c.code); res["text/plain"] != c.want {
			t.Errorf("%s: result %q, want %q", c.code, res["text/plain"], c.want)
		}
	}
	_, rec := run(t, s, "fmt.Println(Pt{7, 8})\ndisplay.Show(Pt{5, 6})\ndisplay.Update(\"u\", Pt{9, 9})")
	if !strings.Contains(rec.out(), "(7, 8)") {
		t.Errorf("fmt: %q", rec.out())
	}
	if len(rec.displays) != 2 || rec.displays[0].Data["text/plain"] != "(5, 6)" || rec.displays[1].Data["text/plain"] != "(9, 9)" || rec.displays[1].ID != "u" {
		t.Errorf("display.Show and Update: %+v", rec.displays)
	}
	// Two results and none still work (the fallbacks).
	run(t, s, "func two() (int, int) { return 1, 2 }\n\nfunc none() {}")
	if res, _ := run(t, s, "none()"); res != nil {
		t.Errorf("none(): %v", res)
	}
	run(t, s, "two()")
}

// TestCellErrorText: a cell-defined error type's Error method gives its text to fmt, log, the cell's
// result, display.Show and %w, also when a func returns it as an error; storing it in an error
// variable directly is an interpreter limit that says what to do instead.
func TestCellErrorText(t *testing.T) {
	s := newSession(t)
	run(t, s, "type codeErr struct{ code int }\n\nfunc (e codeErr) Error() string { return fmt.Sprintf(\"code %d\", e.code) }\n\nfunc fail(n int) error { return codeErr{n} }")
	if res, _ := run(t, s, "codeErr{1}"); res["text/plain"] != "code 1" {
		t.Errorf("result: %q", res["text/plain"])
	}
	if res, _ := run(t, s, "fail(2)"); res["text/plain"] != "code 2" {
		t.Errorf("a returned error as the result: %q", res["text/plain"])
	}
	run(t, s, "import \"log\"")
	_, rec := run(t, s, "fmt.Println(codeErr{3}, fail(4))\nfmt.Printf(\"%v|%s\\n\", codeErr{5}, codeErr{6})\nfmt.Println(fmt.Errorf(\"wrapped: %w\", codeErr{7}))\nlog.SetFlags(0)\nlog.SetOutput(os.Stdout)\nlog.Println(codeErr{8})\ndisplay.Show(codeErr{9})")
	for _, want := range []string{"code 3 code 4\n", "code 5|code 6\n", "wrapped: code 7\n", "code 8\n"} {
		if !strings.Contains(rec.out(), want) {
			t.Errorf("output %q lacks %q", rec.out(), want)
		}
	}
	if len(rec.displays) != 1 || rec.displays[0].Data["text/plain"] != "code 9" {
		t.Errorf("display.Show: %+v", rec.displays)
	}
	_, err := s.Execute(context.Background(), "err := error(codeErr{10})", &recorder{})
	if err == nil || !strings.Contains(err.Error(), "cannot be stored in an error variable directly") {
		t.Errorf("error(v): %v", err)
	}
}

// TestMagics: %help, ?name and name?, %time and %timeit, an unknown magic; the runner refuses the
// interactive ones.
func TestMagics(t *testing.T) {
	s := newSession(t)
	res, _ := run(t, s, "%help")
	if md, _ := res["text/markdown"].(string); !strings.Contains(md, "%timeit") || !strings.Contains(md, "Known limits") {
		t.Errorf("%%help: %v", res)
	}
	for _, q := range []string{"?nn.Randn", "nn.Randn?", "  ?nn.Randn  "} {
		if res, _ := run(t, s, q); !strings.Contains(fmt.Sprint(res["text/plain"]), "func Randn(shape ...int) *Tensor") {
			t.Errorf("%s: %v", q, res)
		}
	}
	_, rec := run(t, s, "%time x := 3")
	if !strings.HasPrefix(rec.out(), "time: ") || !strings.Contains(rec.out(), "(wall clock)") {
		t.Errorf("%%time: %q", rec.out())
	}
	if res, _ := run(t, s, "x"); res["text/plain"] != "3" {
		t.Errorf("%%time's code did not run in the session: x = %v", res)
	}
	run(t, s, "xs := make([]int, 8)")
	_, rec = run(t, s, "%timeit\nxs[3]++")
	if !regexp.MustCompile(`^\d+ runs, [0-9.]+ ns/op`).MatchString(rec.out()) {
		t.Errorf("%%timeit: %q", rec.out())
	}
	for _, c := range []struct{ code, want string }{
		{"%foo", "%foo is not a magic of this kernel; the magics are %help, %time, %timeit, %get and ?name"},
		{"?no.SuchName", "no documentation for no.SuchName"},
		{"%timeit", "%timeit needs code to time"},
	} {
		e, _ := runErr(t, s, c.code)
		if !strings.Contains(e.Value, c.want) {
			t.Errorf("%q: %v, want %q", c.code, e, c.want)
		}
	}
	script, err := New(Options{Direct: true, Script: true})
	if err != nil {
		t.Fatal(err)
	}
	defer script.Close()
	if _, err := script.Execute(context.Background(), "%help", &recorder{}); err == nil || !strings.Contains(err.Error(), "is for interactive sessions") {
		t.Errorf("%%help in a script: %v", err)
	}
	if _, err := script.Execute(context.Background(), "%time y := 1", &recorder{}); err != nil {
		t.Errorf("%%time in a script: %v", err)
	}
	if status, _ := IsComplete("%timeit\nfor i := 0; i < 3; i++ {"); status != "incomplete" {
		t.Errorf("IsComplete of an open %%timeit body: %s", status)
	}
	if status, _ := IsComplete("%help"); status != "complete" {
		t.Errorf("IsComplete(%%help) = %s", status)
	}
}
