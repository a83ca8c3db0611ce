package jupyter

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// historyEntry is one executed cell.
type historyEntry struct {
	Session int    `json:"session"`
	Line    int    `json:"line"`
	Input   string `json:"input"`
	Output  string `json:"output,omitempty"`
}

// history keeps the executed cells of this kernel (session number current) and, with a file, of earlier
// kernels (sessions current-1, current-2, ...). Entries are appended to the file as JSON lines.
type history struct {
	mu      sync.Mutex
	entries []historyEntry
	current int
	file    *os.File
}

func openHistory(name string) (*history, error) {
	h := &history{current: 1}
	if name == "" {
		return h, nil
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history file: %w", err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 64<<20)
	for sc.Scan() {
		var e historyEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Session <= 0 {
			continue // skip damaged lines rather than refusing to start
		}
		h.entries = append(h.entries, e)
		if e.Session >= h.current {
			h.current = e.Session + 1
		}
	}
	h.file = f
	return h, nil
}

func (h *history) add(line int, input, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := historyEntry{Session: h.current, Line: line, Input: input, Output: output}
	h.entries = append(h.entries, e)
	if h.file != nil {
		b, _ := json.Marshal(e)
		h.file.Write(append(b, '\n'))
	}
}

// historyRequest is the content of a history_request.
type historyRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           *int   `json:"stop"`
	N              *int   `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// query answers a history request: tail (last n), range (session, start ≤ line < stop; session 0 is
// this kernel, negative counts back) or search (glob pattern, last n matches, unique inputs).
func (h *history) query(r historyRequest) [][]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var sel []historyEntry
	switch r.HistAccessType {
	case "range":
		s := r.Session
		if s <= 0 {
			s += h.current
		}
		for _, e := range h.entries {
			if e.Session == s && e.Line >= r.Start && (r.Stop == nil || e.Line < *r.Stop) {
				sel = append(sel, e)
			}
		}
	case "search":
		pat := r.Pattern
		if pat == "" {
			pat = "*"
		}
		seen := map[string]bool{}
		for i := len(h.entries) - 1; i >= 0; i-- {
			e := h.entries[i]
			if !globMatch(pat, e.Input) {
				continue
			}
			if r.Unique {
				if seen[e.Input] {
					continue
				}
				seen[e.Input] = true
			}
			sel = append(sel, e)
			if r.N != nil && *r.N > 0 && len(sel) == *r.N {
				break
			}
		}
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	default: // "tail"
		sel = h.entries
		if r.N != nil && *r.N >= 0 && *r.N < len(sel) {
			sel = sel[len(sel)-*r.N:]
		}
	}
	out := make([][]any, 0, len(sel))
	for _, e := range sel {
		if r.Output {
			var o any
			if e.Output != "" {
				o = e.Output
			}
			out = append(out, []any{e.Session, e.Line, []any{e.Input, o}})
		} else {
			out = append(out, []any{e.Session, e.Line, e.Input})
		}
	}
	return out
}

func (h *history) close() error {
	if h.file != nil {
		return h.file.Close()
	}
	return nil
}

// globMatch reports whether s matches pattern, where * matches any text (newlines included) and ?
// any one character, as history searches use them.
func globMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
