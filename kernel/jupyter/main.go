package jupyter

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/notmagic/notmagic/kernel/session"
)

// Main runs `notmagic kernel -f CONNECTION_FILE [--history-file FILE] [--verbose|--quiet]`: it serves Jupyter until a
// shutdown_request (or SIGTERM) and returns nil on a clean exit. SIGINT interrupts the running cell, as an
// interrupt_request does.
func Main(args []string) error {
	fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
	file := fs.String("f", "", "the connection file Jupyter wrote (required)")
	hist := fs.String("history-file", os.Getenv("NOTMAGIC_HISTORY_FILE"), "keep executed cells in this file across kernels")
	quiet := fs.Bool("quiet", false, "log nothing")
	verbose := fs.Bool("verbose", os.Getenv("NOTMAGIC_KERNEL_VERBOSE") == "1", "also log routine events (start, interrupts, shutdown)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		if fs.NArg() == 1 {
			*file = fs.Arg(0)
		} else {
			return fmt.Errorf("usage: notmagic kernel -f CONNECTION_FILE")
		}
	}
	ci, err := ReadConnectionFile(*file)
	if err != nil {
		return err
	}
	logger := log.New(logWriter(*quiet), "notmagic kernel: ", log.LstdFlags|log.Lmicroseconds)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	k, err := New(ci, Options{Log: logger, HistoryFile: *hist, Verbose: *verbose})
	if err != nil {
		return err
	}
	k.infof("listening on %s (session %s)", ci.Endpoint(ci.ShellPort), k.Session())
	if limits := session.CaptureLimits(); limits != "" {
		logger.Printf("note: %s", limits)
	}
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == os.Interrupt {
					k.Interrupt()
				} else {
					logger.Printf("%v: shutting down", s)
					k.Shutdown()
				}
			case <-k.Done():
				return
			}
		}
	}()
	restart := k.Wait()
	k.infof("stopped (restart=%v)", restart)
	return nil
}

// logWriter returns where the kernel logs: the original standard error, which the interpreter session's
// capture of cell output leaves alone.
func logWriter(quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return session.OriginalStderr()
}
