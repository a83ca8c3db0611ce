// Package session is the Go interpreter session shared by the Jupyter kernel, the terminal REPL and the
// script runner: a yaegi v0.16.1 interpreter with notmagic's libraries pre-imported, and a cell
// preprocessor that works around yaegi's measured pitfalls (see DESIGN.md §2):
//
//   - a cell may mix imports, declarations and statements: it is split into chunks evaluated in order;
//     imports already in effect are dropped, so re-running a cell works;
//   - `for i := range n` over an integer is rewritten into a counted loop;
//   - every loop checks a cooperative interrupt flag, so cancelling Execute's context stops `for {}` and
//     long loops; yaegi's own cancel is the fallback (with a warning);
//   - `go f(x)` runs under a compiled recover, so a panicking goroutine is reported instead of killing
//     the process; os.Exit is refused with a clear error;
//   - the output of compiled code (fmt.Println inside lib/nn) is captured by redirecting standard
//     output and error while a cell runs (kernel mode; see CaptureLimits for what a platform misses);
//   - error positions are reported in the cell's own lines (or the lesson file's, for the runner);
//   - a result is returned only when the cell ends in an expression, rendered by its richest form.
//
// The files follow those jobs: session.go (the Session, Execute), cells.go (splitting a cell into chunks
// and compiling them), rewrite.go (loop checks, range over int, goroutines), index.go (what cells have
// defined, for errors and completion), positions.go (interpreter lines back to the cell's), errors.go
// (compile errors, panics, refused exits), capture*.go (standard output and error), output.go (results,
// displays, images to files, input), complete.go and inspect.go.
//
// Execute is not safe for concurrent use; Complete, Inspect and IsComplete may run while no cell runs.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/notmagic/notmagic/kernel/comm"
	"github.com/notmagic/notmagic/kernel/display"
	"github.com/notmagic/notmagic/kernel/modules"
	"github.com/notmagic/notmagic/kernel/symbols"
	"github.com/notmagic/notmagic/kernel/symbols/gonum"
)

// MIMEBundle maps MIME types to JSON-ready data: text types as string, image/png as a base64 string,
// application/json as any JSON-marshalable value.
type MIMEBundle map[string]any

// Display is one rich output of a cell.
type Display struct {
	Data     MIMEBundle
	Metadata map[string]any // e.g. {"image/png": {"width": 640, "height": 480}}; may be nil
	ID       string         // display_id ("" = none)
	Update   bool           // true: update_display_data for ID; false: display_data
}

// Output receives everything a running cell produces. Methods may be called from several goroutines
// (the session serialises its own calls); they must not block for long.
type Output interface {
	Stream(name, text string) // name "stdout" or "stderr"
	Display(d Display)
	Clear(wait bool)                                    // clear_output
	Input(prompt string, password bool) (string, error) // input_request; error if stdin is not allowed
}

// Error is a failed cell: ename, evalue and traceback as Jupyter shows them.
type Error struct {
	Name      string   // e.g. "CompileError", "SyntaxError", "panic", "Interrupted", "nn.Error", "ExitRefused"
	Value     string   // the message
	Traceback []string // lines; may contain ANSI colours
	Line      int      // the line of the failure in the cell's Source (0 when unknown)
	cause     error    // what the cell raised, where the session knows it (os.Exit's code)
}

// Error returns "Name: Value".
func (e *Error) Error() string { return e.Name + ": " + e.Value }

// Unwrap returns what the cell raised, where the session kept it.
func (e *Error) Unwrap() error { return e.cause }

