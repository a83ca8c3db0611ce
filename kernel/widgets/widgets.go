// Package widgets gives cells knobs: sliders, a dropdown, a button, a checkbox, an output area and
// boxes to arrange them, rendered by the frontend's Jupyter widgets (ipywidgets) and synced both ways
// over comms, plus Interact, which re-renders a figure whenever a knob moves:
//
//	w := widgets.NewFloatSlider("w", 0.5, -2, 2, 0.01)
//	b := widgets.NewFloatSlider("b", 0, -3, 3, 0.01)
//	widgets.Interact(func(w, b float64) *plots.Figure { return plots.Func("w·x + b", -3, 3, …) }, w, b)
//
// Callbacks (OnChange, OnClick, Interact's function) run between cells on the session's interpreter,
// so they never race with a running cell; what they print or display goes to the frontend, and a
// callback that panics shows its error and leaves the widgets working.
//
// The kernel speaks the widget protocol of the frontend it finds: protocol 2 with @jupyter-widgets
// controls 2.0 (ipywidgets 8: JupyterLab 4, Notebook 7, VS Code) by default, controls 1.5 for an
// ipywidgets 7 frontend and the protocol of jupyter-js-widgets 2.1 (ipywidgets 6, Debian 12's
// classic Notebook extension) for the frontends that announce themselves on the jupyter.widget.version
// comm. Without a frontend (the REPL, `notmagic run`, a notebook stored by `notmagic notebook`)
// widgets keep their values and a display shows a static form: the control as text, Interact's
// figure for its initial values.
package widgets

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/kernel/comm"
)

// Widget is anything this package displays: the controls, Output and the boxes.
type Widget interface {
	model() *model
}

// protocol is what a frontend's widget manager expects.
type protocol struct {
	name             string // for logs and tests
	legacy           bool   // jupyter-js-widgets 2.1 (ipywidgets 6): flat comm_open state, "backbone" updates
	version          string // the protocol version sent in comm_open metadata ("" for legacy)
	controls, base   string // module versions
	output           string
	echo             bool // echo the frontend's updates back (protocol 2.1)
	controlsModule   string
	baseModule       string
	outputModule     string
	viewVersionMajor int
}

var (
	ipywidgets8 = protocol{name: "ipywidgets 8", version: "2.1.0", controls: "2.0.0", base: "2.0.0", output: "1.0.0", echo: true,
		controlsModule: "@jupyter-widgets/controls", baseModule: "@jupyter-widgets/base", outputModule: "@jupyter-widgets/output", viewVersionMajor: 2}
	ipywidgets7 = protocol{name: "ipywidgets 7", version: "2.0.0", controls: "1.5.0", base: "1.2.0", output: "1.0.0",
		controlsModule: "@jupyter-widgets/controls", baseModule: "@jupyter-widgets/base", outputModule: "@jupyter-widgets/output", viewVersionMajor: 2}
	jsWidgets2 = protocol{name: "jupyter-js-widgets 2.1 (ipywidgets 6)", legacy: true, controls: "~2.1.4", base: "~2.1.4", output: "~2.1.4",
		controlsModule: "jupyter-js-widgets", baseModule: "jupyter-js-widgets", outputModule: "jupyter-js-widgets"}
)

var (
	protoMu sync.Mutex
	proto   = ipywidgets8
)

func current() protocol {
	protoMu.Lock()
	defer protoMu.Unlock()
	return proto
}

// Protocol names the widget protocol the kernel speaks now (it follows the frontend's announcement).
func Protocol() string { return current().name }

func init() {
	// Frontends of ipywidgets 6 and 7 open this comm when they connect, to check versions: the kernel
	// answers with the range it accepts, and the frontend replies with its version, which picks the
	// protocol of the widgets created from then on.
	comm.RegisterTarget("jupyter.widget.version", func(c *comm.Comm, _ comm.Message) {
		c.OnMsg(func(m comm.Message) {
			v, _ := m.Data["frontend_version"].(string)
			protoMu.Lock()
			switch {
			case strings.HasPrefix(v, "2."): // jupyter-js-widgets 2.x
				proto = jsWidgets2
			case v != "": // ipywidgets 8 frontends no longer open this comm
				proto = ipywidgets7
			}
			protoMu.Unlock()
		})
		c.Send(map[string]any{"version": "*"}, nil, nil)
	})
}

// model is the kernel side of one widget: its state, synced with the frontend through a comm.
type model struct {
	name  string // "FloatSlider", "Layout", …: the model and view names without their suffixes
	kind  string // "controls", "base" or "output": which module it belongs to
	view  bool   // false for models without a view (Layout, styles)
	proto protocol

	mu    sync.Mutex
	state map[string]any
	comm  *comm.Comm
	id    string

	// fromFrontend applies a state change the frontend sent (a knob moved); it runs on the session's
	// interpreter between cells.
	fromFrontend func(key string, v any)
	onCustom     func(content map[string]any)
}

