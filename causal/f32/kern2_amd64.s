//go:build !noasm

#include "textflag.h"

// The AVX2/FMA matrix kernels, for CPUs without AVX-512: 16 YMM registers,
// eight lanes each. As in kernGo, which they must match bit for bit, each
// output of c is one accumulator lane: loaded from c, updated by one fused
// multiply-add per p = 0, 1, …, k−1 in order, stored back. Lanes run across
// the columns only; nothing is split or reduced over p.
//
// Register blocking: the 6×16 tile keeps twelve accumulators, two loads of
// b and one broadcast of a per row in flight, enough FMA chains to cover
// the FMA latency on both pipes. Strides are in float32s.

// LD2 loads the 16 floats at ptr into c0, c1; ST2 stores them back.
#define LD2(ptr, c0, c1) VMOVUPS (ptr), c0; VMOVUPS 32(ptr), c1
#define ST2(ptr, c0, c1) VMOVUPS c0, (ptr); VMOVUPS c1, 32(ptr)

// FMA2 adds the broadcast a value at aaddr times the b row in Y12, Y13 to
// the accumulators c0, c1 (t is scratch).
#define FMA2(aaddr, t, c0, c1) \
	VBROADCASTSS aaddr, t;     \
	VFMADD231PS  Y12, t, c0;   \
	VFMADD231PS  Y13, t, c1

// func kern6x16AVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)
// c (6×16·nblk, row stride ldc) += a (6×k, a[r·rsa + p·csa]) · b (k×16·nblk,
// row stride ldb), one 16-column block after another. Twin: kernGo(6, 16·nblk, ...).
TEXT ·kern6x16AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ rsa+8(FP), R8
	SHLQ $2, R8
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DX
	MOVQ ldb+32(FP), R10
	SHLQ $2, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R11
	SHLQ $2, R11
	MOVQ nblk+64(FP), R14
	LEAQ (R8)(R8*2), R12 // 3 rows
	LEAQ (R8)(R8*4), R13 // 5 rows

k6block:
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
	// The same columns of the next strip's six rows of c, for its first
	// loads (past the end of c this is a harmless hint).
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)

k6loop:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	FMA2((AX)(R8*2), Y14, Y4, Y5)
	FMA2((AX)(R12*1), Y15, Y6, Y7)
	FMA2((AX)(R8*4), Y14, Y8, Y9)
	FMA2((AX)(R13*1), Y15, Y10, Y11)
	ADDQ    R9, AX
	ADDQ    R10, BX
	DECQ    CX
	JNZ     k6loop

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

	ADDQ $64, DX
	ADDQ $64, DI
	DECQ R14
	JNZ  k6block
	VZEROUPPER
	RET

// func kern4x16AVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)
// c (4×16·nblk) += a (4×k) · b (k×16·nblk). Twin: kernGo(4, 16·nblk, ...).
TEXT ·kern4x16AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ rsa+8(FP), R8
	SHLQ $2, R8
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DX
	MOVQ ldb+32(FP), R10
	SHLQ $2, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R11
	SHLQ $2, R11
	MOVQ nblk+64(FP), R14
	LEAQ (R8)(R8*2), R12

k4block:
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
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)
	ADDQ       R11, R15
	PREFETCHT0 (R15)

k4loop:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	FMA2((AX)(R8*2), Y14, Y4, Y5)
	FMA2((AX)(R12*1), Y15, Y6, Y7)
	ADDQ    R9, AX
	ADDQ    R10, BX
	DECQ    CX
	JNZ     k4loop

	MOVQ DI, R15
	ST2(R15, Y0, Y1)
	ADDQ R11, R15
	ST2(R15, Y2, Y3)
	ADDQ R11, R15
	ST2(R15, Y4, Y5)
	ADDQ R11, R15
	ST2(R15, Y6, Y7)

	ADDQ $64, DX
	ADDQ $64, DI
	DECQ R14
	JNZ  k4block
	VZEROUPPER
	RET

// func kern2x32AVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)
// c (2×32·nblk) += a (2×k) · b (k×32·nblk): eight accumulators, one
// 32-column block after another. Twin: kernGo(2, 32·nblk, ...).
TEXT ·kern2x32AVX2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ rsa+8(FP), R8
	SHLQ $2, R8
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DX
	MOVQ ldb+32(FP), R10
	SHLQ $2, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R11
	SHLQ $2, R11
	MOVQ nblk+64(FP), R14

k2block:
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

k2loop:
	VMOVUPS      (BX), Y8
	VMOVUPS      32(BX), Y9
	VMOVUPS      64(BX), Y10
	VMOVUPS      96(BX), Y11
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
	JNZ          k2loop

	ST2(DI, Y0, Y1)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, (DI)(R11*1)
	VMOVUPS Y5, 32(DI)(R11*1)
	VMOVUPS Y6, 64(DI)(R11*1)
	VMOVUPS Y7, 96(DI)(R11*1)

	ADDQ $128, DX
	ADDQ $128, DI
	DECQ R14
	JNZ  k2block
	VZEROUPPER
	RET

