//go:build !noasm

package f32

// The few-row kernels of generation (multi_amd64.s).

//go:noescape
func chunkRowsAVX2(x *float32, ldx int, w *float32, in int, y *float32, ldy, rows, wd int)

//go:noescape
func chunkRowsF16AVX2(x *float32, ldx int, w *uint16, in int, y *float32, ldy, rows, wd int)
