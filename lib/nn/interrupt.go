package nn

import "sync/atomic"

var interruptCheck atomic.Pointer[func() bool]

// SetInterrupt installs a check that long library work polls between operations (every recorded op and
// every step of Backward); when it returns true, the work stops by panicking with an *Error whose Op is
// "interrupt". The notebook session installs its interrupt flag here so that the Interrupt button stops
// a cell that spends its time inside lib/nn. nil removes the check.
func SetInterrupt(check func() bool) {
	if check == nil {
		interruptCheck.Store(nil)
		return
	}
	interruptCheck.Store(&check)
}

// checkInterrupt panics when the installed interrupt check says so.
func checkInterrupt() {
	if f := interruptCheck.Load(); f != nil && (*f)() {
		panic(&Error{Op: "interrupt", Msg: "interrupted"})
	}
}
