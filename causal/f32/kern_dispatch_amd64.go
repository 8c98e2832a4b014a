//go:build !noasm

package f32

// The functions below pick the assembly kernel when the CPU has AVX-512 and
// the pure-Go twin otherwise. Each first checks that the kernel stays inside
// its slices, so a wrong stride panics instead of touching other memory.

func kern4x64(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	checkKern(4, 64, k, a, rsa, csa, b, ldb, c, ldc)
	if hasAVX512 {
		kern4x64AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc)
		return
	}
	if hasAVX2 {
		kern4AVX2(4, 64, k, a, rsa, csa, b, ldb, c, ldc)
		return
	}
	kernGo(4, 64, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern1x64(k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	checkKern(1, 64, k, a, 0, csa, b, ldb, c, 0)
	if hasAVX512 {
		kern1x64AVX512(&a[0], csa, &b[0], ldb, k, &c[0])
		return
	}
	if hasAVX2 {
		kern1AVX2(64, k, a, csa, b, ldb, c)
		return
	}
	kernGo(1, 64, k, a, 0, csa, b, ldb, c, 0)
}

func kern4x32(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	checkKern(4, 32, k, a, rsa, csa, b, ldb, c, ldc)
	if hasAVX512 {
		kern4x32AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc)
		return
	}
	if hasAVX2 {
		kern4AVX2(4, 32, k, a, rsa, csa, b, ldb, c, ldc)
		return
	}
	kernGo(4, 32, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern1x32(k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	checkKern(1, 32, k, a, 0, csa, b, ldb, c, 0)
	if hasAVX512 {
		kern1x32AVX512(&a[0], csa, &b[0], ldb, k, &c[0])
		return
	}
	if hasAVX2 {
		kern1AVX2(32, k, a, csa, b, ldb, c)
		return
	}
	kernGo(1, 32, k, a, 0, csa, b, ldb, c, 0)
}

func kern8x32(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	checkKern(8, 32, k, a, rsa, csa, b, ldb, c, ldc)
	if hasAVX512 {
		kern8x32AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc)
		return
	}
	if hasAVX2 {
		kern4AVX2(8, 32, k, a, rsa, csa, b, ldb, c, ldc)
		return
	}
	kernGo(8, 32, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern4x16(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	checkKern(4, 16, k, a, rsa, csa, b, ldb, c, ldc)
	if hasAVX512 {
		kern4x16AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc)
		return
	}
	if hasAVX2 {
		kern4AVX2(4, 16, k, a, rsa, csa, b, ldb, c, ldc)
		return
	}
	kernGo(4, 16, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern1x16(k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	checkKern(1, 16, k, a, 0, csa, b, ldb, c, 0)
	if hasAVX512 {
		kern1x16AVX512(&a[0], csa, &b[0], ldb, k, &c[0])
		return
	}
	if hasAVX2 {
		kern1AVX2(16, k, a, csa, b, ldb, c)
		return
	}
	kernGo(1, 16, k, a, 0, csa, b, ldb, c, 0)
}

func gate(z, th, sg, a, b []float32) {
	if hasAVX512 && len(z) > 0 {
		var tp, sp *float32
		if th != nil {
			tp = &th[0]
		}
		if sg != nil {
			sp = &sg[0]
		}
		gateAVX512(&z[0], tp, sp, &a[0], &b[0], len(z))
		return
	}
	if hasAVX2 {
		gate2(z, th, sg, a, b)
		return
	}
	gateGo(z, th, sg, a, b)
}

func exp(dst, x []float32) {
	if hasAVX512 && len(dst) > 0 {
		expAVX512(&dst[0], &x[0], len(dst))
		return
	}
	expGo(dst, x)
}

// useKernels reports whether this package's own kernels beat gonum here.
func useKernels() bool { return hasAVX512 || hasAVX2 }
