package session

import (
	"slices"
	"strings"
	"testing"
)

func TestIsComplete(t *testing.T) {
	cases := []struct{ code, status, indent string }{
		{"x := 1", "complete", ""},
		{"", "complete", ""},
		{"for i := 0; i < 3; i++ {", "incomplete", "    "},
		{"func f() {\n\tif true {", "incomplete", "        "},
		{"x := []int{\n1,", "incomplete", "    "},
		{"s := `raw", "incomplete", ""},
		{"y := 1 +", "incomplete", ""},
		{"/* comment", "incomplete", ""},
		{"x := )", "invalid", ""},
		{"}", "invalid", ""},
		{"x := := 2", "invalid", ""},
		{"import \"fmt\"\nfmt.Println(1)", "complete", ""},
		{"func f() int {\n\treturn 1\n}", "complete", ""},
	}
	for _, c := range cases {
		st, ind := IsComplete(c.code)
		if st != c.status || ind != c.indent {
			t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", c.code, st, ind, c.status, c.indent)
		}
	}
}

func TestComplete(t *testing.T) {
	s := newSession(t)
	run(t, s, "type Point struct{ X, Y int }\n// Norm2 is the squared length.\nfunc (p Point) Norm2() int { return p.X*p.X + p.Y*p.Y }\nmyPoint := Point{1, 2}\nvalue := 3\ntensor := nn.Zeros(2, 2)")
	cases := []struct {
		code     string
		want     []string
		notWant  []string
		startOff int // start relative to cursor
	}{
		{"nn.Ra", []string{"Randn", "Rand"}, []string{"Zeros"}, -2},
		{"fmt.Sp", []string{"Sprintf", "Sprint"}, nil, -2},
		{"strings.", []string{"Split", "ToUpper"}, nil, 0},
		{"myPoint.", []string{"X", "Y", "Norm2"}, nil, 0},
		{"tensor.", []string{"Shape"}, nil, 0},
		{"val", []string{"value"}, nil, -3},
		{"myP", []string{"myPoint"}, nil, -3},
		{"fo", []string{"for"}, nil, -2},
		{"x := 1; pri", []string{"println", "print"}, nil, -3},
		{"display.Mark", []string{"Markdown"}, nil, -4},
		{"nosuch.", nil, nil, 0},
	}
	for _, c := range cases {
		cur := len([]rune(c.code))
		m, start, end := s.Complete(c.code, cur)
		for _, w := range c.want {
			if !slices.Contains(m, w) {
				t.Errorf("Complete(%q) = %v, missing %q", c.code, m, w)
			}
		}
		for _, w := range c.notWant {
			if slices.Contains(m, w) {
				t.Errorf("Complete(%q) contains %q", c.code, w)
			}
		}
		if end != cur || start != cur+c.startOff {
			t.Errorf("Complete(%q) range %d..%d, want %d..%d", c.code, start, end, cur+c.startOff, cur)
		}
	}
	// Completion does not run calls.
	run(t, s, "calls := 0\nfunc bump() Point { calls++; return Point{} }")
	s.Complete("bump().", len("bump()."))
	if res, _ := run(t, s, "calls"); res["text/plain"] != "0" {
		t.Errorf("completion ran a call: calls = %v", res["text/plain"])
	}
	// Cursor positions count code points.
	m, start, _ := s.Complete("é := 1; nn.Ze", len([]rune("é := 1; nn.Ze")))
	if !slices.Contains(m, "Zeros") || start != len([]rune("é := 1; nn.")) {
		t.Errorf("unicode: %v at %d", m, start)
	}
}

func TestInspect(t *testing.T) {
	s := newSession(t)
	run(t, s, "v := 41\ntensor := nn.Ones(2)\n// square multiplies x by itself.\nfunc square(x float64) float64 { return x * x }\n// Pt is a point.\ntype Pt struct{ X, Y int }")
	cases := []struct {
		code   string
		cursor int // -1: end
		want   []string
	}{
		{"strings.Split", -1, []string{"func Split(s, sep string) []string", "Split slices s"}},
		{"strings.Split(a, b)", 14, []string{"func Split("}},
		{"nn.Zeros", -1, []string{"func Zeros(shape ...int) *Tensor"}},
		{"nn.Zeros(2, 3)", 5, []string{"func Zeros"}},
		{"display.Markdown", -1, []string{"func Markdown(s string)", "Markdown"}},
		{"tensor.Shape", -1, []string{"Shape()"}},
		{"v", -1, []string{"v int = 41"}},
		{"square", -1, []string{"func square(x float64) float64", "square multiplies x by itself."}},
		{"Pt{}", 1, []string{"type Pt struct", "Pt is a point."}},
		{"fmt", -1, []string{"package fmt", "formatted I/O"}},
		{"math.Pi", -1, []string{"Pi"}},
	}
	for _, c := range cases {
		cur := c.cursor
		if cur < 0 {
			cur = len([]rune(c.code))
		}
		data, ok := s.Inspect(c.code, cur, 0)
		if !ok {
			t.Errorf("Inspect(%q, %d): not found", c.code, cur)
			continue
		}
		text := data["text/plain"].(string)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("Inspect(%q) = %q, missing %q", c.code, text, w)
			}
		}
	}
	run(t, s, "type Pt2 struct{ X int }\n// Double doubles X.\nfunc (p *Pt2) Double() { p.X *= 2 }\npp := &Pt2{1}")
	if d, ok := s.Inspect("pp.Double()", 4, 0); !ok || !strings.Contains(d["text/plain"].(string), "Double doubles X.") {
		t.Errorf("method of a cell's type: %v", d)
	}
	if _, ok := s.Inspect("nothing_here", 3, 0); ok {
		t.Error("Inspect of an unknown name found something")
	}
}
