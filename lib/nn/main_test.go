package nn

import (
	"flag"
	"os"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/internal/isa"
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

// forEachFamily runs test once for every kernel family this CPU can run (isa.CPU: the portable Go path
// first, then AVX2, AVX-512 or NEON where present), each as a subtest named by the family, with the
// elementwise kernels forced to that family. The GEMM keeps the kernel chosen at start-up
// (NOTMAGIC_KERNELS=generic go test puts it on the portable path too).
func forEachFamily(t *testing.T, test func(t *testing.T)) {
	for _, f := range isa.CPU() {
		t.Run(f.String(), func(t *testing.T) {
			restore, err := isa.Force(f.String())
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			test(t)
		})
	}
}
