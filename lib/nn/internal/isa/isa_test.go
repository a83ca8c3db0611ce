package isa

import (
	"os"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
)

func TestParse(t *testing.T) {
	for _, f := range []Family{Generic, AVX2, AVX512, NEON} {
		g, err := Parse(f.String())
		if err != nil || g != f {
			t.Errorf("Parse(%q) = %v, %v", f.String(), g, err)
		}
	}
	if _, err := Parse("sse2"); err == nil || !strings.Contains(err.Error(), "generic, avx2, avx512 or neon") {
		t.Errorf("Parse(sse2): %v", err)
	}
}

// TestForceAndAllows forces each family this CPU runs and checks what Allows then lets run: the family
// itself and every narrower one the CPU has, nothing wider, nothing the CPU lacks.
func TestForceAndAllows(t *testing.T) {
	fams := CPU()
	if fams[0] != Generic {
		t.Fatalf("CPU() = %v: the portable family must come first", fams)
	}
	best := fams[len(fams)-1]
	if os.Getenv(Env) == "" && Active() != best {
		t.Fatalf("Active() = %v with %s unset; want the best, %v", Active(), Env, best)
	}
	for _, f := range fams {
		restore, err := Force(f.String())
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []Family{Generic, AVX2, AVX512, NEON} {
			want := g == Generic || (Supported(g) && g <= f)
			if Allows(g) != want {
				t.Errorf("forced %v: Allows(%v) = %v, want %v", f, g, Allows(g), want)
			}
		}
		restore()
	}
	for _, g := range []Family{AVX2, AVX512, NEON} {
		if !Supported(g) {
			if _, err := Force(g.String()); err == nil {
				t.Errorf("Force(%v) succeeded on a CPU without it", g)
			}
		}
	}
	if _, err := Force("bogus"); err == nil {
		t.Error("Force(bogus) succeeded")
	}
}

// TestEnv starts this test binary again with NOTMAGIC_KERNELS set and checks the family in force.
func TestEnv(t *testing.T) {
	if os.Getenv("ISA_TEST_CHILD") == "1" {
		os.Stdout.WriteString("active=" + Active().String() + "\n")
		return
	}
	cases := map[string]string{"nonsense": "ignored"}
	for _, f := range CPU() {
		cases[f.String()] = "active=" + f.String()
	}
	for env, want := range cases {
		cmd := testexec.Self("-test.run=^TestEnv$")
		cmd.Env = append(os.Environ(), "ISA_TEST_CHILD=1", Env+"="+env)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s=%s: %v\n%s", Env, env, err, out)
		}
	}
}
