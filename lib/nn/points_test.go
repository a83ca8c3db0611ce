package nn_test

import (
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
)

func TestFromPointsAndClassify(t *testing.T) {
	x := nn.FromPoints([][]float64{{1, 2}, {3, 4}, {-5, 0.5}})
	if got := x.Shape(); len(got) != 2 || got[0] != 3 || got[1] != 2 {
		t.Fatalf("shape %v", got)
	}
	if d := x.Data(); d[4] != -5 || d[5] != 0.5 {
		t.Errorf("data %v", d)
	}
	// A classifier that says class 1 right of x = 0 and class 0 left of it.
	w := nn.New([]float32{-1, 1, 0, 0}, 2, 2)
	predict := nn.Classify(func(p *nn.Tensor) *nn.Tensor { return p.MatMul(w) })
	got := predict([]float64{-2, 3, 0.5}, []float64{7, -1, 0})
	if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 1 {
		t.Errorf("Classify: %v", got)
	}
	if !panics(func() { nn.FromPoints([][]float64{{1, 2}, {3}}) }) || !panics(func() { predict([]float64{1}, nil) }) {
		t.Error("ragged points or unequal coordinates did not panic")
	}
}

func TestLineIndex(t *testing.T) {
	corpus := "package main\n\nfunc main() {\n\tfmt.Println(\"hello, world\")\n}\n\tfmt.Println(\"hello, world\")\nx := 1\n"
	x := nn.NewLineIndex(corpus, 8)
	if x.Len() != 3 { // "package main", "func main() {", the Println line once; "}" and "x := 1" are short
		t.Errorf("Len = %d, want 3", x.Len())
	}
	if !x.Contains("  fmt.Println(\"hello, world\")") || x.Contains("fmt.Println(\"hello\")") {
		t.Error("Contains")
	}
	if m, o := x.Nearest("fmt.Println(\"hello, world\")"); m != "fmt.Println(\"hello, world\")" || o != 1 {
		t.Errorf("exact line: %q %.2f", m, o)
	}
	if m, o := x.Nearest("fmt.Println(\"hello, gophers\")"); !strings.HasPrefix(m, "fmt.Println") || !(o > 0.3 && o < 1) {
		t.Errorf("similar line: %q %.2f", m, o)
	}
	if m, o := x.Nearest("zzzz"); m != "" || o != 0 {
		t.Errorf("nothing shared: %q %.2f", m, o)
	}
}

func panics(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}
