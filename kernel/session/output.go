package session

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/notmagic/notmagic/kernel/display"
	"github.com/notmagic/notmagic/kernel/display/hook"
	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/plots"
)

// toFiles writes the images of a bundle to ImageDir in REPL/runner mode and replaces them by a text
// line naming the file. In kernel mode it returns b unchanged.
func (s *Session) toFiles(b MIMEBundle) MIMEBundle {
	if s.opts.ImageDir == "" || b == nil {
		return b
	}
	var data []byte
	ext := ""
	if p, ok := b[display.MIMEPNG].(string); ok {
		if d, err := base64.StdEncoding.DecodeString(p); err == nil {
			data, ext = d, ".png"
		}
	} else if svg, ok := b[display.MIMESVG].(string); ok {
		data, ext = []byte(svg), ".svg"
	}
	if ext == "" {
		return b
	}
	s.mu.Lock()
	s.images++
	n := s.images
	s.mu.Unlock()
	text, _ := b[display.MIMEText].(string)
	if err := os.MkdirAll(s.opts.ImageDir, 0o755); err != nil {
		return MIMEBundle{display.MIMEText: text + " (cannot save the image: " + err.Error() + ")"}
	}
	// A figure is saved under its number and title (006-where-the-word-it-looks.png), so the files say
	// what they show and sort in the order they were made; other images are image-NNN.
	name := fmt.Sprintf("image-%03d%s", n, ext)
	if t, ok := strings.CutPrefix(text, "Figure: "); ok {
		if i := strings.LastIndex(t, " ("); i > 0 {
			name = fmt.Sprintf("%03d-%s%s", n, plots.FileName(t[:i]), ext)
		}
	}
	path := filepath.Join(s.opts.ImageDir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return MIMEBundle{display.MIMEText: text + " (cannot save the image: " + err.Error() + ")"}
	}
	return MIMEBundle{display.MIMEText: "[image: " + path + "]", "text/x-notmagic-image-path": path}
}

// installLive wires plots' live output (Progress frames) to this session. In kernel mode a frame becomes
// a display that later frames with the same ID update in place; in REPL/runner mode plots keeps its
// terminal output (a progress line on stderr, the final chart saved) with charts saved into ImageDir.
func (s *Session) installLive() {
	if s.opts.ImageDir != "" {
		plots.SetLiveOutput(nil) // plots' own terminal output
		plots.SetOutputDir(s.opts.ImageDir)
		return
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	plots.SetLiveOutput(func(fr plots.Frame) {
		var data, meta map[string]any
		if fr.Figure != nil {
			data, meta = display.Bundle(fr.Figure)
			if fr.Text != "" {
				data[display.MIMEText] = fr.Text
			}
		} else {
			data = map[string]any{display.MIMEText: fr.Text}
		}
		mu.Lock()
		update := seen[fr.ID]
		seen[fr.ID] = true
		mu.Unlock()
		if out := s.output(); out != nil {
			s.syncOutput()
			out.Display(Display{Data: MIMEBundle(data), Metadata: meta, ID: fr.ID, Update: update && fr.ID != ""})
		}
	})
}

var (
	hooksMu    sync.Mutex // serialises installation of process-wide hooks (display sink, nn interrupt, plots)
	hooksOwner *Session   // the session the hooks point at
)

// render turns a trailing value into a bundle (writing images to files in REPL/runner mode).
func (s *Session) render(v any) MIMEBundle {
	var data, meta map[string]any
	func() {
		defer func() {
			if r := recover(); r != nil {
				data = map[string]any{display.MIMEText: fmt.Sprintf("(rendering failed: %v)", r)}
			}
		}()
		data, meta = display.Bundle(v)
	}()
	_ = meta
	if data == nil {
		return nil
	}
	return s.toFiles(MIMEBundle(data))
}

// installHooks points the display API, plots' live output and nn's interrupt check at this session.
func (s *Session) installHooks() {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	hooksOwner = s
	hook.Set(sink{s})
	display.ResetIDs()
	nn.SetInterrupt(func() bool { return atomic.LoadInt32(&s.stop) != 0 })
	s.installLive()
}

// uninstallHooks takes the hooks back from a closing session, when they are still its own: a closed
// session's interrupt flag must not stop the nn calls the program makes afterwards.
func (s *Session) uninstallHooks() {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	if hooksOwner != s {
		return
	}
	hooksOwner = nil
	hook.Set(nil)
	nn.SetInterrupt(nil)
	plots.SetLiveOutput(nil)
}

// output returns the output of the running (or last) cell.
func (s *Session) output() Output {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// syncOutput forwards what compiled code has written so far, so a display that follows a print
// arrives after it.
func (s *Session) syncOutput() {
	s.mu.Lock()
	c := s.cap
	s.mu.Unlock()
	if c != nil {
		c.sync()
	}
}

// sink delivers display calls to the running cell.
type sink struct{ s *Session }

func (k sink) Display(data, metadata map[string]any, id string, update bool) {
	out := k.s.output()
	if out == nil {
		return
	}
	k.s.syncOutput()
	out.Display(Display{Data: k.s.toFiles(MIMEBundle(data)), Metadata: metadata, ID: id, Update: update})
}

func (k sink) Clear(wait bool) {
	out := k.s.output()
	if out == nil {
		return
	}
	k.s.syncOutput()
	out.Clear(wait)
}

// inputReader is the standard input of cells in kernel mode: each read that finds its buffer empty asks
// the frontend for a line.
type inputReader struct {
	s   *Session
	buf []byte
}

func (r *inputReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		out := r.s.output()
		if out == nil {
			return 0, io.EOF
		}
		line, err := out.Input("", false)
		if err != nil {
			return 0, err
		}
		r.buf = []byte(line + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// texted shows a value with the text the interpreter's fmt gives it (display.Texted).
type texted struct {
	v    any
	text string
}

func (t texted) DisplayValue() any   { return t.v }
func (t texted) DisplayText() string { return t.text }
