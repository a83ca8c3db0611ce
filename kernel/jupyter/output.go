package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/notmagic/notmagic/kernel/session"
)

const (
	streamFlushDelay = 20 * time.Millisecond // batch small writes into one stream message
	streamFlushSize  = 256 << 10             // flush at once beyond this many buffered bytes
	streamChunk      = 1 << 20               // largest stream message text
)

// cellOutput sends what a cell produces to iopub, with the execute request as parent. Stream text is
// batched (a flush every 20 ms, or at once past 256 KiB) and always flushed before a display, a clear,
// an input request and the end of the cell, so outputs keep their order.
type cellOutput struct {
	k          *Kernel
	parent     *Message
	ctx        context.Context
	allowStdin bool

	mu    sync.Mutex
	segs  []streamSeg
	size  int
	timer *time.Timer
}

type streamSeg struct {
	name string
	text []byte
}

func newCellOutput(k *Kernel, parent *Message, ctx context.Context, allowStdin bool) *cellOutput {
	return &cellOutput{k: k, parent: parent, ctx: ctx, allowStdin: allowStdin}
}

// Stream buffers text for the stream called name ("stdout" or "stderr").
func (o *cellOutput) Stream(name, text string) {
	if text == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := len(o.segs); n > 0 && o.segs[n-1].name == name {
		o.segs[n-1].text = append(o.segs[n-1].text, text...)
	} else {
		o.segs = append(o.segs, streamSeg{name, []byte(text)})
	}
	o.size += len(text)
	if o.size >= streamFlushSize {
		o.flushLocked()
		return
	}
	if o.timer == nil {
		o.timer = time.AfterFunc(streamFlushDelay, o.flush)
	}
}

func (o *cellOutput) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked()
}

func (o *cellOutput) flushLocked() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	for _, s := range o.segs {
		for t := s.text; len(t) > 0; {
			n := len(t)
			if n > streamChunk {
				n = streamChunk
				for n > 0 && !utf8.RuneStart(t[n]) {
					n--
				}
				if n == 0 {
					n = streamChunk
				}
			}
			o.k.publish("stream", map[string]any{"name": s.name, "text": string(t[:n])}, o.parent)
			t = t[n:]
		}
	}
	o.segs, o.size = nil, 0
}

// Display publishes display_data, or update_display_data when d.Update is set.
func (o *cellOutput) Display(d session.Display) {
	o.flush()
	data := d.Data
	if data == nil {
		data = session.MIMEBundle{}
	}
	md := d.Metadata
	if md == nil {
		md = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": md, "transient": map[string]any{}}
	if d.ID != "" {
		content["transient"] = map[string]any{"display_id": d.ID}
	}
	typ := "display_data"
	if d.Update {
		if d.ID == "" {
			o.k.log.Printf("update_display_data without a display id: sent as display_data")
		} else {
			typ = "update_display_data"
		}
	}
	o.k.publish(typ, content, o.parent)
}

// Clear publishes clear_output.
func (o *cellOutput) Clear(wait bool) {
	o.flush()
	o.k.publish("clear_output", map[string]any{"wait": wait}, o.parent)
}

// errStdinNotAllowed is returned by input when the frontend does not accept input requests.
var errStdinNotAllowed = errors.New("standard input is not available: this frontend does not accept input requests")

// Input asks the frontend for a line of input (input_request on stdin) and waits for the reply.
func (o *cellOutput) Input(prompt string, password bool) (string, error) {
	o.flush()
	if !o.allowStdin {
		return "", errStdinNotAllowed
	}
	k := o.k
	for drained := false; !drained; { // forget stale replies
		select {
		case <-k.stdinCh:
		default:
			drained = true
		}
	}
	req, err := k.newMessage("input_request", map[string]any{"prompt": prompt, "password": password}, o.parent)
	if err != nil {
		return "", err
	}
	req.Identities = o.parent.Identities
	var reqHeader Header
	_ = json.Unmarshal(req.RawHeader, &reqHeader)
	k.send(k.stdin, req)
	for {
		select {
		case m := <-k.stdinCh:
			var parent Header
			if json.Unmarshal(m.ParentHeader, &parent) == nil && parent.MsgID != "" && parent.MsgID != reqHeader.MsgID {
				k.log.Printf("stdin: input_reply for another request ignored")
				continue
			}
			var c struct {
				Value  string `json:"value"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal(m.Content, &c); err != nil {
				return "", errors.New("malformed input_reply: " + err.Error())
			}
			if c.Status == "error" {
				return "", errors.New("the frontend could not read input")
			}
			return c.Value, nil
		case <-o.ctx.Done():
			return "", errors.New("interrupted while waiting for input")
		case <-k.quit:
			return "", errors.New("the kernel is shutting down")
		}
	}
}

// finish flushes buffered stream text at the end of the cell. Later writes (from goroutines the cell
// started) are still published, with the same parent.
func (o *cellOutput) finish() { o.flush() }
