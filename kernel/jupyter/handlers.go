package jupyter

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/notmagic/notmagic/kernel/session"
)

// handle answers one request received on ch, between iopub status busy and idle.
func (k *Kernel) handle(ch *channel, m *Message) {
	if ch == k.shell {
		k.setParent(m)
	}
	k.status("busy", m)
	defer k.status("idle", m)
	defer func() {
		if r := recover(); r != nil { // a failing handler answers with an error; the kernel lives on
			t := m.Header.MsgType
			k.log.Printf("%s: internal error while handling %s: %v\n%s", ch.name, t, r, debug.Stack())
			if strings.HasSuffix(t, "_request") {
				k.reply(ch, m, strings.TrimSuffix(t, "_request")+"_reply", map[string]any{
					"status": "error", "ename": "InternalError", "evalue": fmt.Sprint(r), "traceback": []string{},
				})
			}
		}
	}()
	switch t := m.Header.MsgType; t {
	case "execute_request":
		if ch != k.shell {
			k.log.Printf("%s: execute_request is only served on shell; ignored", ch.name)
			return
		}
		k.execute(ch, m)
	case "kernel_info_request":
		k.reply(ch, m, "kernel_info_reply", kernelInfo())
	case "complete_request":
		k.complete(ch, m)
	case "inspect_request":
		k.inspect(ch, m)
	case "is_complete_request":
		k.isComplete(ch, m)
	case "history_request":
		k.historyReply(ch, m)
	case "comm_info_request":
		k.commInfo(ch, m)
	case "comm_open", "comm_msg", "comm_close":
		if ch != k.shell {
			k.log.Printf("%s: %s is only served on shell; ignored", ch.name, t)
			return
		}
		k.comm(m)
	case "interrupt_request":
		k.Interrupt()
		k.reply(ch, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		if err := json.Unmarshal(m.Content, &c); err != nil {
			k.log.Printf("%s: malformed shutdown_request (%v); shutting down anyway", ch.name, err)
		}
		content := map[string]any{"status": "ok", "restart": c.Restart}
		k.reply(ch, m, "shutdown_reply", content)
		k.publish("shutdown_reply", content, m)
		k.status("idle", m)
		k.infof("shutdown requested (restart=%v)", c.Restart)
		k.requestQuit(c.Restart)
	default:
		k.log.Printf("%s: unknown message type %q ignored", ch.name, t)
	}
}

// decode unmarshals m's content into v; on failure it logs and sends a reply of replyType with status error.
func (k *Kernel) decode(ch *channel, m *Message, replyType string, v any) bool {
	if err := json.Unmarshal(m.Content, v); err != nil {
		k.log.Printf("%s: malformed %s: %v", ch.name, m.Header.MsgType, err)
		k.reply(ch, m, replyType, map[string]any{
			"status": "error", "ename": "BadRequest", "evalue": "malformed " + m.Header.MsgType + ": " + err.Error(),
			"traceback": []string{},
		})
		return false
	}
	return true
}

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func errorContent(e *session.Error) map[string]any {
	tb := e.Traceback
	if tb == nil {
		tb = []string{}
	}
	return map[string]any{"ename": e.Name, "evalue": e.Value, "traceback": tb}
}

func (k *Kernel) execute(ch *channel, m *Message) {
	var req executeRequest
	if !k.decode(ch, m, "execute_reply", &req) {
		return
	}
	storeHistory := boolOr(req.StoreHistory, true) && !req.Silent
	if storeHistory {
		k.count++
	}
	count := k.count
	if !req.Silent {
		k.publish("execute_input", map[string]any{"code": req.Code, "execution_count": count}, m)
	}

	interp, ierr := k.interpreter()
	ctx, cancel := context.WithCancel(context.Background())
	k.mu.Lock()
	k.cancelCell = cancel
	k.mu.Unlock()
	out := newCellOutput(k, m, ctx, boolOr(req.AllowStdin, true))
	name := "cell"
	if storeHistory {
		name = fmt.Sprintf("cell[%d]", count) // matches the frontend's In [count]
	}
	var result session.MIMEBundle
	var cerr *session.Error
	if ierr != nil {
		cerr = &session.Error{Name: "KernelError", Value: ierr.Error(), Traceback: []string{"KernelError: " + ierr.Error()}}
	} else {
		result, cerr = runCell(ctx, interp, name, req.Code, out)
	}
	if cerr == nil && ctx.Err() != nil {
		// Interrupted while it ran (say, waiting for input), though the cell carried on to its end: report
		// the interrupt, as the user asked for it.
		cerr = &session.Error{Name: "Interrupted", Value: "the cell was interrupted",
			Traceback: []string{"Interrupted: the cell was interrupted"}}
		result = nil
	}
	var exprs map[string]any
	if cerr == nil {
		exprs = k.userExpressions(ctx, interp, req.UserExpressions, out)
	}
	out.finish()
	k.mu.Lock()
	k.cancelCell = nil
	k.mu.Unlock()
	// ctx is deliberately not cancelled once the cell is over: the session watches it from a goroutine
	// that may wake late, and a late cancel must not be taken for an interrupt of the next cell.
	_ = cancel

	var text string
	if cerr != nil {
		ec := errorContent(cerr)
		k.publish("error", ec, m)
		reply := map[string]any{"status": "error", "execution_count": count}
		for key, v := range ec {
			reply[key] = v
		}
		if boolOr(req.StopOnError, true) {
			// Abort what was queued before the client could see this reply: a request sent in answer to
			// the error reply must run.
			k.abortQueued()
		}
		k.reply(ch, m, "execute_reply", reply)
	} else {
		if result != nil && !req.Silent {
			k.publish("execute_result", map[string]any{
				"execution_count": count, "data": result, "metadata": map[string]any{},
			}, m)
			text, _ = result["text/plain"].(string)
		}
		if exprs == nil {
			exprs = map[string]any{}
		}
		k.reply(ch, m, "execute_reply", map[string]any{
			"status": "ok", "execution_count": count, "user_expressions": exprs, "payload": []any{},
		})
	}
	if storeHistory {
		k.history.add(count, req.Code, text)
	}
}

// userExpressions evaluates the request's user_expressions after a successful cell.
func (k *Kernel) userExpressions(ctx context.Context, interp interpreter, exprs map[string]string, out *cellOutput) map[string]any {
	res := make(map[string]any, len(exprs))
	for name, expr := range exprs {
		data, err := runCell(ctx, interp, "user_expressions["+name+"]", expr, discardOutput{})
		if err != nil {
			r := errorContent(err)
			r["status"] = "error"
			res[name] = r
			continue
		}
		if data == nil {
			data = session.MIMEBundle{}
		}
		res[name] = map[string]any{"status": "ok", "data": data, "metadata": map[string]any{}}
	}
	return res
}

// abortQueued answers the execute requests already queued on shell with status "aborted" (stop_on_error);
// other queued requests are served normally, in order.
func (k *Kernel) abortQueued() {
	settle := time.NewTimer(5 * time.Millisecond)
	defer settle.Stop()
	for {
		select {
		case m := <-k.shellCh:
			if m.Header.MsgType != "execute_request" {
				k.handle(k.shell, m)
				continue
			}
			k.status("busy", m)
			k.infof("shell: aborted execute_request %s after an error", m.Header.MsgID)
			k.reply(k.shell, m, "execute_reply", map[string]any{"status": "aborted"})
			k.status("idle", m)
		case <-settle.C:
			return
		case <-k.quit:
			return
		}
	}
}

// discardOutput drops everything (user_expressions must not print into the cell).
type discardOutput struct{}

func (discardOutput) Stream(string, string)   {}
func (discardOutput) Display(session.Display) {}
func (discardOutput) Clear(bool)              {}
func (discardOutput) Input(string, bool) (string, error) {
	return "", fmt.Errorf("user_expressions cannot read standard input")
}

// runeToByte converts a cursor in code points to a byte offset of code, clamped to the code.
func clampCursor(code string, cursor int) int {
	n := utf8.RuneCountInString(code)
	if cursor < 0 || cursor > n {
		return n
	}
	return cursor
}

func (k *Kernel) complete(ch *channel, m *Message) {
	var req struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if !k.decode(ch, m, "complete_reply", &req) {
		return
	}
	cursor := utf8.RuneCountInString(req.Code)
	if req.CursorPos != nil {
		cursor = clampCursor(req.Code, *req.CursorPos)
	}
	var matches []string
	var start, end int
	if interp, err := k.interpreter(); err == nil {
		matches, start, end = interp.Complete(req.Code, cursor)
	}
	if matches == nil {
		matches = []string{}
		start, end = cursor, cursor
	}
	k.reply(ch, m, "complete_reply", map[string]any{
		"status": "ok", "matches": matches, "cursor_start": start, "cursor_end": end, "metadata": map[string]any{},
	})
}

func (k *Kernel) inspect(ch *channel, m *Message) {
	var req struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if !k.decode(ch, m, "inspect_reply", &req) {
		return
	}
	cursor := utf8.RuneCountInString(req.Code)
	if req.CursorPos != nil {
		cursor = clampCursor(req.Code, *req.CursorPos)
	}
	var data session.MIMEBundle
	var found bool
	if interp, err := k.interpreter(); err == nil {
		data, found = interp.Inspect(req.Code, cursor, req.DetailLevel)
	}
	if data == nil || !found {
		data, found = session.MIMEBundle{}, false
	}
	k.reply(ch, m, "inspect_reply", map[string]any{
		"status": "ok", "found": found, "data": data, "metadata": map[string]any{},
	})
}

func (k *Kernel) isComplete(ch *channel, m *Message) {
	var req struct {
		Code string `json:"code"`
	}
	if !k.decode(ch, m, "is_complete_reply", &req) {
		return
	}
	status, indent := session.IsComplete(req.Code)
	content := map[string]any{"status": status}
	if status == "incomplete" {
		content["indent"] = indent
	}
	k.reply(ch, m, "is_complete_reply", content)
}

func (k *Kernel) historyReply(ch *channel, m *Message) {
	var req historyRequest
	if !k.decode(ch, m, "history_reply", &req) {
		return
	}
	k.reply(ch, m, "history_reply", map[string]any{"status": "ok", "history": k.history.query(req)})
}

// languageVersion is the Go version without the "go" prefix (e.g. "1.26.0").
func languageVersion() string {
	v := strings.TrimPrefix(runtime.Version(), "go")
	if i := strings.IndexAny(v, " -"); i > 0 {
		v = v[:i]
	}
	return v
}

// implementationVersion is the module version of the binary ("dev" for a local build).
func implementationVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         "notmagic",
		"implementation_version": implementationVersion(),
		"language_info": map[string]any{
			"name":               "go",
			"version":            languageVersion(),
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"codemirror_mode":    "go",
			"pygments_lexer":     "go",
			"nbconvert_exporter": "script",
		},
		"banner":     session.Banner(),
		"help_links": helpLinks,
		"debugger":   false,
	}
}

var helpLinks = []map[string]string{
	{"text": "notmagic", "url": "https://github.com/notmagic/notmagic"},
	{"text": "Go language specification", "url": "https://go.dev/ref/spec"},
	{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
	{"text": "yaegi (the interpreter)", "url": "https://github.com/traefik/yaegi"},
}
