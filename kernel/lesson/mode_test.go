package lesson

import "testing"

func TestNotebookMode(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"//go:build ignore\n\n// %%\nx := 1\n", "quick"},
		{"//go:build ignore\n//notmagic:notebook full\n\n// %%\nx := 1\n", "full"},
		{"//go:build ignore\n\n// %%\n//notmagic:notebook full\n", "quick"}, // inside a cell: not a header line
		{"//notmagic:notebook fast\n// %%\n", "quick"},
	} {
		if got := NotebookMode([]byte(c.src)); got != c.want {
			t.Errorf("NotebookMode(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}
