package jupyter

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
)

// ProtocolVersion is the Jupyter messaging protocol version the kernel speaks.
const ProtocolVersion = "5.4"

// delimiter separates the routing identities from the message proper.
const delimiter = "<IDS|MSG>"

// maxFrames bounds the number of frames a message may have; more is treated as malformed.
const maxFrames = 1 << 12

// Header is the header of a Jupyter message.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message as it travels over a socket.
//
// On receipt, RawHeader holds the header exactly as the peer sent it, so that replies can echo it as
// their parent_header (unknown fields included). Content is the raw JSON content.
type Message struct {
	Identities   [][]byte
	Header       Header
	RawHeader    json.RawMessage
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// ErrBadSignature reports a message whose HMAC signature is missing or wrong.
var ErrBadSignature = errors.New("bad or missing message signature")

// Signer signs and verifies messages with HMAC-SHA256. A Signer with an empty key does not sign:
// it writes empty signatures and accepts any signature, as the protocol prescribes.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key (the connection file's "key"; may be empty).
func NewSigner(key []byte) *Signer {
	return &Signer{key: append([]byte(nil), key...)}
}

// Enabled reports whether messages are signed.
func (s *Signer) Enabled() bool { return s != nil && len(s.key) > 0 }

// Sign returns the hex HMAC-SHA256 of the four signed parts: header, parent header, metadata and content.
// Buffers are not signed (as in jupyter_client).
func (s *Signer) Sign(header, parent, metadata, content []byte) string {
	if !s.Enabled() {
		return ""
	}
	var mac hash.Hash = hmac.New(sha256.New, s.key)
	mac.Write(header)
	mac.Write(parent)
	mac.Write(metadata)
	mac.Write(content)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether sig is the signature of the four parts, comparing in constant time.
func (s *Signer) Verify(sig, header, parent, metadata, content []byte) bool {
	if !s.Enabled() {
		return true
	}
	want := s.Sign(header, parent, metadata, content)
	return len(sig) == len(want) && hmac.Equal(sig, []byte(want))
}

// ParseMessage parses the frames of a message received on a ROUTER socket and verifies its signature.
// It never panics on malformed input: every problem is returned as an error, and ErrBadSignature
// (wrapped) when the signature is missing or wrong.
func ParseMessage(frames [][]byte, s *Signer) (*Message, error) {
	if len(frames) > maxFrames {
		return nil, fmt.Errorf("malformed message: %d frames", len(frames))
	}
	d := -1
	for i, f := range frames {
		if string(f) == delimiter {
			d = i
			break
		}
	}
	if d < 0 {
		return nil, errors.New("malformed message: no <IDS|MSG> delimiter")
	}
	rest := frames[d+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("malformed message: %d frames after the delimiter, want at least 5", len(rest))
	}
	sig, header, parent, metadata, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if !s.Verify(sig, header, parent, metadata, content) {
		return nil, ErrBadSignature
	}
	m := &Message{
		Identities:   cloneFrames(frames[:d]),
		RawHeader:    bytes.Clone(header),
		ParentHeader: bytes.Clone(parent),
		Metadata:     bytes.Clone(metadata),
		Content:      bytes.Clone(content),
		Buffers:      cloneFrames(rest[5:]),
	}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("malformed message header: %w", err)
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("malformed message header: no msg_type")
	}
	for name, part := range map[string][]byte{"parent_header": parent, "metadata": metadata, "content": content} {
		if !isJSONObject(part) {
			return nil, fmt.Errorf("malformed message: %s is not a JSON object", name)
		}
	}
	return m, nil
}

// isJSONObject reports whether b is a valid JSON object.
func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) >= 2 && b[0] == '{' && json.Valid(b)
}

func cloneFrames(fs [][]byte) [][]byte {
	if len(fs) == 0 {
		return nil
	}
	out := make([][]byte, len(fs))
	for i, f := range fs {
		out[i] = bytes.Clone(f)
	}
	return out
}

// Frames serialises m into wire frames (identities, delimiter, signature, header, parent header,
// metadata, content, buffers). Empty ParentHeader, Metadata or Content are sent as {}.
func (m *Message) Frames(s *Signer) ([][]byte, error) {
	header := []byte(m.RawHeader)
	if len(header) == 0 {
		var err error
		if header, err = json.Marshal(m.Header); err != nil {
			return nil, err
		}
	}
	parent, metadata, content := orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content)
	sig := s.Sign(header, parent, metadata, content)
	frames := make([][]byte, 0, len(m.Identities)+7+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(delimiter), []byte(sig), header, parent, metadata, content)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

func orEmpty(b json.RawMessage) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

// NewHeader returns a fresh header of type msgType for session.
func NewHeader(msgType, session string) Header {
	return Header{
		MsgID:    newID(),
		Session:  session,
		Username: "kernel",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// newID returns a random UUID (version 4) string.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// replayGuard remembers recent signatures so a replayed signed message is dropped.
type replayGuard struct {
	seen  map[sigKey]struct{}
	order []sigKey // a ring of the last max keys, oldest at next once full
	next  int
	max   int
}

// sigKey stands for a signature: 128 bits of its SHA-256, a quarter of the memory of the hex string.
type sigKey [16]byte

func newReplayGuard(max int) *replayGuard {
	return &replayGuard{seen: make(map[sigKey]struct{}), max: max}
}

// fresh records sig and reports whether it was not seen before. Empty signatures are always fresh.
func (g *replayGuard) fresh(sig []byte) bool {
	if len(sig) == 0 {
		return true
	}
	sum := sha256.Sum256(sig)
	k := sigKey(sum[:16])
	if _, dup := g.seen[k]; dup {
		return false
	}
	g.seen[k] = struct{}{}
	if len(g.order) < g.max {
		g.order = append(g.order, k)
		return true
	}
	delete(g.seen, g.order[g.next])
	g.order[g.next] = k
	g.next = (g.next + 1) % g.max
	return true
}

// signatureOf returns the signature frame of frames, or nil.
func signatureOf(frames [][]byte) []byte {
	for i, f := range frames {
		if string(f) == delimiter && i+1 < len(frames) {
			return frames[i+1]
		}
	}
	return nil
}