// Options configure a Session.
type Options struct {
	// ImageDir is where images are written in REPL/runner mode ("" = kernel mode: images are displayed
	// inline). Each image shown becomes a PNG (or SVG) file there and its path is shown as text.
	ImageDir string
	// Stdin is what cells read as standard input in REPL/runner mode; nil in kernel mode, where
	// fmt.Scan and friends ask the frontend through Output.Input.
	Stdin io.Reader
	// Direct leaves file descriptors 1 and 2 alone: cell output goes straight to the process's standard
	// output and error (REPL and runner). When false (kernel mode) they are redirected to pipes while a
	// cell runs and everything written reaches Output.Stream.
	Direct bool
	// Script marks a session that runs a file with no one watching (the runner): the interactive
	// magics (%help, ?name) are refused there with an error that says so.
	Script bool
	// Args are the program arguments cells see in os.Args (default: just "notmagic").
	Args []string
	// InterruptGrace is how long an interrupted cell gets to reach a loop check before the interpreter is
	// cancelled the hard way (default 400ms).
	InterruptGrace time.Duration
	// Symbols are extra symbol tables ("importpath/pkgname" → name → value) cells may import, for
	// embedding the session in another program (and for tests).
	Symbols map[string]map[string]reflect.Value
}

// Source names where a cell's code comes from, so errors point at the right lines.
type Source struct {
	Name string // e.g. "cell[3]" or "lessons/01_neuron.go"
	Line int    // the line of the cell's first line in Name (1 for a notebook cell)
}

// Session is one interpreter with its state: globals, functions and types defined by earlier cells.
type Session struct {
	opts Options
	in   *interp.Interpreter
	// yaegi is the interpreter's unexported state that releaseTemporaries clears after each cell (nil
	// if its layout is not the known one).
	yaegi *yaegiInternals

	stop int32 // cooperative interrupt flag, read by instrumented loops (*__nm.Stop)

	mu         sync.Mutex
	cur        Output // output of the running cell (or of the last one, for late goroutines)
	cap        *capture
	panics     []string // yaegi's "L:C: panic: f(...)" lines of the running cell
	result     []any    // values passed to __nm.Result by the cell's trailing call
	resultText string   // their text as the interpreter's fmt prints it (__nm.Text), "" when not given
	gotRes     bool
	closed     bool
	count      int // cells executed, for the default source names
	stderrW    *lineFilter

	imports     map[string]string      // package name in effect → import path
	numOut      sync.Map               // "path.Func" of a compiled function → its number of results
	lazy        map[string]string      // import path → its key in gonum.Symbols, until first imported
	mods        *modules.Tree          // the packages of the modules %get fetched
	defined     map[string]bool        // top-level names cells have defined (for error messages and completion)
	cellDocs    map[string]string      // signature and doc comment of functions, types and methods cells declared
	methods     map[string][]string    // methods cells declared, by receiver type name
	varTypes    map[string]string      // globals defined as T{…} or &T{…} of a cell's type T, for completion
	available   map[string]string      // import path → package name, for every package cells may import
	srcs        []srcRange             // where every chunk compiled so far came from, for position mapping
	sites       map[int]*site          // marked statements by position (trace.go)
	decls       map[string]*declRecord // the types, functions and methods cells declared (decls.go)
	cellBand    int                    // the index in srcs of the running cell's band
	redeclaring bool                   // commitDecls is compiling callers again
	nextBase    int

	images   int  // images written to ImageDir
	degraded bool // a cell was cancelled through yaegi (see Degraded)
}

// prelude lists the packages every cell can use without importing them, by name.
var prelude = []string{
	"fmt", "math", "strings", "strconv", "sort", "time", "os", "errors", "bytes",
	"github.com/notmagic/notmagic/lib/nn", "github.com/notmagic/notmagic/plots",
	"github.com/notmagic/notmagic/kernel/display", "github.com/notmagic/notmagic/kernel/widgets",
}

// preludeSource defines builtins yaegi v0.16.1 lacks: min and max of ordered values, and clear of a
// map or slice (done by compiled reflection, in place).
const preludeSource = `
type __nmOrdered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

func min[T __nmOrdered](x T, y ...T) T {
	m := x
	for _, v := range y {
		if v < m {
			m = v
		}
	}
	return m
}

func clear(x any) { __nm.Clear(x) }

// __nmResult receives a cell's trailing value: fmt, called here with the value's own type, uses the
// String method of a cell-defined type, which compiled code cannot see.
func __nmResult[T any](v T) { __nm.Result(v); __nm.Text(fmt.Sprint(v)) }

// __nmDisplay and __nmUpdate stand for display.Show and display.Update in cells, for the same reason.
func __nmDisplay[T any](v T) { __nm.ShowText("", false, v, fmt.Sprint(v)) }

func __nmUpdate[T any](id string, v T) { __nm.ShowText(id, true, v, fmt.Sprint(v)) }

func max[T __nmOrdered](x T, y ...T) T {
	m := x
	for _, v := range y {
		if v > m {
			m = v
		}
	}
	return m
}
`

