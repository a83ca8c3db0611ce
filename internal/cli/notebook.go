package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/notmagic/notmagic/kernel/notebook"
)

// notebookCmd is `notmagic notebook [flags] [LESSON.go ...]`: it turns lessons (default: every
// lessons/*.go) into notebooks in -o (default notebooks/), executing each through the interpreter
// session so the notebook stores its outputs — in the mode the lesson asks for (quick unless its header
// says `//notmagic:notebook full`), or in the one -quick or -full forces. -no-exec writes notebooks
// without outputs; -check writes nothing and fails when a notebook's cells differ from its lesson's.
func notebookCmd(s Streams, args []string) error {
	fs := newFlags(s, "notebook", "usage: notmagic notebook [flags] [LESSON.go ...]")
	out := fs.String("o", "notebooks", "output `dir`ectory")
	lessonsDir := fs.String("lessons", "lessons", "`dir`ectory of lessons used when no file is named")
	noExec := fs.Bool("no-exec", false, "write the notebooks without executing them (no outputs)")
	quick := fs.Bool("quick", false, "execute every lesson in quick mode (NOTMAGIC_QUICK=1), whatever it asks for")
	full := fs.Bool("full", false, "execute every lesson in full mode, whatever it asks for")
	check := fs.Bool("check", false, "only check that the notebooks match their lessons")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up on a lesson after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		var err error
		if files, err = notebook.Lessons(*lessonsDir); err != nil {
			return err
		}
	}
	if *check {
		var bad []string
		for _, f := range files {
			if err := notebook.Check(f, notebook.NotebookPath(f, *out)); err != nil {
				bad = append(bad, err.Error())
			}
		}
		if len(bad) > 0 {
			return errors.New(strings.Join(bad, "\n"))
		}
		fmt.Fprintf(s.Out, "%d notebooks match their lessons\n", len(files))
		return nil
	}
	if *quick && *full {
		return errors.New("choose at most one of -quick and -full")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		mode, err := notebook.LessonMode(f)
		if err != nil {
			return err
		}
		switch {
		case *quick:
			mode = "quick"
		case *full:
			mode = "full"
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		path, size, err := notebook.Write(ctx, f, *out, !*noExec, mode)
		cancel()
		if err != nil {
			var ce *notebook.CellError
			if errors.As(err, &ce) && ce.Trace != "" {
				return fmt.Errorf("%v\n%s", err, ce.Trace)
			}
			return err
		}
		fmt.Fprintf(s.Out, "%s → %s (%s mode, %d KB, %.1fs)\n", f, path, mode, size/1024, time.Since(start).Seconds())
	}
	return nil
}
