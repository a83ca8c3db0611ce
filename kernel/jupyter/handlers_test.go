package jupyter

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// execute runs code and returns the reply content and the iopub messages of the request.
func (c *testClient) execute(code string, extra map[string]any) (map[string]any, []*Message) {
	c.t.Helper()
	content := map[string]any{"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{},
		"allow_stdin": false, "stop_on_error": true}
	for k, v := range extra {
		content[k] = v
	}
	req, rep := c.request(c.shell, "execute_request", content)
	if rep.Header.MsgType != "execute_reply" {
		c.t.Fatalf("got %s, want execute_reply", rep.Header.MsgType)
	}
	return contentOf(rep), c.outputs(req.Header.MsgID, 30*time.Second)
}

func streamText(ms []*Message, name string) string {
	var b strings.Builder
	for _, m := range ms {
		if c := contentOf(m); m.Header.MsgType == "stream" && c["name"] == name {
			b.WriteString(c["text"].(string))
		}
	}
	return b.String()
}

func find(ms []*Message, typ string) map[string]any {
	for _, m := range ms {
		if m.Header.MsgType == typ {
			return contentOf(m)
		}
	}
	return nil
}

func TestExecute(t *testing.T) {
	_, c, _ := startKernel(t)
	tests := []struct {
		name, code     string
		status         string
		stdout, stderr string
		result         string // text/plain of execute_result ("" = none)
		ename          string
	}{
		{"stdout", `fmt.Println("hello")`, "ok", "hello\n", "", "", ""},
		{"stderr", `fmt.Fprintln(os.Stderr, "oops")`, "ok", "", "oops\n", "", ""},
		{"result", `1+1`, "ok", "", "", "2", ""},
		{"statement has no result", `x := 41`, "ok", "", "", "", ""},
		{"error", `x := undefinedName`, "error", "", "", "", "CompileError"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			rep, ms := c.execute(tc.code, nil)
			got := types(ms)
			if got[0] != "status:busy" || got[1] != "execute_input" || got[len(got)-1] != "status:idle" {
				t.Errorf("iopub order %v: want busy, execute_input, ..., idle", got)
			}
			if rep["status"] != tc.status || rep["execution_count"] != float64(i+1) {
				t.Errorf("reply %v: want status %s, execution_count %d", rep, tc.status, i+1)
			}
			if in := find(ms, "execute_input"); in["code"] != tc.code || in["execution_count"] != float64(i+1) {
				t.Errorf("execute_input %v", in)
			}
			if s := streamText(ms, "stdout"); s != tc.stdout {
				t.Errorf("stdout %q, want %q", s, tc.stdout)
			}
			if s := streamText(ms, "stderr"); s != tc.stderr {
				t.Errorf("stderr %q, want %q", s, tc.stderr)
			}
			res := find(ms, "execute_result")
			if tc.result == "" && res != nil {
				t.Errorf("unexpected execute_result %v", res)
			}
			if tc.result != "" {
				data, _ := res["data"].(map[string]any)
				if res == nil || data["text/plain"] != tc.result || res["execution_count"] != float64(i+1) {
					t.Errorf("execute_result %v, want text/plain %q", res, tc.result)
				}
			}
			if tc.ename != "" {
				e := find(ms, "error")
				if e == nil || e["ename"] != tc.ename || rep["ename"] != tc.ename {
					t.Errorf("error %v / reply %v, want ename %s", e, rep, tc.ename)
				}
				if want := fmt.Sprintf("cell[%d]:1:", i+1); !strings.Contains(fmt.Sprint(e["evalue"]), want) {
					t.Errorf("evalue %q does not name the cell as %q (its In [%d])", e["evalue"], want, i+1)
				}
				if _, ok := e["traceback"].([]any); !ok {
					t.Errorf("traceback is not a list: %v", e["traceback"])
				}
			} else if e := find(ms, "error"); e != nil {
				t.Errorf("unexpected error %v", e)
			}
		})
	}
}

