//go:build !amd64 || noasm

package f32

// cpuISA is the pure-Go twins: this build has no assembly.
const cpuISA = isaGo

func (isa) mulBlock(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	kernGo(m, n, k, a, rsa, csa, b, ldb, c, ldc)
}

func (p *Panel) mulAdd(_ isa, y []float32, ldy int, x []float32, ldx int, n int) {
	p.mulAddGo(y, ldy, x, ldx, n)
}

func (isa) gate(z, th, sg, a, b []float32) { gateGo(z, th, sg, a, b) }

func (isa) gateRows(z []float32, ldz int, ab []float32, ldab, rows, g int) {
	gateRowsGo(z, ldz, ab, ldab, rows, g)
}

func (isa) exp(dst, x []float32) { expGo(dst, x) }

func (isa) expSum(dst, x []float32, shift, scale float32) float32 {
	var lanes [16]float32
	return expSumGo(dst, x, shift, scale, &lanes, 0)
}
