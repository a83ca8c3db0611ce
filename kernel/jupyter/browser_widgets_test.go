//go:build unix

package jupyter

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// widgetsNotebook is one knob cell: a slider for the slope of a line, and Interact redrawing the line.
func widgetsNotebook(kernelName string) []byte {
	code := `w := widgets.NewFloatSlider("w", 0.5, -2, 2, 0.5)
widgets.Interact(func(w float64) *plots.Figure {
	return plots.Func(fmt.Sprintf("y = %.1f·x", w), -3, 3, plots.Fn{Name: "y", F: func(x float64) float64 { return w * x }})
}, w)`
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"cells":    []any{map[string]any{"cell_type": "code", "execution_count": nil, "metadata": map[string]any{}, "outputs": []any{}, "source": code}},
		"metadata": map[string]any{"kernelspec": map[string]any{"name": kernelName, "display_name": "Go (notmagic test)", "language": "go"}},
	}
	b, _ := json.MarshalIndent(nb, "", " ")
	return b
}

// TestBrowserWidgets opens a knob cell in the classic Notebook with the ipywidgets JavaScript Debian
// ships (jupyter-js-widgets 2.1), runs it, checks that a slider and a figure render, moves the slider
// with the keyboard as a user would, and checks that the figure changed (its image bytes differ).
func TestBrowserWidgets(t *testing.T) {
	requireBrowser(t)
	requireWidgetsJS(t)
	br, page, shot := openNotebook(t, "widgets.ipynb", widgetsNotebook)
	ready := `typeof Jupyter !== "undefined" && !!Jupyter.notebook && !!Jupyter.notebook.kernel &&
		Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel_busy === false`
	if err := br.waitTrue(page, ready, 90*time.Second); err != nil {
		shot("browser-widgets-failed.png")
		t.Fatalf("the notebook never showed a connected kernel: %v", err)
	}
	// The widget manager checks versions on a comm it opens when the kernel connects; the kernel learns
	// the frontend's protocol from its answer. Run the cell once that exchange is over, as a user would
	// (it takes milliseconds; a script clicking at once could beat it).
	versionComm := `Object.values(Jupyter.notebook.kernel.comm_manager.comms).length > 0`
	if err := br.waitTrue(page, versionComm, 30*time.Second); err != nil {
		shot("browser-widgets-failed.png")
		t.Fatalf("the widget manager opened no version comm: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := br.eval(page, `(() => { const a = document.querySelector("#run_all_cells a"); a.click(); return !!a; })()`); err != nil {
		t.Fatal(err)
	}
	figure := `(() => { const img = document.querySelector(".widget-area img, .jupyter-widgets img, .widget-output img");
		return img && img.complete && img.naturalWidth > 0 ? img.src : ""; })()`
	var before string
	waitFigure := func(not string) string {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			raw, err := br.eval(page, figure)
			var src string
			if err == nil {
				json.Unmarshal(raw, &src)
			}
			if src != "" && src != not {
				return src
			}
			time.Sleep(250 * time.Millisecond)
		}
		return ""
	}
	if before = waitFigure(""); before == "" {
		shot("browser-widgets-failed.png")
		state, _ := br.eval(page, `document.querySelector("#notebook").innerText`)
		t.Fatalf("no slider figure rendered; page text: %s", state)
	}
	readout := `(() => { const r = document.querySelector(".widget-readout"); return r ? r.innerText : ""; })()`
	r0, _ := br.eval(page, readout)
	shot("browser-widgets-before.png")
	// Focus the slider's handle and press the right arrow twice: one step (0.5) each.
	if _, err := br.eval(page, `(() => { const h = document.querySelector(".ui-slider-handle"); h.focus(); return !!h; })()`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		for _, typ := range []string{"keyDown", "keyUp"} {
			if _, err := br.call(page, "Input.dispatchKeyEvent", map[string]any{"type": typ, "key": "ArrowRight", "code": "ArrowRight", "windowsVirtualKeyCode": 39}); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := waitFigure(before)
	r1, _ := br.eval(page, readout)
	shot("browser-widgets-after.png")
	if after == "" {
		t.Fatalf("the figure did not change after the slider moved (readout %s → %s)", r0, r1)
	}
	if string(r0) == string(r1) || !strings.Contains(string(r1), "1.5") {
		t.Errorf("slider readout %s → %s, want 1.5 after two steps", r0, r1)
	}
	t.Logf("slider %s → %s; figure %d → %d bytes of data URL", r0, r1, len(before), len(after))
}

// requireWidgetsJS skips unless Debian's widget JavaScript for the classic Notebook is installed (CI
// installs it: jupyter-nbextension-jupyter-js-widgets), failing instead under NOTMAGIC_REQUIRE_BROWSER=1.
func requireWidgetsJS(t *testing.T) {
	const js = "/usr/share/jupyter/nbextensions/jupyter-js-widgets/extension.js"
	if _, err := os.Stat(js); err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_BROWSER") == "1" {
			t.Fatalf("missing %s (apt-get install jupyter-nbextension-jupyter-js-widgets)", js)
		}
		t.Skipf("missing %s (apt-get install jupyter-nbextension-jupyter-js-widgets)", js)
	}
}
