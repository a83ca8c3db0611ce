package session

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// srcRange maps a band of interpreter line numbers back to a source.
type srcRange struct {
	base  int // interpreter line of the source's line 1 (exclusive offset: line L is base+L)
	src   Source
	lines []string
}

// bandSlack is the number of interpreter lines reserved for each cell beyond twice its own length, so
// that rewrites never run into the next cell's band. Bands grow with the cells (go/token rejects line
// numbers of 2³⁰ and more, so a fixed band of a million lines failed after about a thousand cells).
const bandSlack = 1_000

// firstBand is the interpreter line where the first cell's band starts: band lines have at least seven
// digits, which is how error messages tell them from other positions (posRE).
const firstBand = 1_000_000

var posRE = regexp.MustCompile(`(?:_\.go:)?\b(\d{7,}):(\d+)\b`)

// mapPos rewrites interpreter positions in msg into source positions ("cell[3]:2:5").
func (s *Session) mapPos(msg string) (string, []string) {
	var context []string
	out := posRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := posRE.FindStringSubmatch(m)
		line, _ := strconv.Atoi(sub[1])
		col, _ := strconv.Atoi(sub[2])
		name, l, text, ok := s.lookupLine(line)
		if !ok {
			return m
		}
		if context == nil && text != "" {
			context = sourceContext(l, col, text)
		}
		return fmt.Sprintf("%s:%d:%d", name, l, col)
	})
	return out, context
}

// firstLine returns the source line of the first interpreter position in msg (0 when there is none).
func (s *Session) firstLine(msg string) int {
	sub := posRE.FindStringSubmatch(msg)
	if sub == nil {
		return 0
	}
	line, _ := strconv.Atoi(sub[1])
	_, l, _, ok := s.lookupLine(line)
	if !ok {
		return 0
	}
	return l
}

// lookupLine finds the source of an interpreter line.
func (s *Session) lookupLine(line int) (name string, srcLine int, text string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.srcs), func(i int) bool { return s.srcs[i].base > line }) - 1
	if i < 0 {
		return "", 0, "", false
	}
	r := s.srcs[i]
	cellLine := line - r.base // 1-based line within the band, counting from the source's line 1
	srcLine = cellLine
	idx := cellLine - r.src.Line                 // index into the cell's lines
	if idx >= len(r.lines) && len(r.lines) > 0 { // the wrapper's closing lines: point at the cell's end
		idx = len(r.lines) - 1
		srcLine = r.src.Line + idx
	}
	if idx >= 0 && idx < len(r.lines) {
		text = r.lines[idx]
	}
	return r.src.Name, srcLine, text, true
}

// sourceContext shows a source line with a caret under col.
func sourceContext(line, col int, text string) []string {
	prefix := fmt.Sprintf("%5d | ", line)
	caret := strings.Repeat(" ", len(prefix)-2) + "| "
	for i, r := range text {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			caret += "\t"
		} else {
			caret += " "
		}
	}
	return []string{prefix + text, caret + "^"}
}

// lineCol returns the 1-based line and column of byte offset off in code.
func lineCol(code string, off int) (int, int) {
	line := 1 + strings.Count(code[:off], "\n")
	col := off - strings.LastIndex(code[:off], "\n")
	return line, col
}

// offsetOf is the inverse of lineCol.
func offsetOf(code string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(code[off:], '\n')
		if i < 0 {
			return len(code)
		}
		off += i + 1
	}
	return off + col - 1
}
