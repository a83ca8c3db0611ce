package kernel

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/notmagic/notmagic/kernel/session"
)

// sessionInterp adapts a kernel/session Session to the kernel's interpreter interface.
type sessionInterp struct {
	s *session.Session
}

// newSessionInterp creates the production interpreter: a kernel-mode session (images inline, stdin
// through input_request, file descriptors 1 and 2 captured into the cell's streams).
func newSessionInterp() (interpreter, error) {
	s, err := session.New(session.Options{})
	if err != nil {
		return nil, err
	}
	return &sessionInterp{s: s}, nil
}

// sessionOutput forwards a session's output to the kernel's cell output.
type sessionOutput struct{ out outputSink }

func (o sessionOutput) Stream(name, text string) { o.out.stream(name, text) }
func (o sessionOutput) Display(d session.Display) {
	o.out.display(display{data: bundle(d.Data), metadata: d.Metadata, id: d.ID, update: d.Update})
}
func (o sessionOutput) Clear(wait bool) { o.out.clear(wait) }
func (o sessionOutput) Input(prompt string, password bool) (string, error) {
	return o.out.input(prompt, password)
}

func (si *sessionInterp) execute(ctx context.Context, name, code string, out outputSink) (_ bundle, cerr *cellError) {
	defer func() {
		if r := recover(); r != nil { // a bug in the session must not end the kernel
			cerr = &cellError{name: "InternalError", value: fmt.Sprintf("the interpreter session failed: %v", r),
				traceback: strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")}
		}
	}()
	res, err := si.s.ExecuteSource(ctx, code, sessionOutput{out}, session.Source{Name: name, Line: 1})
	if err != nil {
		var se *session.Error
		if errors.As(err, &se) {
			return nil, &cellError{name: se.Name, value: se.Value, traceback: se.Traceback}
		}
		return nil, &cellError{name: "Error", value: err.Error(), traceback: []string{err.Error()}}
	}
	if res == nil {
		return nil, nil
	}
	return bundle(res), nil
}

func (si *sessionInterp) complete(code string, cursor int) ([]string, int, int) {
	return si.s.Complete(code, cursor)
}

func (si *sessionInterp) inspect(code string, cursor, detail int) (bundle, bool) {
	d, found := si.s.Inspect(code, cursor, detail)
	return bundle(d), found
}

func (si *sessionInterp) isComplete(code string) (string, string) { return session.IsComplete(code) }

func (si *sessionInterp) close() error { return si.s.Close() }

func banner() string { return session.Banner() }
