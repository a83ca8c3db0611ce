package kernel

import (
	"context"
)

// bundle is a MIME bundle: MIME type → JSON-ready data.
type bundle = map[string]any

// display is one rich output of a cell (display_data, or update_display_data when update is set).
type display struct {
	data     bundle
	metadata map[string]any
	id       string
	update   bool
}

// outputSink receives what a running cell produces; the kernel implements it and the interpreter calls it.
type outputSink interface {
	stream(name, text string)
	display(d display)
	clear(wait bool)
	input(prompt string, password bool) (string, error)
}

// cellError is a failed cell as Jupyter shows it.
type cellError struct {
	name, value string
	traceback   []string
}

// interpreter is what the kernel needs of an interpreter session. Production kernels use kernel/session
// through sessionInterp; Execute is never called concurrently.
type interpreter interface {
	// execute runs a cell named name in error messages (e.g. "cell[3]"); it returns the rich value of a
	// trailing expression (nil when none), or a *cellError.
	execute(ctx context.Context, name, code string, out outputSink) (bundle, *cellError)
	complete(code string, cursor int) (matches []string, start, end int)
	inspect(code string, cursor, detail int) (bundle, bool)
	isComplete(code string) (status, indent string)
	close() error
}
