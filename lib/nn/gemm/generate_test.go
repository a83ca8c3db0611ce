package gemm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyCurrent regenerates each architecture's assembly and compares it with the
// committed file (the generators run on any machine).
func TestGeneratedAssemblyCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generators with go run")
	}
	for gen, file := range map[string]string{"gen_amd64.go": "kernel_amd64.s", "gen_arm64.go": "kernel_arm64.s"} {
		out := filepath.Join(t.TempDir(), "k.s")
		if msg, err := exec.Command("go", "run", gen, out).CombinedOutput(); err != nil {
			t.Fatalf("go run %s: %v\n%s", gen, err, msg)
		}
		want, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what %s generates: run go generate ./lib/nn/gemm/", file, gen)
		}
	}
}
