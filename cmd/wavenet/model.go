package main

import (
	"fmt"

	"github.com/wavenet-go/wavenet-go/models"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// builtinName names the embedded default model in messages and output.
const builtinName = "built-in model"

// loadModel reads the model file at path, or the built-in default model if
// path is empty. It returns the model, its metadata and a name for messages.
func loadModel(path string) (*wavenet.Model, wavenet.Metadata, string, error) {
	if path == "" {
		m, meta, err := wavenet.Decode(models.Default())
		if err != nil {
			// The embedded file is tested; this is a broken build.
			return nil, wavenet.Metadata{}, "", fmt.Errorf("%s: %w", builtinName, err)
		}
		return m, meta, builtinName, nil
	}
	m, meta, err := wavenet.Load(path)
	if err != nil {
		return nil, wavenet.Metadata{}, "", err
	}
	return m, meta, path, nil
}
