package jupyter

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// writeRecorder is the network side of a batchedConn: it keeps each write it is given.
type writeRecorder struct {
	net.Conn
	writes [][]byte
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

// zmtpFrame is a frame as ZMTP 3 puts it on the wire: flags, a short or long size, the body.
func zmtpFrame(flags byte, body []byte) []byte {
	if len(body) > 255 {
		b := []byte{flags | flagLong, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint64(b[1:], uint64(len(body)))
		return append(b, body...)
	}
	return append([]byte{flags, byte(len(body))}, body...)
}

func TestBatchedConnWritesWholeMessages(t *testing.T) {
	greeting := bytes.Repeat([]byte{0xAA}, greetingSize)
	ready := zmtpFrame(flagCommand, []byte("\x05READYsome properties"))
	message := [][]byte{ // a Jupyter message: identity, delimiter, signature, four JSON parts (one long)
		zmtpFrame(flagMore, []byte("client-id")),
		zmtpFrame(flagMore, []byte("<IDS|MSG>")),
		zmtpFrame(flagMore, []byte("0123456789abcdef")),
		zmtpFrame(flagMore, []byte(`{"msg_type":"status"}`)),
		zmtpFrame(flagMore, nil),
		zmtpFrame(flagMore, []byte("{}")),
		zmtpFrame(0, bytes.Repeat([]byte("x"), 1000)),
	}
	single := zmtpFrame(0, []byte("one frame"))
	var stream []byte
	want := [][]byte{greeting, ready, bytes.Join(message, nil), single}
	for _, w := range want {
		stream = append(stream, w...)
	}

	// How zmq4 writes (header, then body), and splits that must give the same result.
	splits := map[string]func() [][]byte{
		"whole stream": func() [][]byte { return [][]byte{stream} },
		"byte by byte": func() [][]byte {
			var out [][]byte
			for i := range stream {
				out = append(out, stream[i:i+1])
			}
			return out
		},
		"header then body": func() [][]byte {
			out := [][]byte{greeting}
			for _, f := range append(append([][]byte{ready}, message...), single) {
				h := 2
				if f[0]&flagLong != 0 {
					h = 9
				}
				out = append(out, f[:h], f[h:])
			}
			return out
		},
		"uneven chunks": func() [][]byte {
			var out [][]byte
			for i, n := 0, 1; i < len(stream); i, n = i+n, n%13+3 {
				out = append(out, stream[i:min(i+n, len(stream))])
			}
			return out
		},
	}
	for name, split := range splits {
		t.Run(name, func(t *testing.T) {
			rec := &writeRecorder{}
			c := newBatchedConn(rec)
			for _, p := range split() {
				if n, err := c.Write(p); n != len(p) || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
				}
			}
			if len(rec.writes) != len(want) {
				t.Fatalf("%d writes reached the network, want %d (greeting, command, message, message)", len(rec.writes), len(want))
			}
			for i := range want {
				if !bytes.Equal(rec.writes[i], want[i]) {
					t.Errorf("write %d: %d bytes, want %d (%q…)", i, len(rec.writes[i]), len(want[i]), want[i][:min(12, len(want[i]))])
				}
			}
		})
	}
}

func TestBatchedConnPassesLargeBodies(t *testing.T) {
	rec := &writeRecorder{}
	c := newBatchedConn(rec)
	c.Write(make([]byte, greetingSize))
	body := bytes.Repeat([]byte{7}, 3*batchLimit)
	frames := append(zmtpFrame(flagMore, []byte("small")), zmtpFrame(0, body)...)
	for i := 0; i < len(frames); i += 100_000 {
		c.Write(frames[i:min(i+100_000, len(frames))])
	}
	if got := bytes.Join(rec.writes[1:], nil); !bytes.Equal(got, frames) {
		t.Fatalf("the network got %d bytes, want %d in order", len(got), len(frames))
	}
	for i, w := range rec.writes {
		if len(w) > batchLimit+100_000 {
			t.Errorf("write %d held %d bytes: a large body must not be gathered whole", i, len(w))
		}
	}
	if len(c.buf) != 0 {
		t.Errorf("%d bytes still held after the message ended", len(c.buf))
	}
}

// TestBatchedTransportRoundTrip runs zmq4 sockets of every kind the kernel uses over the batched
// transport, in both directions, with real TCP connections.
func TestBatchedTransportRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ports, err := freeTCPPorts(1)
	if err != nil {
		t.Fatal(err)
	}
	ep := fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	router := zmq4.NewRouter(ctx, zmq4.WithID(zmq4.SocketIdentity("kernel")))
	defer router.Close()
	if err := router.Listen(batchedEndpoint(ep)); err != nil {
		t.Fatal(err)
	}
	dealer := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("frontend")), zmq4.WithDialerRetry(10*time.Millisecond))
	defer dealer.Close()
	if err := dealer.Dial(ep); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789"), 100_000) // a 1 MB frame, past batchLimit
	for i, frames := range [][][]byte{
		{[]byte("<IDS|MSG>"), []byte("sig"), []byte("{}"), nil, []byte("{}"), []byte(`{"code":"1+1"}`)},
		{[]byte("one")},
		{[]byte("<IDS|MSG>"), big, []byte("after the big one")},
	} {
		if err := dealer.Send(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
		got, err := router.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Frames[0], []byte("frontend")) || !framesEqual(got.Frames[1:], frames) {
			t.Fatalf("message %d: router got %d frames, want the identity and %d", i, len(got.Frames), len(frames))
		}
		if err := router.Send(zmq4.NewMsgFrom(append([][]byte{[]byte("frontend")}, frames...)...)); err != nil {
			t.Fatal(err)
		}
		back, err := dealer.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if !framesEqual(back.Frames, frames) {
			t.Fatalf("message %d: dealer got %d frames back, want %d", i, len(back.Frames), len(frames))
		}
	}
}

func framesEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
