package nn

import (
	bin "encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Errors of reading safetensors files and checkpoints; match them with errors.Is.
var (
	ErrTruncated        = errors.New("safetensors: file is truncated")
	ErrHeaderTooLong    = errors.New("safetensors: header length runs past the end of the file")
	ErrBadHeader        = errors.New("safetensors: header is not valid JSON")
	ErrDType            = errors.New("safetensors: unsupported dtype (only F32 is supported)")
	ErrBadOffsets       = errors.New("safetensors: tensor data offsets are out of range or overlap")
	ErrMissingTensor    = errors.New("checkpoint: tensor missing")
	ErrUnexpectedTensor = errors.New("checkpoint: unexpected tensor")
	ErrShapeMismatch    = errors.New("checkpoint: tensor shape does not match the model")
	ErrBadMetadata      = errors.New("checkpoint: metadata is missing or invalid")
)

// NamedTensor is a tensor with the name it has in a file.
type NamedTensor struct {
	Name   string
	Tensor *Tensor
}

type stEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header (as the reference implementation does: 100 MB).
const maxHeader = 100 << 20

// saveHook, when set (by tests), is called after each chunk of tensor data is written.
var saveHook func(written int64)

// WriteSafetensors writes tensors and string metadata to path in the safetensors format
// (8-byte little-endian header length, a JSON header, raw little-endian float32 data). It writes a
// temporary file in the same directory, syncs it and renames it over path, so a crash never leaves
// a torn file at path: readers see the old file or the new one.
func WriteSafetensors(path string, tensors []NamedTensor, metadata map[string]string) (err error) {
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	seen := map[string]bool{}
	for _, nt := range tensors {
		if nt.Name == "" || nt.Name == "__metadata__" || seen[nt.Name] {
			return fmt.Errorf("safetensors: invalid or repeated tensor name %q", nt.Name)
		}
		seen[nt.Name] = true
		n := int64(nt.Tensor.Len()) * 4
		shape := nt.Tensor.Shape()
		header[nt.Name] = stEntry{DType: "F32", Shape: shape, DataOffsets: [2]int64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header) // map keys are sorted: deterministic output
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	for len(hj)%8 != 0 { // pad with spaces so the data is aligned, as the reference writer does
		hj = append(hj, ' ')
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var lenb [8]byte
	bin.LittleEndian.PutUint64(lenb[:], uint64(len(hj)))
	if _, err = f.Write(lenb[:]); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if _, err = f.Write(hj); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	var written int64
	buf := make([]byte, 0, 1<<16)
	for _, nt := range tensors {
		data := nt.Tensor.Data()
		for i := 0; i < len(data); {
			buf = buf[:0]
			for ; i < len(data) && len(buf) < cap(buf); i++ {
				buf = bin.LittleEndian.AppendUint32(buf, math.Float32bits(data[i]))
			}
			if _, err = f.Write(buf); err != nil {
				return fmt.Errorf("safetensors: %w", err)
			}
			written += int64(len(buf))
			if saveHook != nil {
				saveHook(written)
			}
		}
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadSafetensors reads a safetensors file of F32 tensors, in file order, and its string metadata.
// Each kind of damage gives its own error (ErrTruncated, ErrHeaderTooLong, ErrBadHeader, ErrDType,
// ErrBadOffsets; a missing file gives an error satisfying errors.Is(err, fs.ErrNotExist)).
func ReadSafetensors(path string) ([]NamedTensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	size := st.Size()
	var lenb [8]byte
	if _, err := io.ReadFull(f, lenb[:]); err != nil {
		return nil, nil, fmt.Errorf("%w: %s has %d bytes, fewer than the 8-byte header length", ErrTruncated, path, size)
	}
	hlen := bin.LittleEndian.Uint64(lenb[:])
	if hlen > uint64(size-8) {
		return nil, nil, fmt.Errorf("%w: %s: header of %d bytes, file has %d bytes after the length", ErrHeaderTooLong, path, hlen, size-8)
	}
	if hlen > maxHeader {
		return nil, nil, fmt.Errorf("%w: %s: header of %d bytes exceeds the %d-byte limit", ErrHeaderTooLong, path, hlen, maxHeader)
	}
	hj := make([]byte, hlen)
	if _, err := io.ReadFull(f, hj); err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrTruncated, path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hj, &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrBadHeader, path, err)
	}
	var meta map[string]string
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, nil, fmt.Errorf("%w: %s: __metadata__ must map strings to strings: %v", ErrBadHeader, path, err)
		}
		delete(raw, "__metadata__")
	}
	type item struct {
		name string
		e    stEntry
	}
	items := make([]item, 0, len(raw))
	for name, r := range raw {
		var e stEntry
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, nil, fmt.Errorf("%w: %s: tensor %q: %v", ErrBadHeader, path, name, err)
		}
		if e.DType != "F32" {
			return nil, nil, fmt.Errorf("%w: %s: tensor %q has dtype %q", ErrDType, path, name, e.DType)
		}
		for _, d := range e.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("%w: %s: tensor %q has negative dimension in %v", ErrBadHeader, path, name, e.Shape)
			}
		}
		items = append(items, item{name, e})
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i].e.DataOffsets, items[j].e.DataOffsets
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		return a[1] < b[1]
	})
	dataLen := size - 8 - int64(hlen)
	var end int64
	for _, it := range items {
		o := it.e.DataOffsets
		n := int64(numel(it.e.Shape)) * 4
		switch {
		case o[0] < 0 || o[1] < o[0]:
			return nil, nil, fmt.Errorf("%w: %s: tensor %q has offsets %v", ErrBadOffsets, path, it.name, o)
		case o[1]-o[0] != n:
			return nil, nil, fmt.Errorf("%w: %s: tensor %q spans %d bytes, its shape %v needs %d", ErrBadOffsets, path, it.name, o[1]-o[0], it.e.Shape, n)
		case o[0] < end:
			return nil, nil, fmt.Errorf("%w: %s: tensor %q at %v overlaps the previous tensor ending at %d", ErrBadOffsets, path, it.name, o, end)
		case o[1] > dataLen:
			return nil, nil, fmt.Errorf("%w: %s: tensor %q ends at byte %d of the data, the file holds %d", ErrTruncated, path, it.name, o[1], dataLen)
		}
		end = o[1]
	}
	data := make([]byte, dataLen)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrTruncated, path, err)
	}
	out := make([]NamedTensor, len(items))
	for i, it := range items {
		b := data[it.e.DataOffsets[0]:it.e.DataOffsets[1]]
		v := make([]float32, len(b)/4)
		for j := range v {
			v[j] = math.Float32frombits(bin.LittleEndian.Uint32(b[4*j:]))
		}
		out[i] = NamedTensor{it.name, New(v, it.e.Shape...)}
		if len(it.e.Shape) == 0 {
			out[i].Tensor = &Tensor{shape: []int{}, buf: CPU.FromHost(v)}
		}
	}
	return out, meta, nil
}

