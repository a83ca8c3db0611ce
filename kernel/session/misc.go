package session

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/kernel/display"
	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/plots"
)

var panicLineRE = regexp.MustCompile(`^(?:_\.go:)?(\d+):(\d+): panic: (.*)$`)

func isPanicLine(line string) bool { return panicLineRE.MatchString(line) }

func (s *Session) addPanicLine(line string) {
	s.mu.Lock()
	if len(s.panics) < 64 {
		s.panics = append(s.panics, line)
	}
	s.mu.Unlock()
}

// panicError turns a recovered panic value into an *Error with a short traceback of the interpreted
// frames it crossed (innermost first).
func (s *Session) panicError(r any) *Error {
	s.mu.Lock()
	lines := s.panics
	s.panics = nil
	s.mu.Unlock()
	name, value := "panic", ""
	switch v := r.(type) {
	case exitRefused:
		return &Error{Name: "ExitRefused", Value: v.Error(), Traceback: []string{red("ExitRefused") + ": " + v.Error()}, cause: v}
	case runtime.Error:
		value = v.Error()
	case error:
		value = v.Error()
		var ne *nn.Error
		if errors.As(v, &ne) {
			name = "nn.Error"
		}
	case fmt.Stringer:
		value = v.String()
	default:
		value = fmt.Sprint(v)
	}
	tb := []string{red(name) + ": " + value}
	var ctx []string
	seen := map[string]bool{}
	for _, l := range lines {
		m := panicLineRE.FindStringSubmatch(l)
		if m == nil || seen[m[1]+":"+m[2]] {
			continue
		}
		seen[m[1]+":"+m[2]] = true
		where, c := s.mapPos(m[1] + ":" + m[2])
		if ctx == nil {
			ctx = c
		}
		fn := strings.ReplaceAll(strings.TrimSuffix(m[3], "(...)"), mainAlias, "main")
		if fn == "main" {
			fn = "the cell"
		}
		fn = strings.TrimPrefix(fn, "main.")
		tb = append(tb, fmt.Sprintf("  at %s in %s", where, fn))
	}
	tb = append(tb, ctx...)
	return &Error{Name: name, Value: value, Traceback: tb}
}

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
	path := filepath.Join(s.opts.ImageDir, fmt.Sprintf("image-%03d%s", n, ext))
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
