//go:build unix

package jupyter

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	chromiumPath        = "/usr/bin/chromium"
	jupyterNotebookPath = "/usr/bin/jupyter-notebook"
)

// requireBrowser skips the test when Chromium or the classic Jupyter Notebook is missing, unless
// NOTMAGIC_REQUIRE_BROWSER=1 (CI), where it fails.
func requireBrowser(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	var missing []string
	for _, p := range []string{chromiumPath, jupyterNotebookPath} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if err := exec.Command(systemPython, "-c", "import notebook, jupyter_client").Run(); err != nil {
		missing = append(missing, "python3 notebook")
	}
	if len(missing) > 0 {
		msg := "missing " + strings.Join(missing, ", ")
		if os.Getenv("NOTMAGIC_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set NOTMAGIC_REQUIRE_BROWSER=1 to fail instead)")
	}
}

// browserNotebook is the notebook the browser test opens: a printed line, a computed result and an
// inline image drawn by the cell.
func browserNotebook(kernelName string) []byte {
	cells := []string{
		`fmt.Println("hello from the browser test")`,
		"answer := 6 * 7\nanswer",
		"import (\n\t\"image\"\n\t\"image/color\"\n)\n\n" +
			"img := image.NewRGBA(image.Rect(0, 0, 160, 100))\n" +
			"for y := 0; y < 100; y++ {\n\tfor x := 0; x < 160; x++ {\n" +
			"\t\timg.Set(x, y, color.RGBA{uint8(x * 255 / 160), uint8(y * 255 / 100), 200, 255})\n\t}\n}\n" +
			"display.Image(img)",
	}
	var cs []map[string]any
	for _, c := range cells {
		cs = append(cs, map[string]any{"cell_type": "code", "execution_count": nil, "metadata": map[string]any{},
			"outputs": []any{}, "source": c})
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "cells": cs,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": kernelName, "display_name": "Go (notmagic test)", "language": "go"}},
	}
	b, _ := json.MarshalIndent(nb, "", " ")
	return b
}

// TestBrowserNotebook opens a notebook in the classic Jupyter Notebook with headless Chromium, runs all
// cells through the UI's "Run All" menu item, checks that the page shows a cell's text output, a result
// and an inline image, and saves a screenshot to $NOTMAGIC_ARTIFACTS (or a temporary folder).
func TestBrowserNotebook(t *testing.T) {
	requireBrowser(t)
	br, page, shot := openNotebook(t, "browser.ipynb", browserNotebook)
	// Wait for the notebook UI and a connected, idle kernel.
	ready := `typeof Jupyter !== "undefined" && !!Jupyter.notebook && !!Jupyter.notebook.kernel &&
		Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel_busy === false`
	if err := br.waitTrue(page, ready, 90*time.Second); err != nil {
		shot("browser-notebook-failed.png")
		t.Fatalf("the notebook never showed a connected kernel: %v", err)
	}
	// Cell > Run All, through the menu as a user would.
	if _, err := br.eval(page, `(() => { const a = document.querySelector("#run_all_cells a"); a.click(); return !!a; })()`); err != nil {
		t.Fatal(err)
	}
	done := `(() => { const cs = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
		return cs.length === 3 && cs.every(c => typeof c.input_prompt_number === "number") &&
			!Jupyter.notebook.kernel_busy; })()`
	if err := br.waitTrue(page, done, 90*time.Second); err != nil {
		shot("browser-notebook-failed.png")
		t.Fatalf("cells did not finish: %v", err)
	}
	// Let the last outputs render and CodeMirror re-measure the inputs (headless pages lay out lazily).
	br.eval(page, `Jupyter.notebook.get_cells().forEach(c => c.code_mirror && c.code_mirror.refresh())`)
	time.Sleep(300 * time.Millisecond)
	check := `(() => {
		const outs = [...document.querySelectorAll(".output_area")];
		const text = outs.map(o => o.innerText).join("\n");
		const img = document.querySelector(".output_png img");
		return JSON.stringify({
			text: text,
			prompts: [...document.querySelectorAll(".input_prompt")].map(p => p.innerText.replace(/\s+/g, " ").trim()),
			img: img ? {src: img.src.slice(0, 22), w: img.naturalWidth, h: img.naturalHeight, complete: img.complete} : null,
			errors: document.querySelectorAll(".output_error").length,
		});
	})()`
	raw, err := br.eval(page, check)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	json.Unmarshal(raw, &s)
	var got struct {
		Text    string
		Prompts []string
		Img     *struct {
			Src      string
			W, H     int
			Complete bool
		}
		Errors int
	}
	if err := json.Unmarshal([]byte(s), &got); err != nil {
		t.Fatalf("page state %s: %v", raw, err)
	}
	shot("browser-notebook.png")
	t.Logf("page: prompts %v, image %+v", got.Prompts, got.Img)
	if !strings.Contains(got.Text, "hello from the browser test") {
		t.Errorf("the page does not show the printed line; outputs:\n%s", got.Text)
	}
	if !strings.Contains(got.Text, "42") {
		t.Errorf("the page does not show the result 42; outputs:\n%s", got.Text)
	}
	if got.Img == nil || got.Img.Src != "data:image/png;base64," || got.Img.W != 160 || got.Img.H != 100 {
		t.Errorf("no inline 160×100 PNG image on the page: %+v", got.Img)
	}
	if got.Errors != 0 {
		t.Errorf("%d error outputs on the page:\n%s", got.Errors, got.Text)
	}
}

