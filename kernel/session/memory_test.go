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
