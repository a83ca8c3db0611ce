//go:build !unix

package session

import (
	"log"
	"os"
)

// swapStd points os.Stdout (fd 1) or os.Stderr (fd 2), and the log package's output where it was that
// file, at w, taking ownership of w; undo points them back and closes w. Compiled code that reads
// os.Stdout when it writes (fmt.Println does) is captured this way on every platform; a file it took
// earlier is not.
func swapStd(fd int, w *os.File) (undo func()) {
	std := &os.Stdout
	if fd == 2 {
		std = &os.Stderr
	}
	prev := *std
	*std = w
	relog := log.Writer() == prev
	if relog {
		log.SetOutput(w)
	}
	return func() {
		*std = prev
		if relog && log.Writer() == w {
			log.SetOutput(prev)
		}
		w.Close()
	}
}

func stdFile(fd int) *os.File {
	if fd == 1 {
		return os.Stdout
	}
	return os.Stderr
}

// dupStderr returns os.Stderr as it is before any capture: the swap replaces the variable, never the
// file, so this one keeps writing to the process's standard error.
func dupStderr() (*os.File, error) { return os.Stderr, nil }
