// Package runner implements `notmagic run FILE`: it runs a lesson (percent format, see package lesson)
// cell by cell, or a plain Go `package main` file (its main function), on the interpreter session,
// printing output to the terminal and writing images into an output folder.
//
// On an error the run stops and exits non-zero, naming the cell and the file line. NOTMAGIC_QUICK=1
// asks lessons to take fewer steps (display.Quick).
package runner

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/notmagic/notmagic/kernel/lesson"
	"github.com/notmagic/notmagic/kernel/session"
	"github.com/notmagic/notmagic/kernel/terminal"
)

// Config configures Run.
type Config struct {
	OutDir         string    // images folder; default out/<file name without extension>
	Quiet          bool      // do not print markdown cells
	Args           []string  // extra program arguments (os.Args[1:] in the script)
	Stdout, Stderr io.Writer // where text goes (the session's compiled code writes to the process's own fds)
	Stdin          io.Reader
}

// CellError is a failed cell of a run.
type CellError struct {
	File string
	Cell int // 1-based index among code cells (0 for a plain Go file)
	Line int // the file line of the failure (where the cell starts when the error does not say)
	Err  *session.Error
}

func (e *CellError) Error() string {
	if e.Cell == 0 {
		return fmt.Sprintf("%s: %s: %s", e.File, e.Err.Name, e.Err.Value)
	}
	return fmt.Sprintf("%s: cell %d (line %d): %s: %s", e.File, e.Cell, e.Line, e.Err.Name, e.Err.Value)
}

// Unwrap returns the session error.
func (e *CellError) Unwrap() error { return e.Err }

// Run runs file to the end or to its first error.
func Run(ctx context.Context, file string, cfg Config) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.OutDir == "" {
		base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		cfg.OutDir = filepath.Join("out", base)
	}
	tty := terminal.IsTerminal(cfg.Stdout)
	term := terminal.New(cfg.Stdout, cfg.Stderr, cfg.Stdin, tty)
	s, err := session.New(session.Options{
		ImageDir: cfg.OutDir,
		Stdin:    cfg.Stdin,
		Direct:   cfg.Stdout == os.Stdout && cfg.Stderr == os.Stderr, // else capture into cfg's writers
		Script:   true,
		Args:     append([]string{file}, cfg.Args...),
	})
	if err != nil {
		return err
	}
	defer s.Close()

	if !lesson.IsLesson(src) {
		return runPlain(ctx, s, file, src, term)
	}
	cells, err := lesson.Parse(src)
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	n := 0
	for _, c := range cells {
		if c.Markdown {
			if !cfg.Quiet && c.Source != "" {
				term.Markdown(c.Source)
			}
			continue
		}
		n++
		if strings.TrimSpace(c.Source) == "" {
			continue
		}
		res, err := s.ExecuteSource(ctx, c.Source, term, session.Source{Name: file, Line: c.Line})
		term.EndCell()
		if err != nil {
			return cellError(file, n, c.Line, err, term)
		}
		term.Result(res)
	}
	return nil
}

// runPlain runs a Go package main file: its declarations, then main().
func runPlain(ctx context.Context, s *session.Session, file string, src []byte, term *terminal.Output) error {
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.PackageClauseOnly)
	if err != nil {
		return fmt.Errorf("%s is neither a lesson (no // %%%% cells) nor Go source: %v", file, err)
	}
	if f.Name.Name != "main" {
		return fmt.Errorf("%s: package %s: a Go file to run must be package main", file, f.Name.Name)
	}
	if _, err := s.ExecuteSource(ctx, string(src), term, session.Source{Name: file, Line: 1}); err != nil {
		return cellError(file, 0, 1, err, term)
	}
	if !hasMain.Match(src) {
		return fmt.Errorf("%s: no func main()", file)
	}
	_, err = s.ExecuteSource(ctx, "main()", term, session.Source{Name: file + " (main)", Line: 1})
	term.EndCell()
	if err != nil {
		return cellError(file, 0, 1, err, term)
	}
	return nil
}

var hasMain = regexp.MustCompile(`(?m)^func main\(\)`)

func cellError(file string, n, line int, err error, term *terminal.Output) error {
	var e *session.Error
	if !errors.As(err, &e) {
		return err
	}
	if _, ok := session.ExitCode(e); ok {
		return e
	}
	term.Error(e)
	if e.Line > 0 {
		line = e.Line
	}
	return &CellError{File: file, Cell: n, Line: line, Err: e}
}

// RunDir runs every lesson (*.go) of dir in name order, each in a fresh session, and reports which failed.
// With cfg.OutDir set, each lesson's images go to OutDir/<lesson>.
func RunDir(ctx context.Context, dir string, cfg Config) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no .go files to run", dir)
	}
	sort.Strings(files)
	var failed []string
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := strings.TrimSuffix(filepath.Base(f), ".go")
		c := cfg
		if cfg.OutDir != "" {
			c.OutDir = filepath.Join(cfg.OutDir, name)
		}
		fmt.Fprintf(cfg.Stdout, "\n════ %s ════\n", f)
		start := time.Now()
		if err := Run(ctx, f, c); err != nil {
			fmt.Fprintf(cfg.Stderr, "%s failed after %.1fs: %v\n", f, time.Since(start).Seconds(), err)
			failed = append(failed, f)
			continue
		}
		fmt.Fprintf(cfg.Stdout, "──── %s: ok in %.1fs\n", f, time.Since(start).Seconds())
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d lessons failed: %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	fmt.Fprintf(cfg.Stdout, "\nall %d lessons ran\n", len(files))
	return nil
}