const rtPath = "notmagic.internal/rt" // the import path of the session's runtime helpers

// New starts an interpreter with the prelude imported.
func New(opts Options) (*Session, error) {
	if opts.InterruptGrace <= 0 {
		opts.InterruptGrace = 400 * time.Millisecond
	}
	if opts.Args == nil {
		opts.Args = []string{"notmagic"}
	}
	s := &Session{opts: opts, imports: map[string]string{}, available: map[string]string{}, lazy: map[string]string{}, nextBase: 1}
	// The tree is created by the first %get and removed by Close; its path is fixed now, for yaegi.
	s.mods = modules.NewTree(filepath.Join(os.TempDir(), fmt.Sprintf("notmagic-modules-%d-%d", os.Getpid(), sessionSeq.Add(1))))
	s.stderrW = &lineFilter{match: isPanicLine, onMatch: s.addPanicLine, w: fdWriter{2}}
	var stdin io.Reader = opts.Stdin
	if stdin == nil {
		stdin = &inputReader{s: s}
	}
	s.in = interp.New(interp.Options{
		Stdin:        stdin,
		Stdout:       fdWriter{1},
		Stderr:       s.stderrW,
		Args:         opts.Args,
		Unrestricted: true,
		GoPath:       s.mods.GoPath(), // only %get's packages are interpreted from source
	})
	uses := []interp.Exports{stdlibSymbols(), {"os/exec/exec": unrestricted.Symbols["os/exec/exec"]}, symbols.Symbols, s.runtimeSymbols(), opts.Symbols}
	for _, u := range uses {
		if err := s.in.Use(u); err != nil {
			return nil, fmt.Errorf("session: loading symbols: %v", err)
		}
		for k := range u {
			i := strings.LastIndex(k, "/")
			if i > 0 {
				s.available[k[:i]] = k[i+1:]
			}
		}
	}
	// gonum and gonum/plot are importable, but their tables reach the interpreter on first import
	// (loadLazy): a session that never imports them pays nothing at start-up.
	for k := range gonum.Symbols {
		if i := strings.LastIndex(k, "/"); i > 0 {
			s.available[k[:i]] = k[i+1:]
			s.lazy[k[:i]] = k
		}
	}
	// os.Exit would end the kernel: refuse it with an error the cell shows.
	if err := s.in.Use(interp.Exports{"os/os": {
		"Exit": reflect.ValueOf(func(code int) { panic(exitRefused{code}) }),
	}}); err != nil {
		return nil, err
	}
	var specs []string
	for _, p := range prelude {
		if name, ok := s.available[p]; ok {
			specs = append(specs, fmt.Sprintf("%q", p))
			s.imports[name] = p
		}
	}
	specs = append(specs, fmt.Sprintf("__nm %q", rtPath))
	if _, err := s.in.Eval("import (\n" + strings.Join(specs, "\n") + "\n)"); err != nil {
		return nil, fmt.Errorf("session: prelude imports: %v", err)
	}
	if _, err := s.in.Eval(preludeSource + "\n" + markerSource); err != nil {
		return nil, fmt.Errorf("session: prelude: %v", err)
	}
	s.installHooks()
	s.yaegi = internalsOf(s.in)
	return s, nil
}

