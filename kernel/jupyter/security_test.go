package jupyter

import (
	"bytes"
	"log"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// TestBadSignatureDropped sends execute requests with a wrong, a missing and a replayed signature:
// none may run (no busy status, no output, no reply), each is logged, and the kernel keeps serving.
func TestBadSignatureDropped(t *testing.T) {
	_, c, logs := startKernel(t)
	send := func(m *Message, mutate func(frames [][]byte)) {
		frames, err := m.Frames(c.signer)
		if err != nil {
			t.Fatal(err)
		}
		mutate(frames)
		if err := c.shell.Send(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
	}
	wrongKey := NewSigner([]byte("not-the-key"))
	cases := map[string]func(frames [][]byte){
		"wrong signature": func(f [][]byte) { f[1] = []byte(wrongKey.Sign(f[2], f[3], f[4], f[5])) },
		"missing":         func(f [][]byte) { f[1] = nil },
		"tampered content": func(f [][]byte) {
			f[5] = bytes.Replace(f[5], []byte("dropped"), []byte("tampered"), 1)
		},
		"truncated signature": func(f [][]byte) { f[1] = f[1][:10] },
	}
	var ids []string
	for name, mutate := range cases {
		m := c.message("execute_request", map[string]any{"code": `fmt.Println("dropped ` + name + `")`})
		ids = append(ids, m.Header.MsgID)
		send(m, mutate)
	}
	// A correctly signed message, then the same frames again (a replay).
	good := c.message("execute_request", map[string]any{"code": `fmt.Println("once")`})
	send(good, func([][]byte) {})
	rep := c.recvOn(c.shell, 10*time.Second)
	if parentMsgID(rep) != good.Header.MsgID {
		t.Fatalf("first reply is for %s, want the signed request", parentMsgID(rep))
	}
	c.outputs(good.Header.MsgID, 5*time.Second)
	send(good, func([][]byte) {})
	after := c.message("kernel_info_request", map[string]any{})
	c.sendOn(c.shell, after)
	if r := c.recvOn(c.shell, 10*time.Second); parentMsgID(r) != after.Header.MsgID {
		t.Fatalf("replayed request was answered (%s)", r.Header.MsgType)
	}
	c.outputs(after.Header.MsgID, 5*time.Second)
	c.mu.Lock()
	for _, m := range c.iopubMs {
		for _, id := range ids {
			if parentMsgID(m) == id {
				t.Errorf("a badly signed request produced %s", m.Header.MsgType)
			}
		}
		if m.Header.MsgType == "stream" && strings.Contains(contentOf(m)["text"].(string), "dropped") {
			t.Errorf("a badly signed cell ran: %v", contentOf(m))
		}
	}
	c.mu.Unlock()
	log := logs.String()
	if n := strings.Count(log, "bad or missing message signature"); n != len(cases) {
		t.Errorf("logged %d dropped messages, want %d:\n%s", n, len(cases), log)
	}
	if !strings.Contains(log, "replayed") {
		t.Errorf("replay not logged:\n%s", log)
	}
}

// TestMalformedFramesSurvived sends garbage on every ROUTER socket and the heartbeat; the kernel logs
// and keeps answering.
func TestMalformedFramesSurvived(t *testing.T) {
	_, c, logs := startKernel(t)
	sig := func(parts ...string) string {
		return c.signer.Sign([]byte(parts[0]), []byte(parts[1]), []byte(parts[2]), []byte(parts[3]))
	}
	garbageFor := func(sock string) [][][]byte {
		hdr := `{"msg_id":"` + sock + `","msg_type":"execute_request","session":"s","username":"u","date":"","version":"5.4"}`
		return [][][]byte{
			{},
			{[]byte("hello")},
			{[]byte(delimiter)},
			{[]byte(delimiter), []byte("sig"), []byte("{}")},
			{[]byte(delimiter), []byte(sig("not json", "{}", "{}", "{}")), []byte("not json"), []byte("{}"), []byte("{}"), []byte("{}")},
			{[]byte(delimiter), []byte(sig(hdr, "{}", "{}", "[1,2]")), []byte(hdr), []byte("{}"), []byte("{}"), []byte("[1,2]")},
			{[]byte(delimiter), []byte(sig(hdr, "{}", "{}", `{"code": 5}`)), []byte(hdr), []byte("{}"), []byte("{}"), []byte(`{"code": 5}`)},
			{[]byte(delimiter), []byte(sig(`{"msg_type":""}`, "{}", "{}", "{}")), []byte(`{"msg_type":""}`), []byte("{}"), []byte("{}"), []byte("{}")},
			{bytes.Repeat([]byte{0xff}, 1<<16)},
		}
	}
	for i, s := range []zmq4.Socket{c.shell, c.control, c.stdin} {
		for _, g := range garbageFor(itoa(i)) {
			if len(g) == 0 {
				continue
			}
			if err := s.Send(zmq4.NewMsgFrom(g...)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The signed execute_request with "code": 5 gets an error reply (BadRequest) rather than a crash.
	r := c.recvOn(c.shell, 10*time.Second)
	if cr := contentOf(r); cr["status"] != "error" || cr["ename"] != "BadRequest" {
		t.Errorf("malformed content reply %v", cr)
	}
	// Raw TCP garbage (not even ZMTP) on every port.
	for _, p := range []int{c.ci.ShellPort, c.ci.ControlPort, c.ci.StdinPort, c.ci.IOPubPort, c.ci.HBPort} {
		conn, err := net.Dial("tcp", net.JoinHostPort(c.ci.IP, itoa(p)))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(bytes.Repeat([]byte("\xff\x00garbage"), 1000))
		conn.Close()
	}
	for _, s := range []zmq4.Socket{c.shell, c.control} {
		if _, rep := c.request(s, "kernel_info_request", map[string]any{}); rep.Header.MsgType != "kernel_info_reply" {
			t.Fatalf("kernel stopped answering after garbage")
		}
	}
	if rep, _ := c.execute("1+1", nil); rep["status"] != "ok" {
		t.Errorf("execute after garbage: %v", rep)
	}
	if !strings.Contains(logs.String(), "malformed") {
		t.Errorf("malformed messages not logged:\n%s", logs.String())
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestBindsOnlyConnectionAddress starts a kernel on 127.0.0.2 and checks every port accepts connections
// there and refuses them on 127.0.0.1 (another loopback address of the same machine).
func TestBindsOnlyConnectionAddress(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2 is not usable here: %v", err)
	}
	probe.Close()
	ci := testConnInfo(t, "127.0.0.2", randomKey())
	k, err := New(ci, Options{Log: log.New(&syncBuffer{}, "", 0), newInterp: newTestInterp})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for name, p := range ci.ports() {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", itoa(p)), time.Second)
		if err != nil {
			t.Errorf("%s: not listening on 127.0.0.2:%d: %v", name, p, err)
		} else {
			c.Close()
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", itoa(p)), time.Second); err == nil {
			c.Close()
			t.Errorf("%s: also reachable on 127.0.0.1:%d", name, p)
		}
	}
	// And the kernel works there.
	cl := newTestClient(t, ci)
	cl.waitReady()
}
