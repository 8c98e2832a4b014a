package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// Conditioning on the command line: class names and ids (global), log-mel
// frames from a clip or a .npy file (local).

// localMel is the only kind of local features: the spec's log-mel, named
// "mel" on the command line (--local mel) and "log-mel" in a model's
// training metadata and checkpoint.
const (
	localFlag = "mel"
	localName = "log-mel"
)

// classesFolder and classesFile are the two ways --classes assigns a file
// its class.
const (
	classesFolder = "folder"
	classesFile   = "file"
)

// fileClasses assigns each file its class by how: "folder", the name of the
// folder it is in (clips/piano/a.wav → piano); "file", its own name without
// the extension (clips/piano/a.wav → a). It returns the class names, sorted
// (index = class id), and each file's id.
func fileClasses(files []string, how string) (names []string, ids []int, err error) {
	of := make([]string, len(files))
	for i, f := range files {
		switch how {
		case classesFolder:
			abs, err := filepath.Abs(f)
			if err != nil {
				return nil, nil, err
			}
			of[i] = filepath.Base(filepath.Dir(abs))
		case classesFile:
			base := filepath.Base(f)
			of[i] = strings.TrimSuffix(base, filepath.Ext(base))
		default:
			return nil, nil, usagef("--classes %q: want %s (a file's class is its folder's name) or %s (each file its own class)", how, classesFolder, classesFile)
		}
	}
	names = slices.Clone(of)
	slices.Sort(names)
	names = slices.Compact(names)
	ids = make([]int, len(files))
	for i, n := range of {
		ids[i], _ = slices.BinarySearch(names, n)
	}
	return names, ids, nil
}

// modelClasses returns the names of a globally conditioned model's
// classes from its training metadata (FORMAT.md: `classes`, in id order),
// or nil when it has none, or not one per class.
func modelClasses(cfg wavenet.Config, md wavenet.Metadata) []string {
	if cfg.GlobalClasses == 0 || len(md.Training) == 0 {
		return nil
	}
	var t struct {
		Classes []string `json:"classes"`
	}
	if json.Unmarshal(md.Training, &t) != nil || len(t.Classes) != cfg.GlobalClasses {
		return nil
	}
	return t.Classes
}

// knownClasses lists a model's classes for messages: their names with
// ids, or the ids alone.
func knownClasses(cfg wavenet.Config, names []string) string {
	if names == nil {
		return fmt.Sprintf("ids 0 to %d", cfg.GlobalClasses-1)
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s (%d)", n, i)
	}
	return strings.Join(parts, ", ")
}

// resolveClass turns --class's value, a class name or an id, into an id of
// the model's classes. An unknown name is an error that lists the known
// ones.
func resolveClass(cfg wavenet.Config, names []string, value string) (int, error) {
	if k := slices.Index(names, value); k >= 0 {
		return k, nil
	}
	if k, err := strconv.Atoi(value); err == nil && k >= 0 && k < cfg.GlobalClasses {
		return k, nil
	}
	return 0, fmt.Errorf("--class %q: not a class of the model; its %d classes are %s", value, cfg.GlobalClasses, knownClasses(cfg, names))
}

// resolveClasses is resolveClass for a comma-separated list of n classes
// (one per stream), or a single class for all n. Without global
// conditioning the list must be empty; with it, it is required.
func resolveClasses(cfg wavenet.Config, names []string, list string, n int, model string) ([]int, error) {
	if cfg.GlobalClasses == 0 {
		if list != "" {
			return nil, fmt.Errorf("--class %s: %s has no global conditioning (no classes); drop --class", list, model)
		}
		return make([]int, n), nil
	}
	if list == "" {
		return nil, fmt.Errorf("%s is conditioned on a class: give --class NAME or ID (one of %s)", model, knownClasses(cfg, names))
	}
	values := strings.Split(list, ",")
	if len(values) != 1 && len(values) != n {
		return nil, usagef("--class %s names %d classes for %d streams: give one, or one per stream", list, len(values), n)
	}
	ids := make([]int, n)
	for i := range ids {
		k, err := resolveClass(cfg, names, strings.TrimSpace(values[min(i, len(values)-1)]))
		if err != nil {
			return nil, err
		}
		ids[i] = k
	}
	return ids, nil
}

// changedFlags is what trainConditioning asks of a flag set.
type changedFlags interface{ Changed(name string) bool }

// modelMel returns the log-mel features a locally conditioned model takes:
// at its rate, hop and band count.
func modelMel(cfg wavenet.Config, warn io.Writer) (*audio.Mel, error) {
	return newMel(cfg.SampleRate, cfg.LocalHop, cfg.LocalChannels, warn)
}

// clipFrames computes the log-mel frames of the clip x (samples at mel's
// rate): [Cl, F], F = ⌈len(x)/H⌉. A clip whose frames are not finite (a
// float WAV holding NaN) is an error naming it.
func clipFrames(mel *audio.Mel, x []float32, name string) ([]float32, int, error) {
	frames, nf := mel.Features(nil, x)
	if nf == 0 {
		return nil, 0, fmt.Errorf("%s: no samples, so no frames", name)
	}
	for i, v := range frames {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, 0, fmt.Errorf("%s: log-mel frame %d is not finite (band %d is %v): the audio holds a NaN or an infinity", name, i%nf, i/nf, v)
		}
	}
	return frames, nf, nil
}

// readFrames reads local conditioning frames [Cl, F] from a .npy file and
// checks them against the model: Cl bands per frame, at least one frame
// (finite values: audio.ReadNpy refuses others).
func readFrames(cfg wavenet.Config, path string) ([]float32, int, error) {
	if cfg.LocalChannels == 0 {
		return nil, 0, fmt.Errorf("--mel %s: the model has no local conditioning", path)
	}
	x, rows, cols, err := audio.ReadNpy(path)
	if err != nil {
		return nil, 0, err
	}
	if rows != cfg.LocalChannels {
		return nil, 0, fmt.Errorf("%s: frames of %d bands ([%d, %d]), the model takes %d bands per frame ([%d, F]); make them with wavenet mel --model",
			path, rows, rows, cols, cfg.LocalChannels, cfg.LocalChannels)
	}
	if cols < 1 {
		return nil, 0, fmt.Errorf("%s: no frames ([%d, 0])", path, rows)
	}
	return x, cols, nil
}
