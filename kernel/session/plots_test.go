package session

import (
	"strings"
	"testing"
)

// A plots figure as a cell's last expression is an inline PNG; Progress frames become one display
// updated in place.
func TestPlots(t *testing.T) {
	s := newSession(t)
	res, _ := run(t, s, `plots.Line("loss", plots.S("train", []float64{3, 2, 1.5, 1.2}))`)
	if _, ok := res["image/png"].(string); !ok || !strings.Contains(res["text/plain"].(string), "loss") {
		t.Fatalf("figure result: %v", res["text/plain"])
	}
	_, rec := run(t, s, `p := plots.NewProgress(50, "Training loss")
for step := range 50 {
	p.Add(step, "train", 2/float64(step+1))
	p.Update(step, "")
	time.Sleep(10 * time.Millisecond)
}
p.Done()`)
	if len(rec.displays) < 2 {
		t.Fatalf("got %d live frames, want a first one and updates", len(rec.displays))
	}
	first, last := rec.displays[0], rec.displays[len(rec.displays)-1]
	if first.ID == "" || first.Update || last.ID != first.ID || !last.Update {
		t.Errorf("frames: first %+v, last id %q update %v", first.ID, last.ID, last.Update)
	}
	if _, ok := last.Data["image/png"]; !ok {
		t.Errorf("final frame has no chart: %v", last.Data["text/plain"])
	}
}