// runtimeSymbols is the compiled side of the preprocessor's rewrites, imported by cells as __nm.
func (s *Session) runtimeSymbols() interp.Exports {
	return interp.Exports{rtPath + "/rt": {
		"Stop":        reflect.ValueOf(&s.stop),
		"Interrupted": reflect.ValueOf(func() { panic(interruptSignal{}) }),
		"Go":          reflect.ValueOf(s.goroutine),
		"Clear": reflect.ValueOf(func(x any) {
			v := reflect.ValueOf(x)
			if k := v.Kind(); k != reflect.Map && k != reflect.Slice {
				panic(fmt.Sprintf("clear: argument must be a map or a slice, not %T", x))
			}
			v.Clear()
		}),
		"Result": reflect.ValueOf(func(v ...any) {
			s.mu.Lock()
			s.result, s.gotRes, s.resultText = v, true, ""
			s.mu.Unlock()
		}),
		"Text": reflect.ValueOf(func(text string) {
			s.mu.Lock()
			s.resultText = text
			s.mu.Unlock()
		}),
		"ShowText": reflect.ValueOf(func(id string, update bool, v any, text string) {
			if update {
				display.Update(id, texted{v, text})
			} else {
				display.Show(texted{v, text})
			}
		}),
	}}
}

// goroutine runs f in a new goroutine under a recover that reports a panic to the output of the cell
// that started it.
func (s *Session) goroutine(f func()) {
	s.mu.Lock()
	out := s.cur
	s.mu.Unlock()
	go func() {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if _, ok := r.(interruptSignal); ok {
				return // the cell was interrupted: the goroutine stops quietly
			}
			e := s.panicError(r)
			msg := "panic in a goroutine started by the cell (the goroutine stopped; the session lives on):\n" + e.Name + ": " + e.Value + "\n"
			if out != nil {
				out.Stream("stderr", msg)
			} else {
				fmt.Fprint(os.Stderr, msg)
			}
		}()
		f()
	}()
}

// Close releases the interpreter. A restart is Close + New.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	atomic.StoreInt32(&s.stop, 1) // goroutines the cells left running stop at their next loop check
	s.uninstallHooks()
	comm.Reset()
	return s.mods.Remove()
}

// sessionSeq numbers the sessions of this process (for their module trees' paths).
var sessionSeq atomic.Int64

// Banner is the kernel's banner and the REPL's greeting.
func Banner() string {
	b := "notmagic — Go notebooks on the yaegi interpreter. Pre-imported: nn, plots, display, widgets, fmt, math, strings, strconv, sort, time, os, errors, bytes."
	if captureLimits != "" {
		b += "\nNote: " + captureLimits + "."
	}
	return b
}

// KnownLimits lists what the interpreter (yaegi v0.16.1) does differently from compiled Go, for the
// kernel's help, the REPL's :help and the README.
func KnownLimits() []string {
	limits := []string{
		"Go 1.22+ per-iteration loop variables are not implemented: closures created in a loop share one variable (copy it: v := v).",
		"Deferred calls evaluate their arguments late (when the deferred call runs, not at the defer statement).",
		"A type or a method cannot be changed in a later cell: the cell fails with a RedefinitionError (restart the kernel, or use a new name); a function can be, and the cell functions that call it are compiled again to call the new body.",
		"min and max are provided for ordered values with all arguments of one type (min(1, 2.5) needs 1.0); clear works on maps and slices.",
		"Range over functions (Go 1.23 iterators) is not supported; range over an integer is rewritten into a counted loop.",
		"Generic functions and types of compiled packages are not reachable from cells (nn exports concrete functions).",
		"Packages that %get fetches run interpreted from source: one that needs cgo or assembly (or imports one that does) cannot be imported, and yaegi fails on some valid Go (the ImportError names the package, file and line); %get needs the go command and the module proxy (or GOPROXY, GOFLAGS, a module cache) as go get does.",
		"A cell type's String and Error methods are used by fmt, log, a cell's result and display.Show, and an error returned by a cell func keeps its Error method; its other methods are invisible to compiled code, and a cell type put into an error variable directly (`var e error = v`, `e = v`, `error(v)`) loses its Error method (a yaegi limit; the conversion says so): return it from a func whose result is `error`.",
		"Interpreted loops are ~100× slower than compiled Go: keep hot loops in lib/nn and make a few coarse calls per cell.",
		"An interrupt that does not reach a loop check within a moment cancels the interpreter the hard way: functions defined before may then return zero values (restart if results look wrong).",
		"Exported package variables of compiled packages cannot be assigned from a cell (use the setter functions).",
		"os.Exit is refused in a cell; reading os.Stdin directly is not connected to the notebook (use fmt.Scan).",
	}
	if captureLimits != "" {
		limits = append(limits, "Notebook output: "+captureLimits+".")
	}
	return limits
}

