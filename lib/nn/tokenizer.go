package nn

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Tokenizer turns text into token ids and back.
type Tokenizer interface {
	// Encode returns the ids of s, or an error naming the first text it cannot represent.
	Encode(s string) ([]int, error)
	// Decode returns the text of ids; ids outside the vocabulary decode to U+FFFD.
	Decode(ids []int) string
	// VocabSize is the number of distinct ids.
	VocabSize() int
	// Kind names the tokenizer type ("char" or "bpe"), as stored in checkpoints.
	Kind() string
}

// CharTokenizer maps each distinct character (rune) of a corpus to an id, in sorted order, as the
// recipe does (65 characters for tinyshakespeare).
type CharTokenizer struct {
	chars []rune
	index map[rune]int
}

// NewCharTokenizer returns the tokenizer whose vocabulary is the sorted set of distinct runes of text.
// Invalid UTF-8 bytes count as U+FFFD.
func NewCharTokenizer(text string) *CharTokenizer {
	seen := map[rune]bool{}
	for _, r := range text {
		seen[r] = true
	}
	chars := make([]rune, 0, len(seen))
	for r := range seen {
		chars = append(chars, r)
	}
	sort.Slice(chars, func(i, j int) bool { return chars[i] < chars[j] })
	return charTokenizerFrom(chars)
}

func charTokenizerFrom(chars []rune) *CharTokenizer {
	t := &CharTokenizer{chars: chars, index: make(map[rune]int, len(chars))}
	for i, r := range chars {
		t.index[r] = i
	}
	return t
}

// Encode returns one id per rune of s.
func (t *CharTokenizer) Encode(s string) ([]int, error) {
	ids := make([]int, 0, len(s))
	for off, r := range s {
		id, ok := t.index[r]
		if !ok {
			return nil, fmt.Errorf("char tokenizer: %q at byte %d is not in the vocabulary of %d characters", r, off, len(t.chars))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Decode returns the characters of ids.
func (t *CharTokenizer) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(t.chars) {
			b.WriteRune(utf8.RuneError)
			continue
		}
		b.WriteRune(t.chars[id])
	}
	return b.String()
}

// VocabSize returns the number of characters.
func (t *CharTokenizer) VocabSize() int { return len(t.chars) }

// Kind returns "char".
func (t *CharTokenizer) Kind() string { return "char" }

// Chars returns the vocabulary in id order.
func (t *CharTokenizer) Chars() []rune { return append([]rune(nil), t.chars...) }

type tokenizerJSON struct {
	Kind   string   `json:"kind"`
	Chars  string   `json:"chars,omitempty"`  // char: the vocabulary in id order
	Merges [][2]int `json:"merges,omitempty"` // bpe: merged pairs in rank order; id 256+i is merge i
}

// MarshalTokenizer serialises a CharTokenizer or BPETokenizer to JSON (as stored in checkpoints).
func MarshalTokenizer(t Tokenizer) ([]byte, error) {
	switch t := t.(type) {
	case *CharTokenizer:
		return json.Marshal(tokenizerJSON{Kind: "char", Chars: string(t.chars)})
	case *BPETokenizer:
		return json.Marshal(tokenizerJSON{Kind: "bpe", Merges: t.merges})
	}
	return nil, fmt.Errorf("tokenizer: cannot serialise %T", t)
}

// UnmarshalTokenizer rebuilds a tokenizer from MarshalTokenizer's JSON.
func UnmarshalTokenizer(b []byte) (Tokenizer, error) {
	var j tokenizerJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	switch j.Kind {
	case "char":
		chars := []rune(j.Chars)
		seen := map[rune]bool{}
		for _, r := range chars {
			if seen[r] {
				return nil, fmt.Errorf("tokenizer: character %q appears twice", r)
			}
			seen[r] = true
		}
		return charTokenizerFrom(chars), nil
	case "bpe":
		return newBPE(j.Merges)
	}
	return nil, fmt.Errorf("tokenizer: unknown kind %q", j.Kind)
}