func TestExecuteSilentAndStoreHistory(t *testing.T) {
	_, c, _ := startKernel(t)
	rep, ms := c.execute("1+1", map[string]any{"silent": true})
	if find(ms, "execute_input") != nil || find(ms, "execute_result") != nil {
		t.Errorf("silent execution published %v", types(ms))
	}
	if rep["execution_count"] != float64(0) {
		t.Errorf("silent execution counted: %v", rep["execution_count"])
	}
	rep, _ = c.execute("1+1", map[string]any{"store_history": false})
	if rep["execution_count"] != float64(0) {
		t.Errorf("store_history=false counted: %v", rep["execution_count"])
	}
	rep, _ = c.execute("1+1", nil)
	if rep["execution_count"] != float64(1) {
		t.Errorf("execution_count %v, want 1", rep["execution_count"])
	}
}

func TestUserExpressions(t *testing.T) {
	_, c, _ := startKernel(t)
	c.execute("x := 41", nil)
	rep, _ := c.execute("1+1", map[string]any{"user_expressions": map[string]any{"a": "x+1", "bad": "x := undefinedName"}})
	ue, _ := rep["user_expressions"].(map[string]any)
	a, _ := ue["a"].(map[string]any)
	data, _ := a["data"].(map[string]any)
	if a["status"] != "ok" || data["text/plain"] != "42" {
		t.Errorf("user_expressions a = %v", ue["a"])
	}
	if bad, _ := ue["bad"].(map[string]any); bad["status"] != "error" {
		t.Errorf("user_expressions bad = %v", ue["bad"])
	}
}

func TestStopOnErrorAbortsQueued(t *testing.T) {
	_, c, _ := startKernel(t)
	first := c.message("execute_request", map[string]any{"code": `time.Sleep(300 * time.Millisecond); panic("boom")`, "stop_on_error": true})
	second := c.message("execute_request", map[string]any{"code": `fmt.Println("never")`})
	third := c.message("kernel_info_request", map[string]any{})
	for _, m := range []*Message{first, second, third} {
		c.sendOn(c.shell, m)
	}
	got := map[string]map[string]any{}
	for i := 0; i < 3; i++ {
		r := c.recvOn(c.shell, 30*time.Second)
		got[parentMsgID(r)] = contentOf(r)
	}
	if got[first.Header.MsgID]["status"] != "error" {
		t.Errorf("first reply %v, want error", got[first.Header.MsgID])
	}
	if got[second.Header.MsgID]["status"] != "aborted" {
		t.Errorf("queued execute reply %v, want aborted", got[second.Header.MsgID])
	}
	if got[third.Header.MsgID]["status"] != "ok" {
		t.Errorf("queued kernel_info reply %v, want ok", got[third.Header.MsgID])
	}
	if s := streamText(c.outputs(second.Header.MsgID, 5*time.Second), "stdout"); s != "" {
		t.Errorf("aborted cell ran: %q", s)
	}
	// Without stop_on_error the next cell runs.
	c.sendOn(c.shell, c.message("execute_request", map[string]any{"code": `time.Sleep(300 * time.Millisecond); panic("boom")`, "stop_on_error": false}))
	next := c.message("execute_request", map[string]any{"code": `fmt.Println("runs")`})
	c.sendOn(c.shell, next)
	c.recvOn(c.shell, 30*time.Second)
	if r := c.recvOn(c.shell, 30*time.Second); contentOf(r)["status"] != "ok" {
		t.Errorf("cell after a stop_on_error=false failure: %v", contentOf(r))
	}
}

func TestInputRequest(t *testing.T) {
	_, c, _ := startKernel(t)
	code := `var name string; fmt.Scanln(&name); fmt.Println("hello " + name)`
	req := c.message("execute_request", map[string]any{"code": code, "allow_stdin": true})
	c.sendOn(c.shell, req)
	ir := c.recvOn(c.stdin, 30*time.Second)
	if ir.Header.MsgType != "input_request" || contentOf(ir)["prompt"] != "" || parentMsgID(ir) != req.Header.MsgID {
		t.Fatalf("got %s %v", ir.Header.MsgType, contentOf(ir))
	}
	reply := c.message("input_reply", map[string]any{"value": "gopher"})
	reply.ParentHeader = ir.RawHeader
	c.sendOn(c.stdin, reply)
	rep := c.recvOn(c.shell, 30*time.Second)
	if contentOf(rep)["status"] != "ok" {
		t.Fatalf("reply %v", contentOf(rep))
	}
	if s := streamText(c.outputs(req.Header.MsgID, 5*time.Second), "stdout"); s != "hello gopher\n" {
		t.Errorf("stdout %q", s)
	}
	// allow_stdin false: the cell gets an error instead of hanging.
	_, ms := c.execute(`var s string; _, err := fmt.Scanln(&s); fmt.Println(err)`, map[string]any{"allow_stdin": false})
	if out := streamText(ms, "stdout"); !strings.Contains(out, errStdinNotAllowed.Error()) {
		t.Errorf("reading input without allow_stdin printed %q, want the error %q", out, errStdinNotAllowed)
	}
}

