package gpu

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// haveClang reports whether clang-16 is on PATH; CI installs it, so the PTX checks run there.
func haveClang(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("clang-16"); err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_CLANG") == "1" {
			t.Fatal("NOTMAGIC_REQUIRE_CLANG=1 but clang-16 is not on PATH")
		}
		t.Skip("clang-16 not installed; the committed PTX cannot be regenerated here")
	}
}

// TestPTXCurrent regenerates the PTX from kernels/*.cu with scripts/gpu/ptx.sh and checks that the
// committed (embedded) files are the same, so a kernel edit without regenerating fails.
// PTX from another build of clang-16 (the committed files name theirs on their first line) may
// differ in its bytes, so then the test skips, or fails under NOTMAGIC_REQUIRE_CLANG=1.
func TestPTXCurrent(t *testing.T) {
	haveClang(t)
	v, err := exec.Command("clang-16", "--version").Output()
	if err != nil {
		t.Fatalf("clang-16 --version: %v", err)
	}
	local := "// " + strings.SplitN(string(v), "\n", 2)[0]
	nnPTX, _ := ptxFS.ReadFile("kernels/nn.ptx")
	if made := strings.SplitN(string(nnPTX), "\n", 2)[0]; made != local {
		msg := fmt.Sprintf("the committed PTX was made by %q, this machine has %q", made, local)
		if os.Getenv("NOTMAGIC_REQUIRE_CLANG") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", "../../scripts/gpu/ptx.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/gpu/ptx.sh failed: %v\n%s", err, out)
	}
	sources, _ := filepath.Glob("kernels/*.cu")
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.ptx"))
	committed, _ := filepath.Glob("kernels/*.ptx")
	if len(fresh) != len(sources) || len(committed) != len(sources) {
		t.Fatalf("%d .cu sources, %d regenerated and %d committed .ptx files", len(sources), len(fresh), len(committed))
	}
	for _, f := range fresh {
		name := filepath.Base(f)
		want, _ := os.ReadFile(f)
		got, err := ptxFS.ReadFile("kernels/" + name)
		if err != nil {
			t.Errorf("kernels/%s is not embedded: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kernels/%s is stale: its source changed; run scripts/gpu/ptx.sh and commit the result", name)
		}
	}
}

// TestKernelEntries checks that the embedded PTX defines every kernel the Go code launches, exactly
// once, that no entry goes unused, and that the PTX is self-contained and loadable by the drivers the
// design targets (sm ≤ 80, PTX ISA ≤ 9.0, no calls to functions defined elsewhere such as libdevice).
func TestKernelEntries(t *testing.T) {
	mods, err := ptxModules()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) == 0 {
		t.Fatal("no PTX embedded")
	}
	if _, err := kernelModules(mods); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, n := range kernelNames {
		used[n] = true
	}
	version := regexp.MustCompile(`(?m)^\.version (\d+)\.(\d+)$`)
	target := regexp.MustCompile(`(?m)^\.target sm_(\d+)$`)
	for _, m := range mods {
		for _, e := range m.entries {
			if !used[e] {
				t.Errorf("%s: entry %s is not in the kernel table (dead kernel, or the table lacks it)", m.name, e)
			}
		}
		v := version.FindStringSubmatch(m.text)
		if v == nil {
			t.Errorf("%s: no .version line", m.name)
		} else if major, _ := strconv.Atoi(v[1]); major > 9 {
			t.Errorf("%s: PTX ISA %s.%s is newer than 9.0", m.name, v[1], v[2])
		}
		if s := target.FindStringSubmatch(m.text); s == nil {
			t.Errorf("%s: no .target sm_XX line", m.name)
		} else if sm, _ := strconv.Atoi(s[1]); sm > 80 {
			t.Errorf("%s: targets sm_%d, newer than sm_80", m.name, sm)
		}
		if strings.Contains(m.text, ".extern") {
			t.Errorf("%s: references an external symbol (libdevice is not linked; write the math in common.h)", m.name)
		}
	}
}

func TestKernelModulesReportsProblems(t *testing.T) {
	mods := []ptxModule{{name: "a.ptx", entries: []string{"nm_axpy", "nm_unary"}}, {name: "b.ptx", entries: []string{"nm_axpy"}}}
	_, err := kernelModules(mods)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"nm_axpy is defined more than once", "nm_sgemm is missing", "scripts/gpu/ptx.sh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestPTXEntries(t *testing.T) {
	text := "//\n.visible .entry nm_a(\n\t.param .u64 x\n)\n.entry nm_b (\n.func helper(\n"
	got := ptxEntries(text)
	if fmt.Sprint(got) != "[nm_a nm_b]" {
		t.Fatalf("ptxEntries = %v", got)
	}
}

