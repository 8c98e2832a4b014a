package wavenet

import (
	"strings"
	"testing"
)

// TestWorkspaceOtherWidths: a workspace made for one model refuses another
// whose widths differ even where Q and the layer count agree, instead of
// running on buffers of the wrong size.
func TestWorkspaceOtherWidths(t *testing.T) {
	a := oddConfig()
	b := oddConfig()
	b.GateChannels++
	ma, mb := randomModel(t, a, 1), randomModel(t, b, 1)
	ws := NewWorkspace(ma, 1, 8)
	defer func() {
		r := recover()
		msg, _ := r.(string)
		if !strings.Contains(msg, "workspace made for widths") {
			t.Fatalf("Forward with another model's workspace: recovered %v, want a panic naming the widths", r)
		}
	}()
	mb.Forward(ws, make([]int32, 8), nil)
}