func TestDisplayUpdateClear(t *testing.T) {
	_, c, _ := startKernel(t)
	_, ms := c.execute(`display.Update("d1", "a"); display.Update("d1", "b"); display.Clear()`, nil)
	var seq []string
	for _, m := range ms {
		switch m.Header.MsgType {
		case "display_data", "update_display_data", "clear_output":
			cm := contentOf(m)
			tr, _ := cm["transient"].(map[string]any)
			seq = append(seq, fmt.Sprintf("%s:%v:%v", m.Header.MsgType, tr["display_id"], cm["wait"]))
		}
	}
	want := []string{"display_data:d1:<nil>", "update_display_data:d1:<nil>", "clear_output:<nil>:true"}
	if !reflect.DeepEqual(seq, want) {
		t.Errorf("display messages %v, want %v", seq, want)
	}
}

func TestCompleteInspectIsComplete(t *testing.T) {
	_, c, _ := startKernel(t)
	code := "fmt.Print"
	_, rep := c.request(c.shell, "complete_request", map[string]any{"code": code, "cursor_pos": 9})
	cr := contentOf(rep)
	ms, _ := cr["matches"].([]any)
	if cr["status"] != "ok" || len(ms) == 0 || cr["cursor_end"] != float64(9) || cr["cursor_start"] != float64(4) {
		t.Errorf("complete_reply %v", cr)
	}
	has := false
	for _, m := range ms {
		has = has || m == "Println"
	}
	if !has {
		t.Errorf("matches %v lack Println", ms)
	}
	_, rep = c.request(c.shell, "inspect_request", map[string]any{"code": "fmt.Println", "cursor_pos": 11, "detail_level": 0})
	ir := contentOf(rep)
	data, _ := ir["data"].(map[string]any)
	if ir["status"] != "ok" || ir["found"] != true || !strings.Contains(fmt.Sprint(data["text/plain"]), "Println") {
		t.Errorf("inspect_reply %v", ir)
	}
	for code, want := range map[string]string{"x := 1": "complete", "func f() {": "incomplete"} {
		_, rep = c.request(c.shell, "is_complete_request", map[string]any{"code": code})
		r := contentOf(rep)
		if r["status"] != want {
			t.Errorf("is_complete(%q) = %v, want %s", code, r, want)
		}
		if _, ok := r["indent"]; ok != (want == "incomplete") {
			t.Errorf("is_complete(%q) indent presence wrong: %v", code, r)
		}
	}
}

func TestHistory(t *testing.T) {
	_, c, _ := startKernel(t)
	for _, code := range []string{"x := 41", `fmt.Println("hello")`, "1+1", "x := 41"} {
		c.execute(code, nil)
	}
	hist := func(q map[string]any) [][]any {
		_, rep := c.request(c.shell, "history_request", q)
		r := contentOf(rep)
		h, _ := r["history"].([]any)
		var out [][]any
		for _, e := range h {
			out = append(out, e.([]any))
		}
		return out
	}
	tail := hist(map[string]any{"hist_access_type": "tail", "n": 2, "output": false, "raw": true})
	if len(tail) != 2 || tail[0][1] != float64(3) || tail[0][2] != "1+1" || tail[1][2] != "x := 41" {
		t.Errorf("tail %v", tail)
	}
	rng := hist(map[string]any{"hist_access_type": "range", "session": 0, "start": 2, "stop": 4, "output": true, "raw": true})
	if len(rng) != 2 || rng[0][1] != float64(2) || rng[1][1] != float64(3) {
		t.Fatalf("range %v", rng)
	}
	if io, _ := rng[1][2].([]any); len(io) != 2 || io[0] != "1+1" || io[1] != "2" {
		t.Errorf("range with output %v", rng[1])
	}
	search := hist(map[string]any{"hist_access_type": "search", "pattern": "x*", "unique": true, "output": false, "raw": true})
	if len(search) != 1 || search[0][2] != "x := 41" || search[0][1] != float64(4) {
		t.Errorf("search unique %v", search)
	}
	all := hist(map[string]any{"hist_access_type": "search", "pattern": "*hello*", "output": false, "raw": true})
	if len(all) != 1 || all[0][1] != float64(2) {
		t.Errorf("search %v", all)
	}
}

