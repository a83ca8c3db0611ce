package jupyter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"

	"github.com/notmagic/notmagic/internal/atomicfile"
)

// InstallOptions says where and how to write the kernelspec. At most one of User (the default), SysPrefix,
// Prefix and KernelsDir chooses the place.
type InstallOptions struct {
	Name        string            // kernel name, the folder's name (default "notmagic")
	DisplayName string            // what the frontend lists (default "Go (notmagic)")
	SysPrefix   bool              // SYS_PREFIX/share/jupyter/kernels: $VIRTUAL_ENV, $CONDA_PREFIX or /usr/local
	Prefix      string            // PREFIX/share/jupyter/kernels
	KernelsDir  string            // this kernels directory itself
	Executable  string            // the binary to run (default: this one); made absolute
	Args        []string          // argv after the executable (default: kernel -f {connection_file})
	Env         map[string]string // "env" of kernel.json (optional)
}

// KernelSpec is the content of kernel.json.
type KernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata"`
}

var kernelNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// UserKernelsDir returns the user's Jupyter kernels directory: $JUPYTER_DATA_DIR/kernels, else the
// platform's Jupyter data dir (~/.local/share/jupyter or $XDG_DATA_HOME/jupyter on Linux,
// ~/Library/Jupyter on macOS, %APPDATA%\jupyter on Windows) + /kernels.
func UserKernelsDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Join(d, "kernels"), nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "jupyter", "kernels"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Jupyter", "kernels"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter", "kernels"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory (use --prefix or --kernels-dir): %w", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter", "kernels"), nil
}

// sysPrefix is where --sys-prefix installs: the active virtual environment or conda prefix, else
// /usr/local (on Windows, where no such default exists, an error).
func sysPrefix() (string, error) {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if d := os.Getenv(v); d != "" {
			return d, nil
		}
	}
	if runtime.GOOS == "windows" {
		return "", errors.New("--sys-prefix: no virtual environment or conda environment is active (activate one, or use --prefix DIR)")
	}
	return "/usr/local", nil
}

// Install writes the kernelspec (kernel.json, logo-32x32.png, logo-64x64.png) and returns its folder.
// Running it again rewrites the same files.
func Install(o InstallOptions) (string, error) {
	if o.Name == "" {
		o.Name = "notmagic"
	}
	if !kernelNameRE.MatchString(o.Name) {
		return "", fmt.Errorf("kernel name %q: use only letters, digits, '.', '_' and '-'", o.Name)
	}
	if o.DisplayName == "" {
		o.DisplayName = "Go (notmagic)"
	}
	places := 0
	for _, set := range []bool{o.SysPrefix, o.Prefix != "", o.KernelsDir != ""} {
		if set {
			places++
		}
	}
	if places > 1 {
		return "", errors.New("choose at most one of --sys-prefix, --prefix and --kernels-dir")
	}
	var kernels string
	switch {
	case o.KernelsDir != "":
		kernels = o.KernelsDir
	case o.Prefix != "":
		kernels = filepath.Join(o.Prefix, "share", "jupyter", "kernels")
	case o.SysPrefix:
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		kernels = filepath.Join(p, "share", "jupyter", "kernels")
	default:
		d, err := UserKernelsDir()
		if err != nil {
			return "", err
		}
		kernels = d
	}
	exe := o.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", fmt.Errorf("cannot find this binary's path: %w", err)
		}
	}
	exe, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	if e, err := filepath.EvalSymlinks(exe); err == nil {
		exe = e
	}
	args := o.Args
	if args == nil {
		args = []string{"kernel", "-f", "{connection_file}"}
	}
	spec := KernelSpec{
		Argv:          append([]string{exe}, args...),
		DisplayName:   o.DisplayName,
		Language:      "go",
		InterruptMode: "message",
		Env:           o.Env,
		Metadata:      map[string]any{"debugger": false},
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(kernels, o.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	files := map[string][]byte{"kernel.json": append(js, '\n')}
	for _, size := range []int{32, 64} {
		var buf bytes.Buffer
		if err := writeLogo(&buf, size); err != nil {
			return "", err
		}
		files[fmt.Sprintf("logo-%dx%d.png", size, size)] = buf.Bytes()
	}
	for name, data := range files {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), data); err != nil {
			return "", fmt.Errorf("kernelspec: %w", err)
		}
	}
	return dir, nil
}
