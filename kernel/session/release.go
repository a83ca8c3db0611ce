package session

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// yaegi v0.16.1 keeps everything a cell's top-level code touched for as long as the interpreter lives:
//
//   - Top-level code runs in the interpreter's global frame, and each cell's temporaries (a call's
//     arguments and results: the figure passed to the cell's result, say) get slots of their own there,
//     never reused, which hold their last values.
//   - A function literal created at top level copies the whole global frame, so each one holds every
//     temporary of every earlier cell: n figure cells with a closure each (plots.Fn{F: func…}) kept
//     O(n²) memory, 1.3 GB after 3,000 cells.
//   - Every compiled program's root node is appended to a list (read only by yaegi's debugger, which
//     the session does not use), and every block's scope to its parent's list of children (read by
//     nothing), so each cell's syntax tree stays reachable.
//
// releaseTemporaries undoes that after each cell, through the unexported fields, since yaegi offers no
// API for it: the slots the cell added that no symbol owns get fresh zero values (what
// they held becomes garbage unless something else still refers to it), and the two lists are emptied.
// Declarations are untouched: variables, functions, types and constants are owned by symbols, and a
// closure keeps what it copied. TestReleaseTemporaries pins the fields it relies on, so a yaegi upgrade
// that moves them fails loudly instead of leaking again.
type yaegiInternals struct {
	frameData  *[]reflect.Value // the global frame's slots
	frameMu    *sync.RWMutex    // guards them against resizing
	frameTypes func() []reflect.Type
	scopes     reflect.Value // map[string]*scope: package-level scopes
	universe   reflect.Value // *scope
	roots      reflect.Value // []*node
}

// internalsOf locates yaegi's fields in in, or returns nil if their layout is not the one known.
func internalsOf(in *interp.Interpreter) *yaegiInternals {
	v := reflect.ValueOf(in).Elem()
	frame, scopes, universe, roots := v.FieldByName("frame"), v.FieldByName("scopes"), v.FieldByName("universe"), v.FieldByName("roots")
	if !frame.IsValid() || frame.Kind() != reflect.Pointer || frame.IsNil() || !scopes.IsValid() || scopes.Kind() != reflect.Map ||
		!universe.IsValid() || universe.Kind() != reflect.Pointer || !roots.IsValid() || roots.Kind() != reflect.Slice {
		return nil
	}
	f := frame.Elem()
	data, mu := f.FieldByName("data"), f.FieldByName("mutex")
	if !data.IsValid() || data.Type() != reflect.TypeOf([]reflect.Value(nil)) || !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.RWMutex{}) {
		return nil
	}
	types := universe.Elem().FieldByName("types")
	if !types.IsValid() || types.Type() != reflect.TypeOf([]reflect.Type(nil)) {
		return nil
	}
	return &yaegiInternals{
		frameData: (*[]reflect.Value)(unsafe.Pointer(data.UnsafeAddr())),
		frameMu:   (*sync.RWMutex)(unsafe.Pointer(mu.UnsafeAddr())),
		frameTypes: func() []reflect.Type {
			t := universe.Elem().FieldByName("types")
			return *(*[]reflect.Type)(unsafe.Pointer(t.UnsafeAddr()))
		},
		scopes:   scopes,
		universe: universe,
		roots:    roots,
	}
}

// frameLen returns the number of slots of the global frame.
func (y *yaegiInternals) frameLen() int {
	y.frameMu.RLock()
	defer y.frameMu.RUnlock()
	return len(*y.frameData)
}

// owned returns the global frame slots that symbols own: package-level ones, and the variables of
// the blocks that top-level code opened (a loop's variable, say), which live in the global frame too
// and which a closure made there reads from it, for as long as the closure lives.
func (y *yaegiInternals) owned() map[int]bool {
	own := map[int]bool{}
	var add func(sc reflect.Value)
	add = func(sc reflect.Value) {
		if sc.Kind() != reflect.Pointer || sc.IsNil() {
			return
		}
		if lvl := sc.Elem().FieldByName("level"); !lvl.IsValid() || lvl.Kind() != reflect.Int || lvl.Int() != 0 {
			return // a function's scope: its own frame
		}
		syms := sc.Elem().FieldByName("sym")
		if !syms.IsValid() || syms.Kind() != reflect.Map {
			return
		}
		for it := syms.MapRange(); it.Next(); {
			sym := it.Value()
			if sym.Kind() != reflect.Pointer || sym.IsNil() {
				continue
			}
			if idx := sym.Elem().FieldByName("index"); idx.IsValid() && idx.Kind() == reflect.Int && idx.Int() >= 0 {
				own[int(idx.Int())] = true
			}
		}
		if ch := sc.Elem().FieldByName("child"); ch.IsValid() && ch.Kind() == reflect.Slice {
			for i := range ch.Len() {
				add(ch.Index(i))
			}
		}
	}
	add(y.universe)
	for it := y.scopes.MapRange(); it.Next(); {
		add(it.Value())
	}
	return own
}

// release gives the global frame's slots from index from on that no symbol owns fresh zero values, and
// empties the list of roots and the package scopes' lists of child scopes.
//
// The slots stay: a later cell's temporaries get new ones. Reusing their indexes would keep the frame
// short, but compiled code still writes to some of them (after each call, a closure made at top level
// writes a value back into the slot that held it), so a cell adds a few slots of 24 bytes each.
func (y *yaegiInternals) release(from int) {
	own := y.owned()
	types := y.frameTypes()
	y.frameMu.Lock()
	data := *y.frameData
	for i := from; i < len(data) && i < len(types); i++ {
		if !own[i] && types[i] != nil {
			data[i] = reflect.New(types[i]).Elem()
		}
	}
	y.frameMu.Unlock()
	setLen0(y.roots)
	clearChildren := func(sc reflect.Value) {
		if sc.Kind() == reflect.Pointer && !sc.IsNil() {
			if ch := sc.Elem().FieldByName("child"); ch.IsValid() && ch.Kind() == reflect.Slice {
				setLen0(ch)
			}
		}
	}
	clearChildren(y.universe)
	for it := y.scopes.MapRange(); it.Next(); {
		clearChildren(it.Value())
	}
}

// setLen0 sets the slice field v (an unexported field reached by reflection) to nil.
func setLen0(v reflect.Value) {
	reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem().SetZero()
}
