package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestBenchKernelFlags: bad flags are errors that name them, before any kernel starts (the
// measurement itself is tested in kernel/jupyter, where the test binary can act as the kernel).
func TestBenchKernelFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "0"}, "-n must be at least 1"},
		{[]string{"-soak", "-1"}, "-soak at least 0"},
		{[]string{"-interrupts", "-1"}, "-interrupts and -soak at least 0"},
		{[]string{"-ipykernel", "maybe"}, `-ipykernel is auto or off, not "maybe"`},
		{[]string{"-jupyter-client", "yes"}, `-jupyter-client is auto or off, not "yes"`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-cases", "1+1,graph"}, `unknown case "graph"`},
	} {
		var out, errOut bytes.Buffer
		err := benchCmd(Streams{Out: &out, Err: &errOut}, append([]string{"kernel"}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench kernel %v: %v, want an error with %q", c.args, err, c.want)
		}
		if out.Len() != 0 {
			t.Errorf("bench kernel %v printed %q", c.args, out.String())
		}
	}
}
