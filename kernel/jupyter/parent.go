package jupyter

import "time"

// watchParent ends the kernel when the process that started it is gone, as ipykernel does: a kernel
// whose frontend died (killed, crashed) must not run on forever, least of all with a cell in `for {}`.
// The parent is the one Jupyter's launcher names in JPY_PARENT_PID (a process id on Unix, an inherited
// process handle on Windows) or else the process's parent; parentGone (per platform) says how to tell
// that it died, and watchParent asks it every poll. On Linux the parent's death also sends SIGTERM at
// once, which Serve handles. It returns when the kernel is done.
func watchParent(k *Kernel, poll time.Duration) {
	gone, who := parentGone()
	if gone == nil {
		return // no parent to outlive (init, a container's entry point) or none that can be watched
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-k.Done():
			return
		case <-t.C:
			if gone() {
				k.log.Printf("the parent process (%s) is gone: shutting down", who)
				k.Shutdown()
				return
			}
		}
	}
}
