package models

import (
	"encoding/binary"
	"testing"
)

// Default is a safetensors file (8-byte header length, then a JSON header
// that fits in the file), and each call returns its own copy.
func TestDefault(t *testing.T) {
	a := Default()
	if len(a) < 8 {
		t.Fatalf("default model is %d bytes", len(a))
	}
	n := binary.LittleEndian.Uint64(a)
	if n == 0 || n > uint64(len(a)-8) || a[8] != '{' {
		t.Fatalf("header length %d of a %d-byte file, first header byte %q", n, len(a), a[8])
	}
	a[8] = 'x'
	if b := Default(); b[8] != '{' {
		t.Error("changing one copy changed the next")
	}
}
