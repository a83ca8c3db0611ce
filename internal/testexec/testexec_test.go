package testexec

import (
	"os"
	"strings"
	"testing"
)

func TestSelf(t *testing.T) {
	if os.Getenv("TESTEXEC_CHILD") == "1" {
		os.Stdout.WriteString("child ran\n")
		return
	}
	cmd := Self("-test.run=^TestSelf$")
	cmd.Env = append(os.Environ(), "TESTEXEC_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child ran") {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	t.Setenv(Env, "env A=1")
	if got := Self("-x").Args; strings.Join(got, " ") != "env A=1 "+os.Args[0]+" -x" {
		t.Errorf("wrapped command: %q", got)
	}
}
