package widgets

import (
	"fmt"
	"strings"

	"github.com/notmagic/notmagic/kernel/comm"
	"github.com/notmagic/notmagic/kernel/display"
)

// Output is an area that shows what Show displays into it, replacing or adding to what it showed.
// Without a frontend, Show displays into the cell as display.Show does.
type Output struct {
	m *model
}

// NewOutput returns an empty output area.
func NewOutput() *Output {
	o := &Output{}
	o.m = newModel("Output", "output", true, map[string]any{"msg_id": "", "outputs": []any{}})
	return o
}

func (o *Output) model() *model { return o.m }

// capture runs f with the frontend routing the outputs of the message being handled into the area.
func (o *Output) capture(f func()) {
	id := comm.ParentID()
	if o.m.comm == nil || id == "" {
		f()
		return
	}
	o.m.set(map[string]any{"msg_id": id})
	defer o.m.set(map[string]any{"msg_id": ""})
	f()
}

// Show replaces what the area shows with values (each displayed as display.Show does).
func (o *Output) Show(values ...any) {
	o.capture(func() {
		display.Clear()
		for _, v := range values {
			display.Show(v)
		}
	})
}

// Append adds values below what the area shows.
func (o *Output) Append(values ...any) {
	o.capture(func() {
		for _, v := range values {
			display.Show(v)
		}
	})
}

// Clear empties the area.
func (o *Output) Clear() { o.capture(func() { display.Clear() }) }

// String describes the area for text-only displays.
func (o *Output) String() string { return "(output area)" }

// MIMEBundle is the area's display form.
func (o *Output) MIMEBundle() map[string]any { return o.m.bundle(o.String(), nil) }

// Box arranges widgets in a column (VBox) or a row (HBox).
type Box struct {
	m        *model
	children []Widget
}

// VBox stacks widgets vertically.
func VBox(children ...Widget) *Box { return newBox("VBox", children) }

// HBox lines widgets up horizontally.
func HBox(children ...Widget) *Box { return newBox("HBox", children) }

func newBox(name string, children []Widget) *Box {
	refs := make([]any, len(children))
	for i, c := range children {
		refs[i] = "IPY_MODEL_" + c.model().id
	}
	b := &Box{children: children}
	b.m = newModel(name, "controls", true, map[string]any{"children": refs, "box_style": ""})
	return b
}

func (b *Box) model() *model { return b.m }

// String lists the children's text forms, one per line.
func (b *Box) String() string {
	var lines []string
	for _, c := range b.children {
		if s, ok := c.(fmt.Stringer); ok {
			lines = append(lines, s.String())
		}
	}
	return strings.Join(lines, "\n")
}

// MIMEBundle is the box's display form.
func (b *Box) MIMEBundle() map[string]any { return b.m.bundle(b.String(), nil) }
