package session

import (
	"context"
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
