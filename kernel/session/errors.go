package session

import (
	"errors"
	"fmt"
	"go/scanner"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/notmagic/notmagic/lib/nn"
)

// syntaxError turns a parser or scanner error into an *Error with positions mapped. base > 0 means the
// positions are relative to the cell (from splitItems) and must be shifted into the band first.
func (s *Session) syntaxError(err error, base int) error {
	var msgs []string
	if list, ok := err.(scanner.ErrorList); ok {
		for i, e := range list {
			if i == 3 {
				msgs = append(msgs, fmt.Sprintf("(and %d more errors)", len(list)-3))
				break
			}
			line := e.Pos.Line
			if base > 0 {
				line += base
			}
			msgs = append(msgs, fmt.Sprintf("%d:%d: %s", line, e.Pos.Column, e.Msg))
		}
	} else {
		msgs = []string{err.Error()}
	}
	return s.errorFrom("SyntaxError", strings.Join(msgs, "\n"))
}

// compileError maps an interpreter error into an *Error.
func (s *Session) compileError(name string, err error) error {
	return s.errorFrom(name, err.Error())
}

func (s *Session) errorFrom(name, msg string) *Error {
	msg = strings.ReplaceAll(msg, mainAlias, "main")
	// Positions without a cell band (e.g. "5:3: …" from a line the mapping misses) are left as they are.
	mapped, context := s.mapPos(msg)
	tb := []string{red(name) + ": " + mapped}
	tb = append(tb, context...)
	return &Error{Name: name, Value: mapped, Traceback: tb, Line: s.firstLine(msg)}
}

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

var panicLineRE = regexp.MustCompile(`^(?:_\.go:)?(\d+):(\d+): panic: (.*)$`)

func isPanicLine(line string) bool { return panicLineRE.MatchString(line) }

func (s *Session) addPanicLine(line string) {
	s.mu.Lock()
	if len(s.panics) < 64 {
		s.panics = append(s.panics, line)
	}
	s.mu.Unlock()
}

// panicError turns a recovered panic value into an *Error with a short traceback of the interpreted
// frames it crossed (innermost first).
func (s *Session) panicError(r any) *Error {
	s.mu.Lock()
	lines := s.panics
	s.panics = nil
	s.mu.Unlock()
	name, value := "panic", ""
	switch v := r.(type) {
	case exitRefused:
		return &Error{Name: "ExitRefused", Value: v.Error(), Traceback: []string{red("ExitRefused") + ": " + v.Error()}, cause: v}
	case runtime.Error:
		value = v.Error()
	case error:
		value = v.Error()
		var ne *nn.Error
		if errors.As(v, &ne) {
			name = "nn.Error"
		}
	case fmt.Stringer:
		value = v.String()
	default:
		value = fmt.Sprint(v)
	}
	loc := s.locate(value)
	stmt := loc.stmt
	if loc.fn != "" {
		stmt = nil // inside a function its operands are locals, gone by now: globals of the same name would lie
	}
	value = s.goWording(value, stmt)
	tb := []string{red(name) + ": " + value}
	if loc.inner != 0 {
		return &Error{Name: name, Value: value, Traceback: append(tb, s.whereLines(loc, lines)...), Line: s.cellLine(loc)}
	}
	var ctx []string
	seen := map[string]bool{}
	for _, l := range lines {
		m := panicLineRE.FindStringSubmatch(l)
		if m == nil || seen[m[1]+":"+m[2]] {
			continue
		}
		seen[m[1]+":"+m[2]] = true
		where, c := s.mapPos(m[1] + ":" + m[2])
		if ctx == nil {
			ctx = c
		}
		fn := strings.ReplaceAll(strings.TrimSuffix(m[3], "(...)"), mainAlias, "main")
		if fn == "main" {
			fn = "the cell"
		}
		fn = strings.TrimPrefix(fn, "main.")
		tb = append(tb, fmt.Sprintf("  at %s in %s", where, fn))
	}
	tb = append(tb, ctx...)
	return &Error{Name: name, Value: value, Traceback: tb}
}

// interruptSignal is the panic value of an interrupted loop check.
type interruptSignal struct{}

func (interruptSignal) Error() string { return "interrupted" }

// exitRefused is the panic value of os.Exit in a cell.
type exitRefused struct{ code int }

func (e exitRefused) Error() string {
	return fmt.Sprintf("os.Exit(%d) was called: a cell cannot end the session's process; return from the cell, or panic to stop with an error", e.code)
}

// ExitCode reports the code a cell passed to os.Exit when err is the error of such a cell (the runner
// exits with it).
func ExitCode(err error) (int, bool) {
	var e exitRefused
	if errors.As(err, &e) {
		return e.code, true
	}
	return 0, false
}

// whereLines describes a located panic: the failing statement (with its source line and a caret), the
// functions the panic crossed as the interpreter reported them, and the cell's top-level statement that
// called into them.
func (s *Session) whereLines(loc location, frames []string) []string {
	at := func(pos int) (string, []string) {
		line, col := decodePos(pos)
		return s.mapPos(fmt.Sprintf("%d:%d", line, col))
	}
	where, ctx := at(loc.inner)
	fn := loc.fn
	switch fn {
	case "":
		fn = "the cell"
	case "func literal":
		fn = "a function literal"
	}
	out := []string{fmt.Sprintf("  at %s in %s", where, fn)}
	if loc.fn != "" {
		// The named frames between the failing function and the cell, innermost first.
		inner := strings.TrimPrefix(loc.fn, "main.")
		seen := map[string]bool{inner: true, inner[strings.LastIndex(inner, ".")+1:]: true, "main": true, mainAlias: true}
		for _, l := range frames {
			m := panicLineRE.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			name := strings.TrimPrefix(strings.ReplaceAll(strings.TrimSuffix(m[3], "(...)"), mainAlias, "main"), "main.")
			if seen[name] || name == "func" {
				continue
			}
			seen[name] = true
			out = append(out, "  called from "+name)
		}
		if loc.top != 0 && loc.top != loc.inner {
			top, _ := at(loc.top)
			out = append(out, "  called from "+top)
		}
	}
	return append(out, ctx...)
}

// cellLine is the line of the running cell where a located panic happened: the failing statement when it
// is in that cell, else the cell's statement that called into the failing function.
func (s *Session) cellLine(loc location) int {
	inner, _ := decodePos(loc.inner)
	name, line, _, _ := s.lookupLine(inner)
	if loc.fn != "" && loc.top != 0 {
		top, _ := decodePos(loc.top)
		if tname, tline, _, ok := s.lookupLine(top); ok && (tname != name || s.band(top) != s.band(inner)) {
			return tline
		}
	}
	return line
}

// band returns the index of the cell band holding an interpreter line.
func (s *Session) band(line int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sort.Search(len(s.srcs), func(i int) bool { return s.srcs[i].base > line }) - 1
}
