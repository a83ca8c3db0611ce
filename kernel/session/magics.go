package session

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Magics are cell lines that are not Go: help and timing, as Jupyter users expect them. Go code never
// starts with % or ?, nor ends with ?, so they cannot be mistaken for it.
//
//	%help            what the session offers: the prelude, the magics, the interpreter's limits
//	?name, name?     the signature and documentation of name (as inspection gives them)
//	%time CODE       run CODE once and print the wall time it took
//	%timeit CODE     run CODE many times and print Go benchmark figures: runs and ns/op
//	%get MODULE...   fetch modules (MODULE or MODULE@VERSION, as go get takes them) for import
//
// CODE follows on the magic's line or on the next lines of the cell.

// magicNames lists the magics for help and errors.
const magicNames = "%help, %time, %timeit, %get and ?name"

// isMagic reports whether a cell is a magic (its first non-blank line starts with % or ?, or it is one
// line ending in ?).
func isMagic(code string) bool {
	t := strings.TrimSpace(code)
	if t == "" {
		return false
	}
	first := strings.TrimSpace(strings.SplitN(t, "\n", 2)[0])
	return strings.HasPrefix(first, "%") || strings.HasPrefix(first, "?") || (!strings.Contains(t, "\n") && strings.HasSuffix(t, "?"))
}

// magic runs a magic cell.
func (s *Session) magic(ctx context.Context, code string, out Output, src Source) (MIMEBundle, error) {
	t := strings.TrimSpace(code)
	first, rest, _ := strings.Cut(t, "\n")
	first = strings.TrimSpace(first)
	fail := func(name, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return &Error{Name: name, Value: msg, Traceback: []string{red(name) + ": " + msg}, Line: src.Line}
	}
	interactiveOnly := func(what string) error {
		if s.opts.Script {
			return fail("MagicError", "%s is for interactive sessions (a notebook or the REPL): a script has no one to show it to", what)
		}
		return nil
	}
	switch {
	case first == "%help" && rest == "":
		if err := interactiveOnly("%help"); err != nil {
			return nil, err
		}
		return MIMEBundle{"text/markdown": helpMarkdown(), "text/plain": Help()}, nil
	case strings.HasPrefix(first, "?") || (rest == "" && strings.HasSuffix(first, "?")):
		name := strings.TrimSpace(strings.Trim(first, "?"))
		if err := interactiveOnly("?" + name); err != nil {
			return nil, err
		}
		if name == "" || rest != "" || strings.ContainsAny(name, " \t") {
			return nil, fail("MagicError", "?name shows the documentation of one name, e.g. ?nn.Randn or nn.Randn?")
		}
		doc, found := s.Inspect(name, len(name), 1)
		if !found {
			return nil, fail("NameError", "no documentation for %s: it is not a name in this session (a package member like nn.Randn, or a name a cell defined)", name)
		}
		return doc, nil
	case first == "%time" || strings.HasPrefix(first, "%time "):
		body, line := magicBody(first, "%time", rest, src)
		if strings.TrimSpace(body) == "" {
			return nil, fail("MagicError", "%%time needs code to time: %%time f(x), or %%time on a line of its own and the code below")
		}
		start := time.Now()
		res, err := s.ExecuteSource(ctx, body, out, line)
		out.Stream("stdout", fmt.Sprintf("time: %s (wall clock)\n", roundDuration(time.Since(start))))
		return res, err
	case first == "%timeit" || strings.HasPrefix(first, "%timeit "):
		body, line := magicBody(first, "%timeit", rest, src)
		if strings.TrimSpace(body) == "" {
			return nil, fail("MagicError", "%%timeit needs code to time: %%timeit f(x), or %%timeit on a line of its own and the code below")
		}
		return nil, s.timeit(ctx, body, out, line)
	case first == "%get" || strings.HasPrefix(first, "%get "):
		specs := strings.Fields(strings.TrimPrefix(first, "%get"))
		for _, l := range strings.Split(rest, "\n") {
			specs = append(specs, strings.Fields(l)...)
		}
		return nil, s.get(ctx, specs, out, fail)
	}
	word := strings.Fields(first)[0]
	return nil, fail("MagicError", "%s is not a magic of this kernel; the magics are %s (%%help tells more)", word, magicNames)
}

// magicBody returns the code of a %time or %timeit cell and the source position of its first line.
func magicBody(first, magic, rest string, src Source) (string, Source) {
	if inline := strings.TrimSpace(strings.TrimPrefix(first, magic)); inline != "" {
		if rest != "" {
			inline += "\n" + rest
		}
		return inline, src
	}
	return rest, Source{Name: src.Name, Line: src.Line + 1}
}

