package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/kernel/jupyter"
)

// TestInstallCmd installs the kernelspec into every kind of place, twice (it is idempotent), and checks
// kernel.json and the logos; bad flags are refused.
func TestInstallCmd(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", filepath.Join(tmp, "user"))
	t.Setenv("VIRTUAL_ENV", filepath.Join(tmp, "venv"))
	tests := []struct {
		args []string
		dir  string
	}{
		{nil, filepath.Join(tmp, "user", "kernels", "notmagic")},
		{[]string{"--user", "--name", "go2", "--display-name", "Go 2"}, filepath.Join(tmp, "user", "kernels", "go2")},
		{[]string{"--sys-prefix"}, filepath.Join(tmp, "venv", "share", "jupyter", "kernels", "notmagic")},
		{[]string{"--prefix", filepath.Join(tmp, "p")}, filepath.Join(tmp, "p", "share", "jupyter", "kernels", "notmagic")},
		{[]string{"--kernels-dir", filepath.Join(tmp, "k")}, filepath.Join(tmp, "k", "notmagic")},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		for i := 0; i < 2; i++ { // idempotent
			out.Reset()
			if err := installCmd(Streams{Out: &out, Err: io.Discard}, tc.args); err != nil {
				t.Fatalf("%v: %v", tc.args, err)
			}
		}
		if !strings.Contains(out.String(), tc.dir) {
			t.Errorf("%v: printed %q, want the folder %s", tc.args, out.String(), tc.dir)
		}
		b, err := os.ReadFile(filepath.Join(tc.dir, "kernel.json"))
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		var spec jupyter.KernelSpec
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatal(err)
		}
		exe, _ := os.Executable()
		exe, _ = filepath.EvalSymlinks(exe)
		if len(spec.Argv) != 4 || spec.Argv[0] != exe || !filepath.IsAbs(spec.Argv[0]) ||
			strings.Join(spec.Argv[1:], " ") != "kernel -f {connection_file}" || spec.Language != "go" ||
			spec.InterruptMode != "message" {
			t.Errorf("%v: kernel.json %s", tc.args, b)
		}
		wantName := "Go (notmagic)"
		if strings.Contains(strings.Join(tc.args, " "), "Go 2") {
			wantName = "Go 2"
		}
		if spec.DisplayName != wantName {
			t.Errorf("display_name %q, want %q", spec.DisplayName, wantName)
		}
		for _, size := range []int{32, 64} {
			f, err := os.Open(filepath.Join(tc.dir, fmt.Sprintf("logo-%dx%d.png", size, size)))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
				t.Errorf("logo %d: %v %v", size, err, img.Bounds())
			}
		}
		entries, _ := os.ReadDir(tc.dir)
		if len(entries) != 3 {
			t.Errorf("%s holds %d files, want 3 (no temporaries left)", tc.dir, len(entries))
		}
	}
	for _, bad := range [][]string{{"--name", "a/b"}, {"--name", ""}, {"--prefix", "x", "--kernels-dir", "y"}, {"extra"}, {"--nope"}} {
		if err := installCmd(Streams{Out: io.Discard, Err: io.Discard}, bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
