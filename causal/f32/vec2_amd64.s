//go:build !noasm

#include "textflag.h"

// The AVX2 element-wise kernels, for CPUs without AVX-512. Each takes a
// count that is a multiple of 8 (whole YMM vectors); the Go caller runs the
// last n mod 8 elements on the twin, which computes the same bits.

// func reluAVX2(dst, x *float32, n int)
// Twin: reluGo. VMAXPS with x second returns x when it is NaN, as reluGo does.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	SHRQ   $3, CX
	JZ     reludone

reluloop:
	VMOVUPS (SI), Y1
	VMAXPS  Y1, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reluloop

reludone:
	VZEROUPPER
	RET

// func reluGradAVX2(d, v *float32, n int)
// Twin: reluGradGo: d[i] = 0 where v[i] ≤ 0 (ordered: a NaN keeps d).
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   v+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	SHRQ   $3, CX
	JZ     rgdone

rgloop:
	VMOVUPS   (SI), Y1
	VCMPPS    $0x16, Y0, Y1, Y2 // not v ≤ 0 (NLE_UQ): v > 0 or NaN
	VANDPS    (DI), Y2, Y2
	VMOVUPS   Y2, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       rgloop

rgdone:
	VZEROUPPER
	RET

// func mulAVX2(dst, a, b *float32, n int)
// Twin: mulGo: dst[i] = a[i]·b[i].
TEXT ·mulAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   muldone

mulloop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     mulloop

muldone:
	VZEROUPPER
	RET

// func gateBackwardAVX2(da, db, dz, th, sg *float32, n int)
// Twin: gateBackwardGo: p = dz·sg, q = p·th, da = p − q·th, db = q − q·sg.
TEXT ·gateBackwardAVX2(SB), NOSPLIT, $0-48
	MOVQ da+0(FP), DI
	MOVQ db+8(FP), R8
	MOVQ dz+16(FP), SI
	MOVQ th+24(FP), DX
	MOVQ sg+32(FP), R9
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   gbdone

gbloop:
	VMOVUPS      (SI), Y0 // dz
	VMOVUPS      (DX), Y1 // th
	VMOVUPS      (R9), Y2 // sg
	VMULPS       Y2, Y0, Y3 // p = dz·sg
	VMULPS       Y1, Y3, Y4 // q = p·th
	VMOVAPS      Y3, Y5
	VFNMADD231PS Y1, Y4, Y5 // da = p − q·th
	VMOVAPS      Y4, Y6
	VFNMADD231PS Y2, Y4, Y6 // db = q − q·sg
	VMOVUPS      Y5, (DI)
	VMOVUPS      Y6, (R8)
	ADDQ         $32, SI
	ADDQ         $32, DX
	ADDQ         $32, R9
	ADDQ         $32, DI
	ADDQ         $32, R8
	DECQ         CX
	JNZ          gbloop

gbdone:
	VZEROUPPER
	RET

