package main

import (
	"fmt"

	"github.com/wavenet-go/wavenet-go/models"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// builtinName names the embedded default model in messages and output.
const builtinName = "built-in model"

// loadBuiltin decodes the embedded default model.
func loadBuiltin() (*wavenet.Model, wavenet.Metadata, string, error) {
	m, meta, err := wavenet.Decode(models.Default())
	if err != nil {
		// The embedded file is tested; this is a broken build.
		return nil, wavenet.Metadata{}, "", fmt.Errorf("%s: %w", builtinName, err)
	}
	return m, meta, builtinName, nil
}
