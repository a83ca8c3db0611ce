package nn

import "strings"

// LineIndex finds, for a line of text, the most similar line of a corpus: the one sharing the largest
// part of its distinct three-character pieces (trigrams). It tells text a model copied from its training
// data from text it put together anew (lesson 12).
type LineIndex struct {
	lines []string           // the distinct corpus lines indexed, trimmed
	has   map[string]bool    // the same, as a set
	tri   map[string][]int32 // trigram → the lines holding it, each once
	size  []int32            // distinct trigrams per line
}

// NewLineIndex indexes the distinct lines of corpus that are at least minLen bytes long once trimmed
// of surrounding space.
func NewLineIndex(corpus string, minLen int) *LineIndex {
	x := &LineIndex{has: map[string]bool{}, tri: map[string][]int32{}}
	for _, l := range strings.Split(corpus, "\n") {
		l = strings.TrimSpace(l)
		if len(l) < minLen || x.has[l] {
			continue
		}
		x.has[l] = true
		i := int32(len(x.lines))
		x.lines = append(x.lines, l)
		ts := trigrams(l)
		for t := range ts {
			x.tri[t] = append(x.tri[t], i)
		}
		x.size = append(x.size, int32(len(ts)))
	}
	return x
}

// trigrams returns the distinct three-byte pieces of s.
func trigrams(s string) map[string]bool {
	ts := map[string]bool{}
	for j := 0; j+3 <= len(s); j++ {
		ts[s[j:j+3]] = true
	}
	return ts
}

// Len returns the number of lines indexed.
func (x *LineIndex) Len() int { return len(x.lines) }

// Contains reports whether line (trimmed) is a line of the corpus, verbatim.
func (x *LineIndex) Contains(line string) bool { return x.has[strings.TrimSpace(line)] }

// Nearest returns the corpus line most similar to line and their overlap: the distinct trigrams they
// share over the distinct trigrams of the larger of the two (1 for the same line, 0 when nothing is
// shared, with "" for the match). Ties go to the earlier corpus line.
func (x *LineIndex) Nearest(line string) (match string, overlap float64) {
	q := trigrams(strings.TrimSpace(line))
	shared := map[int32]int{}
	for t := range q {
		for _, i := range x.tri[t] {
			shared[i]++
		}
	}
	best := int32(-1)
	for i, n := range shared {
		s := float64(n) / float64(max(len(q), int(x.size[i])))
		if s > overlap || (s == overlap && i < best) {
			best, overlap = i, s
		}
	}
	if best < 0 {
		return "", 0
	}
	return x.lines[best], overlap
}
