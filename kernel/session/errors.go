package session

import (
	"errors"
	"fmt"
	"go/scanner"
	"regexp"
	"runtime"
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
	return &Error{Name: name, Value: mapped, Traceback: tb}
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
	tb := []string{red(name) + ": " + value}
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
