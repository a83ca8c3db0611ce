package session

import (
	"context"
	"sync/atomic"

	"github.com/notmagic/notmagic/kernel/comm"
)

// Comm delivers a comm message from the frontend (see package comm) and runs the handlers it reaches,
// as Callback runs f. The error is the handler's (a *Error) or the dispatch's (an unknown comm, or a
// *comm.UnknownTargetError for a comm_open nobody accepts).
func (s *Session) Comm(ctx context.Context, m comm.Message, out Output) error {
	var derr error
	if err := s.Callback(ctx, out, func() { derr = comm.Dispatch(m) }); err != nil {
		return err
	}
	return derr
}

// Callback runs f, compiled code that may call into the interpreter (a widget's handler), between
// cells: with the session's output capture, so that what it prints and displays goes to out, with ctx
// cancelling it at the next loop check as for a cell, and with a panic reported as a cell's would be.
// It must not run while a cell executes.
func (s *Session) Callback(ctx context.Context, out Output, f func()) (err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return &Error{Name: "SessionClosed", Value: "the session is closed"}
	}
	prev := s.cur
	s.cur = out
	s.panics = nil
	s.mu.Unlock()
	atomic.StoreInt32(&s.stop, 0)
	s.resetMarkers()
	defer func() {
		s.mu.Lock()
		s.cur = prev
		s.mu.Unlock()
	}()
	if !s.opts.Direct {
		if c, cerr := startCapture(out); cerr == nil {
			s.mu.Lock()
			s.cap = c
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.cap = nil
				s.mu.Unlock()
				c.stop()
			}()
		}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			atomic.StoreInt32(&s.stop, 1)
		case <-done:
		}
	}()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if _, ok := r.(interruptSignal); ok {
			err = &Error{Name: "Interrupted", Value: "the callback was interrupted", Traceback: []string{"Interrupted: the callback was interrupted"}}
			return
		}
		err = s.panicError(r)
	}()
	f()
	return nil
}
