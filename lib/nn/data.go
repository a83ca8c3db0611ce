package nn

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"unicode/utf8"
)

// Dataset is a token stream split into a training part (the first 90%) and a validation part
// (the last 10%), from which Batch draws random windows.
type Dataset struct {
	Train, Val []int
}

// NewDataset splits tokens: the first int(trainFrac·n) go to Train, the rest to Val
// (trainFrac 0.9 is the recipe's split).
func NewDataset(tokens []int, trainFrac float64) (*Dataset, error) {
	if trainFrac <= 0 || trainFrac > 1 {
		return nil, fmt.Errorf("dataset: train fraction %v must be in (0, 1]", trainFrac)
	}
	n := int(trainFrac * float64(len(tokens)))
	return &Dataset{Train: tokens[:n], Val: tokens[n:]}, nil
}

// Split returns the named part, "train" or "val".
func (d *Dataset) Split(name string) ([]int, error) {
	switch name {
	case "train":
		return d.Train, nil
	case "val":
		return d.Val, nil
	}
	return nil, fmt.Errorf("dataset: no split %q (use \"train\" or \"val\")", name)
}

// Batch returns B random windows of T tokens from the split (x) and the same windows shifted by
// one (y, the next-token targets), each flattened row by row to B·T ids. Window starts are drawn
// uniformly from [0, len−T) with the package's generator (Seed), as torch.randint does.
func (d *Dataset) Batch(split string, B, T int) (x, y []int, err error) {
	s, err := d.Split(split)
	if err != nil {
		return nil, nil, err
	}
	if B <= 0 || T <= 0 {
		return nil, nil, fmt.Errorf("dataset: batch %d × %d must be positive", B, T)
	}
	if len(s) <= T {
		return nil, nil, fmt.Errorf("dataset: the %s split has %d tokens, need more than the window of %d", split, len(s), T)
	}
	x, y = make([]int, B*T), make([]int, B*T)
	for b := 0; b < B; b++ {
		i := RandInt(len(s) - T)
		copy(x[b*T:(b+1)*T], s[i:i+T])
		copy(y[b*T:(b+1)*T], s[i+1:i+1+T])
	}
	return x, y, nil
}

// ReadCorpus returns the text of the file at path, with a clear error when it is missing,
// empty or not text.
func ReadCorpus(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("corpus: %w", err)
	}
	if len(b) == 0 {
		return "", fmt.Errorf("corpus: %s is empty", path)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("corpus: %s is not UTF-8 text (use a BPE tokenizer for arbitrary bytes)", path)
	}
	return string(b), nil
}

// GoRoot returns the Go installation's root: `go env GOROOT` when the go command is on PATH,
// else runtime.GOROOT's answer, else the GOROOT environment variable.
func GoRoot() (string, error) {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if r := strings.TrimSpace(string(out)); r != "" {
			return r, nil
		}
	}
	if r := runtime.GOROOT(); r != "" { // the root this binary was built with, a fallback
		return r, nil
	}
	if r := os.Getenv("GOROOT"); r != "" {
		return r, nil
	}
	return "", fmt.Errorf("corpus: cannot find the Go installation (no go command, no GOROOT)")
}

// GoSourceCorpus returns up to maxBytes of the Go standard library's source (the .go files under
// GOROOT/src, in path order, skipping testdata folders), a corpus every Go user already has.
func GoSourceCorpus(maxBytes int) (string, error) {
	if maxBytes <= 0 {
		return "", fmt.Errorf("corpus: size cap %d must be positive", maxBytes)
	}
	root, err := GoRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, "src")
	var files []string
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("corpus: reading %s: %w", src, err)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || !utf8.Valid(data) {
			continue
		}
		if b.Len()+len(data) > maxBytes {
			if b.Len() == 0 {
				b.Write(data[:maxBytes])
				// keep whole runes
				s := b.String()
				for !utf8.ValidString(s) {
					s = s[:len(s)-1]
				}
				return s, nil
			}
			break
		}
		b.Write(data)
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("corpus: no Go source found under %s", src)
	}
	return b.String(), nil
}
