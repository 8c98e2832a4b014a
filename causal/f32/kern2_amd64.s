//go:build !noasm

#include "textflag.h"

// AVX2/FMA kernels for CPUs without AVX-512: 16 YMM registers, so the
// column blocks are 16 wide (two YMM per row) and the caller's 32- and
// 64-wide blocks are loops over them.

// func kern4xNAVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)
// c (4×16·nblk) += a (4×k) · b (k×16·nblk). Twin: kernGo(4, 16·nblk, ...).
TEXT ·kern4xNAVX2(SB), NOSPLIT, $0-72
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
	MOVQ nblk+64(FP), R13
	LEAQ (R8)(R8*2), R12

k4nblock:
	MOVQ   k+40(FP), CX
	MOVQ   SI, AX
	MOVQ   DX, BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

k4nloop:
	VMOVUPS      (BX), Y8
	VMOVUPS      32(BX), Y9
	VBROADCASTSS (AX), Y10
	VBROADCASTSS (AX)(R8*1), Y11
	VBROADCASTSS (AX)(R8*2), Y12
	VBROADCASTSS (AX)(R12*1), Y13
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         R9, AX
	ADDQ         R10, BX
	DECQ         CX
	JNZ          k4nloop

	MOVQ    DI, AX
	VADDPS  (AX), Y0, Y0
	VADDPS  32(AX), Y1, Y1
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	ADDQ    R11, AX
	VADDPS  (AX), Y2, Y2
	VADDPS  32(AX), Y3, Y3
	VMOVUPS Y2, (AX)
	VMOVUPS Y3, 32(AX)
	ADDQ    R11, AX
	VADDPS  (AX), Y4, Y4
	VADDPS  32(AX), Y5, Y5
	VMOVUPS Y4, (AX)
	VMOVUPS Y5, 32(AX)
	ADDQ    R11, AX
	VADDPS  (AX), Y6, Y6
	VADDPS  32(AX), Y7, Y7
	VMOVUPS Y6, (AX)
	VMOVUPS Y7, 32(AX)

	ADDQ $64, DX
	ADDQ $64, DI
	DECQ R13
	JNZ  k4nblock
	VZEROUPPER
	RET

// func kern1xNAVX2(a *float32, csa int, b *float32, ldb, k int, c *float32, nblk int)
// c (1×16·nblk) += a (1×k) · b (k×16·nblk). Twin: kernGo(1, 16·nblk, ...).
// Four accumulator pairs (p mod 4) keep eight FMA chains in flight.
TEXT ·kern1xNAVX2(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), SI
	MOVQ csa+8(FP), R9
	SHLQ $2, R9
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R10
	SHLQ $2, R10
	MOVQ c+40(FP), DI
	MOVQ nblk+48(FP), R13

k1nblock:
	MOVQ   k+32(FP), CX
	MOVQ   SI, AX
	MOVQ   DX, BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   CX, $4
	JLT    k1ntail

k1nloop4:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (BX), Y8, Y0
	VFMADD231PS  32(BX), Y8, Y1
	ADDQ         R9, AX
	ADDQ         R10, BX
	VBROADCASTSS (AX), Y9
	VFMADD231PS  (BX), Y9, Y2
	VFMADD231PS  32(BX), Y9, Y3
	ADDQ         R9, AX
	ADDQ         R10, BX
	VBROADCASTSS (AX), Y10
	VFMADD231PS  (BX), Y10, Y4
	VFMADD231PS  32(BX), Y10, Y5
	ADDQ         R9, AX
	ADDQ         R10, BX
	VBROADCASTSS (AX), Y11
	VFMADD231PS  (BX), Y11, Y6
	VFMADD231PS  32(BX), Y11, Y7
	ADDQ         R9, AX
	ADDQ         R10, BX
	SUBQ         $4, CX
	CMPQ         CX, $4
	JGE          k1nloop4

k1ntail:
	TESTQ        CX, CX
	JZ           k1nstore
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (BX), Y8, Y0
	VFMADD231PS  32(BX), Y8, Y1
	ADDQ         R9, AX
	ADDQ         R10, BX
	DECQ         CX
	JMP          k1ntail

k1nstore:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	VADDPS  Y6, Y4, Y4
	VADDPS  Y7, Y5, Y5
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  (DI), Y0, Y0
	VADDPS  32(DI), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)

	ADDQ $64, DX
	ADDQ $64, DI
	DECQ R13
	JNZ  k1nblock
	VZEROUPPER
	RET
