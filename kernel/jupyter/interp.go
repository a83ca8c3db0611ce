package jupyter

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/notmagic/notmagic/kernel/comm"
	"github.com/notmagic/notmagic/kernel/session"
)

// interpreter is what the Jupyter face needs of the interpreter session, in the session's own types;
// *session.Session implements it (tests wrap it to inject faults). ExecuteSource is never called
// concurrently.
type interpreter interface {
	ExecuteSource(ctx context.Context, code string, out session.Output, src session.Source) (session.MIMEBundle, error)
	Complete(code string, cursor int) (matches []string, start, end int)
	Inspect(code string, cursor, detail int) (session.MIMEBundle, bool)
	Comm(ctx context.Context, m comm.Message, out session.Output) error
	Close() error
}

// newSession creates the production interpreter: a kernel-mode session (images inline, stdin through
// input_request, standard output and error captured into the cell's streams).
func newSession() (interpreter, error) {
	s, err := session.New(session.Options{})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// runCell runs a cell named name in error messages (e.g. "cell[3]") and returns the rich value of its
// trailing expression (nil when none) or the error Jupyter shows. A panic in the session becomes an
// InternalError: a bug there must not end the kernel.
func runCell(ctx context.Context, in interpreter, name, code string, out session.Output) (res session.MIMEBundle, cerr *session.Error) {
	defer func() {
		if r := recover(); r != nil {
			res, cerr = nil, &session.Error{Name: "InternalError", Value: fmt.Sprintf("the interpreter session failed: %v", r),
				Traceback: strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")}
		}
	}()
	res, err := in.ExecuteSource(ctx, code, out, session.Source{Name: name, Line: 1})
	if err != nil {
		var se *session.Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, &session.Error{Name: "Error", Value: err.Error(), Traceback: []string{err.Error()}}
	}
	return res, nil
}
