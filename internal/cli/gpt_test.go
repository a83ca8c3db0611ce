package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tiny = "--block 16 --batch 4 --layers 1 --heads 2 --embd 16 --warmup 2 --eval-iters 2"

func corpusFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "corpus.txt")
	text := strings.Repeat("to be or not to be, that is the question.\n", 60)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBenchGPTOutput(t *testing.T) {
	var out, errOut bytes.Buffer
	args := append([]string{"--data", corpusFile(t), "--iters", "12", "--eval-every", "5"}, strings.Fields(tiny)...)
	if err := benchGPT(Streams{Out: &out, Err: &errOut}, args); err != nil {
		t.Fatal(err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// evals at 0, 5, 10 and 12, then the summary
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[0], `{"iter": 0, "train_loss": `) {
		t.Errorf("eval line format: %s", lines[0])
	}
	sum := lines[4]
	for _, key := range []string{`{"summary": true, "impl": "notmagic-go", "threads": `, `"wall_s": `, `"median_ms_per_iter": `, `"tokens_per_s": `, `"best_val_loss": `, `"peak_rss_mb": `, `"allocs_per_step": `, `"gemm_kernel": "`} {
		if !strings.Contains(sum, key) {
			t.Errorf("summary lacks %s: %s", key, sum)
		}
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(sum), &s); err != nil {
		t.Fatal(err)
	}
	if s["best_val_loss"].(float64) <= 0 || s["tokens_per_s"].(float64) <= 0 || s["peak_rss_mb"].(float64) <= 0 {
		t.Errorf("summary values: %v", s)
	}
}

// TestBenchGPTProfile: --cpuprofile writes a pprof profile of the timed steps; an unwritable path is an
// error that names the flag.
func TestBenchGPTProfile(t *testing.T) {
	var out, errOut bytes.Buffer
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	args := append([]string{"--data", corpusFile(t), "--iters", "30", "--eval-every", "30", "--cpuprofile", prof}, strings.Fields(tiny)...)
	if err := benchGPT(Streams{Out: &out, Err: &errOut}, args); err != nil {
		t.Fatal(err, errOut.String())
	}
	b, err := os.ReadFile(prof)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // pprof profiles are gzip
		t.Errorf("profile: %d bytes, %v", len(b), err)
	}
	args = append([]string{"--data", corpusFile(t), "--iters", "30", "--cpuprofile", "/nonexistent/dir/cpu.pprof"}, strings.Fields(tiny)...)
	if err := benchGPT(Streams{Out: &out, Err: &errOut}, args); err == nil || !strings.Contains(err.Error(), "--cpuprofile") {
		t.Errorf("unwritable profile path: %v", err)
	}
}

func TestBenchErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{}, {"--iters", "5"}, {"--data", "/nonexistent/file"}, {"--data", "x", "stray"}, {"--data", "x", "--batch", "0"}} {
		if err := benchGPT(Streams{Out: &out, Err: &errOut}, args); err == nil {
			t.Errorf("bench gpt %v: no error", args)
		}
	}
	if err := benchCmd(Streams{Out: io.Discard, Err: io.Discard}, []string{"nope"}); err == nil {
		t.Error("unknown benchmark accepted")
	}
	// Devices: an unknown one names those there are; cuda without a GPU says why (on a GPU
	// machine it trains zero steps).
	corpus := corpusFile(t)
	err := benchGPT(Streams{Out: &out, Err: &errOut}, append([]string{"--data", corpus, "--device", "tpu"}, strings.Fields(tiny)...))
	if err == nil || !strings.Contains(err.Error(), `no device "tpu" (available: [cpu`) {
		t.Errorf("--device tpu: %v", err)
	}
	for _, c := range []struct{ args, want string }{
		{"--precision fp16", `--precision "fp16": want fp32, tf32 or bf16`},
		{"--precision bf16", "--precision bf16 needs --device cuda"},
		{"--flash-attention", "--flash-attention needs --device cuda"},
	} {
		err := benchGPT(Streams{Out: &out, Err: &errOut}, append([]string{"--data", corpus}, strings.Fields(c.args)...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench gpt %s: %v, want %q", c.args, err, c.want)
		}
	}
	err = train(context.Background(), Streams{Out: &out, Err: &errOut}, []string{"--data", corpus, "--device", "cuda", "--iters", "0", "--out", filepath.Join(t.TempDir(), "m.safetensors")})
	if err != nil && !strings.Contains(err.Error(), "gpu: ") {
		t.Errorf("train --device cuda without a GPU: %v (want lib/gpu's reason)", err)
	}
}

