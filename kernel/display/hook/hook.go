// Package hook connects the display API (package display, called by cells) to the interpreter session
// that runs them. The session installs a Sink; display sends every rich output through it. The package is
// not in the interpreter's symbol tables, so cells cannot replace the sink.
package hook

import "sync/atomic"

// Sink receives the rich outputs of the running cell.
type Sink interface {
	// Display shows a MIME bundle (data maps MIME types to JSON-ready values; metadata may be nil).
	// A non-empty id names the output so that later calls with update set replace it in place.
	Display(data, metadata map[string]any, id string, update bool)
	// Clear clears the cell's output; with wait the clearing happens when the next output arrives.
	Clear(wait bool)
}

type holder struct{ s Sink }

var current atomic.Pointer[holder]

// Set installs s as the sink of display calls (nil removes it) and returns the previous one.
func Set(s Sink) Sink {
	old := current.Swap(&holder{s})
	if old == nil {
		return nil
	}
	return old.s
}

// Get returns the installed sink, or nil when none is installed.
func Get() Sink {
	h := current.Load()
	if h == nil {
		return nil
	}
	return h.s
}
