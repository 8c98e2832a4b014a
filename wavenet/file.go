package wavenet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Model files are safetensors files as FORMAT.md ("The file") describes them:
//
//	[8 bytes]  header length n, little-endian uint64
//	[n bytes]  JSON header: {"__metadata__": {"wavenet": CONFIG, "training": JSON},
//	                         NAME: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
//	[rest]     raw little-endian float32 data; offsets are relative to its start
//
// The reader is strict. Besides the cases FORMAT.md requires (a missing or extra
// tensor, a wrong shape, a dtype other than F32, offsets outside the data, an
// invalid config) it rejects a header that is not one JSON object (trailing
// text other than the spaces safetensors pads with), duplicate keys, unknown
// fields in a tensor entry, tensors that overlap, and data bytes that belong
// to no tensor, be they a gap between tensors or trailing bytes after the last
// one. Keys of __metadata__ other than "wavenet" and "training" are ignored
// and are not written back by Encode.
//
// The writer puts __metadata__ first and the tensors in layout order (the
// order of Model.Tensors, which is the order of Model.Params), so the data
// section is Params itself; offsets are contiguous from 0 and the header is
// padded with spaces to a multiple of 8 bytes, as the safetensors library does.

const (
	// maxHeaderLen bounds the JSON header. A valid header needs about 110
	// bytes per tensor, under 1.5 MiB for the most tensors a config may
	// have (maxTensors); the rest is room for the training metadata.
	// Parsing makes transient garbage of a few tens of times the header's
	// size at worst (encoding/json's token API), so this bound matters.
	maxHeaderLen = 4 << 20
	// maxFileSize bounds what Load will read: 1 Gi parameters. The presets
	// are a few MB.
	maxFileSize = 4 << 30

	// maxTensors is the most tensors a model can have: input, output1 and
	// output2 (6), global.embedding, and per layer 8 plus 2 for each kind of
	// conditioning. The parser stops at it, so the parsed header stays a
	// bounded multiple of the raw one whatever the file lists.
	maxTensors = 6 + 1 + (8+2+2)*maxLayers

	// maxShapeJSON bounds the JSON text of one shape or data_offsets
	// array: 8 numbers of 20 digits and their commas, with room for spaces.
	maxShapeJSON = 256

	// maxMetadataKeys bounds the keys of __metadata__; this engine uses three
	// and other writers add a few ("format", say).
	maxMetadataKeys = 64

	metadataKey = "__metadata__"
	dtypeF32    = "F32"
)

// Metadata is what a model file carries besides the config and the weights.
type Metadata struct {
	// Training is the optional "training" JSON of the file's __metadata__
	// (what produced the weights: steps, loss, data, seed), exactly as
	// stored; nil when the file has none. The model never needs it.
	Training json.RawMessage
	// PreEmphasis is α of the sound the codes describe, from the optional
	// "audio" entry of __metadata__ ({"pre_emphasis": α}): the model's
	// codes are the μ-law codes of e[t] = x[t] − α·x[t−1], so that sound
	// goes in pre-emphasised and comes out de-emphasised (audio.PreEmphasize,
	// audio.Deemphasis). 0, the spec's plain μ-law of the sound, when the
	// file has no such entry; always in [0, 1). The logits do not depend
	// on it.
	PreEmphasis float64
}

// audioMeta is the JSON of the "audio" entry of __metadata__.
type audioMeta struct {
	PreEmphasis float64 `json:"pre_emphasis"`
}

// checkPreEmphasis reports whether alpha may be a Metadata.PreEmphasis.
func checkPreEmphasis(alpha float64) error {
	if !(alpha >= 0 && alpha < 1) {
		return fmt.Errorf("pre_emphasis %v: want a coefficient in [0, 1)", alpha)
	}
	return nil
}

// Load reads the model file at path. It refuses files that are not regular,
// larger than 4 GiB or malformed, with an error that names the file and the
// problem. It reads the header, checks it completely, then reads the tensor
// data straight into the new model's Params: it allocates the header and the
// model, never more than the file justifies.
func Load(path string) (*Model, Metadata, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, Metadata{}, err
	}
	defer f.Close()
	if size > maxFileSize {
		return nil, Metadata{}, fmt.Errorf("wavenet: %s: %d bytes, more than the %d a model file may have", path, size, int64(maxFileSize))
	}
	m, md, err := decode(f, size)
	if err != nil {
		return nil, Metadata{}, fmt.Errorf("wavenet: %s: %w", path, err)
	}
	return m, md, nil
}

