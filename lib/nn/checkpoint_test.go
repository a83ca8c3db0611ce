package nn

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/internal/testexec"
)

func smallModel(t testing.TB) (*GPT, *CharTokenizer) {
	Seed(11)
	tok := NewCharTokenizer("abcdefgh ")
	return MustGPT(Config{Vocab: tok.VocabSize(), Block: 8, Layers: 2, Heads: 2, Embd: 8}), tok
}

func TestCheckpointRoundTripBitExact(t *testing.T) {
	m, tok := smallModel(t)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := SaveCheckpoint(path, m, tok, map[string]string{"step": "42"}); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Model.Config != m.Config || ck.Metadata["step"] != "42" {
		t.Fatalf("config %+v metadata %v", ck.Model.Config, ck.Metadata)
	}
	want := StateDict(m)
	for name, got := range StateDict(ck.Model) {
		a, b := got.Data(), want[name].Data()
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s[%d]: %v != %v", name, i, a[i], b[i])
			}
		}
	}
	if ck.Tokenizer.Kind() != "char" || ck.Tokenizer.Decode([]int{0, 1}) != tok.Decode([]int{0, 1}) {
		t.Fatal("tokenizer not restored")
	}
	// The same logits after reloading.
	ids := []int{1, 2, 3, 4}
	a, b := m.Forward(ids, 1, 4).Data(), ck.Model.Forward(ids, 1, 4).Data()
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("reloaded model computes different logits")
		}
	}
}

func TestReadsPythonWrittenSafetensors(t *testing.T) {
	ts, meta, err := ReadSafetensors("testdata/gpt/torch_gpt.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if meta["torch"] == "" || len(ts) < 10 {
		t.Fatalf("%d tensors, metadata %v", len(ts), meta)
	}
}

// corrupt writes a file made by edit from a valid checkpoint and returns its path.
func corrupt(t *testing.T, valid []byte, edit func(b []byte) []byte) string {
	p := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := os.WriteFile(p, edit(append([]byte(nil), valid...)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rewriteHeader replaces the JSON header of a safetensors file through f.
func rewriteHeader(b []byte, f func(h map[string]any)) []byte {
	n := binary.LittleEndian.Uint64(b)
	var h map[string]any
	json.Unmarshal(b[8:8+n], &h)
	f(h)
	hj, _ := json.Marshal(h)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	return append(append(out, hj...), b[8+n:]...)
}

func TestCheckpointErrors(t *testing.T) {
	m, tok := smallModel(t)
	good := filepath.Join(t.TempDir(), "good.safetensors")
	if err := SaveCheckpoint(good, m, tok, nil); err != nil {
		t.Fatal(err)
	}
	valid, _ := os.ReadFile(good)
	entry := func(h map[string]any, name string) map[string]any { return h[name].(map[string]any) }
	cases := []struct {
		name string
		path string
		want error
	}{
		{"missing file", filepath.Join(t.TempDir(), "none.safetensors"), fs.ErrNotExist},
		{"shorter than the length", corrupt(t, valid, func(b []byte) []byte { return b[:5] }), ErrTruncated},
		{"truncated data", corrupt(t, valid, func(b []byte) []byte { return b[:len(b)-10] }), ErrTruncated},
		{"header beyond file", corrupt(t, valid, func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b, uint64(len(b)))
			return b
		}), ErrHeaderTooLong},
		{"bad JSON", corrupt(t, valid, func(b []byte) []byte { b[8] = '['; return b }), ErrBadHeader},
		{"wrong dtype", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) { entry(h, "wte.weight")["dtype"] = "F16" })
		}), ErrDType},
		{"offsets out of range", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) { entry(h, "ln_f.weight")["data_offsets"] = []int{-4, 28} })
		}), ErrBadOffsets},
		{"overlapping offsets", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) {
				entry(h, "wpe.weight")["data_offsets"] = entry(h, "wte.weight")["data_offsets"]
				entry(h, "wpe.weight")["shape"] = entry(h, "wte.weight")["shape"]
			})
		}), ErrBadOffsets},
		{"missing tensor", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) { delete(h, "ln_f.weight") })
		}), ErrMissingTensor},
		{"unexpected tensor", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) {
				h["extra.weight"] = map[string]any{"dtype": "F32", "shape": []int{0}, "data_offsets": []int{0, 0}}
			})
		}), ErrUnexpectedTensor},
		{"shape mismatch", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) { entry(h, "wte.weight")["shape"] = []int{8, 9} })
		}), ErrShapeMismatch},
		{"no config", corrupt(t, valid, func(b []byte) []byte {
			return rewriteHeader(b, func(h map[string]any) { delete(h["__metadata__"].(map[string]any), metaConfig) })
		}), ErrBadMetadata},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		_, err := LoadCheckpoint(tc.path)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			continue
		}
		t.Logf("%s: %v", tc.name, err)
		if prev, dup := seen[err.Error()]; dup {
			t.Errorf("%s and %s give the same message", tc.name, prev)
		}
		seen[err.Error()] = tc.name
	}
}

