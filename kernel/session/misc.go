package session

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/kernel/display"
	"github.com/notmagic/notmagic/kernel/symbols"
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
		return &Error{Name: "ExitRefused", Value: v.Error(), Traceback: []string{red("ExitRefused") + ": " + v.Error()}}
	case runtime.Error:
		value = v.Error()
	case error:
		value = v.Error()
		if t := reflect.TypeOf(v); t.Kind() == reflect.Pointer && t.Elem().Name() == "Error" && strings.HasSuffix(t.Elem().PkgPath(), "/lib/nn") {
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

// installLive wires plots' live output (Progress frames) to this session when the plots package is in
// the symbol tables. In kernel mode a frame becomes a display that later frames with the same ID update
// in place; in REPL/runner mode plots keeps its terminal output (a progress line on stderr, the final
// chart saved) with charts saved into ImageDir. plots is reached through the symbol table by reflection,
// so the session does not depend on its API at compile time.
func (s *Session) installLive() {
	pkg := symbols.Symbols["github.com/notmagic/notmagic/plots/plots"]
	f, ok := pkg["SetLiveOutput"]
	if !ok || f.Kind() != reflect.Func || f.Type().NumIn() != 1 || f.Type().In(0).Kind() != reflect.Func {
		return
	}
	ft := f.Type().In(0)
	if ft.NumIn() != 1 || ft.In(0).Kind() != reflect.Struct {
		return
	}
	if s.opts.ImageDir != "" {
		f.Call([]reflect.Value{reflect.Zero(ft)}) // plots' own terminal output
		if d, ok := pkg["SetOutputDir"]; ok && d.Kind() == reflect.Func && d.Type().NumIn() == 1 && d.Type().In(0).Kind() == reflect.String {
			d.Call([]reflect.Value{reflect.ValueOf(s.opts.ImageDir)})
		}
		return
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	h := reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		fr := args[0]
		str := func(name string) string {
			if v := fr.FieldByName(name); v.IsValid() && v.Kind() == reflect.String {
				return v.String()
			}
			return ""
		}
		id, text := str("ID"), str("Text")
		var fig any
		if v := fr.FieldByName("Figure"); v.IsValid() && !(v.Kind() == reflect.Pointer && v.IsNil()) && v.CanInterface() {
			fig = v.Interface()
		}
		var data, meta map[string]any
		if fig != nil {
			data, meta = display.Bundle(fig)
			if text != "" {
				data[display.MIMEText] = text
			}
		} else {
			data = map[string]any{display.MIMEText: text}
		}
		mu.Lock()
		update := seen[id]
		seen[id] = true
		mu.Unlock()
		if out := s.output(); out != nil {
			s.syncOutput()
			out.Display(Display{Data: MIMEBundle(data), Metadata: meta, ID: id, Update: update && id != ""})
		}
		return nil
	})
	f.Call([]reflect.Value{h})
}
