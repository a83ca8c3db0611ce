package lesson

import (
	"reflect"
	"strings"
	"testing"
)

const sample = `//go:build ignore

// %% [markdown]
// # A neuron
//
// It computes w·x + b.

// %%
w, b := 2.0, 1.0

w*3 + b

// %% [markdown]
//Tight comment.
// %%
// a comment inside code
fmt.Println("hi")
`

func TestParse(t *testing.T) {
	cells, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Cell{
		{Markdown: true, Source: "# A neuron\n\nIt computes w·x + b.", Line: 4},
		{Source: "w, b := 2.0, 1.0\n\nw*3 + b", Line: 9},
		{Markdown: true, Source: "Tight comment.", Line: 14},
		{Source: "// a comment inside code\nfmt.Println(\"hi\")", Line: 16},
	}
	if !reflect.DeepEqual(cells, want) {
		t.Errorf("got %#v\nwant %#v", cells, want)
	}
	again, err := Parse(Format(cells))
	if err != nil {
		t.Fatal(err)
	}
	for i := range cells {
		if again[i].Source != cells[i].Source || again[i].Markdown != cells[i].Markdown {
			t.Errorf("round trip cell %d: %#v", i, again[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		"package main\nfunc main() {}\n",
		"// %% [markdown]\n# not a comment\n",
	} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("Parse(%q): no error", src)
		} else if !strings.Contains(err.Error(), "line") && !strings.Contains(err.Error(), "no cells") {
			t.Errorf("Parse(%q): unclear error %v", src, err)
		}
	}
	if IsLesson([]byte("package main\n")) || !IsLesson([]byte(sample)) {
		t.Error("IsLesson")
	}
}
