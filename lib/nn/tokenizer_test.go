package nn

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCharTokenizer(t *testing.T) {
	tok := NewCharTokenizer("hello, world\n")
	if got, want := string(tok.Chars()), "\n ,dehlorw"; got != want {
		t.Fatalf("vocab %q, want %q (sorted distinct runes)", got, want)
	}
	ids, err := tok.Encode("world, hello")
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != strings.IndexRune("\n ,dehlorw", 'w') {
		t.Errorf("id of 'w' = %d", ids[0])
	}
	if s := tok.Decode(ids); s != "world, hello" {
		t.Errorf("round trip gave %q", s)
	}
	if _, err := tok.Encode("hello!"); err == nil || !strings.Contains(err.Error(), `'!'`) {
		t.Errorf("unknown character: err = %v", err)
	}
	if s := tok.Decode([]int{-1, 99}); s != "\uFFFD\uFFFD" {
		t.Errorf("bad ids decode to %q", s)
	}
	uni := NewCharTokenizer("héllo wörld ✓")
	ids, _ = uni.Encode("wörld ✓")
	if uni.Decode(ids) != "wörld ✓" || len(ids) != 7 {
		t.Errorf("runes: %v", ids)
	}
}

func TestCharTokenizerTinyShakespeare(t *testing.T) {
	const path = "../../../shared/data/tinyshakespeare.txt" // outside the repository; skipped when absent
	text, err := ReadCorpus(path)
	if err != nil {
		t.Skip("tinyshakespeare not present:", err)
	}
	if n := NewCharTokenizer(text).VocabSize(); n != 65 {
		t.Fatalf("tinyshakespeare vocabulary %d, want 65", n)
	}
}

func TestBPE(t *testing.T) {
	corpus := strings.Repeat("func main() { fmt.Println(\"hello, world\") }\n", 50) + "naïve café ✓ "
	tok, err := TrainBPE(corpus, 300)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() <= 256 || tok.VocabSize() > 300 {
		t.Fatalf("vocab %d", tok.VocabSize())
	}
	ids, _ := tok.Encode("func main() {")
	if len(ids) >= len("func main() {") {
		t.Errorf("no compression: %d ids for %d bytes", len(ids), len("func main() {"))
	}
	for _, s := range []string{"", "func main()", "naïve ✓", "\xff\xfe invalid \x80", "zzz unseen 123"} {
		ids, err := tok.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := tok.Decode(ids); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
	if _, err := TrainBPE("x", 10); err == nil {
		t.Error("vocabulary below 256 accepted")
	}
	// Serialisation round trip gives the same encoder.
	b, err := MarshalTokenizer(tok)
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := UnmarshalTokenizer(b)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := tok.Encode(corpus)
	a2, _ := tok2.Encode(corpus)
	if len(a1) != len(a2) || tok2.VocabSize() != tok.VocabSize() {
		t.Fatal("unmarshalled tokenizer encodes differently")
	}
	for _, bad := range []string{`{"kind":"bpe","merges":[[300,1]]}`, `{"kind":"bpe","merges":[[1,2],[1,2]]}`, `{"kind":"x"}`, `{`, `{"kind":"char","chars":"aa"}`} {
		if _, err := UnmarshalTokenizer([]byte(bad)); err == nil {
			t.Errorf("UnmarshalTokenizer(%s) accepted", bad)
		}
	}
}

var fuzzBPE *BPETokenizer

func bpeForFuzz(t testing.TB) *BPETokenizer {
	if fuzzBPE == nil {
		tok, err := TrainBPE(strings.Repeat("the quick brown fox jumps over the lazy dog; ünïcödé ✓✓ 12345\n", 20), 400)
		if err != nil {
			t.Fatal(err)
		}
		fuzzBPE = tok
	}
	return fuzzBPE
}

// FuzzBPERoundTrip checks that any byte string, valid UTF-8 or not, decodes back to itself.
func FuzzBPERoundTrip(f *testing.F) {
	for _, s := range []string{"", "the fox", "\xff", "ünï\x80cödé", "  \n\t 123 ;;"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tok := bpeForFuzz(t)
		ids, err := tok.Encode(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := tok.Decode(ids); !bytes.Equal([]byte(got), b) {
			t.Fatalf("round trip of %q gave %q", b, got)
		}
		if len(ids) > len(b) {
			t.Fatalf("%d ids for %d bytes", len(ids), len(b))
		}
	})
}

func TestChunksCoverText(t *testing.T) {
	for _, s := range []string{"a  b", " x", "x \xff y,, 12 ab", ""} {
		if got := strings.Join(chunks(s), ""); got != s {
			t.Errorf("chunks(%q) rejoin to %q", s, got)
		}
	}
}

func TestDataset(t *testing.T) {
	ids := make([]int, 100)
	for i := range ids {
		ids[i] = i
	}
	d, err := NewDataset(ids, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Train) != 90 || len(d.Val) != 10 || d.Val[0] != 90 {
		t.Fatalf("split %d/%d", len(d.Train), len(d.Val))
	}
	Seed(9)
	x, y, err := d.Batch("train", 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 4; b++ {
		for i := 0; i < 8; i++ {
			if y[b*8+i] != x[b*8+i]+1 || x[b*8+i] >= 90 {
				t.Fatalf("batch row %d: x %v y %v", b, x[b*8:b*8+8], y[b*8:b*8+8])
			}
		}
	}
	Seed(9)
	x2, _, _ := d.Batch("train", 4, 8)
	for i := range x {
		if x[i] != x2[i] {
			t.Fatal("batches are not reproducible under Seed")
		}
	}
	if _, _, err := d.Batch("val", 1, 10); err == nil {
		t.Error("window as long as the split accepted")
	}
	if _, _, err := d.Batch("test", 1, 2); err == nil {
		t.Error("unknown split accepted")
	}
	if _, err := NewDataset(ids, 0); err == nil {
		t.Error("train fraction 0 accepted")
	}
}

func TestCorpora(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadCorpus(dir + "/none.txt"); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(dir+"/bin", []byte{0xff, 0xfe}, 0o644)
	if _, err := ReadCorpus(dir + "/bin"); err == nil {
		t.Error("binary file accepted")
	}
	src, err := GoSourceCorpus(200000)
	if err != nil {
		t.Skip("no Go source tree:", err)
	}
	if len(src) == 0 || len(src) > 200000 || !utf8.ValidString(src) || !strings.Contains(src, "package ") {
		t.Fatalf("Go corpus of %d bytes looks wrong", len(src))
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
