package session

import (
	"context"
	"runtime"
	"strings"
	"testing"
)

// TestManyExecutes runs 1,000 cells and checks the heap stays bounded (what the session keeps per cell
// is its source text for error mapping and yaegi's compiled nodes).
func TestManyExecutes(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 cells")
	}
	s := newSession(t)
	rec := &recorder{}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for i := 0; i < 50; i++ {
		s.Execute(context.Background(), "y := 1 + 1\nfmt.Print(\"\")\ny", rec)
	}
	before := heap()
	for i := 0; i < 1000; i++ {
		if _, err := s.Execute(context.Background(), "y := 1 + 1\nfmt.Print(\"\")\ny", rec); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	t.Logf("heap before %d KiB, after 1,000 cells %d KiB (%.1f KiB per cell)", before>>10, after>>10, float64(after-before)/1024/1000)
	if after > before+64<<20 {
		t.Errorf("heap grew from %d to %d bytes over 1,000 cells", before, after)
	}
	// Positions still map after many cells (go/token caps line numbers at 2³⁰).
	for i := 0; i < 1200; i++ {
		s.Execute(context.Background(), "1", rec)
	}
	e, _ := runErr(t, s, "a := 1\nb := a + missing")
	if !strings.Contains(e.Value, ":2:10: undefined: missing") || !strings.HasPrefix(e.Value, "cell[") {
		t.Errorf("after 2,250 cells: %s", e.Value)
	}
}

// TestReleaseTemporaries pins the yaegi fields release.go relies on, then checks what releasing buys
// and what it must not take: 300 cells whose top-level code creates a closure beside a 1 MiB temporary
// (as plots.Fn{F: func…} does beside a figure) keep the heap flat, where yaegi alone kept every one of
// them (300 MiB); variables, closures kept in variables, functions and types of earlier cells still
// work afterwards, and a closure still sees later assignments to the variables it uses.
func TestReleaseTemporaries(t *testing.T) {
	s := newSession(t)
	if s.yaegi == nil {
		t.Fatal("the interpreter's layout is not the one release.go knows (yaegi upgraded?): cells' temporaries would be kept for ever")
	}
	run(t, s, "n := 1\ncount := func() int { return n * 10 }\nfunc twice(x int) int { return 2 * x }\ntype pair struct{ a, b int }")
	// Closures handed to compiled code read the variables of the top-level blocks they were made in
	// from the global frame, after their cell too: those slots belong to the variables.
	run(t, s, "var fns []plots.Fn")
	run(t, s, "for _, k := range []float64{2, 3} {\n\tfns = append(fns, plots.Fn{F: func(x float64) float64 { return k * x }})\n}\n"+
		"{\n\tz := 5.0\n\tfns = append(fns, plots.Fn{F: func(x float64) float64 { return z * x }})\n}")
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	cell := "len(make([]byte, 1<<20)) + func() int { return n }()"
	for range 20 {
		run(t, s, cell)
	}
	before := heap()
	for range 300 {
		run(t, s, cell)
	}
	after := heap()
	t.Logf("heap before %d KiB, after 300 cells %d KiB", before>>10, after>>10)
	if after > before+32<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB over 300 cells with a 1 MiB temporary each", before>>10, after>>10)
	}
	run(t, s, "n = 4")
	res, _ := run(t, s, "count() + twice(n) + pair{1, 2}.b")
	if got := res["text/plain"]; got != "50" {
		t.Errorf("after releasing: count() + twice(n) + pair{1, 2}.b = %v, want 50", got)
	}
	if res, _ := run(t, s, "fns[1].F(1) + fns[2].F(1)"); res["text/plain"] != "8" {
		t.Errorf("closures over a loop's and a block's variables, cells later: fns[1].F(1) + fns[2].F(1) = %v, want 3 + 5", res["text/plain"])
	}
}
