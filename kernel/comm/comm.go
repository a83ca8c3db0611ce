// Package comm implements Jupyter comms for cells: named, bidirectional channels between kernel-side
// objects and frontend-side ones, opened from either side (comm_open), carrying JSON data and binary
// buffers (comm_msg) until either side closes them (comm_close). Widgets are built on it.
//
// The Jupyter kernel installs a Transport that publishes what cells send; without one (the REPL, the
// script runner) comms still open and take handlers, but nothing is sent and Connected reports false,
// so that widgets can show a static form instead.
//
// Handlers run on the kernel's shell goroutine, between cells, inside the session's output capture:
// what they print or display goes to the frontend as the output of the message they handle, and a
// panic is reported like a cell's.
package comm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
)

// Message is one comm message: comm_open, comm_msg or comm_close.
type Message struct {
	Type     string         // "comm_open", "comm_msg" or "comm_close"
	CommID   string         // the comm's id
	Target   string         // the target name (comm_open only)
	Data     map[string]any // the message's data (never nil once received)
	Metadata map[string]any // the message's metadata (may be nil)
	Buffers  [][]byte       // binary buffers that travel beside the JSON
}

// Transport sends comm messages to the frontend. The Jupyter kernel implements it.
type Transport interface {
	Send(m Message)
}

// Comm is one open comm.
type Comm struct {
	id, target string

	mu      sync.Mutex
	closed  bool
	onMsg   func(Message)
	onClose func(Message)
}

var (
	mu        sync.Mutex
	transport Transport
	comms     = map[string]*Comm{}
	targets   = map[string]func(*Comm, Message){}
)

// SetTransport installs t (nil removes it) and returns the previous transport.
func SetTransport(t Transport) Transport {
	mu.Lock()
	defer mu.Unlock()
	old := transport
	transport = t
	return old
}

// Connected reports whether a frontend can receive comm messages (a Transport is installed).
func Connected() bool {
	mu.Lock()
	defer mu.Unlock()
	return transport != nil
}

// ParentID returns the msg_id of the message the kernel is handling (a cell's execute_request, or the
// comm_msg whose handler runs), which an Output widget captures; "" without a frontend, or when the
// transport does not say (it may implement ParentID() string).
func ParentID() string {
	mu.Lock()
	t := transport
	mu.Unlock()
	if p, ok := t.(interface{ ParentID() string }); ok {
		return p.ParentID()
	}
	return ""
}

func send(m Message) {
	mu.Lock()
	t := transport
	mu.Unlock()
	if t != nil {
		t.Send(m)
	}
}

// Open opens a comm to the frontend's target (e.g. "jupyter.widget"), sending data, metadata and
// buffers with the comm_open.
func Open(target string, data, metadata map[string]any, buffers [][]byte) *Comm {
	c := &Comm{id: newID(), target: target}
	mu.Lock()
	comms[c.id] = c
	mu.Unlock()
	send(Message{Type: "comm_open", CommID: c.id, Target: target, Data: nonNil(data), Metadata: metadata, Buffers: buffers})
	return c
}

// RegisterTarget makes the kernel accept comms that the frontend opens on target: open is called with
// the new comm and the comm_open message. Registering a target again replaces its handler; nil removes it.
func RegisterTarget(target string, open func(c *Comm, m Message)) {
	mu.Lock()
	defer mu.Unlock()
	if open == nil {
		delete(targets, target)
		return
	}
	targets[target] = open
}

// ID returns the comm's id.
func (c *Comm) ID() string { return c.id }

// Target returns the comm's target name.
func (c *Comm) Target() string { return c.target }

// Send sends a comm_msg; it does nothing once the comm is closed.
func (c *Comm) Send(data, metadata map[string]any, buffers [][]byte) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		send(Message{Type: "comm_msg", CommID: c.id, Data: nonNil(data), Metadata: metadata, Buffers: buffers})
	}
}

// Close closes the comm and tells the frontend, with data; closing twice does nothing.
func (c *Comm) Close(data map[string]any) {
	if c.markClosed() {
		send(Message{Type: "comm_close", CommID: c.id, Data: nonNil(data)})
	}
}

// OnMsg sets the handler of the frontend's comm_msg messages.
func (c *Comm) OnMsg(f func(Message)) { c.mu.Lock(); c.onMsg = f; c.mu.Unlock() }

// OnClose sets the handler called when the frontend closes the comm.
func (c *Comm) OnClose(f func(Message)) { c.mu.Lock(); c.onClose = f; c.mu.Unlock() }

// Closed reports whether the comm is closed.
func (c *Comm) Closed() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.closed }

func (c *Comm) markClosed() bool {
	c.mu.Lock()
	was := c.closed
	c.closed = true
	c.mu.Unlock()
	mu.Lock()
	delete(comms, c.id)
	mu.Unlock()
	return !was
}

// Dispatch delivers a message from the frontend: a comm_open to its target's handler, a comm_msg or
// comm_close to its comm's handlers. An unknown target is refused (the caller closes the comm) and an
// unknown comm id is an error; both leave every open comm as it was. Handlers may panic: the caller
// (the session) recovers and reports it.
func Dispatch(m Message) error {
	if m.CommID == "" {
		return fmt.Errorf("%s without a comm_id", m.Type)
	}
	if m.Data == nil {
		m.Data = map[string]any{}
	}
	switch m.Type {
	case "comm_open":
		mu.Lock()
		open, ok := targets[m.Target]
		_, dup := comms[m.CommID]
		c := &Comm{id: m.CommID, target: m.Target}
		if ok && !dup {
			comms[c.id] = c
		}
		mu.Unlock()
		if dup {
			return fmt.Errorf("comm_open: comm %s is already open", m.CommID)
		}
		if !ok {
			return &UnknownTargetError{Target: m.Target}
		}
		open(c, m)
		return nil
	case "comm_msg", "comm_close":
		mu.Lock()
		c := comms[m.CommID]
		mu.Unlock()
		if c == nil {
			return fmt.Errorf("%s: no open comm %s", m.Type, m.CommID)
		}
		c.mu.Lock()
		h := c.onMsg
		if m.Type == "comm_close" {
			h = c.onClose
		}
		c.mu.Unlock()
		if m.Type == "comm_close" {
			c.markClosed()
		}
		if h != nil {
			h(m)
		}
		return nil
	}
	return fmt.Errorf("%s is not a comm message", m.Type)
}

// UnknownTargetError is Dispatch's error for a comm_open on a target nobody registered.
type UnknownTargetError struct{ Target string }

func (e *UnknownTargetError) Error() string {
	return fmt.Sprintf("comm_open: no comm target %q is registered in this kernel", e.Target)
}

// List returns the open comms' ids and target names, only those of target unless it is "".
func List(target string) map[string]string {
	mu.Lock()
	defer mu.Unlock()
	out := map[string]string{}
	for id, c := range comms {
		if target == "" || c.target == target {
			out[id] = c.target
		}
	}
	return out
}

// Reset forgets every open comm without sending anything (targets stay registered): the session calls
// it when it ends, since the frontend's side of them ends with the kernel's interpreter.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	for _, c := range comms {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
	}
	comms = map[string]*Comm{}
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
