// Package models carries the default model in the wavenet binary. It exists
// only so that "wavenet generate -o out.wav" works with no files at all;
// README.md beside it says how the model was made, from what data and with
// what losses.
package models

import _ "embed"

// defaultModel is default.safetensors, a model file in the format of the
// wavenet package. A string, so that nothing can change it.
//
//go:embed default.safetensors
var defaultModel string

// Default returns a copy of the default model file's bytes, for
// wavenet.Decode.
func Default() []byte { return []byte(defaultModel) }