func TestCommsAndUnknown(t *testing.T) {
	_, c, logs := startKernel(t)
	_, rep := c.request(c.shell, "comm_info_request", map[string]any{})
	if r := contentOf(rep); r["status"] != "ok" || len(r["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info_reply %v", r)
	}
	open := c.message("comm_open", map[string]any{"comm_id": "c1", "target_name": "no.such.target", "data": map[string]any{}})
	c.sendOn(c.shell, open)
	ms := c.outputs(open.Header.MsgID, 5*time.Second)
	if cc := find(ms, "comm_close"); cc == nil || cc["comm_id"] != "c1" {
		t.Errorf("comm_open answered with %v", types(ms))
	}
	// Malformed comm messages and unknown comms get a CommError on iopub (parented by the message), a
	// log line, and nothing else changes.
	for _, bad := range []struct {
		typ     string
		content map[string]any
		want    string
	}{
		{"comm_msg", map[string]any{"data": map[string]any{}}, "malformed comm_msg: no comm_id"},
		{"comm_open", map[string]any{"comm_id": "c2", "data": map[string]any{}}, "malformed comm_open: no target_name"},
		{"comm_msg", map[string]any{"comm_id": "c1", "data": []any{1, 2}}, "malformed comm_msg: data must be a JSON object, not [1,2]"},
		{"comm_msg", map[string]any{"comm_id": "gone", "data": map[string]any{"method": "update"}}, "comm_msg: no open comm gone"},
		{"comm_close", map[string]any{"comm_id": "gone"}, "comm_close: no open comm gone"},
	} {
		m := c.message(bad.typ, bad.content)
		c.sendOn(c.shell, m)
		ms := c.outputs(m.Header.MsgID, 5*time.Second)
		if e := find(ms, "error"); e == nil || e["ename"] != "CommError" || e["evalue"] != bad.want {
			t.Errorf("%s %v: got %v (%v)", bad.typ, bad.content, e, types(ms))
		}
		if !strings.Contains(logs.String(), bad.want) {
			t.Errorf("%q not logged", bad.want)
		}
	}
	unk := c.message("frobnicate_request", map[string]any{})
	c.sendOn(c.shell, unk)
	c.outputs(unk.Header.MsgID, 5*time.Second)
	if !strings.Contains(logs.String(), `unknown message type "frobnicate_request"`) {
		t.Errorf("unknown type not logged: %s", logs.String())
	}
	// The kernel still serves requests.
	if _, rep := c.request(c.shell, "kernel_info_request", map[string]any{}); rep.Header.MsgType != "kernel_info_reply" {
		t.Errorf("after unknown: %s", rep.Header.MsgType)
	}
}

