package widgets

import (
	"fmt"
	"math"
	"strconv"
	"sync"
)

// Control is a widget with a value that Interact passes to its function: a *FloatSlider (float64), an
// *IntSlider (int), a *Dropdown (string) or a *Checkbox (bool).
type Control interface {
	Widget
	// Any returns the control's value.
	Any() any
	// Label returns the control's description.
	Label() string
	// listen adds a function called after the value changes.
	listen(f func())
}

// listeners is the change handlers of a control.
type listeners struct {
	mu sync.Mutex
	fs []func()
}

func (l *listeners) listen(f func()) { l.mu.Lock(); l.fs = append(l.fs, f); l.mu.Unlock() }

func (l *listeners) fire() {
	l.mu.Lock()
	fs := append([]func(){}, l.fs...)
	l.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// FloatSlider is a slider over float64 values from Min to Max in steps of Step.
type FloatSlider struct {
	m *model
	listeners
}

// NewFloatSlider returns a slider labelled description, at value, over [min, max] in steps of step
// (a step of 0 picks a hundredth of the range). The value is clamped into the range.
func NewFloatSlider(description string, value, min, max, step float64) *FloatSlider {
	if !(max > min) {
		panic(fmt.Sprintf("widgets.NewFloatSlider(%q): max (%g) must be above min (%g)", description, max, min))
	}
	if step <= 0 {
		step = (max - min) / 100
	}
	value = math.Min(math.Max(value, min), max)
	s := &FloatSlider{}
	s.m = newModel("FloatSlider", "controls", true, map[string]any{
		"description": description, "value": value, "min": min, "max": max, "step": step,
		"orientation": "horizontal", "readout": true, "readout_format": readoutFormat(step),
		"continuous_update": true, "disabled": false,
	})
	s.m.fromFrontend = func(key string, _ any) {
		if key == "value" {
			s.fire()
		}
	}
	return s
}

// readoutFormat shows as many decimals as the step has.
func readoutFormat(step float64) string {
	d := 0
	for d < 6 && math.Abs(step*math.Pow10(d)-math.Round(step*math.Pow10(d))) > 1e-9 {
		d++
	}
	return "." + strconv.Itoa(max(d, 1)) + "f"
}

func (s *FloatSlider) model() *model { return s.m }

// Value returns the slider's value.
func (s *FloatSlider) Value() float64 { return toFloat(s.m.get("value")) }

// SetValue moves the slider (and the frontend's), then calls the change handlers.
func (s *FloatSlider) SetValue(v float64) {
	s.m.set(map[string]any{"value": v})
	s.fire()
}

// OnChange calls f with the new value whenever the slider moves.
func (s *FloatSlider) OnChange(f func(v float64)) { s.listen(func() { f(s.Value()) }) }

// Any returns the value as a float64.
func (s *FloatSlider) Any() any { return s.Value() }

// Label returns the description.
func (s *FloatSlider) Label() string { return s.m.get("description").(string) }

// String describes the slider for text-only displays.
func (s *FloatSlider) String() string {
	return fmt.Sprintf("%s: %g (slider %g … %g)", s.Label(), s.Value(), toFloat(s.m.get("min")), toFloat(s.m.get("max")))
}

// MIMEBundle is the slider's display form.
func (s *FloatSlider) MIMEBundle() map[string]any { return s.m.bundle(s.String(), nil) }

// IntSlider is a slider over integers.
type IntSlider struct {
	m *model
	listeners
}

// NewIntSlider returns a slider labelled description, at value, over [min, max] in steps of step (at
// least 1).
func NewIntSlider(description string, value, min, max, step int) *IntSlider {
	if max <= min {
		panic(fmt.Sprintf("widgets.NewIntSlider(%q): max (%d) must be above min (%d)", description, max, min))
	}
	step = max2(step, 1)
	value = min2(max2(value, min), max)
	s := &IntSlider{}
	s.m = newModel("IntSlider", "controls", true, map[string]any{
		"description": description, "value": value, "min": min, "max": max, "step": step,
		"orientation": "horizontal", "readout": true, "readout_format": "d",
		"continuous_update": true, "disabled": false,
	})
	s.m.fromFrontend = func(key string, _ any) {
		if key == "value" {
			s.fire()
		}
	}
	return s
}

func (s *IntSlider) model() *model { return s.m }

// Value returns the slider's value.
func (s *IntSlider) Value() int { return int(math.Round(toFloat(s.m.get("value")))) }

// SetValue moves the slider, then calls the change handlers.
func (s *IntSlider) SetValue(v int) {
	s.m.set(map[string]any{"value": v})
	s.fire()
}

// OnChange calls f with the new value whenever the slider moves.
func (s *IntSlider) OnChange(f func(v int)) { s.listen(func() { f(s.Value()) }) }

// Any returns the value as an int.
func (s *IntSlider) Any() any { return s.Value() }

// Label returns the description.
func (s *IntSlider) Label() string { return s.m.get("description").(string) }

// String describes the slider for text-only displays.
func (s *IntSlider) String() string {
	return fmt.Sprintf("%s: %d (slider %v … %v)", s.Label(), s.Value(), s.m.get("min"), s.m.get("max"))
}

// MIMEBundle is the slider's display form.
func (s *IntSlider) MIMEBundle() map[string]any { return s.m.bundle(s.String(), nil) }

// Dropdown picks one of a list of strings.
type Dropdown struct {
	m       *model
	options []string
	listeners
}

// NewDropdown returns a dropdown labelled description over options, showing value (the first option
// when value is not one of them).
func NewDropdown(description string, options []string, value string) *Dropdown {
	if len(options) == 0 {
		panic(fmt.Sprintf("widgets.NewDropdown(%q): no options", description))
	}
	d := &Dropdown{options: append([]string(nil), options...)}
	index := d.indexOf(value)
	labels := make([]any, len(options))
	for i, o := range options {
		labels[i] = o
	}
	state := map[string]any{"description": description, "_options_labels": labels, "disabled": false}
	if current().legacy {
		state["value"] = options[index]
	} else {
		state["index"] = index
	}
	d.m = newModel("Dropdown", "controls", true, state)
	d.m.fromFrontend = func(key string, v any) {
		switch key {
		case "index":
			d.fire()
		case "value": // the legacy protocol sends the label
			d.m.mu.Lock()
			d.m.state["index"] = d.indexOf(fmt.Sprint(v))
			d.m.mu.Unlock()
			d.fire()
		}
	}
	if current().legacy {
		d.m.state["index"] = index
	}
	return d
}

func (d *Dropdown) indexOf(v string) int {
	for i, o := range d.options {
		if o == v {
			return i
		}
	}
	return 0
}

func (d *Dropdown) model() *model { return d.m }

// Value returns the selected option.
func (d *Dropdown) Value() string {
	i := int(toFloat(d.m.get("index")))
	if i < 0 || i >= len(d.options) {
		i = 0
	}
	return d.options[i]
}

// SetValue selects option v (ignored when v is not an option), then calls the change handlers.
func (d *Dropdown) SetValue(v string) {
	i := d.indexOf(v)
	if d.options[i] != v {
		return
	}
	if d.m.proto.legacy {
		d.m.mu.Lock()
		d.m.state["index"] = i
		d.m.mu.Unlock()
		d.m.set(map[string]any{"value": v})
	} else {
		d.m.set(map[string]any{"index": i})
	}
	d.fire()
}

// OnChange calls f with the new selection whenever it changes.
func (d *Dropdown) OnChange(f func(v string)) { d.listen(func() { f(d.Value()) }) }

// Any returns the selection as a string.
func (d *Dropdown) Any() any { return d.Value() }

// Label returns the description.
func (d *Dropdown) Label() string { return d.m.get("description").(string) }

// String describes the dropdown for text-only displays.
func (d *Dropdown) String() string {
	return fmt.Sprintf("%s: %s (one of %q)", d.Label(), d.Value(), d.options)
}

// MIMEBundle is the dropdown's display form.
func (d *Dropdown) MIMEBundle() map[string]any { return d.m.bundle(d.String(), nil) }

// Checkbox is a boolean knob.
type Checkbox struct {
	m *model
	listeners
}

// NewCheckbox returns a checkbox labelled description.
func NewCheckbox(description string, value bool) *Checkbox {
	c := &Checkbox{}
	c.m = newModel("Checkbox", "controls", true, map[string]any{"description": description, "value": value, "indent": true, "disabled": false})
	c.m.fromFrontend = func(key string, _ any) {
		if key == "value" {
			c.fire()
		}
	}
	return c
}

func (c *Checkbox) model() *model { return c.m }

// Value reports whether the box is checked.
func (c *Checkbox) Value() bool { v, _ := c.m.get("value").(bool); return v }

// SetValue checks or clears the box, then calls the change handlers.
func (c *Checkbox) SetValue(v bool) { c.m.set(map[string]any{"value": v}); c.fire() }

// OnChange calls f with the new value whenever the box is toggled.
func (c *Checkbox) OnChange(f func(v bool)) { c.listen(func() { f(c.Value()) }) }

// Any returns the value as a bool.
func (c *Checkbox) Any() any { return c.Value() }

// Label returns the description.
func (c *Checkbox) Label() string { return c.m.get("description").(string) }

// String describes the checkbox for text-only displays.
func (c *Checkbox) String() string { return fmt.Sprintf("%s: %v (checkbox)", c.Label(), c.Value()) }

// MIMEBundle is the checkbox's display form.
func (c *Checkbox) MIMEBundle() map[string]any { return c.m.bundle(c.String(), nil) }

// Button calls its handlers when clicked.
type Button struct {
	m *model
	listeners
}

// NewButton returns a button labelled description.
func NewButton(description string) *Button {
	b := &Button{}
	b.m = newModel("Button", "controls", true, map[string]any{"description": description, "button_style": "", "icon": "", "tooltip": "", "disabled": false})
	b.m.onCustom = func(content map[string]any) {
		if content["event"] == "click" {
			b.fire()
		}
	}
	return b
}

func (b *Button) model() *model { return b.m }

// OnClick calls f on every click.
func (b *Button) OnClick(f func()) { b.listen(f) }

// Click calls the click handlers, as a click in the frontend does.
func (b *Button) Click() { b.fire() }

// String describes the button for text-only displays.
func (b *Button) String() string { return fmt.Sprintf("[%s] (button)", b.m.get("description")) }

// MIMEBundle is the button's display form.
func (b *Button) MIMEBundle() map[string]any { return b.m.bundle(b.String(), nil) }

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return 0
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func min2(a, b int) int {
	if a < b {
		return a
	}
	return b
}
