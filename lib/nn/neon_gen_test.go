package nn

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNEONGenerated regenerates neon_arm64.s and compares it with the committed file.
func TestNEONGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with go run")
	}
	out := filepath.Join(t.TempDir(), "neon.s")
	if msg, err := exec.Command("go", "run", "gen_neon_arm64.go", out).CombinedOutput(); err != nil {
		t.Fatalf("go run gen_neon_arm64.go: %v\n%s", err, msg)
	}
	want, _ := os.ReadFile(out)
	got, err := os.ReadFile("neon_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("neon_arm64.s is not what gen_neon_arm64.go generates: run go generate ./lib/nn/")
	}
}

// TestNEONEncodings assembles, with clang, the instruction that the comment of each WORD directive of
// neon_arm64.s names, and checks that the words are the same: the hand-encoded NEON instructions are
// the ones they claim to be. (Their results are checked under emulation by the GELU and AdamW tests.)
func TestNEONEncodings(t *testing.T) {
	if _, err := exec.LookPath("clang-16"); err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_CLANG") == "1" {
			t.Fatal("NOTMAGIC_REQUIRE_CLANG=1 but clang-16 is not on PATH")
		}
		t.Skip("clang-16 not installed")
	}
	src, err := os.ReadFile("neon_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`WORD \$0x([0-9a-f]{8}) // ([^\n]+)`)
	var words []uint32
	var asm strings.Builder
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, _ := strconv.ParseUint(m[1], 16, 32)
		words = append(words, uint32(v))
		fmt.Fprintln(&asm, m[2])
	}
	if len(words) < 20 {
		t.Fatalf("only %d WORD directives found", len(words))
	}
	dir := t.TempDir()
	s, o := filepath.Join(dir, "w.s"), filepath.Join(dir, "w.o")
	os.WriteFile(s, []byte(asm.String()), 0o644)
	if msg, err := exec.Command("clang-16", "--target=aarch64-linux-gnu", "-c", s, "-o", o).CombinedOutput(); err != nil {
		t.Fatalf("clang-16: %v\n%s", err, msg)
	}
	f, err := elf.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, err := f.Section(".text").Data()
	if err != nil {
		t.Fatal(err)
	}
	if len(text) != 4*len(words) {
		t.Fatalf("clang made %d bytes for %d instructions", len(text), len(words))
	}
	lines := strings.Split(strings.TrimSpace(asm.String()), "\n")
	for i, want := range words {
		if got := binary.LittleEndian.Uint32(text[4*i:]); got != want {
			t.Errorf("%s: WORD $0x%08x, clang encodes 0x%08x", lines[i], want, got)
		}
	}
	t.Logf("%d hand-encoded instructions match clang's encoding", len(words))
}