// TestDeviceMathOnHost compiles the kernels' float32 math (kernels/common.h) for the host with clang
// and compares it with Go's float64 math on many inputs: exp, log, tanh, erfc and GELU are written
// out by hand (no libdevice), so this is where their accuracy is checked without a GPU.
func TestDeviceMathOnHost(t *testing.T) {
	if _, err := exec.LookPath("clang++-16"); err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_CLANG") == "1" {
			t.Fatal("NOTMAGIC_REQUIRE_CLANG=1 but clang++-16 is not on PATH")
		}
		t.Skip("clang++-16 not installed")
	}
	bin := filepath.Join(t.TempDir(), "mathcheck")
	if out, err := exec.Command("clang++-16", "-O2", "-o", bin, "testdata/mathcheck.cpp").CombinedOutput(); err != nil {
		t.Fatalf("compiling testdata/mathcheck.cpp: %v\n%s", err, out)
	}
	type fn struct {
		name   string
		ref    func(x, p float64) float64
		gen    func(r *rand.Rand) (float64, float64)
		relTol float64 // relative to max(|ref|, floor)
		floor  float64
	}
	normal := func(s float64) func(r *rand.Rand) (float64, float64) {
		return func(r *rand.Rand) (float64, float64) { return r.NormFloat64() * s, 0 }
	}
	uniform := func(lo, hi float64) func(r *rand.Rand) (float64, float64) {
		return func(r *rand.Rand) (float64, float64) { return lo + (hi-lo)*r.Float64(), 0 }
	}
	logUniform := func(r *rand.Rand) (float64, float64) { e, _ := uniform(-80, 80)(r); return math.Exp(e), 0 }
	phi := func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
	fns := []fn{
		{"exp", func(x, _ float64) float64 { return math.Exp(x) }, uniform(-100, 88), 4e-7, 0},
		{"expm1", func(x, _ float64) float64 { return math.Expm1(x) }, normal(1), 4e-7, 0},
		{"log", func(x, _ float64) float64 { return math.Log(x) }, logUniform, 4e-7, 1e-7},
		{"log", func(x, _ float64) float64 { return math.Log(x) }, uniform(0.5, 2), 4e-7, 1e-7},
		{"tanh", func(x, _ float64) float64 { return math.Tanh(x) }, normal(3), 4e-7, 0},
		{"sigmoid", func(x, _ float64) float64 { return 1 / (1 + math.Exp(-x)) }, normal(10), 4e-7, 0},
		{"erfc", func(x, _ float64) float64 { return math.Erfc(x) }, normal(2), 3e-6, 0},
		{"gelu", func(x, _ float64) float64 { return x * phi(x) }, normal(3), 1e-5, 0},
		{"gelu_grad", func(x, _ float64) float64 { return phi(x) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi) }, normal(3), 3e-6, 0.05}, // crosses 0 near x = −0.75
		{"pow", math.Pow, func(r *rand.Rand) (float64, float64) { return math.Exp(r.NormFloat64()), r.NormFloat64() * 3 }, 2e-6, 0},
		{"pow", math.Pow, func(r *rand.Rand) (float64, float64) { return r.NormFloat64() * 2, float64(r.IntN(7) - 3) }, 2e-6, 0},
	}
	r := rand.New(rand.NewPCG(1, 2))
	type query struct {
		f    fn
		x, p float32
	}
	var qs []query
	var in strings.Builder
	for _, f := range fns {
		for i := 0; i < 3000; i++ {
			x, p := f.gen(r)
			q := query{f, float32(x), float32(p)}
			qs = append(qs, q)
			fmt.Fprintf(&in, "%s %s %s\n", f.name, strconv.FormatFloat(float64(q.x), 'x', -1, 32), strconv.FormatFloat(float64(q.p), 'x', -1, 32))
		}
	}
	// Special values.
	specials := []query{
		{fns[0], float32(math.Inf(-1)), 0}, {fns[0], float32(math.NaN()), 0}, {fns[0], 89, 0}, {fns[0], -104, 0},
		{fns[2], 0, 0}, {fns[2], -1, 0}, {fns[2], float32(math.Inf(1)), 0}, {fns[2], 1e-40, 0}, {fns[2], 1, 0},
		{fns[4], 30, 0}, {fns[4], -30, 0}, {fns[4], 1e-20, 0},
		{fns[9], 0, 2}, {fns[9], 0, -1}, {fns[9], -2, 3}, {fns[9], -2, 0.5}, {fns[9], 4, 0.5},
	}
	for _, q := range specials {
		qs = append(qs, q)
		fmt.Fprintf(&in, "%s %s %s\n", q.f.name, strconv.FormatFloat(float64(q.x), 'x', -1, 32), strconv.FormatFloat(float64(q.p), 'x', -1, 32))
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mathcheck: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	worst := map[string]float64{}
	i := 0
	for sc.Scan() {
		bits, err := strconv.ParseUint(sc.Text(), 16, 32)
		if err != nil || i >= len(qs) {
			t.Fatalf("bad output line %d: %q", i, sc.Text())
		}
		q := qs[i]
		i++
		got := float64(math.Float32frombits(uint32(bits)))
		want := float64(float32(q.f.ref(float64(q.x), float64(q.p))))
		switch {
		case math.IsNaN(want):
			if !math.IsNaN(got) {
				t.Errorf("%s(%v, %v) = %v, want NaN", q.f.name, q.x, q.p, got)
			}
			continue
		case math.IsInf(want, 0) || want == 0:
			if got != want {
				t.Errorf("%s(%v, %v) = %v, want %v", q.f.name, q.x, q.p, got, want)
			}
			continue
		case math.IsNaN(got):
			t.Errorf("%s(%v, %v) = NaN, want %v", q.f.name, q.x, q.p, want)
			continue
		}
		scale := math.Max(math.Abs(want), q.f.floor)
		if scale < 1e-37 { // float32 denormals: compare absolutely
			scale = 1e-37
		}
		rel := math.Abs(got-want) / scale
		key := q.f.name
		worst[key] = math.Max(worst[key], rel)
		if rel > q.f.relTol {
			t.Errorf("%s(%v, %v) = %v, want %v (relative error %.2g > %.2g)", q.f.name, q.x, q.p, got, want, rel, q.f.relTol)
		}
	}
	if i != len(qs) {
		t.Fatalf("mathcheck answered %d of %d queries", i, len(qs))
	}
	var keys []string
	for k := range worst {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-10s worst relative error %.3g", k, worst[k])
	}
}
