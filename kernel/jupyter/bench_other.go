//go:build !unix

package jupyter

import "os/exec"

// newProcessGroup is a no-op where processes have no Unix process groups.
func newProcessGroup(*exec.Cmd) {}
