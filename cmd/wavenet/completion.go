package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// addCompletions enables cobra's completion command (wavenet completion
// bash|zsh|fish|powershell) and gives root's commands their hints, by flag
// name across all commands: .wav for clips (--prime, --effective, the
// inputs of eval, compare and train, where folders are offered too),
// .safetensors for models (--model, train -o), .json for --config, .png for
// --png, .npy for log-mel frames (--mel, mel -o), the preset names, each
// with its size, for --preset, and the choices of train's --classes and
// --local.
func addCompletions(root *cobra.Command) {
	root.CompletionOptions.DisableDefaultCmd = false
	root.CompletionOptions.HiddenDefaultCmd = false
	presets := presetCompletions()
	for _, c := range root.Commands() {
		fileFlag := func(name string, exts ...string) {
			if c.Flags().Lookup(name) != nil {
				_ = c.MarkFlagFilename(name, exts...) // the flag exists
			}
		}
		fileFlag("model", "safetensors")
		fileFlag("prime", "wav")
		fileFlag("effective", "wav")
		fileFlag("png", "png")
		fileFlag("config", "json")
		fileFlag("mel", "npy")
		switch c.Name() {
		case "generate", "vocode":
			fileFlag("output", "wav")
		case "train":
			fileFlag("output", "safetensors")
		case "mel":
			fileFlag("output", "npy")
		}
		if c.Name() == "train" {
			_ = c.RegisterFlagCompletionFunc("classes", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return []cobra.Completion{classesFolder + "\ta clip's class is its folder's name", classesFile + "\teach clip is its own class"}, cobra.ShellCompDirectiveNoFileComp
			})
			_ = c.RegisterFlagCompletionFunc("local", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return []cobra.Completion{localFlag + "\teach clip's own log-mel frames"}, cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Flags().Lookup("preset") != nil {
			_ = c.RegisterFlagCompletionFunc("preset", func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
				var out []cobra.Completion
				for _, p := range presets {
					if strings.HasPrefix(p, prefix) {
						out = append(out, p)
					}
				}
				return out, cobra.ShellCompDirectiveNoFileComp
			})
		}
		switch c.Name() {
		case "eval", "train", "vocode":
			c.ValidArgsFunction = wavArgs(-1)
		case "mel":
			c.ValidArgsFunction = wavArgs(1)
		case "compare":
			c.ValidArgsFunction = wavArgs(2)
		case "generate", "inspect", "bench":
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
	}
}

// wavArgs completes positional arguments with .wav files (and folders, to
// walk into), at most max of them (−1: any number).
func wavArgs(max int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return []cobra.Completion{"wav"}, cobra.ShellCompDirectiveFilterFileExt
	}
}

// presetCompletions are the preset names, each described by its layers,
// receptive field and parameters.
func presetCompletions() []cobra.Completion {
	var out []cobra.Completion
	for _, name := range wavenet.PresetNames() {
		cfg, err := wavenet.Preset(name)
		if err != nil {
			panic(err) // PresetNames lists what Preset accepts
		}
		out = append(out, cobra.CompletionWithDesc(name, fmt.Sprintf("%d layers, receptive field %d samples, %d parameters",
			len(cfg.Dilations), cfg.ReceptiveField(), wavenet.ParamCount(cfg))))
	}
	return out
}
