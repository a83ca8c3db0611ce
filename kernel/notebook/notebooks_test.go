package notebook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/notmagic/notmagic/internal/testexec"
	"github.com/notmagic/notmagic/kernel/modules"
)

// notebooksDir holds the stored notebooks, relative to this package; examplesDir and exampleNotebooksDir
// the examples beside the course and their notebooks.
const (
	notebooksDir        = "../../notebooks"
	examplesDir         = "../../examples"
	exampleNotebooksDir = "../../notebooks/examples"
)

// TestNotebooksInSync regenerates every notebook (without executing it) into a temporary folder with
// `notmagic notebook`'s code and checks that the stored notebooks in notebooks/ have the same cells, that
// no notebook lacks its lesson, that each stored notebook carries outputs, and that all of them together
// stay under 15 MB.
func TestNotebooksInSync(t *testing.T) {
	files, err := Lessons(lessonsDir)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, f := range files {
		if _, _, err := Write(context.Background(), f, tmp, false, "quick"); err != nil {
			t.Fatal(err)
		}
	}
	total := int64(0)
	for _, f := range files {
		fresh, err := ReadNotebook(NotebookPath(f, tmp))
		if err != nil {
			t.Fatal(err)
		}
		storedPath := NotebookPath(f, notebooksDir)
		stored, err := ReadNotebook(storedPath)
		if err != nil {
			t.Errorf("%v (run `notmagic notebook %s`)", err, f)
			continue
		}
		if err := SameSources(fresh.Sources(), stored); err != nil {
			t.Errorf("%s is out of date with %s (run `notmagic notebook %s`): %v", storedPath, f, f, err)
		}
		// Stored in the mode the lesson asks for: a lesson whose text describes a full run must show one.
		want, err := LessonMode(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := StoredMode(stored); got != want {
			t.Errorf("%s was executed in %q mode; its lesson asks for %q (run `notmagic notebook %s`)", storedPath, got, want, f)
		}
		outputs := 0
		for _, c := range stored.Cells {
			outputs += len(c.Outputs)
		}
		if outputs == 0 {
			t.Errorf("%s has no outputs: generate it with execution", storedPath)
		}
		if err := Check(f, storedPath); err != nil {
			t.Error(err)
		}
		if st, err := os.Stat(storedPath); err == nil {
			total += st.Size()
		}
	}
	stored, _ := filepath.Glob(filepath.Join(notebooksDir, "*.ipynb"))
	for _, nb := range stored {
		lesson := filepath.Join(lessonsDir, strings.TrimSuffix(filepath.Base(nb), ".ipynb")+".go")
		if _, err := os.Stat(lesson); err != nil {
			t.Errorf("%s has no lesson %s", nb, lesson)
		}
	}
	if total > 15<<20 {
		t.Errorf("notebooks/ holds %.1f MB, over the 15 MB budget", float64(total)/(1<<20))
	}
	t.Logf("%d notebooks, %.1f MB", len(stored), float64(total)/(1<<20))
}

// TestStoredPayoff checks the climax of the stored course: lesson 10's notebook, executed in full mode,
// ends with a final training loss of at most 1.7 nats per character (a model that writes Go-shaped text;
// the quick run stops near 2.7).
func TestStoredPayoff(t *testing.T) {
	nb, err := ReadNotebook(filepath.Join(notebooksDir, "10_training_gpt.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	var loss float64
	found := false
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			text := joinSource(o.Text)
			if i := strings.Index(text, "final train loss "); i >= 0 {
				if _, err := fmt.Sscanf(text[i:], "final train loss %f", &loss); err == nil {
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatal(`lesson 10's notebook prints no "final train loss"`)
	}
	if loss > 1.7 {
		t.Errorf("lesson 10's stored final train loss is %.3f, want ≤ 1.7 (regenerate it in full mode: notmagic notebook lessons/10_training_gpt.go)", loss)
	}
	t.Logf("lesson 10: final train loss %.3f", loss)
}

// TestNotebooksNbclient executes every stored notebook through the real kernel with Jupyter's nbclient
// (/usr/bin/python3), in quick mode: the notmagic binary is built, its kernelspec installed into a fresh
// Jupyter path with `notmagic install --kernels-dir`, and each notebook run from its first cell to its
// last. Skipped when python3-nbclient is missing, unless NOTMAGIC_REQUIRE_JUPYTER=1.
func TestNotebooksNbclient(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	notebooks, err := filepath.Glob(filepath.Join(notebooksDir, "*.ipynb"))
	if err != nil || len(notebooks) == 0 {
		t.Fatalf("no notebooks in %s (%v)", notebooksDir, err)
	}
	runNbclient(t, notebooks)
}

// TestExampleNotebooks checks the notebooks of examples/ as TestNotebooksInSync and TestNotebooksNbclient
// check the course's: in sync with their sources, stored with outputs, and run through nbclient. The
// module their %get cells fetch comes through the proxy first, so that an offline machine skips.
func TestExampleNotebooks(t *testing.T) {
	sources, err := filepath.Glob(filepath.Join(examplesDir, "*.go"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no examples in %s (%v)", examplesDir, err)
	}
	tmp := t.TempDir()
	var stored []string
	for _, f := range sources {
		if _, _, err := Write(context.Background(), f, tmp, false, "quick"); err != nil {
			t.Fatal(err)
		}
		fresh, err := ReadNotebook(NotebookPath(f, tmp))
		if err != nil {
			t.Fatal(err)
		}
		path := NotebookPath(f, exampleNotebooksDir)
		nb, err := ReadNotebook(path)
		if err != nil {
			t.Errorf("%v (run `notmagic notebook -o %s %s`)", err, exampleNotebooksDir[len("../../"):], f[len("../../"):])
			continue
		}
		if err := SameSources(fresh.Sources(), nb); err != nil {
			t.Errorf("%s is out of date with %s (run `notmagic notebook -o notebooks/examples %s`): %v", path, f, f, err)
		}
		outputs := 0
		for _, c := range nb.Cells {
			outputs += len(c.Outputs)
		}
		if outputs == 0 {
			t.Errorf("%s has no outputs: generate it with execution", path)
		}
		stored = append(stored, path)
	}
	if testing.Short() {
		t.Skip("-short: nbclient run skipped")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command (the examples fetch modules with it)")
	}
	if _, err := modules.NewTree(t.TempDir()).Get(context.Background(), []string{"github.com/montanaflynn/stats@v0.7.1"}, nil); err != nil {
		testexec.RequireNetwork(t, err)
	}
	runNbclient(t, stored)
}

// runNbclient executes notebooks through the real kernel with Jupyter's nbclient, in quick mode, and
// checks that every code cell ran and each notebook drew at least one image.
func runNbclient(t *testing.T, notebooks []string) {
	t.Helper()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import nbclient, nbformat, jupyter_client").CombinedOutput(); err != nil {
		msg := "nbclient is not available: " + strings.TrimSpace(string(out))
		if os.Getenv("NOTMAGIC_REQUIRE_JUPYTER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set NOTMAGIC_REQUIRE_JUPYTER=1 to fail instead)")
	}
	root := t.TempDir()
	bin := filepath.Join(root, "notmagic")
	build := exec.Command("go", "build", "-o", bin, "github.com/notmagic/notmagic")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	kernels := filepath.Join(root, "share", "kernels")
	if out, err := exec.Command(bin, "install", "--kernels-dir", kernels, "--name", "notmagic-lessons").CombinedOutput(); err != nil {
		t.Fatalf("notmagic install: %v\n%s", err, out)
	}
	for i, nb := range notebooks {
		notebooks[i], _ = filepath.Abs(nb)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "nbclient_lessons.py"))
	work := filepath.Join(root, "work") // the kernel's working folder: lessons write out/ there
	os.MkdirAll(work, 0o755)
	// Well inside go test's 10-minute package limit, so that a run that hangs ends with nbclient's output
	// rather than a goroutine dump. Alone, the course runs in about 30 s.
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{script, "notmagic-lessons"}, notebooks...)...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"NOTMAGIC_QUICK=1",
		"JUPYTER_PATH="+filepath.Join(root, "share"),
		"JUPYTER_DATA_DIR="+filepath.Join(root, "data"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(root, "runtime"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(root, "config"),
		"JUPYTER_PLATFORM_DIRS=1",
		"PYTHONWARNINGS=ignore",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nbclient: %v\n%s\n%s", err, stdout.String(), tail(stderr.String(), 4000))
	}
	var results []struct {
		Path      string
		CodeCells int `json:"code_cells"`
		Executed  int
		Images    int
		Error     *struct{ Ename, Evalue string }
		Seconds   float64
		Slowest   [][2]float64 // seconds, cell index
		IOPubWait int          `json:"iopub_timeouts"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("nbclient printed no JSON (%v):\n%s\n%s", err, stdout.String(), tail(stderr.String(), 4000))
	}
	if len(results) != len(notebooks) {
		t.Fatalf("%d results for %d notebooks", len(results), len(notebooks))
	}
	for _, r := range results {
		name := filepath.Base(r.Path)
		if r.Error != nil {
			t.Errorf("%s: %s: %s", name, r.Error.Ename, r.Error.Evalue)
			continue
		}
		if r.Executed != r.CodeCells || r.Images == 0 {
			t.Errorf("%s: %d of %d code cells executed, %d images", name, r.Executed, r.CodeCells, r.Images)
		}
		t.Logf("%s: %d cells, %d images, %.1fs (slowest cells [s, index]: %v), %d iopub waits past 4s",
			name, r.Executed, r.Images, r.Seconds, r.Slowest, r.IOPubWait)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
