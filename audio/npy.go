package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// NumPy .npy files of float32 features [rows, cols] (for log-mel frames,
// [Cl, F]: bands × frames), the format vocoder pipelines exchange
// (numpy.save, numpy.load). The format
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//
//	"\x93NUMPY", major, minor             8 bytes: version 1.0, 2.0 or 3.0
//	header length, little-endian          2 bytes (1.0) or 4 bytes (2.0, 3.0)
//	header                                a Python dict literal, space-padded, ending in '\n'
//	data                                  rows·cols values
//
// with a header such as {'descr': '<f4', 'fortran_order': False, 'shape': (80, 50), }.
// Only little-endian float32 ('<f4') in two dimensions is read, in either
// order: fortran_order True (column-major) is what numpy writes for a
// transposed array, as the reference's log-mel is.

// Errors returned (wrapped, with the file name and details) by [ReadNpy] and
// [DecodeNpy]; test them with errors.Is.
var (
	ErrNotNpy         = errors.New("not a NumPy .npy file")
	ErrMalformedNpy   = errors.New("malformed .npy")
	ErrUnsupportedNpy = errors.New("unsupported .npy")
)

const (
	npyMagic     = "\x93NUMPY"
	npyAlign     = 64      // numpy aligns the data to 64 bytes
	npyGrowth    = 21      // numpy's spare header bytes for a growing first axis (GROWTH_AXIS_MAX_DIGITS)
	maxNpyHeader = 1 << 20 // bytes; numpy itself refuses headers over 10000 bytes unless told otherwise
)

// ReadNpy reads the .npy file at path holding float32 values [rows, cols]
// and returns them row-major: value [r, c] is x[r·cols + c]. It refuses,
// with an error that names the file, anything else: another dtype (only
// '<f4', little-endian float32, is read), a shape that is not two
// dimensions, a data size that disagrees with the shape, and a NaN or an
// infinity (features are finite; one NaN frame would poison every sample a
// model generates after it). It allocates the header and the values, both
// bounded by the file's size, and a read buffer of at most 256 KiB.
func ReadNpy(path string) (x []float32, rows, cols int, err error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	return DecodeNpy(f, size, path)
}

// DecodeNpy is [ReadNpy] for a .npy held in r, which must hold size bytes;
// name is used in errors.
func DecodeNpy(r io.ReaderAt, size int64, name string) (x []float32, rows, cols int, err error) {
	h, err := readNpyHeader(r, size, name)
	if err != nil {
		return nil, 0, 0, err
	}
	rows, cols = h.shape[0], h.shape[1]
	x = make([]float32, rows*cols) // == (size - dataOff)/4, checked
	buf := make([]byte, min(readBlock, 4*len(x)))
	for done := 0; done < len(x); {
		n := min(len(buf)/4, len(x)-done)
		b := buf[:4*n]
		off := h.dataOff + 4*int64(done)
		if err := readFull(r, b, off); err != nil {
			return nil, 0, 0, fmt.Errorf("audio: %s: reading %d bytes at byte %d: %w", name, len(b), off, err)
		}
		for i := range n {
			v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			e := done + i // index in file order
			if h.fortran {
				e = (e%rows)*cols + e/rows
			}
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, 0, 0, fmt.Errorf("audio: %s: %w: value [%d, %d] is %v; features must be finite", name, ErrUnsupportedNpy, e/cols, e%cols, v)
			}
			x[e] = v
		}
		done += n
	}
	return x, rows, cols, nil
}

// npyHeader is what readNpyHeader learns about a file.
type npyHeader struct {
	shape   [2]int
	fortran bool  // column-major data
	dataOff int64 // byte offset of the first value
}

