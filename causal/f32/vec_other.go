//go:build !amd64 || noasm

package f32

func argmax(x []float32) int { return argmaxGo(x) }

func relu(dst, x []float32) { reluGo(dst, x) }
