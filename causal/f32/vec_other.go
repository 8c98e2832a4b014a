//go:build !amd64 || noasm

package f32

func (isa) argmax(x []float32) int { return argmaxGo(x) }

func (isa) relu(dst, x []float32) { reluGo(dst, x) }

func (isa) sumRows(dst, x []float32, rows, cols int) { sumRowsGo(dst, x, rows, cols, cols) }

func (isa) addRow(y, b []float32, rows, cols int) { addRowGo(y, b, rows, cols, cols) }

func (isa) reluGrad(d, v []float32) { reluGradGo(d, v) }

func (isa) mul(dst, a, b []float32) { mulGo(dst, a, b) }

func (isa) gateBackward(da, db, dz, th, sg []float32) { gateBackwardGo(da, db, dz, th, sg) }