// readNpyHeader reads and checks the header, and checks that the data
// after it is exactly what the shape says, before anything is allocated
// for the data.
func readNpyHeader(r io.ReaderAt, size int64, name string) (npyHeader, error) {
	var h npyHeader
	var pre [12]byte
	if size < 10 {
		return h, fmt.Errorf("audio: %s: %w: %d bytes is too short for a .npy header", name, ErrNotNpy, size)
	}
	if err := readFull(r, pre[:10], 0); err != nil {
		return h, fmt.Errorf("audio: %s: %w", name, err)
	}
	if string(pre[:6]) != npyMagic {
		return h, fmt.Errorf("audio: %s: %w: it starts with %q, not \"\\x93NUMPY\"", name, ErrNotNpy, printable(pre[:6]))
	}
	var hlen, hoff int64
	switch major, minor := pre[6], pre[7]; {
	case major == 1 && minor == 0:
		hlen, hoff = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case (major == 2 || major == 3) && minor == 0:
		if size < 12 {
			return h, fmt.Errorf("audio: %s: %w: %d bytes is too short for a version %d.0 header", name, ErrMalformedNpy, size, major)
		}
		if err := readFull(r, pre[10:12], 10); err != nil {
			return h, fmt.Errorf("audio: %s: %w", name, err)
		}
		hlen, hoff = int64(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		return h, fmt.Errorf("audio: %s: %w: format version %d.%d (1.0, 2.0 and 3.0 are read)", name, ErrUnsupportedNpy, major, minor)
	}
	if hlen > size-hoff {
		return h, fmt.Errorf("audio: %s: %w: the header claims %d bytes, the file has %d after the prefix", name, ErrMalformedNpy, hlen, size-hoff)
	}
	if hlen > maxNpyHeader {
		return h, fmt.Errorf("audio: %s: %w: a %d-byte header (at most %d are read)", name, ErrUnsupportedNpy, hlen, maxNpyHeader)
	}
	text := make([]byte, hlen)
	if err := readFull(r, text, hoff); err != nil {
		return h, fmt.Errorf("audio: %s: reading the header: %w", name, err)
	}
	d, err := parseNpyDict(string(text))
	if errors.Is(err, errStructured) {
		return h, fmt.Errorf("audio: %s: %w: %v", name, ErrUnsupportedNpy, err)
	}
	if err != nil {
		shown := strings.TrimRight(string(text), " \n")
		return h, fmt.Errorf("audio: %s: %w: header %q: %v", name, ErrMalformedNpy, printable([]byte(shown[:min(len(shown), 120)])), err)
	}
	if d.descr != "<f4" || len(d.shape) != 2 {
		return h, fmt.Errorf("audio: %s: %w: wants float32 2-D ('<f4', shape (rows, cols)), got '%s' %s", name, ErrUnsupportedNpy, printable([]byte(d.descr)), pyShape(d.shape))
	}
	h.shape = [2]int{d.shape[0], d.shape[1]}
	h.fortran = d.fortran
	h.dataOff = hoff + hlen
	// Each length is below 2^62, and the division keeps the product from
	// wrapping, so a header claiming 10^12 values is refused here.
	data := size - h.dataOff
	nr, nc := int64(h.shape[0]), int64(h.shape[1])
	if (nr != 0 && nc > data/4/nr) || 4*nr*nc != data {
		return h, fmt.Errorf("audio: %s: %w: shape %s needs %s bytes of data, the file has %d", name, ErrMalformedNpy, pyShape(d.shape), bytesOf(d.shape), data)
	}
	if nr*nc > math.MaxInt/4 {
		return h, fmt.Errorf("audio: %s: %w: %d values, more than this %d-bit platform can hold", name, ErrUnsupportedNpy, nr*nc, strconv.IntSize)
	}
	return h, nil
}

// bytesOf returns the data size of float32 values of a shape, as a decimal
// number however large.
func bytesOf(shape []int) string {
	f := 4.0
	for _, n := range shape {
		f *= float64(n)
	}
	if f < 1<<53 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// pyShape formats a shape as Python prints a tuple: (3, 4), (3,), ().
func pyShape(shape []int) string {
	if len(shape) == 1 {
		return fmt.Sprintf("(%d,)", shape[0])
	}
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = strconv.Itoa(n)
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// errStructured is parseNpyDict's error for a valid header of a dtype
// other than a string: a structured array's.
var errStructured = errors.New("wants float32 2-D ('<f4'), got a structured dtype")

// npyDict is a parsed .npy header.
type npyDict struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNpyDict parses the header's Python dict literal: exactly the keys
// 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple
// of integers, each below 2^62), in any order, with single or double quotes,
// optional trailing commas and any spaces, then spaces and a '\n' to the end
// (numpy checks the same keys; Python 2 numpy wrote lengths as 80L).
// Anything else, such as a structured dtype's list, is an error.
func parseNpyDict(s string) (npyDict, error) {
	var d npyDict
	p := npyParser{s: s}
	if !p.eat('{') {
		return d, errors.New("not a dict")
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return d, err
		}
		if seen[key] {
			return d, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return d, fmt.Errorf("no ':' after %q", key)
		}
		switch key {
		case "descr":
			if p.space(); p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '{') {
				return d, errStructured
			}
			if d.descr, err = p.str(); err != nil {
				return d, fmt.Errorf("descr: %v", err)
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				d.fortran = true
			case p.word("False"):
				d.fortran = false
			default:
				return d, errors.New("fortran_order is neither True nor False")
			}
		case "shape":
			if d.shape, err = p.tuple(); err != nil {
				return d, fmt.Errorf("shape: %v", err)
			}
		default:
			return d, fmt.Errorf("unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return d, fmt.Errorf("no ',' or '}' after %q", key)
			}
			break
		}
	}
	if len(seen) != 3 {
		return d, errors.New("wants the keys descr, fortran_order and shape")
	}
	rest := s[p.i:]
	if !strings.HasSuffix(rest, "\n") || strings.TrimLeft(rest, " \t\r\n") != "" {
		return d, errors.New("not spaces and a newline after the dict")
	}
	return d, nil
}

// npyParser reads the Python literals of a .npy header from s[i:].
type npyParser struct {
	s string
	i int
}

func (p *npyParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// eat skips spaces and then c, and reports whether c was there.
func (p *npyParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// word skips spaces and then w, if w is there as a whole word.
func (p *npyParser) word(w string) bool {
	p.space()
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	if j := p.i + len(w); j < len(p.s) && (isDigit(p.s[j]) || p.s[j] == '_' || p.s[j]|0x20 >= 'a' && p.s[j]|0x20 <= 'z') {
		return false
	}
	p.i += len(w)
	return true
}

// str reads a quoted string without escapes (numpy's keys and dtype
// strings have none).
func (p *npyParser) str() (string, error) {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("wants a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsAny(v, "\\\n") {
		return "", errors.New("a string with an escape or a newline")
	}
	p.i += end + 2
	return v, nil
}

// tuple reads a tuple of non-negative integers.
func (p *npyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("not a tuple")
	}
	var t []int
	for {
		if p.eat(')') {
			return t, nil
		}
		p.space()
		j := p.i
		for j < len(p.s) && isDigit(p.s[j]) {
			j++
		}
		if j == p.i {
			return nil, errors.New("wants a non-negative integer")
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil || n >= 1<<62 {
			return nil, fmt.Errorf("%s is too large", p.s[p.i:j])
		}
		if len(t) == 32 { // numpy's limit on dimensions
			return nil, errors.New("more than 32 dimensions")
		}
		t = append(t, int(n))
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("no ',' or ')' after a length")
			}
			return t, nil
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// WriteNpy writes x, float32 values [rows, cols] row-major (value [r, c] at
// x[r·cols + c]), to a .npy file at path, byte for byte as numpy.save
// writes a C-ordered float32 array (format 1.0, '<f4', fortran_order
// False). The file is written under a temporary name in the same directory
// and renamed into place, so path holds either the whole file or what was
// there before. A path of "-" writes to standard output. It refuses a
// length that is not rows·cols and a NaN or an infinity (which [ReadNpy]
// would refuse).
func WriteNpy(path string, x []float32, rows, cols int) error {
	if err := checkNpy(path, x, rows, cols); err != nil {
		return err
	}
	if path == "-" {
		return EncodeNpy(os.Stdout, x, rows, cols)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("audio: %s: %w", path, err)
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("audio: %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := encodeNpy(f, x, rows, cols); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("audio: %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("audio: %s: %w", path, err)
	}
	return nil
}

// EncodeNpy writes x [rows, cols] to w as [WriteNpy] does.
func EncodeNpy(w io.Writer, x []float32, rows, cols int) error {
	if err := checkNpy("output", x, rows, cols); err != nil {
		return err
	}
	if err := encodeNpy(w, x, rows, cols); err != nil {
		return fmt.Errorf("audio: output: %w", err)
	}
	return nil
}

func checkNpy(name string, x []float32, rows, cols int) error {
	if rows < 0 || cols < 0 || (cols != 0 && rows > math.MaxInt/cols) || rows*cols != len(x) {
		return fmt.Errorf("audio: %s: %d values cannot be shape (%d, %d)", name, len(x), rows, cols)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("audio: %s: value [%d, %d] is %v; features must be finite", name, i/cols, i%cols, v)
		}
	}
	return nil
}

// npyHeaderBytes returns the format 1.0 prefix and header numpy.save (1.24)
// writes for a C-ordered float32 array [rows, cols]: the dict with its keys
// sorted, spare spaces for the first axis to grow to 21 digits, then spaces
// and '\n' to a multiple of 64 bytes.
func npyHeaderBytes(rows, cols int) []byte {
	d := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	d += strings.Repeat(" ", max(npyGrowth-len(strconv.Itoa(rows)), 0))
	hlen := len(d) + 1 // with the '\n'
	pad := npyAlign - (len(npyMagic)+2+2+hlen)%npyAlign
	b := append([]byte(npyMagic), 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen+pad))
	b = append(b, d...)
	b = append(b, strings.Repeat(" ", pad)...)
	return append(b, '\n')
}

func encodeNpy(w io.Writer, x []float32, rows, cols int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(npyHeaderBytes(rows, cols))
	var b [4]byte
	for _, v := range x {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}
