package nn

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs the checkpoint test's child process when asked (NOTMAGIC_KILL_SAVE); otherwise it
// recycles every gradient buffer, however small, and hands recycled buffers out filled with
// NaN, so that the gradient checks, the golden values and the training tests fail if an op reads an
// output it did not write or Backward recycles a gradient that is still in use. Benchmarks run with
// the production settings.
func TestMain(m *testing.M) {
	if p := os.Getenv("NOTMAGIC_KILL_SAVE"); p != "" {
		killSaveChild(p)
	}
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		poisonRecycled = true
	}
	os.Exit(m.Run())
}
