//go:build !noasm

#include "textflag.h"

// The AVX2/FMA kernel of the few-row products of generation: a few
// streams' step through one whole chunk of a Panel, every row in one call.
// As in kernGo, which it matches bit for bit, each output is one
// accumulator lane: loaded from y, one fused multiply-add per p = 0 … k−1
// in order, stored back. The rows go in strips of 6, then at most one of
// 4, of 2 and of 1; each strip runs the chunk's 16-column blocks (2-row
// strips: 32-column ones) one after another, its tile of accumulators in
// registers, the loop over p unrolled by two.

// LD2 loads the 16 floats at ptr into c0, c1; ST2 stores them back.
#define LD2(ptr, c0, c1) VMOVUPS (ptr), c0; VMOVUPS 32(ptr), c1
#define ST2(ptr, c0, c1) VMOVUPS c0, (ptr); VMOVUPS c1, 32(ptr)

// FMA2 adds the broadcast x value at xaddr times the b row in Y12, Y13 to
// the accumulators c0, c1 (t is scratch).
#define FMA2(xaddr, t, c0, c1) \
	VBROADCASTSS xaddr, t;     \
	VFMADD231PS  Y12, t, c0;   \
	VFMADD231PS  Y13, t, c1

// ROWS6(o) is one p of the 6-row tile: b's 16 floats at o(BX)(…) then x at
// byte offset xo of the six rows (row stride R8; R13 = 3 rows, R9 = 5).
#define ROWS6(bsrc0, bsrc1, xo)           \
	VMOVUPS bsrc0, Y12;                   \
	VMOVUPS bsrc1, Y13;                   \
	FMA2(xo(AX), Y14, Y0, Y1);            \
	FMA2(xo(AX)(R8*1), Y15, Y2, Y3);      \
	FMA2(xo(AX)(R8*2), Y14, Y4, Y5);      \
	FMA2(xo(AX)(R13*1), Y15, Y6, Y7);     \
	FMA2(xo(AX)(R8*4), Y14, Y8, Y9);      \
	FMA2(xo(AX)(R9*1), Y15, Y10, Y11)

#define ROWS4(bsrc0, bsrc1, xo)           \
	VMOVUPS bsrc0, Y12;                   \
	VMOVUPS bsrc1, Y13;                   \
	FMA2(xo(AX), Y14, Y0, Y1);            \
	FMA2(xo(AX)(R8*1), Y15, Y2, Y3);      \
	FMA2(xo(AX)(R8*2), Y14, Y4, Y5);      \
	FMA2(xo(AX)(R13*1), Y15, Y6, Y7)

// ROWS2W is one p of the 2×32 tile: b's 32 floats at boff(BX)(…), x at
// byte offset xo of the two rows.
#define ROWS2W(b0, b1, b2, b3, xo)        \
	VMOVUPS      b0, Y8;                  \
	VMOVUPS      b1, Y9;                  \
	VMOVUPS      b2, Y10;                 \
	VMOVUPS      b3, Y11;                 \
	VBROADCASTSS xo(AX), Y14;             \
	VBROADCASTSS xo(AX)(R8*1), Y15;       \
	VFMADD231PS  Y8, Y14, Y0;             \
	VFMADD231PS  Y9, Y14, Y1;             \
	VFMADD231PS  Y10, Y14, Y2;            \
	VFMADD231PS  Y11, Y14, Y3;            \
	VFMADD231PS  Y8, Y15, Y4;             \
	VFMADD231PS  Y9, Y15, Y5;             \
	VFMADD231PS  Y10, Y15, Y6;            \
	VFMADD231PS  Y11, Y15, Y7

// func chunkRowsAVX2(x *float32, ldx int, w *float32, in int, y *float32, ldy, rows, wd int)
// y (rows×wd, row stride ldy) += x (rows×in, row stride ldx) · w (in×wd,
// row-major: one whole chunk of a Panel), for wd ∈ {16, 32, 64} and
// rows ≥ 1. Twin: kernGo(rows, wd, in, x, ldx, 1, w, wd, y, ldy).
TEXT ·chunkRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ ldx+8(FP), R8
	SHLQ $2, R8
	MOVQ w+16(FP), DX
	MOVQ y+32(FP), DI
	MOVQ ldy+40(FP), R11
	SHLQ $2, R11
	MOVQ rows+48(FP), R12
	MOVQ wd+56(FP), R10
	SHLQ $2, R10         // b's row stride in bytes: the chunk's width
	LEAQ (R8)(R8*2), R13 // 3 rows of x
	LEAQ (R8)(R8*4), R9  // 5 rows of x

