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
// Everything before the first cell marker (the build constraint that keeps lessons out of `go build`,
// blank lines) is dropped. A markdown cell's lines lose their leading "// " (or "//"); a code cell keeps
// its lines as written. Blank lines at the start and end of a cell are trimmed.
//
// `notmagic notebook` (Main) regenerates notebooks/ from lessons/; the same package's tests check that the
// stored notebooks match their lessons.
package notebook

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Cell is one cell of a lesson.
type Cell struct {
	Kind   string // "markdown" or "code"
	Source string // the cell's text (markdown without comment markers)
	Line   int    // the line in the lesson file of the cell's first source line (1-based)
}

var markerRE = regexp.MustCompile(`^//\s*%%(.*)$`)

// Parse splits a percent-format lesson into cells. It reports an error for text before the first cell
// marker other than build constraints, comments of the file header and blank lines, for an unknown cell
// type (only code and [markdown] are allowed), for a markdown line that is not a comment, and for a
// lesson with no cells.
func Parse(src []byte) ([]Cell, error) {
	var cells []Cell
	var cur *Cell
	var lines []string
	first := 0
	flush := func() {
		if cur == nil {
			return
		}
		// Trim blank lines at both ends, remembering how many were dropped at the start.
		start, end := 0, len(lines)
		for start < end && strings.TrimSpace(lines[start]) == "" {
			start++
		}
		for end > start && strings.TrimSpace(lines[end-1]) == "" {
			end--
		}
		cur.Source = strings.Join(lines[start:end], "\n")
		cur.Line = first + start
		cells = append(cells, *cur)
		cur, lines = nil, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if m := markerRE.FindStringSubmatch(line); m != nil {
			flush()
			kind := strings.TrimSpace(m[1])
			switch {
			case kind == "":
				cur = &Cell{Kind: "code"}
			case kind == "[markdown]" || kind == "[md]":
				cur = &Cell{Kind: "markdown"}
			default:
				return nil, fmt.Errorf("line %d: unknown cell type %q (want `// %%%%` or `// %%%% [markdown]`)", n, kind)
			}
			first = n + 1
			continue
		}
		if cur == nil {
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "//") {
				continue // build constraint, header comments
			}
			return nil, fmt.Errorf("line %d: text before the first cell marker `// %%%%`", n)
		}
		if cur.Kind == "markdown" {
			t := strings.TrimLeft(line, " \t")
			switch {
			case t == "":
				line = ""
			case strings.HasPrefix(t, "// "):
				line = t[3:]
			case strings.HasPrefix(t, "//"):
				line = t[2:]
			default:
				return nil, fmt.Errorf("line %d: a markdown cell's lines must be `// ` comments", n)
			}
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	if len(cells) == 0 {
		return nil, fmt.Errorf("no cells: a lesson needs `// %%%%` markers")
	}
	return cells, nil
}