func TestTrainThenSample(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.safetensors")
	var out, errOut bytes.Buffer
	args := append([]string{"--data", corpusFile(t), "--iters", "30", "--eval-every", "10", "--lr", "1e-2", "--out", ckpt}, strings.Fields(tiny)...)
	if err := train(context.Background(), Streams{Out: &out, Err: &errOut}, args); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "step 30/30") || !strings.Contains(errOut.String(), "saved "+ckpt) {
		t.Errorf("progress output:\n%s", errOut.String())
	}
	if n := strings.Count(out.String(), `"val_loss"`); n != 4 {
		t.Errorf("%d eval lines", n)
	}
	sample := func(extra ...string) string {
		var o, e bytes.Buffer
		a := append([]string{"--ckpt", ckpt, "--prompt", "to be", "--tokens", "40", "--seed", "3"}, extra...)
		if err := sampleCmd(Streams{Out: &o, Err: &e}, a); err != nil {
			t.Fatal(err)
		}
		return o.String()
	}
	a, b := sample(), sample()
	if a != b || !strings.HasPrefix(a, "to be") || len([]rune(a)) != len("to be")+40+1 {
		t.Errorf("samples %q and %q", a, b)
	}
	if c := sample("--seed", "4", "--temperature", "2"); c == a {
		t.Error("another seed and temperature gave the same text")
	}
	var o, e bytes.Buffer
	if err := sampleCmd(Streams{Out: &o, Err: &e}, []string{"--ckpt", ckpt, "--prompt", "Zebra"}); err == nil || !strings.Contains(err.Error(), "vocabulary") {
		t.Errorf("prompt outside the vocabulary: %v", err)
	}
	if err := sampleCmd(Streams{Out: &o, Err: &e}, []string{"--ckpt", filepath.Join(dir, "none")}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing checkpoint: %v", err)
	}
}

func TestTrainInterruptSaves(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "m.safetensors")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	args := append([]string{"--data", corpusFile(t), "--iters", "100", "--out", ckpt}, strings.Fields(tiny)...)
	err := train(ctx, Streams{Out: &out, Err: &errOut}, args)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(ckpt); err != nil {
		t.Fatal("no checkpoint after an interrupt:", err)
	}
}

func TestTrainBPEOnGoSource(t *testing.T) {
	if testing.Short() {
		t.Skip("reads GOROOT")
	}
	ckpt := filepath.Join(t.TempDir(), "m.safetensors")
	var out, errOut bytes.Buffer
	args := append([]string{"--max-bytes", "60000", "--tokenizer", "bpe", "--bpe-vocab", "300", "--iters", "3", "--out", ckpt}, strings.Fields(tiny)...)
	if err := train(context.Background(), Streams{Out: &out, Err: &errOut}, args); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "bytes of Go source") {
		t.Errorf("stderr: %s", errOut.String())
	}
	var o, e bytes.Buffer
	if err := sampleCmd(Streams{Out: &o, Err: &e}, []string{"--ckpt", ckpt, "--prompt", "func ", "--tokens", "5"}); err != nil {
		t.Fatal(err)
	}
}

func TestPyFormatting(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{{108, "108.0"}, {1.9171, "1.9171"}, {51.25, "51.25"}} {
		if got := pyFloat(tc.x); got != tc.want {
			t.Errorf("pyFloat(%v) = %s, want %s", tc.x, got, tc.want)
		}
	}
	if median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 2, 3}) != 2.5 {
		t.Error("median")
	}
}

func TestTrainZeroItersStillSaves(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "m.safetensors")
	var out, errOut bytes.Buffer
	args := append([]string{"--data", corpusFile(t), "--iters", "0", "--out", ckpt}, strings.Fields(tiny)...)
	if err := train(context.Background(), Streams{Out: &out, Err: &errOut}, args); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ckpt); err != nil {
		t.Fatal("no checkpoint after --iters 0:", err)
	}
}
