package cli

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/notmagic/notmagic/kernel/jupyter"
	"github.com/notmagic/notmagic/kernel/session"
)

// kernelCmd is `notmagic kernel -f CONNECTION_FILE [--history-file FILE] [--verbose|--quiet]
// [--cpuprofile FILE]`, what Jupyter starts: it serves the connection until a shutdown_request (or
// SIGTERM); SIGINT interrupts the running cell.
func kernelCmd(s Streams, args []string) error {
	fs := newFlags(s, "kernel", "usage: notmagic kernel -f CONNECTION_FILE [--history-file FILE] [--verbose|--quiet] [--cpuprofile FILE] [--memprofile FILE]")
	file := fs.String("f", "", "the connection file Jupyter wrote (required)")
	hist := fs.String("history-file", os.Getenv("NOTMAGIC_HISTORY_FILE"), "keep executed cells in this file across kernels")
	quiet := fs.Bool("quiet", false, "log nothing")
	verbose := fs.Bool("verbose", os.Getenv("NOTMAGIC_KERNEL_VERBOSE") == "1", "also log routine events (start, interrupts, shutdown)")
	profile := fs.String("cpuprofile", "", "write a pprof CPU profile of the whole session to this file (at shutdown)")
	memProfile := fs.String("memprofile", "", "write a pprof heap profile to this file when the kernel shuts down, before it lets go of the session (after a collection)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startCPUProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var beforeClose func()
	if *memProfile != "" {
		runtime.MemProfileRate = 4096 // fine enough to attribute a few KB a cell
		beforeClose = func() { writeHeapProfile(s, *memProfile) }
	}
	if *file == "" {
		if fs.NArg() != 1 {
			return errors.New("usage: notmagic kernel -f CONNECTION_FILE")
		}
		*file = fs.Arg(0)
	}
	ci, err := jupyter.ReadConnectionFile(*file)
	if err != nil {
		return err
	}
	// The log goes to the original standard error, which the capture of cell output leaves alone.
	var w io.Writer = io.Discard
	if !*quiet {
		w = session.OriginalStderr()
	}
	logger := log.New(w, "notmagic kernel: ", log.LstdFlags|log.Lmicroseconds)
	return jupyter.Serve(ci, jupyter.Options{Log: logger, HistoryFile: *hist, Verbose: *verbose, BeforeClose: beforeClose})
}

// installCmd is `notmagic install [--user|--sys-prefix|--prefix DIR|--kernels-dir DIR] [--name N]
// [--display-name S]`: it writes the kernelspec and prints where.
func installCmd(s Streams, args []string) error {
	fs := newFlags(s, "install", "usage: notmagic install [--user|--sys-prefix|--prefix DIR|--kernels-dir DIR] [--name N] [--display-name S]")
	var o jupyter.InstallOptions
	fs.Bool("user", true, "install for the current user (the default)")
	fs.BoolVar(&o.SysPrefix, "sys-prefix", false, "install into $VIRTUAL_ENV, $CONDA_PREFIX or /usr/local (share/jupyter/kernels)")
	fs.StringVar(&o.Prefix, "prefix", "", "install into `DIR`/share/jupyter/kernels")
	fs.StringVar(&o.KernelsDir, "kernels-dir", "", "install into this kernels `DIR` directly")
	fs.StringVar(&o.Name, "name", "notmagic", "kernel `name` (folder name)")
	fs.StringVar(&o.DisplayName, "display-name", "Go (notmagic)", "name shown in the frontend")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Name == "" {
		return errors.New("--name must not be empty")
	}
	dir, err := jupyter.Install(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Installed kernelspec %s (%q) in %s\n", o.Name, o.DisplayName, dir)
	return nil
}

// writeHeapProfile writes the live heap, after a collection, to path; a failure is reported on s.Err.
func writeHeapProfile(s Streams, path string) {
	f, err := os.Create(path)
	if err == nil {
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(s.Err, "notmagic kernel: --memprofile: %v\n", err)
	}
}
