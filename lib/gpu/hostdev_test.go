package gpu

// "hostcheck" is a second device for this package's tests on machines without a GPU: the seam's test
// double (nntest.Wrap), so the GPU comparison harness (op cases, autograd, moving a GPT and training
// it) runs end to end here and a mistake in the harness itself shows up before the scarce GPU run.

import (
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

var hostDev = nntest.Wrap("hostcheck")

func init() { nn.RegisterBackend(hostDev) }

// TestHarnessOnHostDevice runs the conformance suite against the host-memory double: every case must
// run and agree exactly, the GPT must move as a whole and train identically.
func TestHarnessOnHostDevice(t *testing.T) { nntest.Conformance(t, "hostcheck", true) }
