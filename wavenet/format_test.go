package wavenet

import (
	"fmt"
	"math/bits"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestFormatDoc keeps FORMAT.md in step with the code: it names every config
// key and every tensor of the layout (layer indices written {i}), and its
// table of limits and its totals state this package's constants.
func TestFormatDoc(t *testing.T) {
	raw, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(raw)), " ") // line breaks are spaces
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		key, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		if !strings.Contains(doc, "| `"+key+"` |") {
			t.Errorf("FORMAT.md has no row for the config key %q", key)
		}
	}
	layer := regexp.MustCompile(`^layers\.\d+\.`)
	for s := range withLocal(withGlobal(tinyConfig())).Layout() {
		name := layer.ReplaceAllString(s.Name, "layers.{i}.")
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("FORMAT.md does not name the tensor %s", name)
		}
	}
	pow := func(v int) string { return fmt.Sprintf("2^%d", bits.TrailingZeros(uint(v))) }
	for _, want := range []string{
		fmt.Sprintf("| `sample_rate` | %d … %d Hz |", minRate, maxRate),
		fmt.Sprintf("| `quantization_channels` | 2 … %d |", maxQuantized),
		fmt.Sprintf("| `input_width`, `filter_width` | 1 … %d |", maxWidth),
		fmt.Sprintf("| `residual_channels`, `gate_channels`, `skip_channels`, `end_channels` | 1 … %d |", maxChannels),
		fmt.Sprintf("| `dilations` | 1 … %d entries, each 1 … %s |", maxLayers, pow(maxDilation)),
		fmt.Sprintf("| `global_classes` | 0 … %d |", maxChannels*16),
		fmt.Sprintf("| `global_channels`, `local_channels` | 0 … %d |", maxChannels),
		fmt.Sprintf("| `local_hop` | 0 … %s |", pow(maxReceptiveField)),
		fmt.Sprintf("more than %s parameters", pow(maxParams)),
		fmt.Sprintf("receptive field of more than %s samples", pow(maxReceptiveField)),
		fmt.Sprintf("more than %s values of generation history", pow(maxHistory)),
		fmt.Sprintf("more than %s activations", pow(maxFieldActivations)),
		fmt.Sprintf("at most %d GiB, its header at most %d MiB", maxFileSize>>30, maxHeaderLen>>20),
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("FORMAT.md does not say %q", want)
		}
	}
}
