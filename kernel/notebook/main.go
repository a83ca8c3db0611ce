package notebook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/notmagic/notmagic/internal/atomicfile"
	"github.com/notmagic/notmagic/kernel/lesson"
)

// Convert reads a percent-format lesson and returns its notebook: executed through a fresh interpreter
// session when execute is true, with empty outputs otherwise.
func Convert(ctx context.Context, lessonPath string, execute bool) (*Notebook, error) {
	src, err := os.ReadFile(lessonPath)
	if err != nil {
		return nil, err
	}
	cells, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", lessonPath, err)
	}
	if !execute {
		return New(cells), nil
	}
	return Execute(ctx, lessonPath, cells, nil)
}

// Check reports whether the notebook at nbPath has the cells (kinds and sources) of the lesson at
// lessonPath.
func Check(lessonPath, nbPath string) error {
	src, err := os.ReadFile(lessonPath)
	if err != nil {
		return err
	}
	cells, err := Parse(src)
	if err != nil {
		return fmt.Errorf("%s: %v", lessonPath, err)
	}
	nb, err := ReadNotebook(nbPath)
	if err != nil {
		return err
	}
	if err := SameSources(cells, nb); err != nil {
		return fmt.Errorf("%s is out of date with %s (run `notmagic notebook %s`): %v", nbPath, lessonPath, lessonPath, err)
	}
	return nil
}

// Lessons returns the lesson files (*.go) in dir, sorted.
func Lessons(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no lessons (*.go) in %s", dir)
	}
	return out, nil
}

// NotebookPath returns the notebook that a lesson becomes in outDir: the same base name with .ipynb.
func NotebookPath(lessonPath, outDir string) string {
	return filepath.Join(outDir, strings.TrimSuffix(filepath.Base(lessonPath), ".go")+".ipynb")
}

// Write converts the lesson at lessonPath and writes the notebook to NotebookPath(lessonPath, outDir)
// atomically. With execute, the lesson runs through a fresh session in mode "quick" (NOTMAGIC_QUICK=1:
// fewer steps, the same code) or "full" (NOTMAGIC_QUICK unset for the run, restored afterwards); the
// mode is recorded in the notebook's metadata ("notmagic": {"mode": …}). It returns the notebook's path
// and size in bytes.
func Write(ctx context.Context, lessonPath, outDir string, execute bool, mode string) (string, int, error) {
	if mode != "quick" && mode != "full" {
		return "", 0, fmt.Errorf("notebook mode %q: want quick or full", mode)
	}
	if execute {
		prev, had := os.LookupEnv("NOTMAGIC_QUICK")
		if mode == "quick" {
			os.Setenv("NOTMAGIC_QUICK", "1")
		} else {
			os.Unsetenv("NOTMAGIC_QUICK")
		}
		defer func() {
			if had {
				os.Setenv("NOTMAGIC_QUICK", prev)
			} else {
				os.Unsetenv("NOTMAGIC_QUICK")
			}
		}()
	}
	nb, err := Convert(ctx, lessonPath, execute)
	if err != nil {
		return "", 0, err
	}
	if execute {
		nb.Metadata["notmagic"] = map[string]any{"mode": mode}
	}
	b, err := nb.Marshal()
	if err != nil {
		return "", 0, err
	}
	path := NotebookPath(lessonPath, outDir)
	if err := atomicfile.WriteFile(path, b); err != nil {
		return "", 0, err
	}
	return path, len(b), nil
}

// StoredMode returns the mode a stored notebook was executed in ("quick" or "full", from its metadata),
// or "" when the notebook does not say (not executed, or written before modes were recorded).
func StoredMode(nb *Notebook) string {
	m, _ := nb.Metadata["notmagic"].(map[string]any)
	mode, _ := m["mode"].(string)
	return mode
}

// LessonMode returns the mode the lesson at path asks its stored notebook to be executed in (see
// lesson.NotebookMode).
func LessonMode(path string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return lesson.NotebookMode(src), nil
}
