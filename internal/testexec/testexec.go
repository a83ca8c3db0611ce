// Package testexec lets a test start its own binary again as a child process, also where the tests run
// under an emulator (go test -exec 'qemu-aarch64-static …'), which the child needs as much as the parent:
// the NOTMAGIC_TEST_EXEC environment variable holds that command, split at spaces.
package testexec

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Env names the environment variable that holds the command the test binary runs under, if any.
const Env = "NOTMAGIC_TEST_EXEC"

// Self returns a command that runs this binary (os.Args[0]) with args, under the command in Env when set.
func Self(args ...string) *exec.Cmd {
	wrap := strings.Fields(os.Getenv(Env))
	if len(wrap) == 0 {
		return exec.Command(os.Args[0], args...)
	}
	return exec.Command(wrap[0], append(append(wrap[1:], os.Args[0]), args...)...)
}

// RequireNetwork ends a test whose fetch through the Go module proxy failed with err: it fails when
// NOTMAGIC_REQUIRE_NETWORK is set (CI, where the proxy is reachable) and skips otherwise (offline).
func RequireNetwork(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("NOTMAGIC_REQUIRE_NETWORK") != "" {
		t.Fatalf("fetching modules failed (NOTMAGIC_REQUIRE_NETWORK is set): %v", err)
	}
	t.Skipf("fetching modules failed; offline? (set NOTMAGIC_REQUIRE_NETWORK to make this fail): %v", err)
}