// openNotebook starts the classic Notebook server (loopback, a random token) on a folder holding the
// notebook that build makes for the test kernel, and opens it in headless Chromium. It returns the
// browser, the page's DevTools session and a function that saves a screenshot as an artifact.
func openNotebook(t *testing.T, file string, build func(kernelName string) []byte) (*chromium, string, func(name string)) {
	t.Helper()
	env, name := installTestKernel(t)
	root := t.TempDir()
	nbDir := filepath.Join(root, "notebooks")
	os.MkdirAll(nbDir, 0o755)
	if err := os.WriteFile(filepath.Join(nbDir, file), build(name), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePorts(t, "127.0.0.1", 1)[0]
	var tok [16]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	// The notebook server, on loopback only.
	server := exec.Command(jupyterNotebookPath, "--no-browser", "--allow-root", "--ip=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--port-retries=0", "--NotebookApp.token="+token,
		"--NotebookApp.notebook_dir="+nbDir, "--NotebookApp.open_browser=False")
	server.Env = env
	serverLog := &syncBuffer{}
	server.Stdout, server.Stderr = serverLog, serverLog
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-server.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-server.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("notebook server log:\n%s", tail(serverLog.String(), 6000))
		}
	})
	if err := waitHTTP(base+"/api/status?token="+token, 60*time.Second); err != nil {
		t.Fatalf("notebook server: %v", err)
	}

	br, err := startChromium(filepath.Join(root, "chromium-profile"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(br.close)
	page, err := br.openPage(base + "/notebooks/" + file + "?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		res, err := br.call(page, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
		if err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		var r struct{ Data string }
		json.Unmarshal(res, &r)
		png, _ := base64.StdEncoding.DecodeString(r.Data)
		path := filepath.Join(artifactsDir(t), name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Errorf("screenshot: %v", err)
			return
		}
		t.Logf("screenshot (%d bytes): %s", len(png), path)
	}
	return br, page, shot
}

func waitHTTP(url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// chromium is headless Chromium driven through the DevTools protocol over --remote-debugging-pipe
// (NUL-separated JSON on file descriptors 3 and 4): no port, nothing reachable from outside.
type chromium struct {
	cmd  *exec.Cmd
	w    io.WriteCloser
	log  *syncBuffer
	mu   sync.Mutex
	next int
	wait map[int]chan cdpReply
	dead chan struct{}
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func startChromium(profile string) (*chromium, error) {
	toChrome, chromeIn, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	chromeOut, fromChrome, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(chromiumPath, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--window-size=1280,1400",
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3: commands in, fd 4: replies out
	b := &chromium{cmd: cmd, w: chromeIn, log: &syncBuffer{}, wait: map[int]chan cdpReply{}, dead: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = b.log, b.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
	toChrome.Close()
	fromChrome.Close()
	go b.readLoop(bufio.NewReader(chromeOut))
	return b, nil
}

func (b *chromium) readLoop(r *bufio.Reader) {
	defer close(b.dead)
	for {
		msg, err := r.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.wait[m.ID]
		delete(b.wait, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
}

// call sends a DevTools command (to the page session, or the browser when session is "").
func (b *chromium) call(session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpReply, 1)
	b.wait[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	js, _ := json.Marshal(msg)
	if _, err := b.w.Write(append(js, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		return r.Result, nil
	case <-b.dead:
		return nil, fmt.Errorf("%s: chromium exited:\n%s", method, tail(b.log.String(), 3000))
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s: no answer within 60s", method)
	}
}

// openPage creates a tab at url and returns its DevTools session id.
func (b *chromium) openPage(url string) (string, error) {
	res, err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return "", err
	}
	var tgt struct{ TargetID string }
	json.Unmarshal(res, &tgt)
	res, err = b.call("", "Target.attachToTarget", map[string]any{"targetId": tgt.TargetID, "flatten": true})
	if err != nil {
		return "", err
	}
	var att struct{ SessionID string }
	json.Unmarshal(res, &att)
	if _, err := b.call(att.SessionID, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1280, "height": 1400, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		return "", err
	}
	if _, err := b.call(att.SessionID, "Page.navigate", map[string]any{"url": url}); err != nil {
		return "", err
	}
	return att.SessionID, nil
}

// eval evaluates a JavaScript expression in the page and returns its JSON value.
func (b *chromium) eval(session, expr string) (json.RawMessage, error) {
	res, err := b.call(session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != nil {
		return nil, err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return nil, err
	}
	if r.ExceptionDetails != nil {
		return nil, errors.New(r.ExceptionDetails.Text + " " + r.ExceptionDetails.Exception.Description)
	}
	return r.Result.Value, nil
}

// waitTrue polls expr until it evaluates to true.
func (b *chromium) waitTrue(session, expr string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last error
	for {
		v, err := b.eval(session, expr)
		if err == nil && string(v) == "true" {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("timed out after %v (last error: %v)", d, last)
			}
			return fmt.Errorf("timed out after %v", d)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (b *chromium) close() {
	b.call("", "Browser.close", map[string]any{})
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	b.w.Close()
}
