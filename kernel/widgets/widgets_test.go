package widgets

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/notmagic/notmagic/kernel/comm"
)

// frontend records what the kernel sends and plays the frontend's part.
type frontend struct {
	mu     sync.Mutex
	sent   []comm.Message
	parent string
}

func (f *frontend) Send(m comm.Message) { f.mu.Lock(); f.sent = append(f.sent, m); f.mu.Unlock() }
func (f *frontend) ParentID() string    { return f.parent }

func (f *frontend) take() []comm.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sent
	f.sent = nil
	return s
}

func connect(t *testing.T, p protocol) *frontend {
	f := &frontend{parent: "cell-msg"}
	old := comm.SetTransport(f)
	protoMu.Lock()
	oldProto := proto
	proto = p
	protoMu.Unlock()
	t.Cleanup(func() {
		comm.SetTransport(old)
		comm.Reset()
		protoMu.Lock()
		proto = oldProto
		protoMu.Unlock()
	})
	return f
}

// opened returns the state of the last comm_open on target jupyter.widget with the given model name.
func opened(t *testing.T, msgs []comm.Message, modelName string, p protocol) (comm.Message, map[string]any) {
	t.Helper()
	for _, m := range msgs {
		if m.Type != "comm_open" || m.Target != "jupyter.widget" {
			continue
		}
		state := m.Data
		if !p.legacy {
			state, _ = m.Data["state"].(map[string]any)
			if m.Metadata["version"] != p.version {
				t.Errorf("comm_open metadata %v, want version %s", m.Metadata, p.version)
			}
		}
		if state["_model_name"] == modelName {
			return m, state
		}
	}
	t.Fatalf("no comm_open of %s in %v", modelName, msgs)
	return comm.Message{}, nil
}

// TestSliderBothProtocols: a slider opens its comm with the protocol's modules and names, a layout
// model first; the frontend's update (protocol 2) or backbone sync (legacy) moves it and calls OnChange;
// protocol 2.1 echoes the update; SetValue sends an update.
func TestSliderBothProtocols(t *testing.T) {
	for _, p := range []protocol{ipywidgets8, ipywidgets7, jsWidgets2} {
		t.Run(p.name, func(t *testing.T) {
			f := connect(t, p)
			s := NewFloatSlider("w", 0.5, -2, 2, 0.01)
			msgs := f.take()
			m, state := opened(t, msgs, "FloatSliderModel", p)
			_, layout := opened(t, msgs, "LayoutModel", p)
			wantModule := map[bool]string{false: "@jupyter-widgets/controls", true: "jupyter-js-widgets"}[p.legacy]
			if state["_model_module"] != wantModule || state["_model_module_version"] != p.controls || state["_view_name"] != "FloatSliderView" ||
				state["value"] != 0.5 || state["readout_format"] != ".2f" || state["description"] != "w" {
				t.Errorf("slider state %v", state)
			}
			if layout["_view_name"] != nil || state["layout"] != "IPY_MODEL_"+msgs[0].CommID || m.CommID != s.m.id {
				t.Errorf("layout %v, slider's layout ref %v", layout, state["layout"])
			}
			var got []float64
			s.OnChange(func(v float64) { got = append(got, v) })
			update := map[string]any{"method": "update", "state": map[string]any{"value": 1.25}}
			if p.legacy {
				update = map[string]any{"method": "backbone", "sync_data": map[string]any{"value": 1.25}}
			}
			if err := comm.Dispatch(comm.Message{Type: "comm_msg", CommID: s.m.id, Data: update}); err != nil {
				t.Fatal(err)
			}
			if s.Value() != 1.25 || !reflect.DeepEqual(got, []float64{1.25}) {
				t.Errorf("after the frontend's update: value %v, OnChange got %v", s.Value(), got)
			}
			echo := f.take()
			if p.echo != (len(echo) == 1 && echo[0].Data["method"] == "echo_update") {
				t.Errorf("echo: %+v", echo)
			}
			s.SetValue(-1)
			upd := f.take()
			if len(upd) != 1 || upd[0].Data["method"] != "update" || upd[0].Data["state"].(map[string]any)["value"] != -1.0 || len(got) != 2 {
				t.Errorf("SetValue sent %+v (handlers got %v)", upd, got)
			}
			// request_state answers with the whole state.
			comm.Dispatch(comm.Message{Type: "comm_msg", CommID: s.m.id, Data: map[string]any{"method": "request_state"}})
			if full := f.take(); len(full) != 1 || full[0].Data["state"].(map[string]any)["_model_name"] != "FloatSliderModel" {
				t.Errorf("request_state: %+v", full)
			}
			// The display form: a widget view (protocol 2) or a display message (legacy).
			b := s.MIMEBundle()
			view, _ := b["application/vnd.jupyter.widget-view+json"].(map[string]any)
			if p.legacy {
				if b != nil || len(f.sent) != 1 || f.sent[0].Data["method"] != "display" {
					t.Errorf("legacy display: %v %+v", b, f.sent)
				}
			} else if view["model_id"] != s.m.id || view["version_major"] != 2 {
				t.Errorf("widget view %v", b)
			}
		})
	}
}

