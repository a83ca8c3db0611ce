// Command notmagic is a Go notebook kernel that shows that generative AI is not magic:
// it is wx+b, a loss, backpropagation and attention, repeated at scale.
//
// One binary serves every role:
//
//	notmagic kernel -f CONNECTION_FILE   the Jupyter kernel (Jupyter starts it)
//	notmagic install [flags]             write the Jupyter kernelspec
//	notmagic repl                        an interactive Go session in the terminal
//	notmagic run FILE                    run a lesson or a Go file as a script
//	notmagic notebook [flags]            turn lessons into notebooks
//	notmagic train / sample / bench      train a GPT, sample from it, measure speed
//	notmagic version                     print the version
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/notmagic/notmagic/internal/gptcmd"
	"github.com/notmagic/notmagic/kernel/jupyter"
	"github.com/notmagic/notmagic/kernel/notebook"
	"github.com/notmagic/notmagic/kernel/repl"
	"github.com/notmagic/notmagic/kernel/runner"
	"github.com/notmagic/notmagic/plots"
)

// version is the release of this build.
const version = "0.1.0-dev"

// command is one subcommand of the binary.
type command struct {
	name, summary string
	run           func(args []string) error // nil: not available in this build yet
}

func commands() []command {
	return []command{
		{"kernel", "run the Jupyter kernel (started by Jupyter with -f CONNECTION_FILE)", jupyter.Main},
		{"install", "install the Jupyter kernelspec", jupyter.InstallMain},
		{"repl", "start an interactive Go session in the terminal", repl.Main},
		{"run", "run a lesson (percent format) or a Go file as a script", runner.Main},
		{"notebook", "generate notebooks/ from lessons/", notebook.Main},
		{"train", "train a GPT on a text file", gptcmd.Train},
		{"sample", "generate text from a checkpoint", gptcmd.Sample},
		{"bench", "benchmarks: bench gpt | bench matmul", gptcmd.Bench},
		{"gallery", "write one example of every plot kind to a folder", plots.GalleryMain},
		{"version", "print the version", func([]string) error { fmt.Println("notmagic", version); return nil }},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: notmagic COMMAND [ARGS]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	name := os.Args[1]
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		if c.run == nil {
			fmt.Fprintf(os.Stderr, "notmagic %s: not available in this build yet\n", name)
			os.Exit(2)
		}
		if err := c.run(os.Args[2:]); errors.Is(err, flag.ErrHelp) {
			return // -h printed the command's usage
		} else if err != nil {
			fmt.Fprintf(os.Stderr, "notmagic %s: %v\n", name, err)
			os.Exit(1)
		}
		return
	}
	fmt.Fprintf(os.Stderr, "notmagic: unknown command %q\n\n", name)
	usage()
	os.Exit(2)
}
