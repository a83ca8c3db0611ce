package widgets

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/notmagic/notmagic/kernel/comm"
	"github.com/notmagic/notmagic/kernel/display"
)

// Interact displays controls above an output area that shows f's result, and calls f again whenever a
// control moves. f takes one argument per control, in order, of the control's value type (float64 for
// a FloatSlider, int for an IntSlider, string for a Dropdown, bool for a Checkbox), or none (then it
// reads the controls itself); it returns what to show (a figure, a matrix, text), or nothing when it
// prints or displays on its own. Without a frontend (the REPL, `notmagic run`) Interact shows f's
// result for the controls' current values once, a static frame, under a line of those values.
func Interact(f any, controls ...Control) {
	fv := reflect.ValueOf(f)
	if fv.Kind() != reflect.Func {
		panic(fmt.Sprintf("widgets.Interact: the first argument must be a function, not %T", f))
	}
	ft := fv.Type()
	if ft.NumIn() != 0 && ft.NumIn() != len(controls) {
		panic(fmt.Sprintf("widgets.Interact: the function takes %d arguments but %d controls were given (give one argument per control, or none)", ft.NumIn(), len(controls)))
	}
	for i := 0; i < ft.NumIn(); i++ {
		got := reflect.TypeOf(controls[i].Any())
		if want := ft.In(i); !got.AssignableTo(want) {
			panic(fmt.Sprintf("widgets.Interact: argument %d of the function is %s, but control %q gives a %s", i+1, want, controls[i].Label(), got))
		}
	}
	call := func() []any {
		var args []reflect.Value
		if ft.NumIn() > 0 {
			for _, c := range controls {
				args = append(args, reflect.ValueOf(c.Any()))
			}
		}
		var out []any
		for _, r := range fv.Call(args) {
			if r.IsValid() && r.CanInterface() && !(isNilable(r) && r.IsNil()) {
				out = append(out, r.Interface())
			}
		}
		return out
	}
	if !comm.Connected() {
		var vals []string
		for _, c := range controls {
			vals = append(vals, fmt.Sprintf("%s = %v", c.Label(), c.Any()))
		}
		fmt.Println(strings.Join(vals, ", "))
		for _, v := range call() {
			display.Show(v)
		}
		return
	}
	out := NewOutput()
	children := make([]Widget, 0, len(controls)+1)
	for _, c := range controls {
		children = append(children, c)
	}
	box := VBox(append(children, out)...)
	render := func() { out.Show(call()...) }
	for _, c := range controls {
		c.listen(render)
	}
	display.Show(box)
	render()
}

func isNilable(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
		return true
	}
	return false
}
