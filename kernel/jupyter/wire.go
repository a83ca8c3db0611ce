package jupyter

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"strings"
	"sync"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// The kernel listens through transports of its own, registered with zmq4 under these prefixes to
// "tcp" and "ipc" ("batched-tcp://127.0.0.1:5555"). They are zmq4's network transports with two
// changes that leave the bytes on the wire as they were:
//
//   - zmq4 writes each frame of a message in two writes (its header, then its body), so a
//     Jupyter message of seven frames took fourteen system calls and as many TCP segments, and each
//     woke the frontend's ZeroMQ thread; batchedConn sends a whole message in one write;
//   - zmq4 reads a frame's header and body with separate reads; a buffered reader takes what the
//     socket has in one.
//
// Profiles of a `1+1` round trip put 56 % of the kernel's CPU time in those writes (PERF.md).
const batchedPrefix = "batched-"

func init() {
	for _, network := range []string{"tcp", "unix"} {
		scheme := network
		if network == "unix" {
			scheme = "ipc"
		}
		if err := zmq4.RegisterTransport(batchedPrefix+scheme, batchedTransport{transport.New(network)}); err != nil {
			panic(err)
		}
	}
}

// batchedEndpoint is endpoint ("tcp://…", "ipc://…") through the batched transport.
func batchedEndpoint(endpoint string) string {
	if strings.HasPrefix(endpoint, "tcp://") || strings.HasPrefix(endpoint, "ipc://") {
		return batchedPrefix + endpoint
	}
	return endpoint
}

// batchedTransport wraps the connections of a zmq4 transport in batchedConns.
type batchedTransport struct{ transport.Transport }

func (t batchedTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	c, err := t.Transport.Dial(ctx, d, addr)
	if err != nil {
		return nil, err
	}
	return newBatchedConn(c), nil
}

func (t batchedTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := t.Transport.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return batchedListener{l}, nil
}

type batchedListener struct{ net.Listener }

func (l batchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newBatchedConn(c), nil
}

// ZMTP 3 framing (rfc.zeromq.org/spec/23): a 64-byte greeting, then frames of a flags byte, a size
// (one byte, or eight with flagLong) and a body. A message ends with a frame without flagMore; a
// command is a single frame.
const (
	greetingSize = 64
	flagMore     = 0x01
	flagLong     = 0x02
	flagCommand  = 0x04
)

// batchedConn holds what zmq4 writes until it completes the greeting, a command or the last frame of
// a message, and then writes it at once. It follows the framing byte by byte, so it does not depend
// on how zmq4 splits its writes. Reads go through a buffer.
type batchedConn struct {
	net.Conn
	r *bufio.Reader

	mu  sync.Mutex
	buf []byte
	// The parse of the bytes written so far: the greeting's bytes still to come, then the current
	// frame's header (hdr, of hdrLen bytes once complete) and the bytes of its body still to come.
	greeting int
	hdr      [9]byte
	hdrN     int
	body     uint64
	inBody   bool
}

func newBatchedConn(c net.Conn) *batchedConn {
	return &batchedConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10), greeting: greetingSize}
}

func (c *batchedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// batchLimit bounds what a connection holds: a body larger than this (a big image) is written as it
// comes rather than copied.
const batchLimit = 256 << 10

func (c *batchedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		end, k := c.advance(p)
		if end || len(c.buf)+k > batchLimit {
			if err := c.flush(p[:k]); err != nil {
				return n - len(p), err
			}
		} else {
			c.buf = append(c.buf, p[:k]...)
		}
		p = p[k:]
	}
	return n, nil
}

// flush writes the held bytes followed by p.
func (c *batchedConn) flush(p []byte) error {
	var err error
	switch {
	case len(c.buf) == 0:
		_, err = c.Conn.Write(p)
	case len(p) <= 64<<10:
		c.buf = append(c.buf, p...)
		_, err = c.Conn.Write(c.buf)
	default:
		bufs := net.Buffers{c.buf, p}
		_, err = bufs.WriteTo(c.Conn)
	}
	if cap(c.buf) > batchLimit+64<<10 {
		c.buf = nil
	}
	c.buf = c.buf[:0]
	return err
}

// advance parses a prefix of p: it returns the prefix's length k, and whether those k bytes end the
// greeting, a command or a message.
func (c *batchedConn) advance(p []byte) (end bool, k int) {
	if c.greeting > 0 {
		k = min(c.greeting, len(p))
		c.greeting -= k
		return c.greeting == 0, k
	}
	if c.inBody {
		k = int(min(c.body, uint64(len(p))))
		c.body -= uint64(k)
		if c.body > 0 {
			return false, k
		}
		c.inBody = false
		return c.hdr[0]&(flagMore|flagCommand) != flagMore, k
	}
	for k < len(p) {
		c.hdr[c.hdrN] = p[k]
		c.hdrN++
		k++
		size := 2
		if c.hdr[0]&flagLong != 0 {
			size = 9
		}
		if c.hdrN < size {
			continue
		}
		c.hdrN = 0
		if size == 2 {
			c.body = uint64(c.hdr[1])
		} else {
			c.body = binary.BigEndian.Uint64(c.hdr[1:9])
		}
		if c.body == 0 {
			return c.hdr[0]&(flagMore|flagCommand) != flagMore, k
		}
		c.inBody = true
		return false, k
	}
	return false, k
}
