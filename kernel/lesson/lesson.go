// Package lesson reads and writes lessons: Go source files in the percent format that Jupytext reads,
// where `// %% [markdown]` starts a markdown cell written as `// ` comment lines and `// %%` starts a
// code cell. Lines before the first cell marker (a `//go:build ignore` constraint that keeps lessons
// out of `go build ./...`, a package clause) are the header and belong to no cell. A header line
// `//notmagic:notebook full` asks for the lesson's stored notebook to be executed in full mode (see
// NotebookMode).
//
//	//go:build ignore
//
//	// %% [markdown]
//	// # A neuron
//	// It computes w·x + b.
//
//	// %%
//	w, b := 2.0, 1.0
//	w*3 + b
package lesson

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Cell is one cell of a lesson.
type Cell struct {
	Markdown bool   // a markdown cell (else code)
	Source   string // code, or markdown text without the comment prefixes; no leading/trailing blank lines
	Line     int    // the line of Source's first line in the file (1-based); the marker's line when empty
}

var marker = regexp.MustCompile(`^//\s?%%(.*)$`)

// NotebookMode returns the mode in which a lesson's stored notebook is executed: "full" when its header
// has the line `//notmagic:notebook full` (a lesson whose text describes what a full run shows, such as
// a trained model's samples), "quick" otherwise (NOTMAGIC_QUICK=1: fewer steps, the same code).
func NotebookMode(src []byte) string {
	for _, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSpace(l)
		if marker.MatchString(l) {
			break
		}
		if f := strings.Fields(l); len(f) == 2 && f[0] == "//notmagic:notebook" && f[1] == "full" {
			return "full"
		}
	}
	return "quick"
}

// IsLesson reports whether src has at least one cell marker.
func IsLesson(src []byte) bool {
	for _, l := range strings.Split(string(src), "\n") {
		if marker.MatchString(strings.TrimRight(l, "\r")) {
			return true
		}
	}
	return false
}

// Parse splits a lesson into cells. A markdown cell's lines must be comments (`//` or `// text`) or
// blank; anything else is an error naming the line.
func Parse(src []byte) ([]Cell, error) {
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	var cells []Cell
	var cur *Cell
	var body []string
	start := 0
	flush := func() error {
		if cur == nil {
			return nil
		}
		// trim blank lines at both ends, keeping the line number of the first kept line
		first, last := 0, len(body)
		for first < last && strings.TrimSpace(body[first]) == "" {
			first++
		}
		for last > first && strings.TrimSpace(body[last-1]) == "" {
			last--
		}
		kept := body[first:last]
		if cur.Markdown {
			for i, l := range kept {
				t := strings.TrimSpace(l)
				switch {
				case t == "":
					kept[i] = ""
				case t == "//":
					kept[i] = ""
				case strings.HasPrefix(l, "// "):
					kept[i] = l[3:]
				case strings.HasPrefix(l, "//"):
					kept[i] = l[2:]
				default:
					return fmt.Errorf("line %d: a markdown cell holds only // comment lines, found %q", start+first+1, l)
				}
			}
		}
		cur.Source = strings.Join(kept, "\n")
		if len(kept) > 0 {
			cur.Line = start + first + 1
		}
		cells = append(cells, *cur)
		return nil
	}
	for i, l := range lines {
		m := marker.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil {
			if cur != nil {
				body = append(body, l)
			}
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		attr := strings.TrimSpace(m[1])
		cur = &Cell{Markdown: strings.HasPrefix(attr, "[markdown]") || strings.HasPrefix(attr, "[md]"), Line: i + 1}
		body = nil
		start = i + 1
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("no cells: a lesson needs `// %%%%` or `// %%%% [markdown]` cell markers")
	}
	return cells, nil
}

// Format writes cells back in the percent format with a `//go:build ignore` header; Parse(Format(c))
// gives back the same sources.
func Format(cells []Cell) []byte {
	var b bytes.Buffer
	b.WriteString("//go:build ignore\n")
	for _, c := range cells {
		b.WriteString("\n")
		if c.Markdown {
			b.WriteString("// %% [markdown]\n")
			for _, l := range strings.Split(c.Source, "\n") {
				if l == "" {
					b.WriteString("//\n")
				} else {
					b.WriteString("// " + l + "\n")
				}
			}
			continue
		}
		b.WriteString("// %%\n")
		if c.Source != "" {
			b.WriteString(c.Source + "\n")
		}
	}
	return b.Bytes()
}
