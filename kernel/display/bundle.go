package display

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strconv"
)

// PNGer is a value that renders itself as a PNG image (a plots figure, for example).
type PNGer interface{ PNG() ([]byte, error) }

// SVGer is a value that renders itself as an SVG document.
type SVGer interface{ SVG() ([]byte, error) }

// HTMLer is a value that renders itself as HTML.
type HTMLer interface{ HTML() string }

// Markdowner is a value that renders itself as Markdown.
type Markdowner interface{ Markdown() string }

// Texted is a value shown as another value (DisplayValue) with its own text form (DisplayText) as its
// text/plain: the interpreter session wraps the values of cell-defined types this way, so that they show
// by their String method, which only the interpreter can call.
type Texted interface {
	DisplayValue() any
	DisplayText() string
}

// MIMEBundler is a value that builds its own MIME bundle (widgets do: their view for a frontend that
// renders widgets, text and images for every other reader). A nil bundle shows nothing: the value has
// displayed itself by other means.
type MIMEBundler interface{ MIMEBundle() map[string]any }

// LaTeXer is a value with a LaTeX form, added to its bundle beside its HTML (an empty string adds none).
type LaTeXer interface{ LaTeX() string }

// DisplaySizer is an image rendered at a high resolution that states the size, in CSS pixels, to show it
// at (plots figures render at 2× for sharp text on high-DPI screens).
type DisplaySizer interface{ DisplaySize() (width, height int) }

// Bundle renders v as a MIME bundle and its metadata, choosing the richest form v supports, in order:
// PNG() ([]byte, error) → image/png; SVG() ([]byte, error) → image/svg+xml; HTML() string → text/html;
// Markdown() string → text/markdown; an image.Image → image/png. With PreferSVG, SVG comes before PNG.
// gonum values get a rich form first: a *plot.Plot (or any plots.Drawer) renders as a figure, a
// mat.Matrix as a table (text/html, text/latex when small). Every bundle also has text/plain:
// String() when v has it, a quoted string for strings, fmt's %v otherwise. A failing renderer is reported
// in the text/plain form. Values of interpreted types are seen by their text form only (a yaegi limit).
func Bundle(v any) (data, metadata map[string]any) {
	if t, ok := v.(Texted); ok {
		inner := adapt(t.DisplayValue())
		data, metadata = Bundle(inner)
		if !hasOwnText(inner) {
			data[MIMEText] = t.DisplayText()
		}
		return data, metadata
	}
	v = adapt(v)
	if b, ok := v.(MIMEBundler); ok {
		if data = b.MIMEBundle(); data == nil {
			return nil, nil // nothing to show: the value displayed itself
		}
		if _, ok := data[MIMEText]; !ok {
			data[MIMEText] = Plain(v)
		}
		return data, nil
	}
	text := Plain(v)
	if x, ok := v.(SVGer); ok && preferSVG.Load() {
		if b, err := x.SVG(); err == nil {
			return map[string]any{MIMESVG: string(b), MIMEText: text}, nil
		}
	}
	switch x := v.(type) {
	case PNGer:
		b, err := x.PNG()
		if err == nil {
			var d, m map[string]any
			if d, m, err = pngBundle(b, text); err == nil {
				if s, ok := v.(DisplaySizer); ok { // a high-DPI image: show it at its intended size
					if w, h := s.DisplaySize(); w > 0 && h > 0 {
						m[MIMEPNG] = map[string]any{"width": w, "height": h}
					}
				}
				return d, m
			}
		}
		return map[string]any{MIMEText: text + "\n(PNG rendering failed: " + err.Error() + ")"}, nil
	case SVGer:
		b, err := x.SVG()
		if err != nil {
			return map[string]any{MIMEText: text + "\n(SVG rendering failed: " + err.Error() + ")"}, nil
		}
		return map[string]any{MIMESVG: string(b), MIMEText: text}, nil
	case HTMLer:
		d := map[string]any{MIMEHTML: x.HTML(), MIMEText: text}
		if l, ok := v.(LaTeXer); ok {
			if tex := l.LaTeX(); tex != "" {
				d[MIMELaTeX] = tex
			}
		}
		return d, nil
	case Markdowner:
		return map[string]any{MIMEMarkdown: x.Markdown(), MIMEText: text}, nil
	case image.Image:
		var buf bytes.Buffer
		if err := png.Encode(&buf, x); err == nil {
			if d, m, err := pngBundle(buf.Bytes(), text); err == nil {
				return d, m
			}
		}
	}
	return map[string]any{MIMEText: text}, nil
}

// Plain is the text/plain form of v used by Bundle: strings quoted, fmt's %v otherwise (which uses
// Error() or String() when v has one, and reports a panicking String method instead of crashing).
func Plain(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%v", v)
}

// hasOwnText reports whether compiled code gives v its text: a string, a fmt.Stringer or an error
// (a gonum matrix after adapt). Otherwise a Texted's interpreter text (a cell type's String) wins.
func hasOwnText(v any) bool {
	switch v.(type) {
	case string, fmt.Stringer, error:
		return true
	}
	return false
}
