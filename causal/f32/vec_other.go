//go:build !amd64 || noasm

package f32

func argmax(x []float32) int { return argmaxGo(x) }

func relu(dst, x []float32) { reluGo(dst, x) }

func sumRows(dst, x []float32, rows, cols int) { sumRowsGo(dst, x, rows, cols) }

func addRow(y, b []float32, rows, cols int) { addRowGo(y, b, rows, cols) }

func reluGrad(d, v []float32) { reluGradGo(d, v) }

func mul(dst, a, b []float32) { mulGo(dst, a, b) }

func gateBackward(da, db, dz, th, sg []float32) { gateBackwardGo(da, db, dz, th, sg) }