// Execute runs one cell. It returns the rich value of the cell's trailing expression (nil when the cell
// does not end in an expression), or an *Error. Cancelling ctx interrupts the cell: loops stop at their
// next check; a cell stuck elsewhere is cancelled through yaegi after Options.InterruptGrace, with a
// warning on stderr.
func (s *Session) Execute(ctx context.Context, code string, out Output) (MIMEBundle, error) {
	s.mu.Lock()
	s.count++
	n := s.count
	s.mu.Unlock()
	return s.ExecuteSource(ctx, code, out, Source{Name: fmt.Sprintf("cell[%d]", n), Line: 1})
}

// ExecuteSource is Execute with the cell's origin named, so that errors point at src's lines.
func (s *Session) ExecuteSource(ctx context.Context, code string, out Output, src Source) (res MIMEBundle, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, &Error{Name: "SessionClosed", Value: "the session is closed"}
	}
	s.cur = out
	s.panics = nil
	s.result, s.gotRes = nil, false
	s.mu.Unlock()
	atomic.StoreInt32(&s.stop, 0)
	if src.Line < 1 {
		src.Line = 1
	}
	if isMagic(code) {
		return s.magic(ctx, code, out, src)
	}

	s.mu.Lock()
	cellBand := len(s.srcs) // the band prepare is about to add for this cell
	s.mu.Unlock()
	chunks, perr := s.prepare(code, src)
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	s.cellBand = cellBand
	s.mu.Unlock()
	if len(chunks) == 0 {
		return nil, nil
	}

	if !s.opts.Direct {
		c, cerr := startCapture(out)
		if cerr != nil {
			out.Stream("stderr", "notmagic: cannot capture the output of compiled code: "+cerr.Error()+"\n")
		} else {
			s.mu.Lock()
			s.cap = c
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.cap = nil
				s.mu.Unlock()
				c.stop()
			}()
		}
	}

	// The watchdog turns a cancelled ctx into the cooperative flag, then into yaegi's cancel.
	inner, cancelInner := context.WithCancel(context.Background())
	defer cancelInner()
	// The watchdog is waited for before Execute returns (close(done) runs first, then Wait), so a
	// cancel that races with the cell's end can never set the flag during the next cell.
	var watchdog sync.WaitGroup
	defer watchdog.Wait()
	done := make(chan struct{})
	defer close(done)
	var interrupted, forced atomic.Bool
	watchdog.Add(1)
	go func() {
		defer watchdog.Done()
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		select {
		case <-done: // both were ready: the cell has already ended, nothing to interrupt
			return
		default:
		}
		interrupted.Store(true)
		atomic.StoreInt32(&s.stop, 1)
		select {
		case <-done:
		case <-time.After(s.opts.InterruptGrace):
			forced.Store(true)
			cancelInner()
		}
	}()

	// What the cell's top-level code leaves in the interpreter beyond its declarations, and the
	// session's notes on its top-level statements, are released when it ends (see release.go), unless
	// it was cancelled the hard way and may still be running.
	from := -1
	if s.yaegi != nil {
		from = s.yaegi.frameLen()
	}
	defer func() {
		if forced.Load() {
			return
		}
		s.dropTopLevelSites()
		if from >= 0 {
			s.yaegi.release(from)
		}
	}()
	for _, ch := range chunks {
		v, hasValue, xerr := s.runChunk(inner, ch)
		if interrupted.Load() || errors.Is(xerr, context.Canceled) {
			if forced.Load() {
				s.mu.Lock()
				s.degraded = true
				s.mu.Unlock()
				out.Stream("stderr", "warning: the cell did not reach a loop check in time and was cancelled through the interpreter; "+
					"functions and closures defined before may now return zero values — restart the session if results look wrong.\n")
			}
			return nil, &Error{Name: "Interrupted", Value: "the cell was interrupted", Traceback: []string{"Interrupted: the cell was interrupted"}}
		}
		if xerr != nil {
			return nil, xerr
		}
		if hasValue {
			return s.render(v), nil
		}
	}
	return nil, nil
}