// func addRowAVX2(y, b *float32, rows, cols, c8 int)
// Twin: addRowGo on the first c8 columns (c8 a multiple of 8) of y (rows,
// cols): y[r·cols + j] += b[j].
TEXT ·addRowAVX2(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R10
	SHLQ $2, R10
	MOVQ c8+32(FP), R9
	SHRQ $3, R9
	JZ   ardone

arcol:
	VMOVUPS (SI), Y0
	MOVQ    DI, DX
	MOVQ    R8, BX

arrow:
	VADDPS  (DX), Y0, Y1
	VMOVUPS Y1, (DX)
	ADDQ    R10, DX
	DECQ    BX
	JNZ     arrow

	ADDQ $32, DI
	ADDQ $32, SI
	DECQ R9
	JNZ  arcol

ardone:
	VZEROUPPER
	RET

// func sumRowsAVX2(dst, x *float32, rows, cols, c8 int)
// Twin: sumRowsGo on the first c8 columns (c8 a multiple of 8): per column
// four partial sums over the rows by fours, the rows past the last four
// into the first, then ((s0 + s1) + (s2 + s3)) + dst. rows ≥ 1.
//
// The columns go 32 at a time (sixteen accumulators: four vectors of
// columns, four partial sums each), so that one pass over the rows reads
// whole cache lines; the last c8 mod 32 columns go eight at a time.
TEXT ·sumRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R10
	SHLQ $2, R10           // row stride in bytes
	LEAQ (R10)(R10*2), R11 // three rows
	MOVQ c8+32(FP), R9
	SHRQ $3, R9            // vectors of eight columns left
	JZ   srdone

srcol32:
	CMPQ   R9, $4
	JLT    srcol
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	MOVQ   SI, DX
	MOVQ   R8, BX

	// Vector v of the columns keeps its partial sum q in Y(4v + q).
sr32row4:
	CMPQ   BX, $4
	JLT    sr32row1
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y4, Y4
	VADDPS 64(DX), Y8, Y8
	VADDPS 96(DX), Y12, Y12
	VADDPS (DX)(R10*1), Y1, Y1
	VADDPS 32(DX)(R10*1), Y5, Y5
	VADDPS 64(DX)(R10*1), Y9, Y9
	VADDPS 96(DX)(R10*1), Y13, Y13
	VADDPS (DX)(R10*2), Y2, Y2
	VADDPS 32(DX)(R10*2), Y6, Y6
	VADDPS 64(DX)(R10*2), Y10, Y10
	VADDPS 96(DX)(R10*2), Y14, Y14
	VADDPS (DX)(R11*1), Y3, Y3
	VADDPS 32(DX)(R11*1), Y7, Y7
	VADDPS 64(DX)(R11*1), Y11, Y11
	VADDPS 96(DX)(R11*1), Y15, Y15
	LEAQ   (DX)(R10*4), DX
	SUBQ   $4, BX
	JMP    sr32row4

sr32row1:
	TESTQ  BX, BX
	JZ     sr32store
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y4, Y4
	VADDPS 64(DX), Y8, Y8
	VADDPS 96(DX), Y12, Y12
	ADDQ   R10, DX
	DECQ   BX
	JMP    sr32row1

sr32store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	VADDPS  Y6, Y4, Y4
	VADDPS  32(DI), Y4, Y4
	VMOVUPS Y4, 32(DI)
	VADDPS  Y9, Y8, Y8
	VADDPS  Y11, Y10, Y10
	VADDPS  Y10, Y8, Y8
	VADDPS  64(DI), Y8, Y8
	VMOVUPS Y8, 64(DI)
	VADDPS  Y13, Y12, Y12
	VADDPS  Y15, Y14, Y14
	VADDPS  Y14, Y12, Y12
	VADDPS  96(DI), Y12, Y12
	VMOVUPS Y12, 96(DI)
	ADDQ    $128, DI
	ADDQ    $128, SI
	SUBQ    $4, R9
	JNZ     srcol32
	JMP     srdone

srcol:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   SI, DX
	MOVQ   R8, BX

srrow4:
	CMPQ   BX, $4
	JLT    srrow1
	VADDPS (DX), Y0, Y0
	VADDPS (DX)(R10*1), Y1, Y1
	VADDPS (DX)(R10*2), Y2, Y2
	VADDPS (DX)(R11*1), Y3, Y3
	LEAQ   (DX)(R10*4), DX
	SUBQ   $4, BX
	JMP    srrow4

srrow1:
	TESTQ  BX, BX
	JZ     srstore
	VADDPS (DX), Y0, Y0
	ADDQ   R10, DX
	DECQ   BX
	JMP    srrow1

srstore:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    R9
	JNZ     srcol

srdone:
	VZEROUPPER
	RET

DATA vec2K<>+0(SB)/4, $0xff800000 // -Inf
GLOBL vec2K<>(SB), RODATA|NOPTR, $4

// func argmaxAVX2(x *float32, n int) int
// Twin: argmaxGo, for n ≥ 8: the largest non-NaN value (VMAXPS returns its
// second source, the running max, when the new value is NaN), then the
// first index holding it, or 0 if there is none (every value NaN). The
// last vector is the eight last values, overlapping the one before it.
TEXT ·argmaxAVX2(SB), NOSPLIT, $0-24
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS vec2K<>+0(SB), Y0 // running max
	LEAQ         -32(SI)(CX*4), R8 // the last vector
	MOVQ         SI, DI

amaxloop:
	CMPQ    DI, R8
	JAE     amaxlast
	VMOVUPS (DI), Y1
	VMAXPS  Y0, Y1, Y0
	ADDQ    $32, DI
	JMP     amaxloop

amaxlast:
	VMOVUPS      (R8), Y1
	VMAXPS       Y0, Y1, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VBROADCASTSS X0, Y0

	MOVQ SI, DI

afindloop:
	CMPQ      DI, R8
	JAE       afindlast
	VCMPPS    $0, (DI), Y0, Y1
	VMOVMSKPS Y1, AX
	TESTL     AX, AX
	JNZ       afound
	ADDQ      $32, DI
	JMP       afindloop

afindlast:
	MOVQ      R8, DI
	VCMPPS    $0, (DI), Y0, Y1
	VMOVMSKPS Y1, AX
	TESTL     AX, AX
	JNZ       afound
	MOVQ      $0, ret+16(FP)
	VZEROUPPER
	RET

afound:
	BSFL   AX, AX
	SUBQ   SI, DI
	SHRQ   $2, DI
	ADDQ   DI, AX
	MOVQ   AX, ret+16(FP)
	VZEROUPPER
	RET