// Checkpoint metadata keys.
const (
	metaConfig    = "notmagic.config"
	metaTokenizer = "notmagic.tokenizer"
	metaFormat    = "format"
)

// SaveCheckpoint writes the model's parameters, its Config and the tokenizer (when not nil) to path
// as safetensors, atomically. extra metadata (e.g. the training step) is stored alongside.
func SaveCheckpoint(path string, m *GPT, tok Tokenizer, extra map[string]string) error {
	meta := map[string]string{metaFormat: "pt"}
	for k, v := range extra {
		meta[k] = v
	}
	cj, err := json.Marshal(m.Config)
	if err != nil {
		return err
	}
	meta[metaConfig] = string(cj)
	if tok != nil {
		tj, err := MarshalTokenizer(tok)
		if err != nil {
			return err
		}
		meta[metaTokenizer] = string(tj)
	}
	var ts []NamedTensor
	for _, p := range m.Parameters() {
		ts = append(ts, NamedTensor{p.Name, p.Value})
	}
	return WriteSafetensors(path, ts, meta)
}

// Checkpoint is what LoadCheckpoint returns: the model, its tokenizer (nil if none was saved) and
// the file's metadata.
type Checkpoint struct {
	Model     *GPT
	Tokenizer Tokenizer
	Metadata  map[string]string
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint: it rebuilds the GPT from the stored
// Config and loads every tensor, checking names, shapes and dtypes.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	ts, meta, err := ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	cj, ok := meta[metaConfig]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %q entry (not a notmagic checkpoint?)", ErrBadMetadata, path, metaConfig)
	}
	var c Config
	if err := json.Unmarshal([]byte(cj), &c); err != nil {
		return nil, fmt.Errorf("%w: %s: config: %v", ErrBadMetadata, path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadMetadata, path, err)
	}
	var m *GPT
	NoGrad(func() { m, err = NewGPT(c) })
	if err != nil {
		return nil, err
	}
	if err := LoadState(m, tensorMap(ts)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ck := &Checkpoint{Model: m, Metadata: meta}
	if tj, ok := meta[metaTokenizer]; ok {
		tok, err := UnmarshalTokenizer([]byte(tj))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tokenizer: %v", ErrBadMetadata, path, err)
		}
		if tok.VocabSize() > c.Vocab {
			return nil, fmt.Errorf("%w: %s: tokenizer has %d tokens, the model %d", ErrBadMetadata, path, tok.VocabSize(), c.Vocab)
		}
		ck.Tokenizer = tok
	}
	return ck, nil
}

func tensorMap(ts []NamedTensor) map[string]*Tensor {
	out := make(map[string]*Tensor, len(ts))
	for _, t := range ts {
		out[t.Name] = t.Tensor
	}
	return out
}
