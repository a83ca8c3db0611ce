package nn

import (
	"fmt"
	"strings"
	"sync"
)

// BPETokenizer is a byte-level byte-pair-encoding tokenizer: ids 0..255 are bytes, and each
// learned merge i makes id 256+i from a pair of earlier ids. Any byte string — valid UTF-8 or
// not — encodes, and decodes back to exactly the same bytes. Text is first cut into chunks
// (a word with its leading space, a number, a run of punctuation or of spaces) and merges never
// cross chunks, as in GPT-2.
type BPETokenizer struct {
	merges [][2]int       // merge i joins merges[i][0] and merges[i][1] into 256+i
	rank   map[[2]int]int // pair → merge index
	vocab  [][]byte       // id → bytes
	mu     sync.Mutex
	cache  map[string][]int // chunk → ids, guarded by mu
}

// TrainBPE learns merges on text until the vocabulary has vocabSize ids (at least 256) or no pair
// occurs twice.
func TrainBPE(text string, vocabSize int) (*BPETokenizer, error) {
	if vocabSize < 256 {
		return nil, fmt.Errorf("bpe: vocabulary size %d is below the 256 byte tokens", vocabSize)
	}
	// Count distinct chunks; train on their symbol sequences weighted by frequency.
	counts := map[string]int{}
	for _, c := range chunks(text) {
		counts[c]++
	}
	type word struct {
		syms []int
		n    int
	}
	words := make([]word, 0, len(counts))
	for c, n := range counts {
		s := make([]int, len(c))
		for i := 0; i < len(c); i++ {
			s[i] = int(c[i])
		}
		words = append(words, word{s, n})
	}
	pairs := map[[2]int]int{}
	for _, w := range words {
		for i := 0; i+1 < len(w.syms); i++ {
			pairs[[2]int{w.syms[i], w.syms[i+1]}] += w.n
		}
	}
	var merges [][2]int
	for len(merges) < vocabSize-256 {
		best, bestN := [2]int{}, 1
		for p, n := range pairs {
			if n > bestN || (n == bestN && n > 1 && less(p, best)) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		id := 256 + len(merges)
		merges = append(merges, best)
		for wi := range words {
			w := &words[wi]
			s := w.syms
			found := false
			for i := 0; i+1 < len(s); i++ {
				if s[i] == best[0] && s[i+1] == best[1] {
					found = true
					break
				}
			}
			if !found {
				continue
			}
			for i := 0; i+1 < len(s); i++ {
				pairs[[2]int{s[i], s[i+1]}] -= w.n
			}
			out := s[:0:0]
			for i := 0; i < len(s); i++ {
				if i+1 < len(s) && s[i] == best[0] && s[i+1] == best[1] {
					out = append(out, id)
					i++
				} else {
					out = append(out, s[i])
				}
			}
			w.syms = out
			for i := 0; i+1 < len(out); i++ {
				pairs[[2]int{out[i], out[i+1]}] += w.n
			}
		}
		for p, n := range pairs {
			if n <= 0 {
				delete(pairs, p)
			}
		}
	}
	return newBPE(merges)
}

func less(a, b [2]int) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }

func newBPE(merges [][2]int) (*BPETokenizer, error) {
	t := &BPETokenizer{merges: merges, rank: make(map[[2]int]int, len(merges)), cache: map[string][]int{}}
	for i := 0; i < 256; i++ {
		t.vocab = append(t.vocab, []byte{byte(i)})
	}
	for i, m := range merges {
		id := 256 + i
		if m[0] < 0 || m[0] >= id || m[1] < 0 || m[1] >= id {
			return nil, fmt.Errorf("bpe: merge %d joins %v, which are not earlier ids", i, m)
		}
		if _, dup := t.rank[m]; dup {
			return nil, fmt.Errorf("bpe: merge %d repeats the pair %v", i, m)
		}
		t.rank[m] = i
		t.vocab = append(t.vocab, append(append([]byte{}, t.vocab[m[0]]...), t.vocab[m[1]]...))
	}
	return t, nil
}

// chunks cuts text into pieces that merges do not cross; their concatenation is text.
func chunks(text string) []string {
	class := func(c byte) int {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= 0x80, c == '_':
			return 1 // letters (any non-ASCII byte counts as a letter)
		case c >= '0' && c <= '9':
			return 2
		case c == ' ', c == '\t', c == '\n', c == '\r':
			return 3
		}
		return 4 // punctuation
	}
	var out []string
	for i := 0; i < len(text); {
		j := i
		if text[j] == ' ' && j+1 < len(text) && class(text[j+1]) != 3 {
			j++ // a word keeps its leading space
		}
		c := class(text[j])
		j++
		for j < len(text) && class(text[j]) == c {
			j++
		}
		out = append(out, text[i:j])
		i = j
	}
	return out
}

// Encode returns the ids of s; it never fails (every byte has an id).
func (t *BPETokenizer) Encode(s string) ([]int, error) {
	var ids []int
	for _, c := range chunks(s) {
		ids = append(ids, t.encodeChunk(c)...)
	}
	return ids, nil
}

func (t *BPETokenizer) encodeChunk(c string) []int {
	t.mu.Lock()
	ids, ok := t.cache[c]
	t.mu.Unlock()
	if ok {
		return ids
	}
	s := make([]int, len(c))
	for i := 0; i < len(c); i++ {
		s[i] = int(c[i])
	}
	for len(s) > 1 {
		best, at := -1, -1
		for i := 0; i+1 < len(s); i++ {
			if r, ok := t.rank[[2]int{s[i], s[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if best < 0 {
			break
		}
		pair := t.merges[best]
		out := s[:at]
		for i := at; i < len(s); i++ {
			if i+1 < len(s) && s[i] == pair[0] && s[i+1] == pair[1] {
				out = append(out, 256+best)
				i++
			} else {
				out = append(out, s[i])
			}
		}
		s = out
	}
	t.mu.Lock()
	if len(t.cache) < 1<<16 {
		t.cache[c] = s
	}
	t.mu.Unlock()
	return s
}

// Decode returns the bytes of ids as a string; ids outside the vocabulary decode to U+FFFD.
func (t *BPETokenizer) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(t.vocab) {
			b.WriteString("\uFFFD")
			continue
		}
		b.Write(t.vocab[id])
	}
	return b.String()
}

// VocabSize returns 256 plus the number of merges.
func (t *BPETokenizer) VocabSize() int { return len(t.vocab) }

// Kind returns "bpe".
func (t *BPETokenizer) Kind() string { return "bpe" }

// Token returns the bytes of one id (nil when out of range), e.g. to show the learned vocabulary.
func (t *BPETokenizer) Token(id int) []byte {
	if id < 0 || id >= len(t.vocab) {
		return nil
	}
	return append([]byte(nil), t.vocab[id]...)
}