func TestInterruptOnControl(t *testing.T) {
	_, c, _ := startKernel(t)
	req := c.message("execute_request", map[string]any{"code": "for {}"})
	c.sendOn(c.shell, req)
	time.Sleep(200 * time.Millisecond)
	// Control answers while the cell runs.
	start := time.Now()
	_, rep := c.request(c.control, "kernel_info_request", map[string]any{})
	if rep.Header.MsgType != "kernel_info_reply" || time.Since(start) > 2*time.Second {
		t.Fatalf("control blocked by a running cell")
	}
	start = time.Now()
	_, rep = c.request(c.control, "interrupt_request", map[string]any{})
	if contentOf(rep)["status"] != "ok" {
		t.Fatalf("interrupt_reply %v", contentOf(rep))
	}
	er := c.recvOn(c.shell, 10*time.Second)
	took := time.Since(start)
	if r := contentOf(er); r["status"] != "error" {
		t.Errorf("interrupted cell reply %v", r)
	}
	t.Logf("for {} stopped %v after interrupt_request", took)
	if took > time.Second {
		t.Errorf("interrupt took %v, want ≤ 1s", took)
	}
	if e := find(c.outputs(req.Header.MsgID, 5*time.Second), "error"); e == nil {
		t.Errorf("no error message for the interrupted cell")
	}
	rep2, _ := c.execute("1+1", nil)
	if rep2["status"] != "ok" {
		t.Errorf("next cell after interrupt: %v", rep2)
	}
}

func TestShutdown(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprint("restart=", restart), func(t *testing.T) {
			k, c, _ := startKernel(t)
			req, rep := c.request(c.control, "shutdown_request", map[string]any{"restart": restart})
			if r := contentOf(rep); r["status"] != "ok" || r["restart"] != restart {
				t.Errorf("shutdown_reply %v", r)
			}
			ms := c.outputs(req.Header.MsgID, 5*time.Second)
			if find(ms, "shutdown_reply") == nil {
				t.Errorf("no shutdown_reply on iopub: %v", types(ms))
			}
			done := make(chan bool)
			go func() { done <- k.Wait() }()
			select {
			case got := <-done:
				if got != restart {
					t.Errorf("Wait() = %v, want %v", got, restart)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("kernel did not stop")
			}
		})
	}
}

func TestHeartbeat(t *testing.T) {
	_, c, _ := startKernel(t)
	for i := 0; i < 3; i++ {
		ping := []byte(fmt.Sprintf("ping %d", i))
		if err := c.hb.Send(zmqMsg(ping)); err != nil {
			t.Fatal(err)
		}
		m, err := c.hb.Recv()
		if err != nil || string(m.Frames[0]) != string(ping) {
			t.Fatalf("heartbeat echo %q, %v", m.Frames, err)
		}
	}
}

// TestNoSpuriousInterrupt runs many short loop cells back to back: none may be reported as interrupted
// (a cell's context cancelled after it ended once raced with the next cell's loop checks).
func TestNoSpuriousInterrupt(t *testing.T) {
	_, c, _ := startKernel(t)
	for i := 0; i < 200; i++ {
		if rep, _ := c.execute("n := 0\nfor i := 0; i < 10; i++ {\n\tn++\n}", nil); rep["status"] != "ok" {
			t.Fatalf("cell %d: %v", i, rep)
		}
	}
}

// TestInterruptBlockedCells interrupts a cell blocked in compiled code and one waiting for input.
func TestInterruptBlockedCells(t *testing.T) {
	_, c, _ := startKernel(t)
	for _, tc := range []struct{ name, code string }{
		{"sleep", "time.Sleep(time.Hour)"},
		{"input", "var s string\nfmt.Scanln(&s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			req := c.message("execute_request", map[string]any{"code": tc.code, "allow_stdin": true})
			c.sendOn(c.shell, req)
			if tc.name == "input" {
				if ir := c.recvOn(c.stdin, 10*time.Second); ir.Header.MsgType != "input_request" {
					t.Fatalf("got %s", ir.Header.MsgType)
				}
			} else {
				time.Sleep(200 * time.Millisecond)
			}
			start := time.Now()
			c.request(c.control, "interrupt_request", map[string]any{})
			rep := c.recvOn(c.shell, 10*time.Second)
			if r := contentOf(rep); r["status"] != "error" {
				t.Errorf("reply %v", r)
			}
			t.Logf("stopped %v after interrupt_request", time.Since(start).Round(time.Millisecond))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("interrupt took %v", d)
			}
			c.outputs(req.Header.MsgID, 5*time.Second)
			if rep, _ := c.execute("1+1", nil); rep["status"] != "ok" {
				t.Errorf("next cell: %v", rep)
			}
		})
	}
}
