package main

import (
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// loadModel reads the model file at path. It returns the model, its
// metadata and a name for messages.
func loadModel(path string) (*wavenet.Model, wavenet.Metadata, string, error) {
	if path == "" {
		return nil, wavenet.Metadata{}, "", usagef("no model given (--model FILE)")
	}
	m, meta, err := wavenet.Load(path)
	if err != nil {
		return nil, wavenet.Metadata{}, "", err
	}
	return m, meta, path, nil
}
