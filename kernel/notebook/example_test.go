package notebook_test

import (
	"fmt"

	"github.com/notmagic/notmagic/kernel/notebook"
)

// A lesson in the percent format becomes notebook cells; New makes the unexecuted notebook.
func Example() {
	src := "//go:build ignore\n\n// %% [markdown]\n// # A neuron\n\n// %%\nw, b := 2.0, 1.0\nw*3 + b\n"
	cells, err := notebook.Parse([]byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cells {
		fmt.Printf("%s (line %d): %q\n", c.Kind, c.Line, c.Source)
	}
	nb := notebook.New(cells)
	fmt.Println(len(nb.Cells), "cells, nbformat", nb.NBFormat)
	// Output:
	// markdown (line 4): "# A neuron"
	// code (line 7): "w, b := 2.0, 1.0\nw*3 + b"
	// 2 cells, nbformat 4
}