// Decode reads a model file held in memory. Errors are those of Load, naming
// "model data" instead of a file. It allocates the header and the model,
// never more than len(data) besides data itself.
func Decode(data []byte) (*Model, Metadata, error) {
	m, md, err := decode(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, Metadata{}, fmt.Errorf("wavenet: model data: %w", err)
	}
	return m, md, nil
}

// entry is one tensor of a file's header.
type entry struct {
	name       string
	dtype      string
	shape      []int64
	begin, end int64 // byte offsets into the data section
}

// header is a parsed file header.
type header struct {
	meta    map[string]string // nil when the file has no __metadata__
	entries map[string]*entry
	order   []*entry // as they appear in the header
}

// decode reads and checks a model file of size bytes from r. Errors are
// unprefixed; the callers add "wavenet: FILE: ".
func decode(r io.ReaderAt, size int64) (*Model, Metadata, error) {
	if size < 8 {
		return nil, Metadata{}, fmt.Errorf("%d bytes, too short for a safetensors file (at least 8)", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, Metadata{}, fmt.Errorf("reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) {
		return nil, Metadata{}, fmt.Errorf("header length %d runs past the end of the file (%d bytes)", n, size)
	}
	if n > maxHeaderLen {
		return nil, Metadata{}, fmt.Errorf("header length %d is more than the limit of %d", n, maxHeaderLen)
	}
	raw := make([]byte, n)
	if _, err := r.ReadAt(raw, 8); err != nil {
		return nil, Metadata{}, fmt.Errorf("reading the header: %w", err)
	}
	dataStart := 8 + int64(n)
	dataLen := size - dataStart

	h, err := parseHeader(raw)
	if err != nil {
		return nil, Metadata{}, err
	}
	for _, e := range h.order {
		if err := e.check(dataLen); err != nil {
			return nil, Metadata{}, err
		}
	}
	cfg, md, err := h.metadata()
	if err != nil {
		return nil, Metadata{}, err
	}
	if err := h.matchLayout(cfg); err != nil {
		return nil, Metadata{}, err
	}
	if err := h.checkCoverage(dataLen); err != nil {
		return nil, Metadata{}, err
	}
	// Every tensor has the shape the config asks for and the tensors tile
	// the data exactly, so the model is the data's size. Check it anyway
	// before allocating: this is the line that keeps a small file from
	// making a large model.
	if want := int64(ParamCount(cfg)) * 4; want != dataLen {
		return nil, Metadata{}, fmt.Errorf("the config needs %d bytes of tensor data, the file has %d", want, dataLen)
	}
	m := newModel(cfg) // cfg passed ParseConfig's Validate
	buf := make([]byte, min(64<<10, dataLen))
	for _, t := range m.Tensors() {
		e := h.entries[t.Name]
		if e == nil || e.end-e.begin != int64(len(t.Data))*4 {
			panic("wavenet: the file disagrees with the layout") // matchLayout checked both
		}
		if err := readFloats(r, t.Data, dataStart+e.begin, buf); err != nil {
			return nil, Metadata{}, fmt.Errorf("reading tensor %q: %w", t.Name, err)
		}
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, Metadata{}, fmt.Errorf("tensor %q holds %v at index %d: weights must be finite", t.Name, v, i)
			}
		}
	}
	return m, md, nil
}

// parseHeader decodes the JSON header. It walks the top-level object token by
// token so that it can refuse duplicate keys, which a map would silently
// merge, and stop at maxTensors entries.
func parseHeader(raw []byte) (*header, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	bad := func(err error) error { return fmt.Errorf("header is not valid JSON: %w", err) }
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("header is not a JSON object")
	}
	h := &header{entries: make(map[string]*entry)}
	hasMeta := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		key := tok.(string) // inside an object, the decoder yields keys as strings
		if h.entries[key] != nil || (key == metadataKey && hasMeta) {
			return nil, fmt.Errorf("header has the key %q twice", shortName(key))
		}
		if key == metadataKey {
			if h.meta, err = parseMetadata(dec); err != nil {
				return nil, err
			}
			hasMeta = true
			continue
		}
		if len(h.order) == maxTensors {
			return nil, fmt.Errorf("header lists more than %d tensors, the most a model can have", maxTensors)
		}
		e, err := parseEntry(dec, key)
		if err != nil {
			return nil, err
		}
		h.entries[key] = e
		h.order = append(h.order, e)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, bad(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("header has data after its JSON object (only space padding may follow)")
	}
	return h, nil
}