// TestDropdownButtonCheckbox: the dropdown syncs its index (or, legacy, its label), a click reaches
// OnClick, the checkbox toggles.
func TestDropdownButtonCheckbox(t *testing.T) {
	for _, p := range []protocol{ipywidgets8, jsWidgets2} {
		t.Run(p.name, func(t *testing.T) {
			f := connect(t, p)
			d := NewDropdown("act", []string{"relu", "tanh", "gelu"}, "tanh")
			_, st := opened(t, f.take(), "DropdownModel", p)
			if p.legacy && st["value"] != "tanh" || !p.legacy && st["index"] != 1 {
				t.Errorf("dropdown state %v", st)
			}
			var picks []string
			d.OnChange(func(v string) { picks = append(picks, v) })
			change := map[string]any{"method": "update", "state": map[string]any{"index": 2.0}}
			if p.legacy {
				change = map[string]any{"method": "backbone", "sync_data": map[string]any{"value": "gelu"}}
			}
			comm.Dispatch(comm.Message{Type: "comm_msg", CommID: d.m.id, Data: change})
			if d.Value() != "gelu" || !reflect.DeepEqual(picks, []string{"gelu"}) {
				t.Errorf("dropdown %q, picks %v", d.Value(), picks)
			}
			b := NewButton("go")
			clicks := 0
			b.OnClick(func() { clicks++ })
			comm.Dispatch(comm.Message{Type: "comm_msg", CommID: b.m.id, Data: map[string]any{"method": "custom", "content": map[string]any{"event": "click"}}})
			c := NewCheckbox("grid", false)
			comm.Dispatch(comm.Message{Type: "comm_msg", CommID: c.m.id, Data: map[string]any{"method": "update", "state": map[string]any{"value": true}}})
			if clicks != 1 || !c.Value() {
				t.Errorf("clicks %d, checkbox %v", clicks, c.Value())
			}
		})
	}
}

// TestInteractRerenders: Interact shows the controls and an output area in a box, renders f into the
// area with the message being handled as the capture id, and renders again when a control moves.
func TestInteractRerenders(t *testing.T) {
	f := connect(t, ipywidgets8)
	w := NewFloatSlider("w", 1, 0, 2, 0.5)
	n := NewIntSlider("n", 3, 1, 9, 1)
	var calls []string
	Interact(func(w float64, n int) string {
		calls = append(calls, strings.Repeat("*", int(w*float64(n))))
		return calls[len(calls)-1]
	}, w, n)
	msgs := f.take()
	_, box := opened(t, msgs, "VBoxModel", ipywidgets8)
	if len(box["children"].([]any)) != 3 {
		t.Errorf("box children %v", box["children"])
	}
	_, out := opened(t, msgs, "OutputModel", ipywidgets8)
	if out["_model_module"] != "@jupyter-widgets/output" {
		t.Errorf("output state %v", out)
	}
	var msgIDs []any
	for _, m := range msgs {
		if st, ok := m.Data["state"].(map[string]any); ok && m.Type == "comm_msg" {
			if id, ok := st["msg_id"]; ok {
				msgIDs = append(msgIDs, id)
			}
		}
	}
	if !reflect.DeepEqual(msgIDs, []any{"cell-msg", ""}) || !reflect.DeepEqual(calls, []string{"***"}) {
		t.Errorf("first render: capture ids %v, calls %v", msgIDs, calls)
	}
	f.parent = "slider-msg"
	comm.Dispatch(comm.Message{Type: "comm_msg", CommID: n.m.id, Data: map[string]any{"method": "update", "state": map[string]any{"value": 5.0}}})
	if !reflect.DeepEqual(calls, []string{"***", "*****"}) {
		t.Errorf("after the slider moved: %v", calls)
	}
	found := false
	for _, m := range f.take() {
		if st, ok := m.Data["state"].(map[string]any); ok && st["msg_id"] == "slider-msg" {
			found = true
		}
	}
	if !found {
		t.Error("the re-render did not capture into the output area")
	}
}

// TestStatic: without a frontend widgets keep their values and Interact calls f once; bad arguments
// to Interact panic with what is wrong.
func TestStatic(t *testing.T) {
	old := comm.SetTransport(nil)
	defer comm.SetTransport(old)
	s := NewIntSlider("epochs", 50, 1, 10, 1) // clamped
	if s.Value() != 10 || s.String() != "epochs: 10 (slider 1 … 10)" {
		t.Errorf("%v", s)
	}
	if b := s.MIMEBundle(); len(b) != 1 || b["text/plain"] != s.String() {
		t.Errorf("static bundle %v", b)
	}
	calls := 0
	Interact(func(e int) any { calls++; return nil }, s)
	if calls != 1 {
		t.Errorf("static Interact called f %d times", calls)
	}
	for _, c := range []struct {
		f    any
		want string
	}{
		{42, "must be a function"},
		{func(a, b int) {}, "takes 2 arguments but 1 controls"},
		{func(x string) {}, `argument 1 of the function is string, but control "epochs" gives a int`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), c.want) {
					t.Errorf("Interact(%T): %v, want %q", c.f, r, c.want)
				}
			}()
			Interact(c.f, s)
		}()
	}
}

// TestVersionComm: a frontend that announces jupyter-js-widgets 2.x on jupyter.widget.version switches
// the kernel to its protocol; the kernel answers the open with the range it accepts.
func TestVersionComm(t *testing.T) {
	f := connect(t, ipywidgets8)
	if err := comm.Dispatch(comm.Message{Type: "comm_open", CommID: "v1", Target: "jupyter.widget.version"}); err != nil {
		t.Fatal(err)
	}
	if sent := f.take(); len(sent) != 1 || sent[0].Data["version"] != "*" {
		t.Errorf("version reply %+v", sent)
	}
	comm.Dispatch(comm.Message{Type: "comm_msg", CommID: "v1", Data: map[string]any{"validated": true, "frontend_version": "2.1.4"}})
	if Protocol() != jsWidgets2.name {
		t.Errorf("protocol %s", Protocol())
	}
}
