package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"github.com/notmagic/notmagic/kernel/runner"
	"github.com/notmagic/notmagic/kernel/session"
)

// runCmd is `notmagic run FILE|DIR [--out DIR] [--quiet] [--quick] [ARGS...]` (flags before or after
// FILE): a lesson or a Go package main file as a script, or every lesson of a folder. A script's
// os.Exit(n) becomes the process's exit status.
func runCmd(s Streams, args []string) error {
	fs := newFlags(s, "run", "usage: notmagic run FILE|DIR [--out DIR] [--quiet] [--quick] [ARGS...]\n\n"+
		"Runs a lesson (// %% cells) or a Go package main file; given a folder (e.g. lessons/), runs every\n"+
		"lesson in it in name order, each with a fresh interpreter, images under --out/<lesson>.")
	out := fs.String("out", "", "folder for images (default out/<file name>)")
	quiet := fs.Bool("quiet", false, "do not print markdown cells")
	quick := fs.Bool("quick", false, "quick mode: lessons take fewer steps (same as NOTMAGIC_QUICK=1)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errors.New("missing FILE")
	}
	file, rest := pos[0], pos[1:]
	if *quick {
		os.Setenv("NOTMAGIC_QUICK", "1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := runner.Config{OutDir: *out, Quiet: *quiet, Args: rest, Stdout: s.Out, Stderr: s.Err, Stdin: s.In}
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		return runner.RunDir(ctx, file, cfg)
	}
	err = runner.Run(ctx, file, cfg)
	if code, ok := session.ExitCode(err); ok {
		return exitStatus(code)
	}
	return err
}