// parseEntry reads the value of the tensor entry named key from dec: an
// object with exactly the keys "dtype" (a string), "shape" and
// "data_offsets" (arrays of non-negative integers), each once. It walks the
// keys itself because encoding/json would accept "DType" for "dtype" and
// keep the last of two "shape" keys; safetensors readers match keys exactly.
func parseEntry(dec *json.Decoder, key string) (*entry, error) {
	name := shortName(key)
	bad := func(err error) error { return fmt.Errorf("header is not valid JSON: %w", err) }
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("tensor %q is not a JSON object", name)
	}
	e := &entry{name: key}
	var haveDtype bool
	var shape, offsets json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		field := tok.(string) // inside an object, the decoder yields keys as strings
		if (field == "dtype" && haveDtype) || (field == "shape" && shape != nil) || (field == "data_offsets" && offsets != nil) {
			return nil, fmt.Errorf("tensor %q has the key %q twice", name, field)
		}
		switch field {
		case "dtype":
			if tok, err = dec.Token(); err != nil {
				return nil, bad(err)
			}
			s, ok := tok.(string)
			if !ok {
				return nil, fmt.Errorf("tensor %q: dtype is not a string", name)
			}
			e.dtype, haveDtype = s, true
		case "shape", "data_offsets":
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, bad(err)
			}
			// A model's tensors have rank 1 or 3; refuse long arrays before
			// decoding them, so that their size is bounded whatever the header.
			if len(v) > maxShapeJSON {
				return nil, fmt.Errorf("tensor %q: %s is %d bytes of JSON, more than a tensor needs", name, field, len(v))
			}
			if field == "shape" {
				shape = v
			} else {
				offsets = v
			}
		default:
			return nil, fmt.Errorf("tensor %q: unknown field %q (a tensor has dtype, shape and data_offsets)", name, shortName(field))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, bad(err)
	}
	switch { // a missing dtype stays "", which entry.check refuses
	case shape == nil:
		return nil, fmt.Errorf("tensor %q: no shape", name)
	case offsets == nil:
		return nil, fmt.Errorf("tensor %q: no data_offsets", name)
	}
	if err := json.Unmarshal(shape, &e.shape); err != nil {
		return nil, fmt.Errorf("tensor %q: shape %s: %w", name, shape, err)
	}
	for _, v := range e.shape {
		if v < 0 {
			return nil, fmt.Errorf("tensor %q: shape %v has a negative dimension", name, e.shape)
		}
	}
	var off []int64
	if err := json.Unmarshal(offsets, &off); err != nil {
		return nil, fmt.Errorf("tensor %q: data_offsets %s: %w", name, offsets, err)
	}
	if len(off) != 2 {
		return nil, fmt.Errorf("tensor %q: data_offsets has %d values, want 2", name, len(off))
	}
	if off[0] < 0 || off[1] < 0 {
		return nil, fmt.Errorf("tensor %q: data_offsets %v has a negative offset", name, off)
	}
	e.begin, e.end = off[0], off[1]
	return e, nil
}

// parseMetadata reads the value of __metadata__, an object of strings (or
// null), from dec. It keeps only the keys this engine uses, so that a header
// full of other keys costs no memory, and refuses duplicate keys.
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	bad := func(err error) error { return fmt.Errorf("header is not valid JSON: %w", err) }
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(err)
	}
	meta := make(map[string]string)
	if tok == nil { // null: present but empty
		return meta, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s is not a JSON object", metadataKey)
	}
	seen := make(map[string]bool)
	for keys := 0; dec.More(); keys++ {
		if keys == maxMetadataKeys {
			return nil, fmt.Errorf("%s has more than %d keys", metadataKey, maxMetadataKeys)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		key := tok.(string)
		if tok, err = dec.Token(); err != nil {
			return nil, bad(err)
		}
		val, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%s: the value of %q is not a string", metadataKey, shortName(key))
		}
		if key != "wavenet" && key != "training" && key != "audio" {
			continue
		}
		if seen[key] {
			return nil, fmt.Errorf("%s has the key %q twice", metadataKey, shortName(key))
		}
		seen[key] = true
		meta[key] = val
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, bad(err)
	}
	return meta, nil
}

