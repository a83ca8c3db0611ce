package session

import (
	"os"
	"strings"
	"testing"
)

// The README's known-limits list is the one the REPL's :help prints: keep them the same.
func TestReadmeListsKnownLimits(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range KnownLimits() {
		if !strings.Contains(string(b), "- "+l) {
			t.Errorf("README.md's known limits lack: %s", l)
		}
	}
}
