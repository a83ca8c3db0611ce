package jupyter

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/notmagic/notmagic/kernel/session"
)

// Serve runs a kernel on the connection ci until a shutdown_request (or SIGTERM) and returns nil on a
// clean exit; SIGINT interrupts the running cell, as an interrupt_request does. It is what
// `notmagic kernel -f CONNECTION_FILE` runs.
func Serve(ci *ConnectionInfo, opts Options) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	k, err := New(ci, opts)
	if err != nil {
		return err
	}
	k.infof("listening on %s (session %s)", ci.Endpoint(ci.ShellPort), k.Session())
	if limits := session.CaptureLimits(); limits != "" {
		k.log.Printf("note: %s", limits)
	}
	go watchParent(k, time.Second)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == os.Interrupt {
					k.Interrupt()
				} else {
					k.log.Printf("%v: shutting down", s)
					k.Shutdown()
				}
			case <-k.Done():
				return
			}
		}
	}()
	restart := k.Wait()
	k.infof("stopped (restart=%v)", restart)
	return k.Err()
}