// ROW64 adds the broadcast x value in Y8 times the 64 floats at ptr to
// Y0…Y7.
#define ROW64(ptr)                  \
	VFMADD231PS (ptr), Y8, Y0;      \
	VFMADD231PS 32(ptr), Y8, Y1;    \
	VFMADD231PS 64(ptr), Y8, Y2;    \
	VFMADD231PS 96(ptr), Y8, Y3;    \
	VFMADD231PS 128(ptr), Y8, Y4;   \
	VFMADD231PS 160(ptr), Y8, Y5;   \
	VFMADD231PS 192(ptr), Y8, Y6;   \
	VFMADD231PS 224(ptr), Y8, Y7

// func panel1AVX2(x *float32, w *float32, in int, y *float32, n64, n32, n16 int)
// y += x (1×in) · W for a whole panel of n64 chunks 64 wide, then n32 of
// 32, then n16 of 16, each an (in, width) row-major block, one after
// another from w; y's columns in the same order. Twin: kernGo on each chunk.
// The weights stream from w front to back; PREFETCHT0 asks for the line
// panelAhead bytes ahead of each one read.
#define panelAhead 1024
TEXT ·panel1AVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DX
	MOVQ in+16(FP), R9
	MOVQ y+24(FP), DI
	MOVQ n64+32(FP), R14

p64chunk:
	TESTQ   R14, R14
	JZ      p32
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

p64loop:
	VBROADCASTSS (AX), Y8
	PREFETCHT0   panelAhead(DX)
	PREFETCHT0   panelAhead+64(DX)
	PREFETCHT0   panelAhead+128(DX)
	PREFETCHT0   panelAhead+192(DX)
	ROW64(DX)
	ADDQ         $4, AX
	ADDQ         $256, DX
	DECQ         CX
	JNZ          p64loop

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
	JMP     p64chunk

p32:
	MOVQ    n32+40(FP), R14

p32chunk:
	TESTQ   R14, R14
	JZ      p16
	MOVQ    R9, CX
	MOVQ    SI, AX
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3

p32loop:
	VBROADCASTSS (AX), Y8
	PREFETCHT0   panelAhead(DX)
	PREFETCHT0   panelAhead+64(DX)
	VFMADD231PS  (DX), Y8, Y0
	VFMADD231PS  32(DX), Y8, Y1
	VFMADD231PS  64(DX), Y8, Y2
	VFMADD231PS  96(DX), Y8, Y3
	ADDQ         $4, AX
	ADDQ         $128, DX
	DECQ         CX
	JNZ          p32loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	DECQ    R14
	JMP     p32chunk

p16:
	MOVQ    n16+48(FP), R14

p16chunk:
	TESTQ   R14, R14
	JZ      pdone
	MOVQ    R9, CX
	MOVQ    SI, AX
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1

p16loop:
	VBROADCASTSS (AX), Y8
	PREFETCHT0   panelAhead(DX)
	VFMADD231PS  (DX), Y8, Y0
	VFMADD231PS  32(DX), Y8, Y1
	ADDQ         $4, AX
	ADDQ         $64, DX
	DECQ         CX
	JNZ          p16loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, DI
	DECQ    R14
	JMP     p16chunk

pdone:
	VZEROUPPER
	RET

// func kern1x64AVX2(a *float32, csa int, b *float32, ldb, k int, c *float32)
// c (1×64) += a (1×k, a[p·csa]) · b (k×64, row stride ldb). Twin: kernGo(1, 64, ...).
TEXT ·kern1x64AVX2(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ csa+8(FP), R9
	SHLQ $2, R9
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R10
	SHLQ $2, R10
	MOVQ k+32(FP), CX
	MOVQ c+40(FP), DI
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7

k1x64loop:
	VBROADCASTSS (SI), Y8
	ROW64(DX)
	ADDQ         R9, SI
	ADDQ         R10, DX
	DECQ         CX
	JNZ          k1x64loop

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func kern1x16AVX2(a *float32, csa int, b *float32, ldb, k int, c *float32)
// c (1×16) += a (1×k) · b (k×16). Twin: kernGo(1, 16, ...).
TEXT ·kern1x16AVX2(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ csa+8(FP), R9
	SHLQ $2, R9
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R10
	SHLQ $2, R10
	MOVQ k+32(FP), CX
	MOVQ c+40(FP), DI
	LD2(DI, Y0, Y1)

k1x16loop:
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DX), Y8, Y0
	VFMADD231PS  32(DX), Y8, Y1
	ADDQ         R9, SI
	ADDQ         R10, DX
	DECQ         CX
	JNZ          k1x16loop

	ST2(DI, Y0, Y1)
	VZEROUPPER
	RET
