package session

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// richPNG, richHTML and richMD are compiled types with rich renderers, as lib packages define them.
type richPNG struct{}

func (richPNG) PNG() ([]byte, error) {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(0, 0, color.White)
	err := png.Encode(&b, img)
	return b.Bytes(), err
}
func (richPNG) String() string { return "<rich png>" }

type richHTML struct{}

func (richHTML) HTML() string { return "<b>bold</b>" }

type richMD struct{}

func (richMD) Markdown() string { return "*md*" }

var richSymbols = map[string]map[string]reflect.Value{
	"example.com/rich/rich": {
		"PNG":  reflect.ValueOf(func() richPNG { return richPNG{} }),
		"HTML": reflect.ValueOf(func() richHTML { return richHTML{} }),
		"MD":   reflect.ValueOf(func() richMD { return richMD{} }),
	},
}

func TestRichResults(t *testing.T) {
	s, err := New(Options{Symbols: richSymbols})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run(t, s, `import "example.com/rich"`)
	res, _ := run(t, s, "rich.PNG()")
	b, err := base64.StdEncoding.DecodeString(res["image/png"].(string))
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) || res["text/plain"] != "<rich png>" {
		t.Errorf("PNG result: %v", res)
	}
	if res, _ := run(t, s, "rich.HTML()"); res["text/html"] != "<b>bold</b>" {
		t.Errorf("HTML result: %v", res)
	}
	if res, _ := run(t, s, "rich.MD()"); res["text/markdown"] != "*md*" {
		t.Errorf("Markdown result: %v", res)
	}
	if res, _ := run(t, s, "import \"image\"\nimage.NewGray(image.Rect(0, 0, 2, 2))"); res["image/png"] == nil {
		t.Errorf("image.Image result: %v", res)
	}
	if res, _ := run(t, s, "nn.Ones(2, 2)"); !strings.Contains(res["text/plain"].(string), "1") {
		t.Errorf("tensor result: %v", res)
	}
}

func TestDisplayAPI(t *testing.T) {
	s := newSession(t)
	_, rec := run(t, s, `display.Markdown("# Title")
display.HTML("<i>x</i>")
display.LaTeX("e^{i\\pi} = -1")
display.JSON(map[string]int{"a": 1})
display.SVG("<svg xmlns='http://www.w3.org/2000/svg'></svg>")
display.Update("p", "step 1")
display.Update("p", "step 2")
display.Clear()
display.PNG([]byte("not a png"))`)
	want := []string{"text/markdown", "text/html", "text/latex", "application/json", "image/svg+xml", "text/plain", "text/plain", "text/plain"}
	if len(rec.displays) != len(want) {
		t.Fatalf("got %d displays: %v", len(rec.displays), rec.displays)
	}
	for i, w := range want {
		if _, ok := rec.displays[i].Data[w]; !ok {
			t.Errorf("display %d lacks %s: %v", i, w, rec.displays[i].Data)
		}
	}
	if d := rec.displays[5]; d.ID != "p" || d.Update {
		t.Errorf("first Update: %+v", d)
	}
	if d := rec.displays[6]; d.ID != "p" || !d.Update || d.Data["text/plain"] != `"step 2"` {
		t.Errorf("second Update: %+v", d)
	}
	if rec.clears != 1 {
		t.Errorf("clears = %d", rec.clears)
	}
	if !strings.Contains(rec.displays[7].Data["text/plain"].(string), "not a PNG") {
		t.Errorf("bad PNG not reported: %v", rec.displays[7].Data)
	}
}

func TestImagesToFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Options{ImageDir: dir, Direct: true, Symbols: richSymbols})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run(t, s, `import "example.com/rich"`)
	res, _ := run(t, s, "rich.PNG()")
	p := filepath.Join(dir, "image-001.png")
	if res["text/plain"] != "[image: "+p+"]" {
		t.Errorf("result %v", res)
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("image file: %v", err)
	}
	_, rec := run(t, s, "display.Show(rich.PNG())")
	if len(rec.displays) != 1 || !strings.Contains(rec.displays[0].Data["text/plain"].(string), "image-002.png") {
		t.Errorf("display in file mode: %v", rec.displays)
	}
}
