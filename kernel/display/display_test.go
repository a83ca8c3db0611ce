package display

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/kernel/display/hook"
)

type sinkRec struct {
	data   []map[string]any
	ids    []string
	update []bool
	clears int
}

func (s *sinkRec) Display(d, _ map[string]any, id string, up bool) {
	s.data = append(s.data, d)
	s.ids = append(s.ids, id)
	s.update = append(s.update, up)
}
func (s *sinkRec) Clear(bool) { s.clears++ }

type failingPNG struct{}

func (failingPNG) PNG() ([]byte, error) { return nil, errors.New("no renderer") }

type stringer struct{}

func (*stringer) String() string { panic("boom") }

func TestBundle(t *testing.T) {
	cases := []struct {
		v        any
		mime     string
		wantText string
	}{
		{"s", MIMEText, `"s"`},
		{42, MIMEText, "42"},
		{errors.New("bad"), MIMEText, "bad"},
		{image.NewGray(image.Rect(0, 0, 2, 2)), MIMEPNG, ""},
		{failingPNG{}, MIMEText, "PNG rendering failed: no renderer"},
		{(*stringer)(nil), MIMEText, "<nil>"}, // fmt reports a nil receiver whose String panics
		{nil, MIMEText, "<nil>"},
	}
	for _, c := range cases {
		d, _ := Bundle(c.v)
		if _, ok := d[c.mime]; !ok {
			t.Errorf("Bundle(%T) lacks %s: %v", c.v, c.mime, d)
		}
		if txt, _ := d[MIMEText].(string); !strings.Contains(txt, c.wantText) {
			t.Errorf("Bundle(%T) text %q, want %q", c.v, txt, c.wantText)
		}
	}
}

func TestSinkAndUpdate(t *testing.T) {
	rec := &sinkRec{}
	old := hook.Set(rec)
	defer hook.Set(old)
	ResetIDs()
	Markdown("m")
	Update("x", 1)
	Update("x", 2)
	Update("y", 3)
	Clear()
	if len(rec.data) != 4 || rec.clears != 1 {
		t.Fatalf("got %d displays, %d clears", len(rec.data), rec.clears)
	}
	if got := []bool{rec.update[1], rec.update[2], rec.update[3]}; got[0] || !got[1] || got[2] {
		t.Errorf("update flags %v", got)
	}
	JSON(func() {})
	if txt := rec.data[4][MIMEText].(string); !strings.Contains(txt, "display.JSON") {
		t.Errorf("unmarshalable JSON: %q", txt)
	}
}

func TestQuick(t *testing.T) {
	for _, c := range []struct {
		v    string
		want bool
	}{{"1", true}, {"true", true}, {"", false}, {"0", false}, {"no", false}} {
		t.Setenv("NOTMAGIC_QUICK", c.v)
		if Quick() != c.want {
			t.Errorf("NOTMAGIC_QUICK=%q: Quick() = %v", c.v, !c.want)
		}
	}
}

// Outside a session, display calls print their text form.
func ExampleMarkdown() {
	old := hook.Set(nil)
	defer hook.Set(old)
	Markdown("# Loss went down")
	Show([]int{1, 2})
	// Output:
	// # Loss went down
	// [1 2]
}

type sizedPNG struct{ b []byte }

func (s sizedPNG) PNG() ([]byte, error)             { return s.b, nil }
func (s sizedPNG) DisplaySize() (width, height int) { return 80, 50 }

func TestBundleUsesDisplaySize(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 160, 100))); err != nil {
		t.Fatal(err)
	}
	_, meta := Bundle(sizedPNG{buf.Bytes()})
	m, _ := meta[MIMEPNG].(map[string]any)
	if m["width"] != 80 || m["height"] != 50 {
		t.Fatalf("image/png metadata %v, want the display size 80×50 rather than the pixel size", meta)
	}
}
