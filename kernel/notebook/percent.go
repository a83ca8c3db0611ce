// Package notebook turns lessons written in the percent format into Jupyter notebooks (.ipynb, nbformat
// 4.5), optionally executing every code cell through the kernel's interpreter session so that the stored
// notebook carries its outputs: text, Markdown, and the PNG images of plots.
//
// The percent format is the one Jupytext reads for Go:
//
//	//go:build ignore
//
//	// %% [markdown]
//	// # A neuron
//	// Text of the cell, one `// ` comment line per line.
//
//	// %%
//	x := nn.Randn(3)
//	x
//
// Lessons are parsed by package lesson, as `notmagic run` parses them.
//
// `notmagic notebook` (Write, from internal/cli) regenerates notebooks/ from lessons/; the same package's tests check that the
// stored notebooks match their lessons.
package notebook

import (
	"errors"

	"github.com/notmagic/notmagic/kernel/lesson"
)

// Cell is one cell of a lesson.
type Cell struct {
	Kind   string // "markdown" or "code"
	Source string // the cell's text (markdown without comment markers)
	Line   int    // the line in the lesson file of the cell's first source line (1-based)
}

// Parse splits a percent-format lesson into cells with package lesson's parser, the one `notmagic run`
// uses, so a lesson runs the same way in the terminal and in its notebook.
func Parse(src []byte) ([]Cell, error) {
	cells, err := lesson.Parse(src)
	if err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, errNoCells
	}
	out := make([]Cell, len(cells))
	for i, c := range cells {
		kind := "code"
		if c.Markdown {
			kind = "markdown"
		}
		out[i] = Cell{Kind: kind, Source: c.Source, Line: c.Line}
	}
	return out, nil
}

var errNoCells = errors.New("no cells: a lesson needs `// %%` markers")
