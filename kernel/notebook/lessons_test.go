package notebook

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lessonsDir is the course, relative to this package.
const lessonsDir = "../../lessons"

// chdirTemp runs the rest of the test in a fresh directory (lessons write checkpoints under out/) and
// returns the absolute path of the lessons.
func chdirTemp(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(lessonsDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	return abs
}

// TestLessonsQuick runs every lesson unattended in quick mode through the interpreter session, as
// `notmagic notebook -quick` does, and checks the structure every lesson promises: a "You will learn"
// opening, takeaways, and at least one figure. NOTMAGIC_LESSON_DUMP=DIR keeps the executed notebooks.
func TestLessonsQuick(t *testing.T) {
	files, err := Lessons(lessonsDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := chdirTemp(t)
	t.Setenv("NOTMAGIC_QUICK", "1")
	dump := os.Getenv("NOTMAGIC_LESSON_DUMP")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".go"), func(t *testing.T) {
			if testing.Short() && !strings.HasPrefix(name, "01") {
				t.Skip("-short: only lesson 1")
			}
			src, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			cells, err := Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(cells[0].Source, "You will learn") {
				t.Errorf("first cell does not open with \"You will learn\"")
			}
			if last := cells[len(cells)-1]; last.Kind != "markdown" || !strings.Contains(last.Source, "Takeaways") {
				t.Errorf("last cell is not the takeaways")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			start := time.Now()
			nb, err := Execute(ctx, "lessons/"+name, cells, nil)
			elapsed := time.Since(start)
			if dump != "" && nb != nil {
				if b, merr := nb.Marshal(); merr == nil {
					os.WriteFile(filepath.Join(dump, strings.TrimSuffix(name, ".go")+".ipynb"), b, 0o644)
				}
			}
			if err != nil {
				var ce *CellError
				if e, ok := err.(*CellError); ok {
					ce = e
					t.Fatalf("%v\n%s", ce, ce.Trace)
				}
				t.Fatal(err)
			}
			images := 0
			for _, c := range nb.Cells {
				for _, o := range c.Outputs {
					if _, ok := o.Data["image/png"]; ok {
						images++
					}
				}
			}
			if images == 0 {
				t.Errorf("no figure in the lesson's outputs")
			}
			t.Logf("%s: %d cells, %d figures, %.1fs in quick mode", name, len(cells), images, elapsed.Seconds())
		})
	}
}