strip6:
	CMPQ R12, $6
	JLT  strip4
	MOVQ wd+56(FP), R14
	SHRQ $4, R14

s6block:
	MOVQ in+24(FP), CX
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
	SHRQ $1, CX
	JZ   s6odd

s6loop:
	ROWS6((BX), 32(BX), 0)
	ROWS6((BX)(R10*1), 32(BX)(R10*1), 4)
	LEAQ (BX)(R10*2), BX
	ADDQ $8, AX
	DECQ CX
	JNZ  s6loop

s6odd:
	TESTQ $1, in+24(FP)
	JZ    s6store
	ROWS6((BX), 32(BX), 0)

s6store:
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
	JNZ  s6block

	SUBQ R10, DX          // back to the chunk's first column
	SUBQ R10, DI
	ADDQ R9, SI           // the next six rows
	ADDQ R8, SI
	LEAQ (R11)(R11*2), R15
	LEAQ (DI)(R15*2), DI
	SUBQ $6, R12
	JMP  strip6

strip4:
	CMPQ R12, $4
	JLT  strip2
	MOVQ wd+56(FP), R14
	SHRQ $4, R14

s4block:
	MOVQ in+24(FP), CX
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
	SHRQ $1, CX
	JZ   s4odd

s4loop:
	ROWS4((BX), 32(BX), 0)
	ROWS4((BX)(R10*1), 32(BX)(R10*1), 4)
	LEAQ (BX)(R10*2), BX
	ADDQ $8, AX
	DECQ CX
	JNZ  s4loop

s4odd:
	TESTQ $1, in+24(FP)
	JZ    s4store
	ROWS4((BX), 32(BX), 0)

s4store:
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
	JNZ  s4block

	SUBQ R10, DX
	SUBQ R10, DI
	ADDQ R13, SI
	ADDQ R8, SI
	LEAQ (DI)(R11*4), DI
	SUBQ $4, R12

strip2:
	CMPQ R12, $2
	JLT  strip1
	CMPQ R10, $128
	JLT  s2narrow
	MOVQ wd+56(FP), R14
	SHRQ $5, R14

s2block:
	MOVQ    in+24(FP), CX
	MOVQ    SI, AX
	MOVQ    DX, BX
	LD2(DI, Y0, Y1)
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	LEAQ    (DI)(R11*1), R15
	LD2(R15, Y4, Y5)
	VMOVUPS 64(R15), Y6
	VMOVUPS 96(R15), Y7
	SHRQ    $1, CX
	JZ      s2odd

s2loop:
	ROWS2W((BX), 32(BX), 64(BX), 96(BX), 0)
	ROWS2W((BX)(R10*1), 32(BX)(R10*1), 64(BX)(R10*1), 96(BX)(R10*1), 4)
	LEAQ (BX)(R10*2), BX
	ADDQ $8, AX
	DECQ CX
	JNZ  s2loop

s2odd:
	TESTQ $1, in+24(FP)
	JZ    s2store
	ROWS2W((BX), 32(BX), 64(BX), 96(BX), 0)

s2store:
	ST2(DI, Y0, Y1)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ST2(R15, Y4, Y5)
	VMOVUPS Y6, 64(R15)
	VMOVUPS Y7, 96(R15)
	ADDQ    $128, DX
	ADDQ    $128, DI
	DECQ    R14
	JNZ     s2block

	SUBQ R10, DX
	SUBQ R10, DI
	JMP  s2next

