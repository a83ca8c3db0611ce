package jupyter

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignKnownVector(t *testing.T) {
	// HMAC-SHA256("key", "abcd") computed with Python: hmac.new(b"key", b"abcd", hashlib.sha256).hexdigest()
	s := NewSigner([]byte("key"))
	got := s.Sign([]byte("a"), []byte("b"), []byte("c"), []byte("d"))
	const want = "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if !s.Verify([]byte(got), []byte("a"), []byte("b"), []byte("c"), []byte("d")) {
		t.Error("own signature does not verify")
	}
	if NewSigner(nil).Sign([]byte("a"), nil, nil, nil) != "" {
		t.Error("empty key must not sign")
	}
}

func signedFrames(t testing.TB, key string, ids [][]byte, content string, buffers ...[]byte) [][]byte {
	s := NewSigner([]byte(key))
	h := NewHeader("execute_request", "sess")
	m := &Message{Identities: ids, Header: h, Content: json.RawMessage(content), Buffers: buffers}
	f, err := m.Frames(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseMessageRoundTrip(t *testing.T) {
	for _, key := range []string{"", "secret"} {
		ids := [][]byte{[]byte("id1"), []byte("id2")}
		frames := signedFrames(t, key, ids, `{"code":"1+1"}`, []byte("buf0"), []byte{0, 1, 2})
		m, err := ParseMessage(frames, NewSigner([]byte(key)))
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		if len(m.Identities) != 2 || string(m.Identities[1]) != "id2" || m.Header.MsgType != "execute_request" ||
			string(m.Content) != `{"code":"1+1"}` || len(m.Buffers) != 2 || !bytes.Equal(m.Buffers[1], []byte{0, 1, 2}) {
			t.Errorf("key %q: parsed %+v", key, m)
		}
		if string(m.ParentHeader) != "{}" || string(m.Metadata) != "{}" {
			t.Errorf("empty parts not sent as {}: %q %q", m.ParentHeader, m.Metadata)
		}
		// Buffers are not signed (jupyter_client does not sign them): changing one keeps the message valid.
		frames[len(frames)-1] = []byte("changed")
		if _, err := ParseMessage(frames, NewSigner([]byte(key))); err != nil {
			t.Errorf("buffer change rejected: %v", err)
		}
	}
}

func TestParseMessageErrors(t *testing.T) {
	good := signedFrames(t, "k", nil, `{}`)
	with := func(i int, v string) [][]byte {
		f := append([][]byte(nil), good...)
		f[i] = []byte(v)
		return f
	}
	tests := []struct {
		name   string
		frames [][]byte
		badSig bool
	}{
		{"no frames", nil, false},
		{"no delimiter", [][]byte{[]byte("a"), []byte("b")}, false},
		{"too few frames", good[:4], false},
		{"wrong signature", with(1, strings.Repeat("0", 64)), true},
		{"missing signature", with(1, ""), true},
		{"upper-case hex", with(1, strings.ToUpper(string(good[1]))), true},
		{"signed with another key", signedFrames(t, "other", nil, `{}`), true},
		{"no key used by sender", signedFrames(t, "", nil, `{}`), true},
	}
	for _, tc := range tests {
		_, err := ParseMessage(tc.frames, NewSigner([]byte("k")))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if errors.Is(err, ErrBadSignature) != tc.badSig {
			t.Errorf("%s: error %v, bad signature = %v", tc.name, err, tc.badSig)
		}
	}
	// Structural problems after a valid signature.
	s := NewSigner([]byte("k"))
	for name, parts := range map[string][4]string{
		"header not JSON":   {"nope", "{}", "{}", "{}"},
		"no msg_type":       {`{"msg_id":"1"}`, "{}", "{}", "{}"},
		"content an array":  {`{"msg_type":"x"}`, "{}", "{}", "[]"},
		"parent not object": {`{"msg_type":"x"}`, "1", "{}", "{}"},
		"metadata invalid":  {`{"msg_type":"x"}`, "{}", "{", "{}"},
	} {
		sig := s.Sign([]byte(parts[0]), []byte(parts[1]), []byte(parts[2]), []byte(parts[3]))
		f := [][]byte{[]byte(delimiter), []byte(sig), []byte(parts[0]), []byte(parts[1]), []byte(parts[2]), []byte(parts[3])}
		if _, err := ParseMessage(f, s); err == nil || errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

func TestReplayGuard(t *testing.T) {
	g := newReplayGuard(2)
	for i, c := range []struct {
		sig  string
		want bool
	}{{"a", true}, {"a", false}, {"b", true}, {"c", true}, {"a", true}, {"c", false}, {"", true}, {"", true},
		{"b", true}, {"a", false}, {"c", true}, {"b", false}, {"a", true}} { // the ring wraps twice
		if got := g.fresh([]byte(c.sig)); got != c.want {
			t.Errorf("step %d: fresh(%q) = %v", i, c.sig, got)
		}
	}
}

func TestParseConnectionInfo(t *testing.T) {
	tests := []struct {
		name, json, err, endpoint string
	}{
		{"tcp", `{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`, "", "tcp://127.0.0.1:1"},
		{"defaults", `{"ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "", "tcp://127.0.0.1:1"},
		{"ipv6", `{"ip":"::1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "", "tcp://[::1]:1"},
		{"ipc", `{"transport":"ipc","ip":"/tmp/k","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "", "ipc:///tmp/k-1"},
		{"bad json", `{`, "invalid JSON", ""},
		{"bad scheme", `{"ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"signature_scheme":"hmac-md5"}`, "signature_scheme", ""},
		{"bad transport", `{"transport":"udp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "transport", ""},
		{"bad ip", `{"ip":"localhost:5","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "not an IP", ""},
		{"missing port", `{"ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4}`, "hb_port 0", ""},
		{"duplicate port", `{"ip":"127.0.0.1","shell_port":1,"control_port":1,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "both 1", ""},
		{"port type", `{"ip":"127.0.0.1","shell_port":"1"}`, "invalid JSON", ""},
	}
	for _, tc := range tests {
		ci, err := ParseConnectionInfo([]byte(tc.json))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := ci.Endpoint(ci.ShellPort); got != tc.endpoint {
			t.Errorf("%s: endpoint %q, want %q", tc.name, got, tc.endpoint)
		}
	}
	if _, err := ReadConnectionFile(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("missing file: no error")
	}
}

// FuzzParseMessage feeds arbitrary frames (the input split at 0x1f bytes) to ParseMessage with and
// without a key. It must never panic; whatever parses must have a valid signature and survive a round trip.
func FuzzParseMessage(f *testing.F) {
	join := func(frames [][]byte) []byte { return bytes.Join(frames, []byte{0x1f}) }
	f.Add(join(signedFrames(f, "key", [][]byte{[]byte("id")}, `{"code":"1+1"}`)), "key")
	f.Add(join(signedFrames(f, "", nil, `{}`, []byte("buf"))), "")
	f.Add([]byte("<IDS|MSG>\x1f\x1f{}\x1f{}\x1f{}\x1f{}"), "")
	f.Add([]byte("garbage"), "k")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		frames := bytes.Split(data, []byte{0x1f})
		s := NewSigner([]byte(key))
		m, err := ParseMessage(frames, s)
		if err != nil {
			return
		}
		if m.Header.MsgType == "" {
			t.Fatal("parsed a message without msg_type")
		}
		out, err := m.Frames(s)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseMessage(out, s)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if m2.Header != m.Header || !bytes.Equal(m2.Content, m.Content) || len(m2.Buffers) != len(m.Buffers) {
			t.Fatalf("round trip changed the message")
		}
	})
}

// TestWriteFuzzCorpus regenerates the committed seed corpus (testdata/fuzz/FuzzParseMessage) when
// NOTMAGIC_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("NOTMAGIC_WRITE_CORPUS") != "1" {
		t.Skip("set NOTMAGIC_WRITE_CORPUS=1 to regenerate the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseMessage")
	os.MkdirAll(dir, 0o755)
	join := func(frames [][]byte) []byte { return bytes.Join(frames, []byte{0x1f}) }
	hdr := `{"msg_id":"1","msg_type":"execute_request","session":"s","username":"u","date":"2024-01-01T00:00:00Z","version":"5.4"}`
	seeds := map[string]struct {
		data []byte
		key  string
	}{
		"signed":          {join(signedFrames(t, "key", [][]byte{[]byte("id")}, `{"code":"fmt.Println(1)"}`)), "key"},
		"unsigned":        {join(signedFrames(t, "", nil, `{}`, []byte("buffer"))), ""},
		"bad-signature":   {[]byte("<IDS|MSG>\x1f0000\x1f" + hdr + "\x1f{}\x1f{}\x1f{}"), "key"},
		"no-delimiter":    {[]byte("a\x1fb\x1fc"), ""},
		"short":           {[]byte("<IDS|MSG>\x1fsig\x1f{}"), ""},
		"bad-header-json": {[]byte("<IDS|MSG>\x1f\x1f{\"msg_type\":\x1f{}\x1f{}\x1f{}"), ""},
		"content-array":   {[]byte("<IDS|MSG>\x1f\x1f" + hdr + "\x1f{}\x1f{}\x1f[1]"), ""},
		"unicode":         {[]byte("id\xff\x1f<IDS|MSG>\x1f\x1f" + hdr + "\x1f{}\x1f{}\x1f{\"code\":\"\\u00e9\\ud800\"}"), ""},
		"many-delims":     {[]byte("<IDS|MSG>\x1f<IDS|MSG>\x1f<IDS|MSG>\x1f\x1f{}\x1f{}\x1f{}\x1f{}"), ""},
	}
	for name, s := range seeds {
		body := "go test fuzz v1\n[]byte(" + quoteGo(s.data) + ")\nstring(" + quoteGo([]byte(s.key)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func quoteGo(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			sb.WriteString(`\x`)
			sb.WriteString(strings.ToLower(string("0123456789ABCDEF"[c>>4])) + strings.ToLower(string("0123456789ABCDEF"[c&15])))
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
