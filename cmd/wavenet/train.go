package main

// This file belongs to the owner of wavenet/train (issue 4), who replaces it
// with the real command; root.go registers whatever newTrainCmd returns.
// Until then, train says plainly that it is not built yet.

import (
	"errors"

	"github.com/spf13/cobra"
)

func newTrainCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "train",
		Short:  "Train a model (not built yet: issue 4)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("not built yet (issue 4)")
		},
	}
}