// runChunk compiles and runs one chunk; when the chunk yields the cell's value (ch.result), it returns
// that value and true.
func (s *Session) runChunk(ctx context.Context, ch *chunk) (any, bool, error) {
	prog, err := s.compile(ch)
	if err != nil {
		return nil, false, err
	}
	v, err := s.in.ExecuteWithContext(ctx, prog)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, false, err
		}
		var p interp.Panic
		if errors.As(err, &p) {
			if _, ok := p.Value.(interruptSignal); ok {
				return nil, false, context.Canceled
			}
			return nil, false, s.panicError(p.Value)
		}
		return nil, false, s.compileError("RuntimeError", err)
	}
	if ch.imports != nil {
		s.mu.Lock()
		for name, path := range ch.imports {
			s.imports[name] = path
		}
		s.mu.Unlock()
	}
	if len(ch.decls) > 0 {
		s.commitDecls(ch.decls, ch.changed, s.output())
	}
	switch ch.result {
	case resultCall:
		s.mu.Lock()
		vals, ok, text := s.result, s.gotRes, s.resultText
		s.result, s.gotRes, s.resultText = nil, false, ""
		s.mu.Unlock()
		if ok && len(vals) == 1 && vals[0] != nil {
			if text != "" {
				return texted{vals[0], text}, true, nil
			}
			return vals[0], true, nil
		}
	case resultExpr:
		if v.IsValid() && v.CanInterface() {
			x := v.Interface()
			if x != nil {
				return x, true, nil
			}
		}
	}
	return nil, false, nil
}

// Degraded reports whether a cell of this session was cancelled through the interpreter (an interrupt
// that no loop check caught in time): functions and closures defined before may then return zero
// values, and a restart (Close + New) is the cure.
func (s *Session) Degraded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.degraded
}

// stdlibSymbols is yaegi's standard library with one change: fmt and log see a cell type's methods
// through a wrapper the interpreter builds for the interfaces that yaegi's MapTypes lists per function
// (fmt.Formatter and fmt.Stringer); listing error between them, in the order fmt checks them, gives a
// cell type's Error method the reach its String method has. (The list travels with the stdlib exports
// because the interpreter copies it onto its own fmt.Print* and log wrappers as it loads them.)
func stdlibSymbols() interp.Exports {
	ifaces := []reflect.Type{
		reflect.TypeFor[fmt.Formatter](),
		reflect.TypeFor[error](),
		reflect.TypeFor[fmt.Stringer](),
	}
	types := map[reflect.Value][]reflect.Type{}
	for k, v := range stdlib.MapTypes {
		types[k] = v
	}
	for _, f := range []any{
		fmt.Errorf, fmt.Fprint, fmt.Fprintf, fmt.Fprintln, fmt.Print, fmt.Printf, fmt.Println,
		fmt.Sprint, fmt.Sprintf, fmt.Sprintln, fmt.Append, fmt.Appendf, fmt.Appendln,
		log.Fatal, log.Fatalf, log.Fatalln, log.Panic, log.Panicf, log.Panicln, log.Print, log.Printf, log.Println,
	} {
		types[reflect.ValueOf(f)] = ifaces
	}
	exports := interp.Exports{}
	for k, v := range stdlib.Symbols {
		exports[k] = v
	}
	exports["."] = map[string]reflect.Value{"MapTypes": reflect.ValueOf(types)}
	return exports
}
