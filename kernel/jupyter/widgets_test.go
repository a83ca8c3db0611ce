package jupyter

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestWidgetsThroughKernel plays a widget frontend with jupyter_client: a cell opens widget comms
// (protocol 2) and shows a box; comm_info lists the open comms; a comm_msg moves a slider, whose
// handler's print comes back parented by that message, with the echo; a handler that panics reports
// its error the same way; a malformed comm_msg gets a CommError; and the kernel serves the next cell,
// which sees the moved values.
func TestWidgetsThroughKernel(t *testing.T) {
	requirePython(t, "jupyter_client")
	env, name := installTestKernel(t)
	type msg = []any
	var steps struct {
		Create, Move, Panic, Malformed, After struct {
			Reply map[string]any
			Iopub []msg
		}
		Info map[string]any
		IDs  map[string]string `json:"ids"`
	}
	runPython(t, env, 2*time.Minute, &steps, "comm_check.py", name)
	find := func(ms []msg, typ string) []map[string]any {
		var out []map[string]any
		for _, m := range ms {
			if m[0] == typ {
				out = append(out, m[1].(map[string]any))
			}
		}
		return out
	}
	if steps.Create.Reply["status"] != "ok" {
		t.Fatalf("create: %v", steps.Create.Reply)
	}
	opens := find(steps.Create.Iopub, "comm_open")
	if len(opens) != 6 { // two sliders and the box, each with its layout
		t.Errorf("%d comm_opens", len(opens))
	}
	if steps.IDs["w"] == "" || steps.IDs["bad"] == "" {
		t.Fatalf("slider comm ids: %v", steps.IDs)
	}
	res := find(steps.Create.Iopub, "execute_result")
	if len(res) != 1 || res[0]["data"].(map[string]any)["application/vnd.jupyter.widget-view+json"] == nil {
		t.Errorf("the box's result: %v", res)
	}
	comms, _ := steps.Info["comms"].(map[string]any)
	if steps.Info["status"] != "ok" || len(comms) != len(opens) || comms[steps.IDs["w"]] == nil {
		t.Errorf("comm_info: %v (%d opened)", steps.Info, len(opens))
	}
	streams := find(steps.Move.Iopub, "stream")
	if len(streams) != 1 || streams[0]["text"] != "w moved to 0.7\n" {
		t.Errorf("the slider's handler printed %v", steps.Move.Iopub)
	}
	echoed := false
	for _, m := range find(steps.Move.Iopub, "comm_msg") {
		if m["data"].(map[string]any)["method"] == "echo_update" {
			echoed = true
		}
	}
	if !echoed {
		t.Errorf("no echo_update: %v", steps.Move.Iopub)
	}
	errs := find(steps.Panic.Iopub, "error")
	if len(errs) != 1 || errs[0]["evalue"] != "runtime error: index out of range" || !strings.Contains(fmt.Sprint(errs[0]["traceback"]), "at cell[1]:4:44 in a function literal") {
		t.Errorf("the panicking handler: %v", steps.Panic.Iopub)
	}
	errs = find(steps.Malformed.Iopub, "error")
	if len(errs) != 1 || errs[0]["ename"] != "CommError" || errs[0]["evalue"] != "malformed comm_msg: no comm_id" {
		t.Errorf("the malformed comm_msg: %v", steps.Malformed.Iopub)
	}
	out := find(steps.After.Iopub, "stream")
	if steps.After.Reply["status"] != "ok" || len(out) != 1 || out[0]["text"] != "0.7 3\n" {
		t.Errorf("the next cell: %v %v", steps.After.Reply, steps.After.Iopub)
	}
}