// timeit runs body in an interpreted loop of n iterations, growing n tenfold until a run lasts 200 ms
// (or n reaches 10⁸), and reports the last run as a Go benchmark line.
func (s *Session) timeit(ctx context.Context, body string, out Output, src Source) error {
	var n int
	var elapsed time.Duration
	for n = 1; ; n *= 10 {
		loop := fmt.Sprintf("for __nmTimeit := 0; __nmTimeit < %d; __nmTimeit++ {\n%s\n}", n, body)
		start := time.Now()
		if _, err := s.ExecuteSource(ctx, loop, discardOutput{}, Source{Name: src.Name, Line: src.Line - 1}); err != nil {
			return err
		}
		elapsed = time.Since(start)
		if elapsed >= 200*time.Millisecond || n >= 100_000_000 {
			break
		}
	}
	perOp := float64(elapsed.Nanoseconds()) / float64(n)
	out.Stream("stdout", fmt.Sprintf("%d runs, %s ns/op (wall clock; in the interpreter, loop included)\n", n, formatNs(perOp)))
	return nil
}

func formatNs(ns float64) string {
	switch {
	case ns >= 100:
		return fmt.Sprintf("%.0f", ns)
	case ns >= 10:
		return fmt.Sprintf("%.1f", ns)
	}
	return fmt.Sprintf("%.2f", ns)
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(10 * time.Nanosecond)
}

// discardOutput drops what a cell writes (the repeated runs of %timeit).
type discardOutput struct{}

func (discardOutput) Stream(string, string) {}
func (discardOutput) Display(Display)       {}
func (discardOutput) Clear(bool)            {}
func (discardOutput) Input(string, bool) (string, error) {
	return "", fmt.Errorf("%%timeit cannot read input")
}

// Help is the session's help as plain text: the prelude, the magics and the interpreter's limits.
func Help() string {
	var b strings.Builder
	b.WriteString(Banner() + "\n\n")
	b.WriteString("Magics (notebook cells; in the REPL also :help, :doc NAME, :time CODE, :timeit CODE, :get MODULE):\n")
	b.WriteString("  %help           this help\n")
	b.WriteString("  ?name, name?    signature and documentation of name (e.g. ?nn.Randn)\n")
	b.WriteString("  %time CODE      run CODE once and print the wall time\n")
	b.WriteString("  %timeit CODE    run CODE many times and print runs and ns/op\n")
	b.WriteString("  %get MODULE     fetch a Go module (MODULE@VERSION too) with the go command, then import it\n\n")
	b.WriteString("Known limits of the interpreter:\n")
	for _, l := range KnownLimits() {
		b.WriteString("  - " + l + "\n")
	}
	return b.String()
}

func helpMarkdown() string {
	var b strings.Builder
	b.WriteString("**" + strings.SplitN(Banner(), "\n", 2)[0] + "**\n\n")
	b.WriteString("| magic | what it does |\n|---|---|\n")
	b.WriteString("| `%help` | this help |\n| `?name`, `name?` | signature and documentation of `name` (e.g. `?nn.Randn`) |\n")
	b.WriteString("| `%time CODE` | run `CODE` once and print the wall time |\n| `%timeit CODE` | run `CODE` many times and print runs and ns/op |\n")
	b.WriteString("| `%get MODULE@VERSION` | fetch a Go module with the go command (in a cell of its own), then `import` its packages |\n\n")
	b.WriteString("**Known limits of the interpreter**\n\n")
	for _, l := range KnownLimits() {
		b.WriteString("- " + l + "\n")
	}
	return b.String()
}

// get runs %get: the modules are resolved by the Go toolchain (its progress goes to stderr) and their
// packages laid out for import; stdout names what can be imported.
func (s *Session) get(ctx context.Context, specs []string, out Output, fail func(name, format string, args ...any) error) error {
	if len(specs) == 0 {
		return fail("MagicError", "%%get needs a module: %%get github.com/montanaflynn/stats@v0.7.1 (a version, @latest, or none for the latest)")
	}
	mods, err := s.mods.Get(ctx, specs, streamWriter{out, "stderr"})
	if err != nil {
		if ctx.Err() != nil {
			return &Error{Name: "Interrupted", Value: "%get was interrupted", Traceback: []string{red("Interrupted") + ": %get was interrupted"}}
		}
		return fail("GetError", "%v", err)
	}
	var b strings.Builder
	for _, m := range mods {
		fmt.Fprintf(&b, "%s %s: %d package%s", m.Path, m.Version, len(m.Importable), plural(len(m.Importable)))
		if m.Unusable > 0 {
			fmt.Fprintf(&b, " (and %d that need cgo or assembly)", m.Unusable)
		}
		if len(m.Importable) > 0 {
			shown := m.Importable
			if len(shown) > 4 {
				shown = shown[:4]
			}
			fmt.Fprintf(&b, " to import: %q", shown[0])
			for _, p := range shown[1:] {
				fmt.Fprintf(&b, ", %q", p)
			}
			if len(m.Importable) > len(shown) {
				b.WriteString(", …")
			}
		}
		b.WriteString("\n")
	}
	out.Stream("stdout", b.String())
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// streamWriter writes to one stream of a cell's output.
type streamWriter struct {
	out  Output
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.out.Stream(w.name, string(p))
	return len(p), nil
}
