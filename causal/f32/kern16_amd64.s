//go:build !noasm

#include "textflag.h"

// The AVX2 matrix kernels for float16 weights (b): those of kern2_amd64.s
// with each load of b a VCVTPH2PS, which widens eight float16s exactly to
// float32; the accumulation is the same chain of fused multiply-adds, so
// the twin is kern16Go. b's strides are in float16s.

// FMA2 adds the broadcast a value at aaddr times the b row in Y12, Y13 to
// the accumulators c0, c1 (t is scratch).
#define FMA2(aaddr, t, c0, c1) \
	VBROADCASTSS aaddr, t;     \
	VFMADD231PS  Y12, t, c0;   \
	VFMADD231PS  Y13, t, c1

#define LD2(ptr, c0, c1) VMOVUPS (ptr), c0; VMOVUPS 32(ptr), c1
#define ST2(ptr, c0, c1) VMOVUPS c0, (ptr); VMOVUPS c1, 32(ptr)

// func kern6x16F16AVX2(a *float32, rsa, csa int, b *uint16, ldb, k int, c *float32, ldc, nblk int)
// c (6×16·nblk, row stride ldc) += a (6×k, a[r·rsa + p·csa]) · b (k×16·nblk,
// row stride ldb), one 16-column block after another. Twin: kern16Go(6, 16·nblk, ...).
TEXT ·kern6x16F16AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ rsa+8(FP), R8
	SHLQ $2, R8
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DX
	MOVQ ldb+32(FP), R10
	SHLQ $1, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R11
	SHLQ $2, R11
	MOVQ nblk+64(FP), R14
	LEAQ (R8)(R8*2), R12 // 3 rows
	LEAQ (R8)(R8*4), R13 // 5 rows