var idSeq struct {
	sync.Mutex
	n int
}

// newModel opens the widget's comm (when a frontend is connected) with its state.
func newModel(name, kind string, view bool, state map[string]any) *model {
	m := &model{name: name, kind: kind, view: view, proto: current(), state: state}
	if m.view {
		layout := newModel("Layout", "base", false, map[string]any{})
		m.state["layout"] = "IPY_MODEL_" + layout.id
	}
	data, buffers := m.openState()
	if comm.Connected() {
		var meta map[string]any
		if !m.proto.legacy {
			meta = map[string]any{"version": m.proto.version}
		}
		m.comm = comm.Open("jupyter.widget", data, meta, buffers)
		m.id = m.comm.ID()
		m.comm.OnMsg(m.handle)
	} else {
		idSeq.Lock()
		idSeq.n++
		m.id = fmt.Sprintf("static-%d", idSeq.n)
		idSeq.Unlock()
	}
	return m
}

// ID returns the widget model's id (its comm id).
func (m *model) ID() string { return m.id }

func (m *model) model() *model { return m }

// fullState is the state with the protocol's module and name keys.
func (m *model) fullState() map[string]any {
	p := m.proto
	module, version := p.controlsModule, p.controls
	switch m.kind {
	case "base":
		module, version = p.baseModule, p.base
	case "output":
		module, version = p.outputModule, p.output
	}
	s := map[string]any{
		"_model_module": module, "_model_module_version": version, "_model_name": m.name + "Model",
		"_view_module": module, "_view_module_version": version, "_view_name": nil,
	}
	if m.view {
		s["_view_name"] = m.name + "View"
	}
	if p.legacy {
		s["msg_throttle"] = 1
	}
	m.mu.Lock()
	for k, v := range m.state {
		s[k] = v
	}
	m.mu.Unlock()
	return s
}

// openState is the comm_open data of the protocol.
func (m *model) openState() (map[string]any, [][]byte) {
	if m.proto.legacy {
		return m.fullState(), nil
	}
	return map[string]any{"state": m.fullState(), "buffer_paths": []any{}}, nil
}

// set changes state keys and sends them to the frontend.
func (m *model) set(kv map[string]any) {
	m.mu.Lock()
	for k, v := range kv {
		m.state[k] = v
	}
	m.mu.Unlock()
	m.send(kv)
}

func (m *model) send(kv map[string]any) {
	if m.comm == nil {
		return
	}
	if m.proto.legacy {
		m.comm.Send(map[string]any{"method": "update", "state": kv, "buffer_keys": []any{}}, nil, nil)
		return
	}
	m.comm.Send(map[string]any{"method": "update", "state": kv, "buffer_paths": []any{}}, nil, nil)
}

func (m *model) get(key string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state[key]
}

// handle takes a message from the frontend: a state change, a request for the whole state, a custom
// event (a click).
func (m *model) handle(msg comm.Message) {
	method, _ := msg.Data["method"].(string)
	switch method {
	case "update", "backbone":
		key := "state"
		if method == "backbone" {
			key = "sync_data"
		}
		changes, _ := msg.Data[key].(map[string]any)
		m.mu.Lock()
		for k, v := range changes {
			m.state[k] = v
		}
		m.mu.Unlock()
		if m.proto.echo && len(changes) > 0 {
			m.comm.Send(map[string]any{"method": "echo_update", "state": changes, "buffer_paths": []any{}}, nil, nil)
		}
		if m.fromFrontend != nil {
			for _, k := range slices.Sorted(maps.Keys(changes)) {
				m.fromFrontend(k, changes[k])
			}
		}
	case "request_state":
		m.send(m.fullState())
	case "custom":
		content, _ := msg.Data["content"].(map[string]any)
		if m.onCustom != nil {
			m.onCustom(content)
		}
	}
}

// bundle is the display form of a widget: the widget view for a connected frontend (which renders it),
// with text (and extra, e.g. Interact's static figure) for every other reader. Legacy frontends are
// asked to display the view with a comm message instead, and get no bundle (their output area would
// show its text under the widget).
func (m *model) bundle(text string, extra map[string]any) map[string]any {
	data := map[string]any{"text/plain": text}
	if m.comm == nil {
		for k, v := range extra {
			data[k] = v
		}
		return data
	}
	if m.proto.legacy {
		m.comm.Send(map[string]any{"method": "display"}, nil, nil)
		return nil // the frontend shows the view in the cell's widget area; nothing in its output area
	}
	for k, v := range extra {
		data[k] = v
	}
	data["application/vnd.jupyter.widget-view+json"] = map[string]any{"model_id": m.id, "version_major": m.proto.viewVersionMajor, "version_minor": 0}
	return data
}

// Close closes a widget's comm: the frontend removes its views.
func Close(w Widget) {
	if m := w.model(); m.comm != nil {
		m.comm.Close(nil)
	}
}
