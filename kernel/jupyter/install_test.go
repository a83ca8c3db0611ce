package jupyter

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestUserKernelsDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", filepath.FromSlash("/jd"))
	if d, _ := UserKernelsDir(); d != filepath.FromSlash("/jd/kernels") {
		t.Errorf("JUPYTER_DATA_DIR: %s", d)
	}
	t.Setenv("JUPYTER_DATA_DIR", "")
	switch runtime.GOOS { // jupyter_core's user data directory on each platform
	case "windows":
		t.Setenv("APPDATA", `C:\Users\u\AppData\Roaming`)
		if d, _ := UserKernelsDir(); d != `C:\Users\u\AppData\Roaming\jupyter\kernels` {
			t.Errorf("APPDATA: %s", d)
		}
	case "darwin":
		t.Setenv("HOME", "/Users/u")
		if d, _ := UserKernelsDir(); d != "/Users/u/Library/Jupyter/kernels" {
			t.Errorf("home: %s", d)
		}
	default:
		t.Setenv("XDG_DATA_HOME", "/xdg")
		if d, _ := UserKernelsDir(); d != "/xdg/jupyter/kernels" {
			t.Errorf("XDG: %s", d)
		}
		t.Setenv("XDG_DATA_HOME", "")
		t.Setenv("HOME", "/home/u")
		if d, _ := UserKernelsDir(); d != "/home/u/.local/share/jupyter/kernels" {
			t.Errorf("home: %s", d)
		}
	}
}
