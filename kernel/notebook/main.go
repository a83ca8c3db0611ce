package notebook

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/notmagic/notmagic/internal/atomicfile"
)

// Convert reads a percent-format lesson and returns its notebook: executed through a fresh interpreter
// session when execute is true, with empty outputs otherwise.
func Convert(ctx context.Context, lessonPath string, execute bool) (*Notebook, error) {
	src, err := os.ReadFile(lessonPath)
	if err != nil {
		return nil, err
	}
	cells, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", lessonPath, err)
	}
	if !execute {
		return New(cells), nil
	}
	return Execute(ctx, lessonPath, cells, nil)
}

// Check reports whether the notebook at nbPath has the cells (kinds and sources) of the lesson at
// lessonPath.
func Check(lessonPath, nbPath string) error {
	src, err := os.ReadFile(lessonPath)
	if err != nil {
		return err
	}
	cells, err := Parse(src)
	if err != nil {
		return fmt.Errorf("%s: %v", lessonPath, err)
	}
	nb, err := ReadNotebook(nbPath)
	if err != nil {
		return err
	}
	if err := SameSources(cells, nb); err != nil {
		return fmt.Errorf("%s is out of date with %s (run `notmagic notebook %s`): %v", nbPath, lessonPath, lessonPath, err)
	}
	return nil
}

// Lessons returns the lesson files (*.go) in dir, sorted.
func Lessons(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no lessons (*.go) in %s", dir)
	}
	return out, nil
}

// NotebookPath returns the notebook that a lesson becomes in outDir: the same base name with .ipynb.
func NotebookPath(lessonPath, outDir string) string {
	return filepath.Join(outDir, strings.TrimSuffix(filepath.Base(lessonPath), ".go")+".ipynb")
}

// Main is `notmagic notebook [flags] [LESSON.go ...]`: it turns lessons (default: every lessons/*.go)
// into notebooks in -o (default notebooks/), executing each through the interpreter session so the
// notebook stores its outputs. -quick sets NOTMAGIC_QUICK=1 (fewer training steps); -no-exec writes
// notebooks without outputs; -check writes nothing and fails when a notebook's cells differ from its
// lesson's.
func Main(args []string) error { return run(args, os.Stdout) }

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("notebook", flag.ContinueOnError)
	fs.SetOutput(stdout)
	out := fs.String("o", "notebooks", "output `dir`ectory")
	lessonsDir := fs.String("lessons", "lessons", "`dir`ectory of lessons used when no file is named")
	noExec := fs.Bool("no-exec", false, "write the notebooks without executing them (no outputs)")
	quick := fs.Bool("quick", false, "quick mode: set NOTMAGIC_QUICK=1 while executing")
	check := fs.Bool("check", false, "only check that the notebooks match their lessons")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up on a lesson after this long")
	fs.Usage = func() {
		fmt.Fprintln(stdout, "usage: notmagic notebook [flags] [LESSON.go ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		var err error
		if files, err = Lessons(*lessonsDir); err != nil {
			return err
		}
	}
	if *check {
		var bad []string
		for _, f := range files {
			if err := Check(f, NotebookPath(f, *out)); err != nil {
				bad = append(bad, err.Error())
			}
		}
		if len(bad) > 0 {
			return errors.New(strings.Join(bad, "\n"))
		}
		fmt.Fprintf(stdout, "%d notebooks match their lessons\n", len(files))
		return nil
	}
	if *quick {
		os.Setenv("NOTMAGIC_QUICK", "1")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		nb, err := Convert(ctx, f, !*noExec)
		cancel()
		if err != nil {
			var ce *CellError
			if errors.As(err, &ce) && ce.Trace != "" {
				return fmt.Errorf("%v\n%s", err, ce.Trace)
			}
			return err
		}
		if *quick {
			nb.Metadata["notmagic"] = map[string]any{"quick": true}
		}
		b, err := nb.Marshal()
		if err != nil {
			return err
		}
		path := NotebookPath(f, *out)
		if err := atomicfile.WriteFile(path, b); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s → %s (%d KB, %.1fs)\n", f, path, len(b)/1024, time.Since(start).Seconds())
	}
	return nil
}
