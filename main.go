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
//	notmagic gallery [DIR]               one example of every plot kind
//	notmagic version                     print the version
//
// The command line lives in internal/cli.
package main

import (
	"os"

	"github.com/notmagic/notmagic/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