// TestCheckpointKilledDuringSave runs a save in a child process (this test binary), kills it with
// SIGKILL in the middle of writing the data, and checks that the previous checkpoint is intact.
func TestCheckpointKilledDuringSave(t *testing.T) {
	if os.Getenv("NOTMAGIC_KILL_SAVE") != "" {
		return // in the child: the work is done by TestMain's hook
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	m, tok := smallModel(t)
	if err := SaveCheckpoint(path, m, tok, map[string]string{"step": "old"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	cmd := testexec.Self("-test.run=^TestCheckpointKilledDuringSave$")
	cmd.Env = append(os.Environ(), "NOTMAGIC_KILL_SAVE="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "writing") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not start writing: %q %v", line, err)
	}
	cmd.Process.Kill() // SIGKILL, mid-write
	cmd.Wait()
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the checkpoint changed after a killed save (err %v)", err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil || ck.Metadata["step"] != "old" {
		t.Fatalf("old checkpoint unreadable: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Logf("files after the kill: %v", names)
	if len(names) < 2 {
		t.Error("expected the killed writer's temporary file beside the checkpoint (was the kill too late?)")
	}
}

// killSaveChild is the child side of TestCheckpointKilledDuringSave: a large save that announces
// itself after its first chunk and then waits to be killed.
func killSaveChild(path string) {
	Seed(5)
	big := MustGPT(Config{Vocab: 512, Block: 64, Layers: 2, Heads: 2, Embd: 128})
	announced := false
	saveHook = func(int64) {
		if !announced {
			announced = true
			os.Stdout.WriteString("writing\n")
			select {} // block until killed
		}
	}
	SaveCheckpoint(path, big, nil, map[string]string{"step": "new"})
	os.Exit(3) // not reached
}

func TestGenerate(t *testing.T) {
	m, _ := smallModel(t)
	var streamed []int
	o := SampleOptions{Temperature: 1, TopK: 3, Seed: 42, OnToken: func(id int) bool { streamed = append(streamed, id); return true }}
	a, err := Generate(m, []int{1, 2}, 20, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 20 || len(streamed) != 20 {
		t.Fatalf("%d tokens, %d streamed", len(a), len(streamed))
	}
	o.OnToken = nil
	b, _ := Generate(m, []int{1, 2}, 20, o)
	for i := range a {
		if a[i] != b[i] || a[i] != streamed[i] {
			t.Fatal("same seed gave different samples")
		}
	}
	if !m.Training() {
		t.Error("Generate left the model in eval mode")
	}
	n := 0
	Generate(m, []int{1}, 10, SampleOptions{Seed: 1, OnToken: func(int) bool { n++; return n < 3 }})
	if n != 3 {
		t.Errorf("callback stop: %d calls", n)
	}
	if _, err := Generate(m, nil, 3, SampleOptions{}); err == nil {
		t.Error("empty prompt accepted")
	}
	if _, err := Generate(m, []int{99}, 3, SampleOptions{}); err == nil {
		t.Error("out-of-vocabulary prompt accepted")
	}
}

func TestSampleLogits(t *testing.T) {
	logits := []float32{0, 5, 1, 4}
	r := newTestRand()
	if SampleLogits(logits, 0, 0, r) != 1 {
		t.Error("temperature 0 is not greedy")
	}
	counts := map[int]int{}
	for i := 0; i < 2000; i++ {
		counts[SampleLogits(logits, 1, 2, r)]++
	}
	if counts[0]+counts[2] != 0 || counts[1] < counts[3] || counts[3] == 0 {
		t.Errorf("top-2 sampling counts %v", counts)
	}
	hot := map[int]int{}
	for i := 0; i < 2000; i++ {
		hot[SampleLogits(logits, 100, 0, r)]++
	}
	if hot[0] < 300 {
		t.Errorf("high temperature should be near uniform: %v", hot)
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
