package causal

// ReceptiveField is the number of input samples that one output of a stack of
// causal convolutions depends on: an input conv of width inputWidth (dilation 1)
// followed by one conv of width filterWidth per entry of dilations.
//
//	RF = (inputWidth − 1) + Σ_i dilations[i]·(filterWidth − 1) + 1
//
// It panics if a width or dilation is below 1 (a caller's bug; configs are
// validated before they get here).
func ReceptiveField(inputWidth, filterWidth int, dilations []int) int {
	fields := LayerFields(inputWidth, filterWidth, dilations)
	if len(fields) == 0 {
		return inputWidth
	}
	return fields[len(fields)-1]
}

// LayerFields returns the receptive field, in samples, after each layer of
// the stack described for ReceptiveField: fields[i] counts the inputs that
// one output of layer i sees, the input conv included.
func LayerFields(inputWidth, filterWidth int, dilations []int) []int {
	if inputWidth < 1 || filterWidth < 1 {
		panic("causal: widths must be at least 1")
	}
	fields := make([]int, len(dilations))
	rf := inputWidth
	for i, d := range dilations {
		if d < 1 {
			panic("causal: dilation must be at least 1")
		}
		rf += d * (filterWidth - 1)
		fields[i] = rf
	}
	return fields
}
