//go:build !noasm

#include "textflag.h"

// The AVX2 matrix kernels of GemmFrom: kern6x16AVX2 and kern4x16AVX2
// (kern2_amd64.s) with the accumulators' start and end under the caller's
// control, so that a product that starts from a bias or from another
// matrix, or ends with a bias, is one pass over C instead of two or three.
// The chain of each output is the same fused multiply-adds in the same
// order as in kernGo.

#define LD2(ptr, c0, c1) VMOVUPS (ptr), c0; VMOVUPS 32(ptr), c1
#define ST2(ptr, c0, c1) VMOVUPS c0, (ptr); VMOVUPS c1, 32(ptr)

#define FMA2(aaddr, t, c0, c1) \
	VBROADCASTSS aaddr, t;     \
	VFMADD231PS  Y12, t, c0;   \
	VFMADD231PS  Y13, t, c1

// func kern6x16FromAVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int, from *float32, ldfrom int, bias *float32)
// c (6×16·nblk, row stride ldc) = (from + a (6×k) · b (k×16·nblk)) + bias:
// kern6x16AVX2 with each accumulator loaded from from (row stride
// ldfrom, 0 for one row for all; from nil: +0) instead of c, and the
// bias row (nil: none) added after the chain, before the store. Twin:
// mulBlockFromGo on 6 rows.
TEXT ·kern6x16FromAVX2(SB), NOSPLIT, $0-96
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

k6fblock:
	MOVQ from+72(FP), R15
	TESTQ R15, R15
	JZ   k6fzero
	MOVQ ldfrom+80(FP), BX
	SHLQ $2, BX
	LD2(R15, Y0, Y1)
	ADDQ BX, R15
	LD2(R15, Y2, Y3)
	ADDQ BX, R15
	LD2(R15, Y4, Y5)
	ADDQ BX, R15
	LD2(R15, Y6, Y7)
	ADDQ BX, R15
	LD2(R15, Y8, Y9)
	ADDQ BX, R15
	LD2(R15, Y10, Y11)
	ADDQ $64, from+72(FP)
	JMP  k6finit

k6fzero:
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

k6finit:
	MOVQ k+40(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX

k6floop:
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
	JNZ     k6floop

	MOVQ  bias+88(FP), R15
	TESTQ R15, R15
	JZ    k6fstore
	VMOVUPS (R15), Y12
	VMOVUPS 32(R15), Y13
	VADDPS  Y12, Y0, Y0
	VADDPS  Y13, Y1, Y1
	VADDPS  Y12, Y2, Y2
	VADDPS  Y13, Y3, Y3
	VADDPS  Y12, Y4, Y4
	VADDPS  Y13, Y5, Y5
	VADDPS  Y12, Y6, Y6
	VADDPS  Y13, Y7, Y7
	VADDPS  Y12, Y8, Y8
	VADDPS  Y13, Y9, Y9
	VADDPS  Y12, Y10, Y10
	VADDPS  Y13, Y11, Y11
	ADDQ    $64, bias+88(FP)

k6fstore:
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
	JNZ  k6fblock
	VZEROUPPER
	RET

// func kern4x16FromAVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int, from *float32, ldfrom int, bias *float32)
// c (4×16·nblk, row stride ldc) = (from + a (4×k) · b (k×16·nblk)) + bias:
// kern4x16AVX2 with each accumulator loaded from from (row stride
// ldfrom, 0 for one row for all; from nil: +0) instead of c, and the
// bias row (nil: none) added after the chain, before the store. Twin:
// mulBlockFromGo on 4 rows.
TEXT ·kern4x16FromAVX2(SB), NOSPLIT, $0-96
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

k4fblock:
	MOVQ from+72(FP), R15
	TESTQ R15, R15
	JZ   k4fzero
	MOVQ ldfrom+80(FP), BX
	SHLQ $2, BX
	LD2(R15, Y0, Y1)
	ADDQ BX, R15
	LD2(R15, Y2, Y3)
	ADDQ BX, R15
	LD2(R15, Y4, Y5)
	ADDQ BX, R15
	LD2(R15, Y6, Y7)
	ADDQ $64, from+72(FP)
	JMP  k4finit

k4fzero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

k4finit:
	MOVQ k+40(FP), CX
	MOVQ SI, AX
	MOVQ DX, BX

k4floop:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMA2((AX), Y14, Y0, Y1)
	FMA2((AX)(R8*1), Y15, Y2, Y3)
	FMA2((AX)(R8*2), Y14, Y4, Y5)
	FMA2((AX)(R12*1), Y15, Y6, Y7)
	ADDQ    R9, AX
	ADDQ    R10, BX
	DECQ    CX
	JNZ     k4floop

	MOVQ  bias+88(FP), R15
	TESTQ R15, R15
	JZ    k4fstore
	VMOVUPS (R15), Y12
	VMOVUPS 32(R15), Y13
	VADDPS  Y12, Y0, Y0
	VADDPS  Y13, Y1, Y1
	VADDPS  Y12, Y2, Y2
	VADDPS  Y13, Y3, Y3
	VADDPS  Y12, Y4, Y4
	VADDPS  Y13, Y5, Y5
	VADDPS  Y12, Y6, Y6
	VADDPS  Y13, Y7, Y7
	ADDQ    $64, bias+88(FP)

k4fstore:
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
	JNZ  k4fblock
	VZEROUPPER
	RET
