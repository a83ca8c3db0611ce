// Package cli is the notmagic command line: every subcommand's flags, usage text and exit status, written
// one way. A subcommand is a Command whose Run gets the process's streams and the arguments after its
// name; the work itself is done by the packages it calls (kernel/jupyter, kernel/repl, kernel/runner,
// kernel/notebook, plots, lib/nn and lib/nn/gemm).
//
// Flags accept one or two dashes (--iters or -iters); -h prints a command's usage and exits 0.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Version is the release of this build.
const Version = "0.1.0-dev"

// Streams are a command's standard input, output and error (tests pass buffers).
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Command is one subcommand of the notmagic binary.
type Command struct {
	Name, Summary string
	Run           func(s Streams, args []string) error
}

// Commands lists the subcommands in the order the usage text shows them.
func Commands() []Command {
	return []Command{
		{"kernel", "run the Jupyter kernel (started by Jupyter with -f CONNECTION_FILE)", kernelCmd},
		{"install", "install the Jupyter kernelspec", installCmd},
		{"repl", "start an interactive Go session in the terminal", replCmd},
		{"run", "run a lesson (percent format) or a Go file as a script", runCmd},
		{"notebook", "generate notebooks/ from lessons/", notebookCmd},
		{"train", "train a GPT on a text file", trainCmd},
		{"sample", "generate text from a checkpoint", sampleCmd},
		{"bench", "benchmarks: bench gpt | bench matmul | bench kernel", benchCmd},
		{"gallery", "write one example of every plot kind to a folder", galleryCmd},
		{"version", "print the version", func(s Streams, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected argument %q", args[0])
			}
			fmt.Fprintln(s.Out, "notmagic", Version)
			return nil
		}},
	}
}

// Main runs the command line args (without the program's name) and returns the process's exit status:
// 0 on success, 1 when the command failed (its error is printed to s.Err), 2 for a usage error, or
// the status a script asked for with os.Exit.
func Main(args []string, s Streams) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(s.Err)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range Commands() {
		if c.Name != args[0] {
			continue
		}
		err := c.Run(s, args[1:])
		var status exitStatus
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp): // -h printed the command's usage
			return 0
		case errors.As(err, &status):
			return int(status)
		}
		fmt.Fprintf(s.Err, "notmagic %s: %v\n", c.Name, err)
		return 1
	}
	fmt.Fprintf(s.Err, "notmagic: unknown command %q\n\n", args[0])
	usage(s.Err)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: notmagic COMMAND [ARGS]\n\ncommands:")
	for _, c := range Commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Summary)
	}
}

// exitStatus is an error that ends the process with a status and no message (a script's os.Exit(n)).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// newFlags returns the flag set of the command called name: errors and -h go to s.Err, as the usage
// line(s) of usage followed by the flags' defaults.
func newFlags(s Streams, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.Err)
	fs.Usage = func() {
		fmt.Fprintln(s.Err, strings.TrimRight(usage, "\n"))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs and rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	return nil
}

// parseInterspersed parses args into fs, allowing flags before and after the positional arguments,
// and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, nil
}