s2narrow: // a 16-wide chunk: the two rows' four accumulators
	MOVQ in+24(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX
	LD2(DI, Y0, Y1)
	LEAQ (DI)(R11*1), R15
	LD2(R15, Y2, Y3)

s2nloop:
	VMOVUPS      (BX), Y12
	VMOVUPS      32(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	ADDQ         R10, BX
	ADDQ         $4, AX
	DECQ         CX
	JNZ          s2nloop

	ST2(DI, Y0, Y1)
	ST2(R15, Y2, Y3)

s2next:
	LEAQ (SI)(R8*2), SI
	LEAQ (DI)(R11*2), DI
	SUBQ $2, R12

strip1:
	TESTQ R12, R12
	JZ    done
	MOVQ  wd+56(FP), R14
	SHRQ  $4, R14

s1block:
	MOVQ in+24(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX
	LD2(DI, Y0, Y1)

s1loop:
	VBROADCASTSS (AX), Y14
	VFMADD231PS  (BX), Y14, Y0
	VFMADD231PS  32(BX), Y14, Y1
	ADDQ         R10, BX
	ADDQ         $4, AX
	DECQ         CX
	JNZ          s1loop

	ST2(DI, Y0, Y1)
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ R14
	JNZ  s1block

done:
	VZEROUPPER
	RET

// H_ROWS6, H_ROWS4 and H_ROWS2W are ROWS6, ROWS4 and ROWS2W with b's
// values float16s, widened as they are loaded.
#define H_ROWS6(bsrc0, bsrc1, xo)         \
	VCVTPH2PS bsrc0, Y12;                 \
	VCVTPH2PS bsrc1, Y13;                 \
	FMA2(xo(AX), Y14, Y0, Y1);            \
	FMA2(xo(AX)(R8*1), Y15, Y2, Y3);      \
	FMA2(xo(AX)(R8*2), Y14, Y4, Y5);      \
	FMA2(xo(AX)(R13*1), Y15, Y6, Y7);     \
	FMA2(xo(AX)(R8*4), Y14, Y8, Y9);      \
	FMA2(xo(AX)(R9*1), Y15, Y10, Y11)

#define H_ROWS4(bsrc0, bsrc1, xo)         \
	VCVTPH2PS bsrc0, Y12;                 \
	VCVTPH2PS bsrc1, Y13;                 \
	FMA2(xo(AX), Y14, Y0, Y1);            \
	FMA2(xo(AX)(R8*1), Y15, Y2, Y3);      \
	FMA2(xo(AX)(R8*2), Y14, Y4, Y5);      \
	FMA2(xo(AX)(R13*1), Y15, Y6, Y7)

#define H_ROWS2W(b0, b1, b2, b3, xo)      \
	VCVTPH2PS    b0, Y8;                  \
	VCVTPH2PS    b1, Y9;                  \
	VCVTPH2PS    b2, Y10;                 \
	VCVTPH2PS    b3, Y11;                 \
	VBROADCASTSS xo(AX), Y14;             \
	VBROADCASTSS xo(AX)(R8*1), Y15;       \
	VFMADD231PS  Y8, Y14, Y0;             \
	VFMADD231PS  Y9, Y14, Y1;             \
	VFMADD231PS  Y10, Y14, Y2;            \
	VFMADD231PS  Y11, Y14, Y3;            \
	VFMADD231PS  Y8, Y15, Y4;             \
	VFMADD231PS  Y9, Y15, Y5;             \
	VFMADD231PS  Y10, Y15, Y6;            \
	VFMADD231PS  Y11, Y15, Y7

// func chunkRowsF16AVX2(x *float32, ldx int, w *uint16, in int, y *float32, ldy, rows, wd int)
// chunkRowsAVX2 for a chunk of float16 weights, each widened exactly
// (VCVTPH2PS) as it is loaded. Twin: kern16Go(rows, wd, in, x, ldx, 1, w,
// wd, y, ldy).
TEXT ·chunkRowsF16AVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ ldx+8(FP), R8
	SHLQ $2, R8
	MOVQ w+16(FP), DX
	MOVQ y+32(FP), DI
	MOVQ ldy+40(FP), R11
	SHLQ $2, R11
	MOVQ rows+48(FP), R12
	MOVQ wd+56(FP), R10
	SHLQ $1, R10         // b's row stride in bytes: the chunk's width in float16s
	LEAQ (R8)(R8*2), R13 // 3 rows of x
	LEAQ (R8)(R8*4), R9  // 5 rows of x

strip6:
	CMPQ R12, $6
	JLT  strip4
	MOVQ wd+56(FP), R14
	SHRQ $4, R14

s6block:
	MOVQ in+24(FP), CX
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
	SHRQ $1, CX
	JZ   s6odd

s6loop:
	H_ROWS6((BX), 16(BX), 0)
	H_ROWS6((BX)(R10*1), 16(BX)(R10*1), 4)
	LEAQ (BX)(R10*2), BX
	ADDQ $8, AX
	DECQ CX
	JNZ  s6loop

s6odd:
	TESTQ $1, in+24(FP)
	JZ    s6store
	H_ROWS6((BX), 16(BX), 0)

s6store:
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
	JNZ  s6block

	SUBQ R10, DX          // back to the chunk's first column
	SUBQ R10, DI // twice: y's columns are float32s
	SUBQ R10, DI
	ADDQ R9, SI           // the next six rows
	ADDQ R8, SI
	LEAQ (R11)(R11*2), R15
	LEAQ (DI)(R15*2), DI
	SUBQ $6, R12
	JMP  strip6

strip4:
	CMPQ R12, $4
	JLT  strip2
	MOVQ wd+56(FP), R14
	SHRQ $4, R14

s4block:
	MOVQ in+24(FP), CX
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
	SHRQ $1, CX
	JZ   s4odd

s4loop:
	H_ROWS4((BX), 16(BX), 0)
	H_ROWS4((BX)(R10*1), 16(BX)(R10*1), 4)
	LEAQ (BX)(R10*2), BX
	ADDQ $8, AX
	DECQ CX
	JNZ  s4loop

s4odd:
	TESTQ $1, in+24(FP)
	JZ    s4store
	H_ROWS4((BX), 16(BX), 0)

s4store:
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
	JNZ  s4block

	SUBQ R10, DX
	SUBQ R10, DI // twice: y's columns are float32s
	SUBQ R10, DI
	ADDQ R13, SI
	ADDQ R8, SI
	LEAQ (DI)(R11*4), DI
	SUBQ $4, R12

strip2:
	CMPQ R12, $2
	JLT  strip1
	CMPQ R10, $64
	JLT  s2narrow
	MOVQ wd+56(FP), R14
	SHRQ $5, R14

s2block:
	MOVQ    in+24(FP), CX
	MOVQ    SI, AX
	MOVQ    DX, BX
	LD2(DI, Y0, Y1)
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	LEAQ    (DI)(R11*1), R15
	LD2(R15, Y4, Y5)
	VMOVUPS 64(R15), Y6
	VMOVUPS 96(R15), Y7
	SHRQ    $1, CX
	JZ      s2odd

s2loop:
	H_ROWS2W((BX), 16(BX), 32(BX), 48(BX), 0)
	H_ROWS2W((BX)(R10*1), 16(BX)(R10*1), 32(BX)(R10*1), 48(BX)(R10*1), 4)
	LEAQ (BX)(R10*2), BX
	ADDQ $8, AX
	DECQ CX
	JNZ  s2loop

s2odd:
	TESTQ $1, in+24(FP)
	JZ    s2store
	H_ROWS2W((BX), 16(BX), 32(BX), 48(BX), 0)

s2store:
	ST2(DI, Y0, Y1)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ST2(R15, Y4, Y5)
	VMOVUPS Y6, 64(R15)
	VMOVUPS Y7, 96(R15)
	ADDQ    $64, DX
	ADDQ    $128, DI
	DECQ    R14
	JNZ     s2block

	SUBQ R10, DX
	SUBQ R10, DI // twice: y's columns are float32s
	SUBQ R10, DI
	JMP  s2next

s2narrow: // a 16-wide chunk: the two rows' four accumulators
	MOVQ in+24(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX
	LD2(DI, Y0, Y1)
	LEAQ (DI)(R11*1), R15
	LD2(R15, Y2, Y3)

s2nloop:
	VCVTPH2PS    (BX), Y12
	VCVTPH2PS    16(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	ADDQ         R10, BX
	ADDQ         $4, AX
	DECQ         CX
	JNZ          s2nloop

	ST2(DI, Y0, Y1)
	ST2(R15, Y2, Y3)

s2next:
	LEAQ (SI)(R8*2), SI
	LEAQ (DI)(R11*2), DI
	SUBQ $2, R12

strip1:
	TESTQ R12, R12
	JZ    done
	MOVQ  wd+56(FP), R14
	SHRQ  $4, R14

s1block:
	MOVQ in+24(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX
	LD2(DI, Y0, Y1)

s1loop:
	VBROADCASTSS (AX), Y14
	VCVTPH2PS    (BX), Y12
	VCVTPH2PS    16(BX), Y13
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	ADDQ         R10, BX
	ADDQ         $4, AX
	DECQ         CX
	JNZ          s1loop

	ST2(DI, Y0, Y1)
	ADDQ $32, DX
	ADDQ $64, DI
	DECQ R14
	JNZ  s1block

done:
	VZEROUPPER
	RET