// check checks one tensor entry on its own: its dtype, and that its offsets
// lie inside the data and hold exactly its shape.
func (e *entry) check(dataLen int64) error {
	if e.dtype != dtypeF32 {
		return fmt.Errorf("tensor %q: dtype %q, want %q", shortName(e.name), shortName(e.dtype), dtypeF32)
	}
	if e.begin > e.end {
		return fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", shortName(e.name), e.begin, e.end)
	}
	if e.end > dataLen {
		return fmt.Errorf("tensor %q: data_offsets [%d, %d] are outside the %d bytes of data", shortName(e.name), e.begin, e.end, dataLen)
	}
	n := int64(1)
	for _, d := range e.shape {
		if d != 0 && n > dataLen/d {
			return fmt.Errorf("tensor %q: shape %v is larger than the %d bytes of data", shortName(e.name), e.shape, dataLen)
		}
		n *= d
	}
	if e.end-e.begin != 4*n {
		return fmt.Errorf("tensor %q: data_offsets [%d, %d] hold %d bytes, shape %v needs %d", shortName(e.name), e.begin, e.end, e.end-e.begin, e.shape, 4*n)
	}
	return nil
}

// metadata reads the config and the training JSON from __metadata__.
func (h *header) metadata() (Config, Metadata, error) {
	if h.meta == nil {
		return Config{}, Metadata{}, fmt.Errorf("header has no %s", metadataKey)
	}
	js, ok := h.meta["wavenet"]
	if !ok {
		return Config{}, Metadata{}, fmt.Errorf("%s has no \"wavenet\" config", metadataKey)
	}
	cfg, err := ParseConfig([]byte(js))
	if err != nil {
		return Config{}, Metadata{}, fmt.Errorf("%s \"wavenet\": %s", metadataKey, strings.TrimPrefix(err.Error(), "wavenet: "))
	}
	var md Metadata
	if tr, ok := h.meta["training"]; ok {
		if !json.Valid([]byte(tr)) {
			return Config{}, Metadata{}, fmt.Errorf("%s \"training\" is not valid JSON", metadataKey)
		}
		md.Training = json.RawMessage(tr)
	}
	if au, ok := h.meta["audio"]; ok {
		var a audioMeta
		d := json.NewDecoder(strings.NewReader(au))
		d.DisallowUnknownFields()
		if err := d.Decode(&a); err != nil || d.More() {
			if err == nil {
				err = errors.New("more than one JSON value")
			}
			return Config{}, Metadata{}, fmt.Errorf("%s \"audio\": %v", metadataKey, err)
		}
		if err := checkPreEmphasis(a.PreEmphasis); err != nil {
			return Config{}, Metadata{}, fmt.Errorf("%s \"audio\": %v", metadataKey, err)
		}
		md.PreEmphasis = a.PreEmphasis
	}
	return cfg, md, nil
}

// matchLayout checks that the header holds exactly the tensors of
// cfg.Layout, with the right shapes. It walks the layout without storing it
// and stops at the first mismatch, so a short header that names a huge
// config costs no memory here.
func (h *header) matchLayout(cfg Config) error {
	want := 0
	for s := range cfg.Layout() {
		want++
		e := h.entries[s.Name]
		if e == nil {
			return fmt.Errorf("missing tensor %q", s.Name)
		}
		if !slices.EqualFunc(e.shape, s.Shape, func(a int64, b int) bool { return a == int64(b) }) {
			return fmt.Errorf("tensor %q: shape %v, want %v", s.Name, e.shape, s.Shape)
		}
	}
	if len(h.order) != want {
		// Every wanted name is present, so some other name is extra.
		wanted := make(map[string]bool, want) // want ≤ len(h.order): bounded by the header
		for s := range cfg.Layout() {
			wanted[s.Name] = true
		}
		for _, e := range h.order {
			if !wanted[e.name] {
				return fmt.Errorf("unexpected tensor %q (not part of the model the config describes)", shortName(e.name))
			}
		}
	}
	return nil
}

