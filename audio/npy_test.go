package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// melGolden holds the reference's log-mel goldens and numpy-written .npy
// files (see its README.md).
const melGolden = "../testdata/golden/mel"

// npy3x5 is the array in testdata/golden/mel/numpy_*_3x5.npy:
// (arange(15).reshape(3, 5) - 7)/8 with [1, 2] = -1.878231, as float32.
func npy3x5() []float32 {
	x := make([]float32, 15)
	for i := range x {
		x[i] = float32((float64(i) - 7) / 8)
	}
	x[1*5+2] = float32(-1.878231)
	return x
}

// TestNpyNumpyFiles reads the two arrays numpy wrote, in C and in Fortran
// order, and checks that WriteNpy writes the C-ordered file byte for byte.
func TestNpyNumpyFiles(t *testing.T) {
	want := npy3x5()
	for _, name := range []string{"numpy_c_3x5.npy", "numpy_f_3x5.npy"} {
		x, rows, cols, err := ReadNpy(filepath.Join(melGolden, name))
		if err != nil {
			t.Fatal(err)
		}
		if rows != 3 || cols != 5 || !slices.Equal(x, want) {
			t.Errorf("%s: [%d, %d] %v, want [3, 5] %v", name, rows, cols, x, want)
		}
	}
	numpy, err := os.ReadFile(filepath.Join(melGolden, "numpy_c_3x5.npy"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ours.npy")
	if err := WriteNpy(path, want, 3, 5); err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, numpy) {
		t.Errorf("WriteNpy wrote\n%q\nnumpy.save wrote\n%q", ours, numpy)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
}

// TestNpyRoundTrip writes and reads back arrays of several shapes,
// including empty ones and one whose header would align exactly, with
// values at the float32 extremes; and EncodeNpy writes what WriteNpy does.
func TestNpyRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for _, shape := range [][2]int{{80, 50}, {1, 1}, {3, 0}, {0, 7}, {128, 1000}, {123456789012, 0}, {7, 3}} {
		r, c := shape[0], shape[1]
		x := make([]float32, r*c)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		if len(x) > 3 {
			x[0], x[1], x[2] = math.MaxFloat32, -math.SmallestNonzeroFloat32, float32(math.Copysign(0, -1))
		}
		path := filepath.Join(dir, "x.npy")
		if err := WriteNpy(path, x, r, c); err != nil {
			t.Fatal(err)
		}
		got, gr, gc, err := ReadNpy(path)
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if gr != r || gc != c || len(got) != len(x) {
			t.Fatalf("%v: read [%d, %d], %d values", shape, gr, gc, len(got))
		}
		for i := range x {
			if math.Float32bits(got[i]) != math.Float32bits(x[i]) {
				t.Fatalf("%v: value %d = %v, wrote %v", shape, i, got[i], x[i])
			}
		}
		file, _ := os.ReadFile(path)
		var buf bytes.Buffer
		if err := EncodeNpy(&buf, x, r, c); err != nil || !bytes.Equal(buf.Bytes(), file) {
			t.Errorf("%v: EncodeNpy differs from WriteNpy (%v)", shape, err)
		}
		if hlen := int(binary.LittleEndian.Uint16(file[8:10])); (10+hlen)%64 != 0 || file[10+hlen-1] != '\n' {
			t.Errorf("%v: header of %d bytes does not end a 64-byte block with a newline", shape, hlen)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// npyFile builds a .npy file: format 1.0 with the header padded as numpy
// pads it, or (version 2 or 3) with a 4-byte header length, then data.
func npyFile(version byte, header string, data []byte) []byte {
	b := []byte(npyMagic)
	b = append(b, version, 0)
	if version == 1 {
		pad := 63 - (10+len(header))%64
		header += strings.Repeat(" ", pad) + "\n"
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	} else {
		header += "\n"
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	}
	b = append(b, header...)
	return append(b, data...)
}

// f32s returns the little-endian bytes of the values.
func f32s(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// TestNpyHeaders reads headers numpy or other writers may produce:
// versions 2.0 and 3.0, double quotes, keys in another order, no trailing
// comma, extra spaces, Python 2 lengths.
func TestNpyHeaders(t *testing.T) {
	data := f32s(1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		version byte
		header  string
		fortran bool
	}{
		{1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", false},
		{2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", false},
		{3, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", true},
		{1, `{"shape":(2,3),"fortran_order":True,"descr":"<f4"}`, true},
		{1, "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }", false},
		{1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", false},
	} {
		b := npyFile(c.version, c.header, data)
		x, r, cols, err := DecodeNpy(bytes.NewReader(b), int64(len(b)), "h.npy")
		if err != nil {
			t.Errorf("%d %s: %v", c.version, c.header, err)
			continue
		}
		want := []float32{1, 2, 3, 4, 5, 6}
		if c.fortran { // the file holds [0, 0], [1, 0], [0, 1], [1, 1], ...
			want = []float32{1, 3, 5, 2, 4, 6}
		}
		if r != 2 || cols != 3 || !slices.Equal(x, want) {
			t.Errorf("%d %s: [%d, %d] %v, want %v", c.version, c.header, r, cols, x, want)
		}
	}
}

// TestNpyRefuses: every malformed or unsupported file is an error naming
// the file and the problem, wrapping the right sentinel.
func TestNpyRefuses(t *testing.T) {
	hdr := func(descr, order, shape string) string {
		return "{'descr': " + descr + ", 'fortran_order': " + order + ", 'shape': " + shape + ", }"
	}
	good := hdr("'<f4'", "False", "(3, 4)")
	d12 := make([]byte, 48)
	for _, c := range []struct {
		name string
		file []byte
		is   error
		says string
	}{
		{"empty", nil, ErrNotNpy, "too short"},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ErrNotNpy, `"RIFF$."`},
		{"f8", npyFile(1, hdr("'<f8'", "False", "(3, 4)"), make([]byte, 96)), ErrUnsupportedNpy, "wants float32 2-D ('<f4', shape (rows, cols)), got '<f8' (3, 4)"},
		{"big-endian", npyFile(1, hdr("'>f4'", "False", "(3, 4)"), d12), ErrUnsupportedNpy, "got '>f4' (3, 4)"},
		{"1-D", npyFile(1, hdr("'<f4'", "False", "(12,)"), d12), ErrUnsupportedNpy, "got '<f4' (12,)"},
		{"3-D", npyFile(1, hdr("'<f4'", "False", "(2, 3, 2)"), d12), ErrUnsupportedNpy, "got '<f4' (2, 3, 2)"},
		{"scalar", npyFile(1, hdr("'<f4'", "False", "()"), d12[:4]), ErrUnsupportedNpy, "got '<f4' ()"},
		{"structured", npyFile(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 4), }", d12), ErrUnsupportedNpy, "got a structured dtype"},
		{"version 4", append([]byte(npyMagic+"\x04\x00"), make([]byte, 100)...), ErrUnsupportedNpy, "version 4.0"},
		{"short data", npyFile(1, good, d12[:47]), ErrMalformedNpy, "shape (3, 4) needs 48 bytes of data, the file has 47"},
		{"trailing data", npyFile(1, good, make([]byte, 49)), ErrMalformedNpy, "needs 48 bytes of data, the file has 49"},
		{"10^12 values", npyFile(1, hdr("'<f4'", "False", "(1000000, 1000000)"), d12[:36]), ErrMalformedNpy, "needs 4000000000000 bytes of data, the file has 36"},
		{"2^124 values", npyFile(1, hdr("'<f4'", "False", "(4611686018427387903, 4611686018427387903)"), nil), ErrMalformedNpy, "needs 8.51e+37 bytes"},
		{"length 2^62", npyFile(1, hdr("'<f4'", "False", "(4611686018427387904, 1)"), nil), ErrMalformedNpy, "too large"},
		{"negative", npyFile(1, hdr("'<f4'", "False", "(-3, 4)"), d12), ErrMalformedNpy, "non-negative integer"},
		{"header past the end", append([]byte(npyMagic+"\x01\x00\xff\xff"), "{}"...), ErrMalformedNpy, "claims 65535 bytes"},
		{"v2 header past the end", append([]byte(npyMagic+"\x02\x00\xff\xff\xff\xff"), "{}"...), ErrMalformedNpy, "claims 4294967295 bytes"},
		{"v2 cut", []byte(npyMagic + "\x02\x00\x10\x00"), ErrMalformedNpy, "too short for a version 2.0 header"},
		{"no newline", append(binary.LittleEndian.AppendUint16([]byte(npyMagic+"\x01\x00"), uint16(len(good)+3)), good+"   "...), ErrMalformedNpy, "newline"},
		{"text after", npyFile(1, good+" x", d12), ErrMalformedNpy, "newline"},
		{"unknown key", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", d12), ErrMalformedNpy, `unknown key "x"`},
		{"missing key", npyFile(1, "{'descr': '<f4', 'shape': (3, 4)}", d12), ErrMalformedNpy, "wants the keys"},
		{"twice", npyFile(1, "{'descr': '<f4', 'descr': '<f4', 'shape': (3, 4)}", d12), ErrMalformedNpy, `"descr" twice`},
		{"order 1", npyFile(1, hdr("'<f4'", "1", "(3, 4)"), d12), ErrMalformedNpy, "neither True nor False"},
		{"Falsey", npyFile(1, hdr("'<f4'", "Falsey", "(3, 4)"), d12), ErrMalformedNpy, "neither True nor False"},
		{"unterminated", npyFile(1, "{'descr: '<f4'}", d12), ErrMalformedNpy, "no ':'"},
		{"escape", npyFile(1, `{'descr': '<f\4', 'fortran_order': False, 'shape': (3, 4)}`, d12), ErrMalformedNpy, "escape"},
		{"no brace", npyFile(1, "['descr']", d12), ErrMalformedNpy, "not a dict"},
		{"33 dims", npyFile(1, hdr("'<f4'", "False", "("+strings.Repeat("1, ", 33)+")"), d12), ErrMalformedNpy, "more than 32"},
		{"NaN", npyFile(1, good, append(f32s(1, 2, 3, 4, 5, 6, 7), append(f32s(float32(math.NaN())), d12[:16]...)...)), ErrUnsupportedNpy, "value [1, 3] is NaN"},
		{"Inf, Fortran", npyFile(1, hdr("'<f4'", "True", "(3, 4)"), append(f32s(1, 2, 3, 4, 5, float32(math.Inf(-1))), d12[:24]...)), ErrUnsupportedNpy, "value [2, 1] is -Inf"},
	} {
		x, r, cols, err := DecodeNpy(bytes.NewReader(c.file), int64(len(c.file)), "bad.npy")
		if err == nil {
			t.Errorf("%s: accepted [%d, %d] %v", c.name, r, cols, x)
			continue
		}
		if !errors.Is(err, c.is) || !strings.HasPrefix(err.Error(), "audio: bad.npy: ") || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want %v and %q", c.name, err, c.is, c.says)
		}
		if x != nil {
			t.Errorf("%s: values returned with the error", c.name)
		}
	}
}

// TestNpyFileErrors: ReadNpy names the file it cannot open or that is not a
// regular file; WriteNpy refuses a wrong length and non-finite values and
// leaves the old file in place, and reports a directory it cannot write.
func TestNpyFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, _, err := ReadNpy(filepath.Join(dir, "none.npy")); err == nil || !strings.Contains(err.Error(), "none.npy") {
		t.Errorf("missing file: %v", err)
	}
	if _, _, _, err := ReadNpy(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	path := filepath.Join(dir, "x.npy")
	if err := WriteNpy(path, []float32{1, 2}, 1, 2); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x          []float32
		rows, cols int
		says       string
	}{
		{[]float32{1, 2, 3}, 2, 2, "3 values cannot be shape (2, 2)"},
		{[]float32{1, 2}, -1, -2, "cannot be shape (-1, -2)"},
		{nil, math.MaxInt, 2, "cannot be shape"},
		{[]float32{1, float32(math.NaN()), 3, 4}, 2, 2, "value [0, 1] is NaN"},
		{[]float32{1, 2, 3, float32(math.Inf(1))}, 2, 2, "value [1, 1] is +Inf"},
	} {
		err := WriteNpy(path, c.x, c.rows, c.cols)
		if err == nil || !strings.Contains(err.Error(), "audio: "+path+": ") || !strings.Contains(err.Error(), c.says) {
			t.Errorf("WriteNpy(%v, %d, %d): %v, want %q", c.x, c.rows, c.cols, err, c.says)
		}
		if err := EncodeNpy(&bytes.Buffer{}, c.x, c.rows, c.cols); err == nil {
			t.Errorf("EncodeNpy(%v, %d, %d) accepted", c.x, c.rows, c.cols)
		}
	}
	if x, _, _, err := ReadNpy(path); err != nil || !slices.Equal(x, []float32{1, 2}) {
		t.Errorf("the old file: %v %v", x, err)
	}
	if err := WriteNpy(filepath.Join(dir, "no", "x.npy"), []float32{1}, 1, 1); err == nil || !strings.Contains(err.Error(), filepath.Join("no", "x.npy")) {
		t.Errorf("missing directory: %v", err)
	}
}

// npyAllocBound is what DecodeNpy may allocate for a file of n bytes: the
// header (read, and copied once to parse it), the values and the read
// buffer, together at most 3n, plus slack for the errors and the parse.
// TestNpyAllocationBounded allows 64 KiB of slack; FuzzReadNpy allows
// 1 MiB, since the fuzzing engine allocates in the same process meanwhile
// (some 400 KB at times).
func npyAllocBound(n int, slack uint64) uint64 { return slack + 3*uint64(n) }

// TestNpyAllocationBounded checks npyAllocBound on the committed files and
// on headers that claim far more than the file holds; the fuzz test checks
// it on anything.
func TestNpyAllocationBounded(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(melGolden, "*.npy"))
	inputs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = b
	}
	inputs["10^12 values"] = npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", make([]byte, 30))
	inputs["4 GiB header"] = append([]byte(npyMagic+"\x02\x00\xf0\xff\xff\xff"), "{'descr'"...)
	for name, b := range inputs {
		got := allocBytes(func() { DecodeNpy(bytes.NewReader(b), int64(len(b)), name) })
		if bound := npyAllocBound(len(b), 1<<16); got > bound {
			t.Errorf("%s: %d bytes in, %d allocated > bound %d", name, len(b), got, bound)
		}
	}
}

// FuzzReadNpy feeds arbitrary bytes to DecodeNpy: it must not panic, must
// allocate no more than npyAllocBound(len(data), 1 MiB), and what it
// accepts must be finite values of its shape that EncodeNpy writes and
// DecodeNpy reads back the same. Seeded with the committed .npy files (cut to 512 bytes, to
// keep the fuzzer's minimizing quick; they are read whole by the other
// tests) and hand-made headers of each version and order.
func FuzzReadNpy(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(melGolden, "*.npy"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 512)])
	}
	data := f32s(1, -2, 3.5, 0, -1.878, 2.5)
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data))
	f.Add(npyFile(2, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }", data))
	f.Add(npyFile(3, `{"shape": (6, 1), "descr": "<f4", "fortran_order": False}`, data))
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var x []float32
		var r, c int
		var err error
		got := allocBytes(func() { x, r, c, err = DecodeNpy(bytes.NewReader(b), int64(len(b)), "fuzz.npy") })
		if bound := npyAllocBound(len(b), 1<<20); got > bound {
			t.Fatalf("%d bytes in, %d allocated > bound %d (err %v)", len(b), got, bound, err)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "audio: fuzz.npy: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if r < 0 || c < 0 || len(x) != r*c || 4*len(x) >= len(b) {
			t.Fatalf("[%d, %d] with %d values from %d bytes", r, c, len(x), len(b))
		}
		var buf bytes.Buffer
		if err := EncodeNpy(&buf, x, r, c); err != nil {
			t.Fatalf("accepted values do not write back: %v", err)
		}
		y, r2, c2, err := DecodeNpy(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "again.npy")
		if err != nil || r2 != r || c2 != c || !slices.Equal(x, y) {
			t.Fatalf("round trip: [%d, %d] -> [%d, %d], %v", r, c, r2, c2, err)
		}
	})
}
