package jupyter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// freePorts returns n distinct free TCP ports on ip.
func freePorts(t testing.TB, ip string, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func randomKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func testConnInfo(t testing.TB, ip, key string) *ConnectionInfo {
	p := freePorts(t, ip, 5)
	return &ConnectionInfo{Transport: "tcp", IP: ip, ShellPort: p[0], ControlPort: p[1], StdinPort: p[2],
		IOPubPort: p[3], HBPort: p[4], Key: key, SignatureScheme: "hmac-sha256"}
}

// testClient is a minimal Jupyter client over real zmq4 sockets: DEALERs for shell, control and stdin
// (one identity, as jupyter_client does), a SUB for iopub and a REQ for the heartbeat.
type testClient struct {
	t                     testing.TB
	ci                    *ConnectionInfo
	signer                *Signer
	session               string
	ctx                   context.Context
	cancel                context.CancelFunc
	shell, control, stdin zmq4.Socket
	iopub, hb             zmq4.Socket

	mu      sync.Mutex
	iopubMs []*Message
	cond    *sync.Cond
}

func newTestClient(t testing.TB, ci *ConnectionInfo) *testClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	id := zmq4.SocketIdentity(newID())
	c := &testClient{t: t, ci: ci, signer: NewSigner([]byte(ci.Key)), session: newID(), ctx: ctx, cancel: cancel,
		shell: zmq4.NewDealer(ctx, zmq4.WithID(id)), control: zmq4.NewDealer(ctx, zmq4.WithID(id)),
		stdin: zmq4.NewDealer(ctx, zmq4.WithID(id)), iopub: zmq4.NewSub(ctx), hb: zmq4.NewReq(ctx)}
	c.cond = sync.NewCond(&c.mu)
	for _, s := range []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, ci.ShellPort}, {c.control, ci.ControlPort}, {c.stdin, ci.StdinPort}, {c.iopub, ci.IOPubPort}, {c.hb, ci.HBPort}} {
		if err := s.s.Dial(ci.Endpoint(s.port)); err != nil {
			t.Fatalf("dial %d: %v", s.port, err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			zm, err := c.iopub.Recv()
			if err != nil {
				return
			}
			m, err := ParseMessage(zm.Frames, c.signer)
			if err != nil {
				t.Errorf("client: bad iopub message: %v", err)
				continue
			}
			c.mu.Lock()
			c.iopubMs = append(c.iopubMs, m)
			c.cond.Broadcast()
			c.mu.Unlock()
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *testClient) close() {
	c.cancel()
	for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
		s.Close()
	}
	c.mu.Lock()
	c.cond.Broadcast()
	c.mu.Unlock()
}

// message builds a signed request of msgType.
func (c *testClient) message(msgType string, content any) *Message {
	h := NewHeader(msgType, c.session)
	h.Username = "test"
	rh, _ := json.Marshal(h)
	b, err := json.Marshal(content)
	if err != nil {
		c.t.Fatal(err)
	}
	return &Message{Header: h, RawHeader: rh, Content: b}
}

func (c *testClient) sendOn(s zmq4.Socket, m *Message) {
	frames, err := m.Frames(c.signer)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatalf("send %s: %v", m.Header.MsgType, err)
	}
}

// recvOn waits for the next message on a DEALER socket, or fails the test after d.
func (c *testClient) recvOn(s zmq4.Socket, d time.Duration) *Message {
	c.t.Helper()
	type res struct {
		m   *Message
		err error
	}
	ch := make(chan res, 1)
	go func() {
		zm, err := s.Recv()
		if err != nil {
			ch <- res{nil, err}
			return
		}
		m, err := ParseMessage(zm.Frames, c.signer)
		ch <- res{m, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			c.t.Fatalf("recv: %v", r.err)
		}
		return r.m
	case <-time.After(d):
		c.t.Fatalf("no message within %v", d)
		return nil
	}
}

// request sends a request on shell (or control) and returns its reply.
func (c *testClient) request(s zmq4.Socket, msgType string, content any) (*Message, *Message) {
	c.t.Helper()
	m := c.message(msgType, content)
	c.sendOn(s, m)
	r := c.recvOn(s, 30*time.Second)
	if p := parentMsgID(r); p != m.Header.MsgID {
		c.t.Fatalf("%s: reply %s has parent %q, want %q", msgType, r.Header.MsgType, p, m.Header.MsgID)
	}
	return m, r
}

// outputs waits until iopub carried status idle for the request msgID and returns the iopub messages
// with that parent, in order.
func (c *testClient) outputs(msgID string, d time.Duration) []*Message {
	c.t.Helper()
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		var got []*Message
		for _, m := range c.iopubMs {
			if parentMsgID(m) == msgID {
				got = append(got, m)
				if m.Header.MsgType == "status" && contentOf(m)["execution_state"] == "idle" {
					return got
				}
			}
		}
		if time.Now().After(deadline) || c.ctx.Err() != nil {
			c.t.Fatalf("no idle for %s within %v (got %d messages)", msgID, d, len(got))
		}
		c.cond.Wait()
	}
}

// waitIOPub waits until the client receives an iopub message (the PUB/SUB subscription is live).
func (c *testClient) waitReady() {
	c.t.Helper()
	for i := 0; i < 100; i++ {
		m, _ := c.request(c.shell, "kernel_info_request", map[string]any{})
		c.mu.Lock()
		n := len(c.iopubMs)
		c.mu.Unlock()
		if n > 0 {
			c.outputs(m.Header.MsgID, 5*time.Second)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatal("iopub never delivered a message")
}

func contentOf(m *Message) map[string]any {
	var c map[string]any
	json.Unmarshal(m.Content, &c)
	return c
}

func types(ms []*Message) []string {
	var ts []string
	for _, m := range ms {
		t := m.Header.MsgType
		if t == "status" {
			t += ":" + fmt.Sprint(contentOf(m)["execution_state"])
		}
		ts = append(ts, t)
	}
	return ts
}

func zmqMsg(frames ...[]byte) zmq4.Msg { return zmq4.NewMsgFrom(frames...) }