// checkCoverage checks that the tensors tile the data section: no overlaps,
// no gaps, no bytes after the last one.
func (h *header) checkCoverage(dataLen int64) error {
	es := slices.Clone(h.order)
	slices.SortFunc(es, func(a, b *entry) int {
		if a.begin != b.begin {
			return int(min(max(a.begin-b.begin, -1), 1))
		}
		return int(min(max(a.end-b.end, -1), 1))
	})
	var at int64
	var prev *entry
	for _, e := range es {
		if e.begin < at {
			return fmt.Errorf("tensors %q [%d, %d] and %q [%d, %d] overlap", shortName(prev.name), prev.begin, prev.end, shortName(e.name), e.begin, e.end)
		}
		if e.begin > at {
			return fmt.Errorf("data bytes [%d, %d] belong to no tensor", at, e.begin)
		}
		at, prev = e.end, e
	}
	if at != dataLen {
		return fmt.Errorf("%d bytes of data after the last tensor", dataLen-at)
	}
	return nil
}

// shortName returns s, cut to at most 64 bytes, for an error message: a file
// may hold names of any length.
func shortName(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "…"
}

// readFloats fills dst with little-endian float32s read from r at off, through buf.
func readFloats(r io.ReaderAt, dst []float32, off int64, buf []byte) error {
	chunk := len(buf) / 4
	for len(dst) > 0 {
		k := min(chunk, len(dst))
		b := buf[:4*k]
		if _, err := r.ReadAt(b, off); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the file shrank since it was measured
			}
			return err
		}
		for i := range k {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		dst, off = dst[k:], off+int64(4*k)
	}
	return nil
}

// Encode writes m as a model file to w: the config, md.Training (compacted)
// when it is not empty and md.PreEmphasis when it is not 0 (the "audio"
// entry) in __metadata__, then the tensors in layout order. It fails if
// md.Training is not valid JSON, md.PreEmphasis is outside [0, 1) or w
// fails. Encode
// writes in blocks of 64 KiB, so w needs no buffer; making a file of it
// (atomically, say) is the caller's business, as cmd/wavenet does.
func (m *Model) Encode(w io.Writer, md Metadata) error {
	if err := m.encode(w, md); err != nil {
		return fmt.Errorf("wavenet: encoding a model: %w", err)
	}
	return nil
}

func (m *Model) encode(w io.Writer, md Metadata) error {
	hdr, err := m.header(md)
	if err != nil {
		return err
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for _, t := range m.Tensors() {
		for d := t.Data; len(d) > 0; {
			k := min(len(buf)/4, len(d))
			for i, v := range d[:k] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*k]); err != nil {
				return err
			}
			d = d[k:]
		}
	}
	return nil
}

// header returns the JSON header of m's file, padded with spaces to a
// multiple of 8 bytes.
func (m *Model) header(md Metadata) ([]byte, error) {
	str := func(s string) []byte {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err) // a string always marshals
		}
		return b
	}
	var b bytes.Buffer
	b.WriteString(`{"` + metadataKey + `":{"wavenet":`)
	b.Write(str(m.Config.JSON()))
	if len(md.Training) > 0 {
		var c bytes.Buffer
		if err := json.Compact(&c, md.Training); err != nil {
			return nil, fmt.Errorf("training metadata is not valid JSON: %w", err)
		}
		b.WriteString(`,"training":`)
		b.Write(str(c.String()))
	}
	if md.PreEmphasis != 0 {
		if err := checkPreEmphasis(md.PreEmphasis); err != nil {
			return nil, err
		}
		a, _ := json.Marshal(audioMeta{md.PreEmphasis})
		b.WriteString(`,"audio":`)
		b.Write(str(string(a)))
	}
	b.WriteString("}")
	var off int64
	for _, t := range m.Tensors() {
		b.WriteString(",")
		b.Write(str(t.Name))
		b.WriteString(`:{"dtype":"` + dtypeF32 + `","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := off + 4*int64(len(t.Data))
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	b.WriteString("}")
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}
