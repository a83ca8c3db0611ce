package kernel

import "errors"

// newSessionInterp creates the production interpreter (kernel/session).
// TODO(kernel): wire kernel/session once it compiles.
func newSessionInterp() (interpreter, error) {
	return nil, errors.New("kernel/session is not wired yet")
}

func banner() string {
	return "notmagic: Go on the yaegi interpreter"
}
