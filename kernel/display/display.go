// Package display is the rich-output API for notebook cells: Markdown, HTML, images, LaTeX, JSON and
// live outputs that update in place.
//
// In the Jupyter kernel each call becomes a display_data message (or update_display_data for Update);
// in the terminal REPL and the script runner images are written to files and their paths printed.
// Outside any session (a compiled program) text forms are printed to standard output.
//
//	display.Markdown("# Loss")
//	display.Show(fig)                  // a plots figure: image/png
//	display.Update("progress", "step 10/100")
package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/kernel/display/hook"
)

// The MIME types used in bundles.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMELaTeX    = "text/latex"
	MIMEPNG      = "image/png"
	MIMESVG      = "image/svg+xml"
	MIMEJSON     = "application/json"
)

// emit sends a bundle to the session's sink, or prints its text form when there is none.
func emit(data, metadata map[string]any, id string, update bool) {
	if data == nil {
		return // a value that shows itself another way (a legacy widget frontend's display message)
	}
	if s := hook.Get(); s != nil {
		s.Display(data, metadata, id, update)
		return
	}
	if t, ok := data[MIMEText].(string); ok {
		fmt.Fprintln(os.Stdout, t)
	}
}

// Markdown shows s rendered as Markdown.
func Markdown(s string) {
	emit(map[string]any{MIMEMarkdown: s, MIMEText: s}, nil, "", false)
}

// HTML shows s rendered as HTML.
func HTML(s string) {
	emit(map[string]any{MIMEHTML: s, MIMEText: stripTags(s)}, nil, "", false)
}

// LaTeX shows a formula. A formula without $ delimiters is shown as a display formula ($$…$$).
func LaTeX(s string) {
	if !strings.Contains(s, "$") {
		s = "$$" + s + "$$"
	}
	emit(map[string]any{MIMELaTeX: s, MIMEText: s}, nil, "", false)
}

// Text shows s as plain text (like a print, but as a display output that Update can replace).
func Text(s string) {
	emit(map[string]any{MIMEText: s}, nil, "", false)
}

// PNG shows an image from PNG-encoded bytes. Bytes that are not a PNG image are reported as an error text.
func PNG(b []byte) {
	data, meta, err := pngBundle(b, "")
	if err != nil {
		emit(map[string]any{MIMEText: "display.PNG: " + err.Error()}, nil, "", false)
		return
	}
	emit(data, meta, "", false)
}

// SVG shows an SVG document.
func SVG(s string) {
	emit(map[string]any{MIMESVG: s, MIMEText: "<svg image>"}, nil, "", false)
}

// JSON shows v as an interactive JSON tree (application/json) with an indented text form.
// A value that cannot be marshalled is reported as an error text.
func JSON(v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		emit(map[string]any{MIMEText: "display.JSON: " + err.Error()}, nil, "", false)
		return
	}
	var generic any
	_ = json.Unmarshal(b, &generic)
	emit(map[string]any{MIMEJSON: generic, MIMEText: string(b)}, nil, "", false)
}

// Image shows img as a PNG image.
func Image(img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		emit(map[string]any{MIMEText: "display.Image: " + err.Error()}, nil, "", false)
		return
	}
	PNG(buf.Bytes())
}

// Show displays v in the richest form it supports (see Bundle).
func Show(v any) {
	data, meta := Bundle(v)
	emit(data, meta, "", false)
}

var (
	seenMu sync.Mutex
	seen   = map[string]bool{}
)

// Update shows v (rendered like Show) in the output named id: the first call for an id creates the output,
// later calls replace it in place. Use it for progress lines and live plots in long loops.
func Update(id string, v any) {
	data, meta := Bundle(v)
	seenMu.Lock()
	update := seen[id]
	seen[id] = true
	seenMu.Unlock()
	emit(data, meta, id, update)
}

// Clear clears the cell's output once the next output arrives (no flicker in loops that redraw).
func Clear() {
	if s := hook.Get(); s != nil {
		s.Clear(true)
	}
}

// Quick reports whether the environment variable NOTMAGIC_QUICK is set to a true value (1, true, yes):
// lessons then take fewer steps, following the same code path, so CI can run them all quickly.
func Quick() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("NOTMAGIC_QUICK"))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// ResetIDs forgets the display ids that Update has seen, so the next Update of each creates a new output.
// The session calls it when the interpreter is reset.
func ResetIDs() {
	seenMu.Lock()
	seen = map[string]bool{}
	seenMu.Unlock()
}

// stripTags returns the text of an HTML fragment, for the text/plain fallback.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// pngBundle checks that b is a PNG image and returns its bundle (base64 data, text, size metadata).
func pngBundle(b []byte, text string) (map[string]any, map[string]any, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fmt.Errorf("not a PNG image: %v", err)
	}
	if text == "" {
		text = fmt.Sprintf("<image %d×%d>", cfg.Width, cfg.Height)
	}
	data := map[string]any{MIMEPNG: base64.StdEncoding.EncodeToString(b), MIMEText: text}
	meta := map[string]any{MIMEPNG: map[string]any{"width": cfg.Width, "height": cfg.Height}}
	return data, meta, nil
}
