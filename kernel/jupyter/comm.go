package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/notmagic/notmagic/kernel/comm"
	"github.com/notmagic/notmagic/kernel/session"
)

// commInfo answers comm_info_request with the open comms (of the requested target, when one is named).
func (k *Kernel) commInfo(ch *channel, m *Message) {
	var req struct {
		TargetName string `json:"target_name"`
	}
	if !k.decode(ch, m, "comm_info_reply", &req) {
		return
	}
	comms := map[string]any{}
	for id, target := range comm.List(req.TargetName) {
		comms[id] = map[string]any{"target_name": target}
	}
	k.reply(ch, m, "comm_info_reply", map[string]any{"status": "ok", "comms": comms})
}

// comm delivers a comm_open, comm_msg or comm_close from the frontend to the session, which runs the
// handlers between cells. There is no reply message: a malformed message, an unknown comm or a failing
// handler is reported on iopub as an error whose parent is the message (frontends show it with the
// widget that sent it), and logged; a comm_open on an unknown target is closed, as the protocol asks.
func (k *Kernel) comm(m *Message) {
	var c struct {
		CommID     string          `json:"comm_id"`
		TargetName string          `json:"target_name"`
		Data       json.RawMessage `json:"data"`
	}
	var data map[string]any
	err := json.Unmarshal(m.Content, &c)
	switch {
	case err != nil:
		err = fmt.Errorf("malformed %s: %v", m.Header.MsgType, err)
	case c.CommID == "":
		err = fmt.Errorf("malformed %s: no comm_id", m.Header.MsgType)
	case m.Header.MsgType == "comm_open" && c.TargetName == "":
		err = fmt.Errorf("malformed comm_open: no target_name")
	case len(c.Data) > 0 && string(c.Data) != "null":
		if json.Unmarshal(c.Data, &data) != nil {
			err = fmt.Errorf("malformed %s: data must be a JSON object, not %s", m.Header.MsgType, abbreviate(string(c.Data)))
		}
	}
	var interp interpreter
	if err == nil {
		interp, err = k.interpreter()
	}
	if err != nil {
		k.commError(m, err)
		return
	}
	msg := comm.Message{Type: m.Header.MsgType, CommID: c.CommID, Target: c.TargetName, Data: data, Buffers: m.Buffers}
	ctx, cancel := context.WithCancel(context.Background())
	k.mu.Lock()
	k.cancelCell = cancel
	k.mu.Unlock()
	out := newCellOutput(k, m, ctx, false)
	err = interp.Comm(ctx, msg, out)
	out.finish()
	k.mu.Lock()
	k.cancelCell = nil
	k.mu.Unlock()
	var unknown *comm.UnknownTargetError
	var se *session.Error
	switch {
	case err == nil:
	case errors.As(err, &unknown):
		k.infof("shell: %v; closing comm %s", err, c.CommID)
		k.publish("comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}}, m)
	case errors.As(err, &se):
		k.log.Printf("shell: a %s handler failed: %s: %s", m.Header.MsgType, se.Name, se.Value)
		k.publish("error", errorContent(se), m)
	default:
		k.commError(m, err)
	}
}

// commError reports a comm message that could not be delivered.
func (k *Kernel) commError(m *Message, err error) {
	k.log.Printf("shell: %v", err)
	k.publish("error", map[string]any{"ename": "CommError", "evalue": err.Error(), "traceback": []string{"CommError: " + err.Error()}}, m)
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// commTransport publishes the comm messages that cells send, with the shell message being handled as
// their parent.
type commTransport struct{ k *Kernel }

func (t commTransport) Send(m comm.Message) {
	content := map[string]any{"comm_id": m.CommID, "data": m.Data}
	if m.Type == "comm_open" {
		content["target_name"] = m.Target
	}
	t.k.publishBuffers(m.Type, content, m.Metadata, m.Buffers, t.k.currentParent())
}

// ParentID is the msg_id of the shell message being handled.
func (t commTransport) ParentID() string {
	if m := t.k.currentParent(); m != nil {
		return m.Header.MsgID
	}
	return ""
}
