package comm

import (
	"errors"
	"reflect"
	"testing"
)

type recorder struct{ sent []Message }

func (r *recorder) Send(m Message) { r.sent = append(r.sent, m) }

// TestBothDirections: a kernel-side comm sends open, messages and close through the transport; a
// frontend-opened comm reaches its target; messages and closes reach their handlers; List and Reset
// see what is open.
func TestBothDirections(t *testing.T) {
	rec := &recorder{}
	old := SetTransport(rec)
	defer SetTransport(old)
	defer Reset()
	if !Connected() {
		t.Fatal("not connected with a transport")
	}
	c := Open("my.target", map[string]any{"x": 1}, map[string]any{"version": "2.0.0"}, [][]byte{{1, 2}})
	var got []Message
	c.OnMsg(func(m Message) { got = append(got, m) })
	c.Send(map[string]any{"method": "update"}, nil, nil)
	if err := Dispatch(Message{Type: "comm_msg", CommID: c.ID(), Data: map[string]any{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Data["k"] != "v" {
		t.Errorf("handler got %+v", got)
	}
	if l := List("my.target"); !reflect.DeepEqual(l, map[string]string{c.ID(): "my.target"}) {
		t.Errorf("List = %v", l)
	}
	c.Close(nil)
	c.Send(map[string]any{"late": true}, nil, nil) // dropped: closed
	types := []string{}
	for _, m := range rec.sent {
		types = append(types, m.Type)
	}
	if !reflect.DeepEqual(types, []string{"comm_open", "comm_msg", "comm_close"}) || rec.sent[0].Target != "my.target" || len(rec.sent[0].Buffers) != 1 || rec.sent[0].Metadata["version"] != "2.0.0" {
		t.Errorf("sent %+v", rec.sent)
	}
	if len(List("")) != 0 {
		t.Errorf("closed comm listed: %v", List(""))
	}

	// A frontend opens a comm on a registered target, messages it, closes it.
	var opened *Comm
	closed := false
	RegisterTarget("front.target", func(c *Comm, m Message) {
		opened = c
		c.OnClose(func(Message) { closed = true })
	})
	defer RegisterTarget("front.target", nil)
	if err := Dispatch(Message{Type: "comm_open", CommID: "f1", Target: "front.target"}); err != nil || opened == nil || opened.ID() != "f1" {
		t.Fatalf("open: %v %v", err, opened)
	}
	if err := Dispatch(Message{Type: "comm_open", CommID: "f1", Target: "front.target"}); err == nil {
		t.Error("a second open of the same id was accepted")
	}
	if err := Dispatch(Message{Type: "comm_close", CommID: "f1"}); err != nil || !closed || !opened.Closed() {
		t.Errorf("close: %v %v", err, closed)
	}
	var unknown *UnknownTargetError
	if err := Dispatch(Message{Type: "comm_open", CommID: "f2", Target: "nobody"}); !errors.As(err, &unknown) || len(List("")) != 0 {
		t.Errorf("unknown target: %v, open %v", err, List(""))
	}
	for _, bad := range []Message{{Type: "comm_msg"}, {Type: "comm_msg", CommID: "zz"}, {Type: "execute_request", CommID: "x"}} {
		if err := Dispatch(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}

	// Without a transport nothing is sent, but comms still work on the kernel side.
	SetTransport(nil)
	if Connected() {
		t.Error("connected without a transport")
	}
	n := len(rec.sent)
	c2 := Open("t", nil, nil, nil)
	c2.Send(nil, nil, nil)
	if len(rec.sent) != n || len(List("t")) != 1 {
		t.Errorf("sent without a transport, or not listed")
	}
	Reset()
	if len(List("")) != 0 || !c2.Closed() {
		t.Error("Reset left comms open")
	}
}
