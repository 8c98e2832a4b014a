//go:build !noasm

#include "textflag.h"

// The one-row AVX2 panel kernel for float16 weights: panel1AVX2 with each
// load of the weights a VCVTPH2PS, which widens eight float16s exactly to
// float32; the accumulation is the same chain of fused multiply-adds, so
// the twin is kern16Go. (Several rows: chunkRowsF16AVX2, multi_amd64.s.)

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
