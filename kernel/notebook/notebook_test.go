package notebook

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/kernel/session"
)

func TestParse(t *testing.T) {
	src := "//go:build ignore\n\n// %% [markdown]\n// # Title\n//\n// text\n\n// %%\nx := 1\n\nx + 1\n\n// %%\nfmt.Println(x)\n"
	cells, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Cell{
		{Kind: "markdown", Source: "# Title\n\ntext", Line: 4},
		{Kind: "code", Source: "x := 1\n\nx + 1", Line: 9},
		{Kind: "code", Source: "fmt.Println(x)", Line: 14},
	}
	if len(cells) != len(want) {
		t.Fatalf("got %d cells %+v, want %d", len(cells), cells, len(want))
	}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("cell %d: got %+v, want %+v", i, cells[i], want[i])
		}
	}
	for _, bad := range []string{"", "//go:build ignore\n", "// %% [markdown]\nnot a comment\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

func TestCollector(t *testing.T) {
	c := &collector{}
	c.Stream("stdout", "a\n")
	c.Stream("stdout", "b\n")
	c.Display(session.Display{Data: session.MIMEBundle{"text/plain": "v1"}, ID: "p"})
	c.Display(session.Display{Data: session.MIMEBundle{"text/plain": "v2"}, ID: "p", Update: true})
	outs := c.outputs()
	if len(outs) != 2 || joinSource(outs[0].Text) != "a\nb\n" || outs[1].Data["text/plain"] != "v2" {
		t.Fatalf("streams merged and display updated in place: got %+v", outs)
	}
	c.Clear(true)
	if len(c.outputs()) != 2 {
		t.Fatal("Clear(wait) cleared before the next output")
	}
	c.Stream("stderr", "x")
	if outs := c.outputs(); len(outs) != 1 || outs[0].Name != "stderr" {
		t.Fatalf("after Clear(wait) and an output: %+v", outs)
	}
	c.Clear(false)
	if len(c.outputs()) != 0 {
		t.Fatal("Clear(false) left outputs")
	}
}

// TestExecuteNotebook executes a small lesson and checks the nbformat document: execution counts,
// an execute_result with a PNG, a stream, an error cell that stops the run, and a JSON round trip.
func TestExecuteNotebook(t *testing.T) {
	cells := []Cell{
		{Kind: "markdown", Source: "# t", Line: 1},
		{Kind: "code", Source: `fmt.Println("hi")`, Line: 3},
		{Kind: "code", Source: `plots.Line("L", plots.S("y", []float64{1, 2, 3})).Labels("x", "y")`, Line: 5},
		{Kind: "code", Source: `undefinedName + 1`, Line: 7},
		{Kind: "code", Source: `fmt.Println("never")`, Line: 9},
	}
	nb, err := Execute(context.Background(), "t.go", cells, nil)
	ce, ok := err.(*CellError)
	if !ok || ce.Cell != 4 || ce.Line != 7 {
		t.Fatalf("want a CellError in cell 4 at line 7, got %v", err)
	}
	if got := joinSource(nb.Cells[1].Outputs[0].Text); got != "hi\n" || *nb.Cells[1].ExecutionCount != 1 {
		t.Errorf("cell 2: %+v", nb.Cells[1])
	}
	res := nb.Cells[2].Outputs
	if len(res) != 1 || res[0].OutputType != "execute_result" || res[0].Data["image/png"] == nil {
		t.Errorf("cell 3: want an execute_result with image/png, got %+v", res)
	}
	if o := nb.Cells[3].Outputs; len(o) == 0 || o[len(o)-1].OutputType != "error" {
		t.Errorf("cell 4: want an error output, got %+v", o)
	}
	if nb.Cells[4].ExecutionCount != nil {
		t.Errorf("cell 5 ran after the error")
	}
	b, err := nb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil || raw["nbformat"] != 4.0 {
		t.Fatalf("not nbformat 4 JSON: %v", err)
	}
	if !strings.Contains(string(b), `"outputs": []`) || !strings.Contains(string(b), `"execution_count": null`) {
		t.Error("unexecuted code cells must carry empty outputs and a null execution_count")
	}
}
