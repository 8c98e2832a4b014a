// Command wavenet trains, runs and inspects WaveNet models: raw-audio
// generative models built from stacks of causal dilated convolutions.
//
// Usage:
//
//	wavenet generate -o OUT.wav [--model M] [--seconds S | --samples N] [--temperature T] [--seed N] [--prime IN.wav] [-n K] [-q]
//	wavenet eval [--model M] [--json] IN.wav...
//	wavenet inspect (--model M | --preset P | --dilations 1,2,4 ...) [--effective CLIP.wav [--positions N] [--seed N]] [--json] [--png FILE]
//	wavenet bench [--model M | --preset P] [-n K] [--json]
//	wavenet train -o MODEL.safetensors [--preset P | --config FILE] ... INPUT...
//	wavenet compare REFERENCE.wav GENERATED.wav [--json]
//	wavenet mel IN.wav -o OUT.npy [--hop H] [--bands B] [--rate HZ | --model M]
//	wavenet vocode --model M (IN.wav... | --mel FRAMES.npy...) -o OUT.wav [--temperature T] [--seed N] [--class C]
//	wavenet completion bash|zsh|fish|powershell
//	wavenet --version
//
// Run "wavenet COMMAND -h" for the flags of each command, with their units and
// defaults. Usage errors (a mistyped command among them, with a suggestion)
// exit with status 2, other failures with status 1.
package main

import (
	"context"
	"os"
)

func main() {
	ctx, stop := notifySignals(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
