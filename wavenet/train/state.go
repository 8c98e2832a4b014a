package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// A state file is the complete training checkpoint: parameters, Adam moments,
// RNG state, step count, hyper-parameters, the log so far and the model of
// the lowest validation loss (Snapshot.EncodeCheckpoint writes it,
// DecodeCheckpoint reads it). It is
// kept beside the model file, which carries the same step in its `training`
// metadata. Because the state alone is enough to resume, a crash between
// writing the two never loses the last good checkpoint: the state is written
// first, and resuming trusts it and not the model file.
//
// Layout, little-endian:
//
//	magic   "WNTRAIN1"
//	uint64  header length H
//	H bytes header JSON (stateHeader)
//	3·P float32: parameters, first moments, second moments (P = header.params)
//	P float32: the best model's parameters, only if the header has "best"
//	uint32  CRC-32C of everything before it
const stateMagic = "WNTRAIN1"

// IsCheckpoint reports whether data, the first bytes of a file, start as a
// checkpoint file does: for telling a user who gave one where a model file
// was wanted what it is.
func IsCheckpoint(data []byte) bool { return bytes.HasPrefix(data, []byte(stateMagic)) }

// maxStateHeader bounds the JSON header, so a corrupt length cannot make the
// reader allocate without limit.
const maxStateHeader = 64 << 20

// stateHeader is the JSON part of a state file.
type stateHeader struct {
	Step        int             `json:"step"`           // updates done
	AdamT       int             `json:"adam_t"`         // Adam's bias-correction counter
	Params      int             `json:"params"`         // P
	Config      json.RawMessage `json:"config"`         // wavenet.Config
	Hyper       Hyper           `json:"hyper"`          // what must not change on resume
	Data        string          `json:"data"`           // Fingerprint of the clips
	RNG         []byte          `json:"rng"`            // PCG state (MarshalBinary)
	Elapsed     float64         `json:"elapsed"`        // seconds of training so far
	Samples     int64           `json:"samples"`        // scored samples so far
	Log         []LogRow        `json:"log"`            // rows of the CSV log
	TrainWindow []float64       `json:"train_window"`   // per step since the last log row: loss (nats), gradient norm, alternating
	Best        *bestHeader     `json:"best,omitempty"` // the lowest validation so far; absent before the first (and in files from before it was kept)
	Cond        Conditioning    `json:"cond"`           // class names and what the frames are; must not change on resume
}

// bestHeader is the lowest validation loss of a run so far and what the
// model of that step is written with; its parameters follow the moments.
type bestHeader struct {
	Step     int             `json:"step"`     // the step validated
	ValBits  float64         `json:"val_bits"` // bits per sample
	Training json.RawMessage `json:"training"` // the model file's `training` metadata at that step
}

// state is a decoded state file.
type state struct {
	stateHeader
	params, m, v []float32
	best         []float32 // the parameters of Best; nil without it
}

// bestStep is the step of the lowest validation, 0 if none.
func (s *state) bestStep() int {
	if s.Best == nil {
		return 0
	}
	return s.Best.Step
}

// bestValBits is the lowest validation loss, −1 if none.
func (s *state) bestValBits() float64 {
	if s.Best == nil {
		return -1
	}
	return s.Best.ValBits
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeState writes s to w.
func encodeState(w io.Writer, s *state) error {
	arrays := [][]float32{s.params, s.m, s.v}
	if s.Best != nil {
		arrays = append(arrays, s.best)
	}
	for _, a := range arrays {
		if len(a) != s.Params {
			panic("train: encodeState: slice lengths disagree with the header")
		}
	}
	hdr, err := json.Marshal(s.stateHeader)
	if err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	mw := io.MultiWriter(w, crc)
	var b [8]byte
	if _, err := io.WriteString(mw, stateMagic); err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(b[:], uint64(len(hdr)))
	if _, err := mw.Write(b[:]); err != nil {
		return err
	}
	if _, err := mw.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 4*s.Params)
	for _, a := range arrays {
		for i, x := range a {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
		}
		if _, err := mw.Write(buf); err != nil {
			return err
		}
	}
	binary.LittleEndian.PutUint32(b[:4], crc.Sum32())
	_, err = w.Write(b[:4])
	return err
}

// decodeState parses a state file's bytes, checking sizes before allocating
// and the checksum before trusting anything.
func decodeState(data []byte) (*state, error) {
	if len(data) < len(stateMagic)+8+4 || string(data[:len(stateMagic)]) != stateMagic {
		return nil, errors.New("not a wavenet training state file")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, errors.New("checksum mismatch (the file is damaged or was cut short)")
	}
	p := len(stateMagic)
	n := binary.LittleEndian.Uint64(body[p:])
	p += 8
	if n > maxStateHeader || n > uint64(len(body)-p) {
		return nil, fmt.Errorf("header length %d exceeds the file", n)
	}
	s := &state{}
	if err := json.Unmarshal(body[p:p+int(n)], &s.stateHeader); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	p += int(n)
	if b := s.Best; b != nil && (b.Step < 1 || b.Step > s.Step || !(b.ValBits >= 0) || len(b.Training) == 0) {
		return nil, fmt.Errorf("best: step %d, %v bits, %d bytes of metadata; want a step in 1..%d, bits ≥ 0 and metadata", b.Step, b.ValBits, len(b.Training), s.Step)
	}
	if len(s.TrainWindow)%2 != 0 {
		return nil, fmt.Errorf("train_window has %d values, want pairs of loss and gradient norm", len(s.TrainWindow))
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"step", float64(s.Step)}, {"adam_t", float64(s.AdamT)}, {"samples", float64(s.Samples)}, {"elapsed", s.Elapsed}} {
		if c.v < 0 {
			return nil, fmt.Errorf("header: %s %v is negative", c.name, c.v)
		}
	}
	arrays := 3 // parameters and both moments; then the best model's parameters, if any
	if s.Best != nil {
		arrays = 4
	}
	// Compare by division: 4·arrays·params can wrap around (12·2^62 is 0
	// in 64 bits) and match a short data section.
	if rest := len(body) - p; s.Params < 0 || s.Params > rest/(4*arrays) || 4*arrays*s.Params != rest {
		return nil, fmt.Errorf("header says %d parameters but %d bytes of data follow (want %d arrays of them)", s.Params, rest, arrays)
	}
	read := func() []float32 {
		a := make([]float32, s.Params)
		for i := range a {
			a[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[p:]))
			p += 4
		}
		return a
	}
	s.params, s.m, s.v = read(), read(), read()
	if s.Best != nil {
		s.best = read()
	}
	return s, nil
}