h6block:
	MOVQ k+40(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX
	MOVQ DI, R15
	LD2(R15, Y0, Y1)
	ADDQ R11, R15
	LD2(R15, Y2, Y3)
	ADDQ R11, R15
	LD2(R15, Y4, Y5)
	ADDQ R11, R15
	LD2(R15, Y6, Y7)
	ADDQ R11, R15
	LD2(R15, Y8, Y9)
	ADDQ R11, R15
	LD2(R15, Y10, Y11)

h6loop:
	VCVTPH2PS (BX), Y12
	VCVTPH2PS 16(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	FMA2((AX)(R8*2), Y14, Y4, Y5)
	FMA2((AX)(R12*1), Y15, Y6, Y7)
	FMA2((AX)(R8*4), Y14, Y8, Y9)
	FMA2((AX)(R13*1), Y15, Y10, Y11)
	ADDQ    R9, AX
	ADDQ    R10, BX
	DECQ    CX
	JNZ     h6loop

	MOVQ DI, R15
	ST2(R15, Y0, Y1)
	ADDQ R11, R15
	ST2(R15, Y2, Y3)
	ADDQ R11, R15
	ST2(R15, Y4, Y5)
	ADDQ R11, R15
	ST2(R15, Y6, Y7)
	ADDQ R11, R15
	ST2(R15, Y8, Y9)
	ADDQ R11, R15
	ST2(R15, Y10, Y11)

	ADDQ $32, DX
	ADDQ $64, DI
	DECQ R14
	JNZ  h6block
	VZEROUPPER
	RET

// func kern4x16F16AVX2(a *float32, rsa, csa int, b *uint16, ldb, k int, c *float32, ldc, nblk int)
// c (4×16·nblk) += a (4×k) · b (k×16·nblk). Twin: kern16Go(4, 16·nblk, ...).
TEXT ·kern4x16F16AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ rsa+8(FP), R8
	SHLQ $2, R8
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DX
	MOVQ ldb+32(FP), R10
	SHLQ $1, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R11
	SHLQ $2, R11
	MOVQ nblk+64(FP), R14
	LEAQ (R8)(R8*2), R12

h4block:
	MOVQ k+40(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX
	MOVQ DI, R15
	LD2(R15, Y0, Y1)
	ADDQ R11, R15
	LD2(R15, Y2, Y3)
	ADDQ R11, R15
	LD2(R15, Y4, Y5)
	ADDQ R11, R15
	LD2(R15, Y6, Y7)

h4loop:
	VCVTPH2PS (BX), Y12
	VCVTPH2PS 16(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	FMA2((AX)(R8*2), Y14, Y4, Y5)
	FMA2((AX)(R12*1), Y15, Y6, Y7)
	ADDQ    R9, AX
	ADDQ    R10, BX
	DECQ    CX
	JNZ     h4loop

	MOVQ DI, R15
	ST2(R15, Y0, Y1)
	ADDQ R11, R15
	ST2(R15, Y2, Y3)
	ADDQ R11, R15
	ST2(R15, Y4, Y5)
	ADDQ R11, R15
	ST2(R15, Y6, Y7)

	ADDQ $32, DX
	ADDQ $64, DI
	DECQ R14
	JNZ  h4block
	VZEROUPPER
	RET

// func kern2x32F16AVX2(a *float32, rsa, csa int, b *uint16, ldb, k int, c *float32, ldc, nblk int)
// c (2×32·nblk) += a (2×k) · b (k×32·nblk): eight accumulators, one
// 32-column block after another. Twin: kern16Go(2, 32·nblk, ...).
TEXT ·kern2x32F16AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ rsa+8(FP), R8
	SHLQ $2, R8
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DX
	MOVQ ldb+32(FP), R10
	SHLQ $1, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R11
	SHLQ $2, R11
	MOVQ nblk+64(FP), R14

h2block:
	MOVQ    k+40(FP), CX
	MOVQ    SI, AX
	MOVQ    DX, BX
	LD2(DI, Y0, Y1)
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS (DI)(R11*1), Y4
	VMOVUPS 32(DI)(R11*1), Y5
	VMOVUPS 64(DI)(R11*1), Y6
	VMOVUPS 96(DI)(R11*1), Y7

h2loop:
	VCVTPH2PS    (BX), Y8
	VCVTPH2PS    16(BX), Y9
	VCVTPH2PS    32(BX), Y10
	VCVTPH2PS    48(BX), Y11
	VBROADCASTSS (AX), Y14
	VBROADCASTSS (AX)(R8*1), Y15
	VFMADD231PS  Y8, Y14, Y0
	VFMADD231PS  Y9, Y14, Y1
	VFMADD231PS  Y10, Y14, Y2
	VFMADD231PS  Y11, Y14, Y3
	VFMADD231PS  Y8, Y15, Y4
	VFMADD231PS  Y9, Y15, Y5
	VFMADD231PS  Y10, Y15, Y6
	VFMADD231PS  Y11, Y15, Y7
	ADDQ         R9, AX
	ADDQ         R10, BX
	DECQ         CX
	JNZ          h2loop

	ST2(DI, Y0, Y1)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, (DI)(R11*1)
	VMOVUPS Y5, 32(DI)(R11*1)
	VMOVUPS Y6, 64(DI)(R11*1)
	VMOVUPS Y7, 96(DI)(R11*1)

	ADDQ $64, DX
	ADDQ $128, DI
	DECQ R14
	JNZ  h2block
	VZEROUPPER
	RET

// CVT64 adds the broadcast x value in Y8 times the 64 float16s at ptr,
// widened, to Y0…Y7 (Y9…Y15 hold the widened weights).
#define CVT64(ptr)                 \
	VCVTPH2PS   (ptr), Y9;         \
	VCVTPH2PS   16(ptr), Y10;      \
	VCVTPH2PS   32(ptr), Y11;      \
	VCVTPH2PS   48(ptr), Y12;      \
	VFMADD231PS Y9, Y8, Y0;        \
	VFMADD231PS Y10, Y8, Y1;       \
	VFMADD231PS Y11, Y8, Y2;       \
	VFMADD231PS Y12, Y8, Y3;       \
	VCVTPH2PS   64(ptr), Y13;      \
	VCVTPH2PS   80(ptr), Y14;      \
	VCVTPH2PS   96(ptr), Y15;      \
	VCVTPH2PS   112(ptr), Y9;      \
	VFMADD231PS Y13, Y8, Y4;       \
	VFMADD231PS Y14, Y8, Y5;       \
	VFMADD231PS Y15, Y8, Y6;       \
	VFMADD231PS Y9, Y8, Y7

// func panel1F16AVX2(x *float32, w *uint16, in int, y *float32, n64, n32, n16 int)
// panel1AVX2 for a float16 panel: y += x (1×in) · W over n64 chunks 64
// wide, then n32 of 32, then n16 of 16, each an (in, width) row-major block
// of float16s, one after another from w. Twin: kern16Go on each chunk.
#define panel16Ahead 512
TEXT ·panel1F16AVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DX
	MOVQ in+16(FP), R9
	MOVQ y+24(FP), DI
	MOVQ n64+32(FP), R14

h64chunk:
	TESTQ   R14, R14
	JZ      h32
	MOVQ    R9, CX
	MOVQ    SI, AX
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7

h64loop:
	VBROADCASTSS (AX), Y8
	PREFETCHT0   panel16Ahead(DX)
	PREFETCHT0   panel16Ahead+64(DX)
	CVT64(DX)
	ADDQ         $4, AX
	ADDQ         $128, DX
	DECQ         CX
	JNZ          h64loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ    $256, DI
	DECQ    R14
	JMP     h64chunk

h32:
	MOVQ n32+40(FP), R14

h32chunk:
	TESTQ   R14, R14
	JZ      h16
	MOVQ    R9, CX
	MOVQ    SI, AX
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3

h32loop:
	VBROADCASTSS (AX), Y8
	PREFETCHT0   panel16Ahead(DX)
	VCVTPH2PS    (DX), Y9
	VCVTPH2PS    16(DX), Y10
	VCVTPH2PS    32(DX), Y11
	VCVTPH2PS    48(DX), Y12
	VFMADD231PS  Y9, Y8, Y0
	VFMADD231PS  Y10, Y8, Y1
	VFMADD231PS  Y11, Y8, Y2
	VFMADD231PS  Y12, Y8, Y3
	ADDQ         $4, AX
	ADDQ         $64, DX
	DECQ         CX
	JNZ          h32loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	DECQ    R14
	JMP     h32chunk

h16:
	MOVQ n16+48(FP), R14

h16chunk:
	TESTQ   R14, R14
	JZ      hdone
	MOVQ    R9, CX
	MOVQ    SI, AX
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1

h16loop:
	VBROADCASTSS (AX), Y8
	PREFETCHT0   panel16Ahead(DX)
	VCVTPH2PS    (DX), Y9
	VCVTPH2PS    16(DX), Y10
	VFMADD231PS  Y9, Y8, Y0
	VFMADD231PS  Y10, Y8, Y1
	ADDQ         $4, AX
	ADDQ         $32, DX
	DECQ         CX
	JNZ          h16loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, DI
	DECQ    R14
	JMP     h16chunk

hdone:
	VZEROUPPER
	RET
