package causal

import (
	"slices"
	"testing"
)

func pow2(n, repeats int) []int {
	var d []int
	for r := 0; r < repeats; r++ {
		for i := 0; i < n; i++ {
			d = append(d, 1<<i)
		}
	}
	return d
}

func TestReceptiveField(t *testing.T) {
	cases := []struct {
		name            string
		inputW, filterW int
		dilations       []int
		want            int
	}{
		{"1..512 once, K=2, W0=2", 2, 2, pow2(10, 1), 1025},
		{"1..512 five times (ibab)", 2, 2, pow2(10, 5), 5117},
		{"K=3, W0=1, 1,2,4", 1, 3, []int{1, 2, 4}, 15},
		{"no layers", 32, 2, nil, 32},
	}
	for _, c := range cases {
		if got := ReceptiveField(c.inputW, c.filterW, c.dilations); got != c.want {
			t.Errorf("%s: ReceptiveField = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestLayerFields(t *testing.T) {
	if got, want := LayerFields(1, 3, []int{1, 2, 4}), []int{3, 7, 15}; !slices.Equal(got, want) {
		t.Errorf("dilated: got %v, want %v", got, want)
	}
	if got, want := LayerFields(1, 3, []int{1, 1, 1}), []int{3, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("undilated: got %v, want %v", got, want)
	}
}
