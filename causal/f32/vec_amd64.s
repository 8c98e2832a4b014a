//go:build !noasm

#include "textflag.h"

DATA vecK<>+0(SB)/4, $0xff800000 // -Inf
GLOBL vecK<>(SB), RODATA|NOPTR, $4

// func argmaxAVX512(x *float32, n int) int
// Twin: argmaxGo. n ≥ 1.
TEXT ·argmaxAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS vecK<>+0(SB), Z0 // running max, never NaN
	VMOVAPS Z0, Z3
	MOVQ    SI, DI
	MOVQ    CX, BX

	// Pass 1: the largest non-NaN value. VMAXPS returns its second source
	// (the running max) when the first (the new values) is NaN.
amaxloop:
	CMPQ    BX, $16
	JLT     amaxtail
	VMOVUPS (DI), Z1
	VMAXPS  Z0, Z1, Z0
	ADDQ    $64, DI
	SUBQ    $16, BX
	JMP     amaxloop

amaxtail:
	TESTQ   BX, BX
	JZ      amaxreduce
	MOVQ    $1, AX
	MOVQ    BX, CX
	SHLQ    CX, AX
	DECQ    AX
	KMOVW   AX, K2
	VMOVAPS Z3, Z1
	VMOVUPS (DI), K2, Z1      // lanes past the end stay -Inf
	VMAXPS  Z0, Z1, Z0

amaxreduce:
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VBROADCASTSS  X0, Z0

	// Pass 2: the first index holding it (none if every value is NaN).
	MOVQ n+8(FP), BX
	XORQ DX, DX

afindloop:
	CMPQ    BX, $16
	JLT     afindtail
	VCMPPS  $0, (SI), Z0, K1
	KMOVW   K1, AX
	TESTL   AX, AX
	JNZ     afound
	ADDQ    $64, SI
	ADDQ    $16, DX
	SUBQ    $16, BX
	JMP     afindloop

afindtail:
	TESTQ     BX, BX
	JZ        anone
	MOVQ      $1, AX
	MOVQ      BX, CX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z1
	VCMPPS    $0, Z1, Z0, K2, K1
	KMOVW     K1, AX
	TESTL     AX, AX
	JNZ       afound

anone:
	MOVQ $0, ret+16(FP)
	VZEROUPPER
	RET

afound:
	TZCNTL AX, AX
	ADDQ   DX, AX
	MOVQ   AX, ret+16(FP)
	VZEROUPPER
	RET

// func reluAVX512(dst, x *float32, n int)
// Twin: reluGo. VMAXPS with x second returns x when it is NaN, as max does.
TEXT ·reluAVX512(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Z0, Z0, Z0

reluloop:
	CMPQ    CX, $16
	JLT     relutail
	VMOVUPS (SI), Z1
	VMAXPS  Z1, Z0, Z1
	VMOVUPS Z1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     reluloop

relutail:
	TESTQ     CX, CX
	JZ        reludone
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z1
	VMAXPS    Z1, Z0, Z1
	VMOVUPS   Z1, K2, (DI)

reludone:
	VZEROUPPER
	RET

// func sumRowsAVX512(dst, x *float32, rows, cols int)
// Twin: sumRowsGo. Column blocks of 16 (the last one masked), four rows at
// a time into four accumulators.
TEXT ·sumRowsAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R9
	MOVQ R9, R10
	SHLQ $2, R10            // row stride in bytes
	LEAQ (R10)(R10*2), R11  // three rows

srcol:
	TESTQ R9, R9
	JLE   srdone
	MOVQ  $0xffff, AX
	CMPQ  R9, $16
	JGE   srmask
	MOVQ  $1, AX
	MOVQ  R9, CX
	SHLQ  CX, AX
	DECQ  AX

srmask:
	KMOVW  AX, K2
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ   SI, DX
	MOVQ   R8, BX

srrow4:
	CMPQ        BX, $4
	JLT         srrow1
	VMOVUPS.Z   (DX), K2, Z4
	VMOVUPS.Z   (DX)(R10*1), K2, Z5
	VMOVUPS.Z   (DX)(R10*2), K2, Z6
	VMOVUPS.Z   (DX)(R11*1), K2, Z7
	VADDPS      Z4, Z0, Z0
	VADDPS      Z5, Z1, Z1
	VADDPS      Z6, Z2, Z2
	VADDPS      Z7, Z3, Z3
	LEAQ        (DX)(R10*4), DX
	SUBQ        $4, BX
	JMP         srrow4

srrow1:
	TESTQ     BX, BX
	JZ        srstore
	VMOVUPS.Z (DX), K2, Z4
	VADDPS    Z4, Z0, Z0
	ADDQ      R10, DX
	DECQ      BX
	JMP       srrow1

srstore:
	VADDPS    Z1, Z0, Z0
	VADDPS    Z3, Z2, Z2
	VADDPS    Z2, Z0, Z0
	VMOVUPS.Z (DI), K2, Z4
	VADDPS    Z4, Z0, Z0
	VMOVUPS   Z0, K2, (DI)
	ADDQ      $64, DI
	ADDQ      $64, SI
	SUBQ      $16, R9
	JMP       srcol

srdone:
	VZEROUPPER
	RET

// func addRowAVX512(y, b *float32, rows, cols int)
// Twin: addRowGo. Column blocks of 16 (the last one masked).
TEXT ·addRowAVX512(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R9
	MOVQ R9, R10
	SHLQ $2, R10

arcol:
	TESTQ R9, R9
	JLE   ardone
	MOVQ  $0xffff, AX
	CMPQ  R9, $16
	JGE   armask
	MOVQ  $1, AX
	MOVQ  R9, CX
	SHLQ  CX, AX
	DECQ  AX

armask:
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z0
	MOVQ      DI, DX
	MOVQ      R8, BX

arrow:
	TESTQ     BX, BX
	JZ        arnext
	VMOVUPS.Z (DX), K2, Z1
	VADDPS    Z0, Z1, Z1
	VMOVUPS   Z1, K2, (DX)
	ADDQ      R10, DX
	DECQ      BX
	JMP       arrow

arnext:
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, R9
	JMP  arcol

ardone:
	VZEROUPPER
	RET

// func reluGradAVX512(d, v *float32, n int)
// Twin: reluGradGo: d[i] = 0 where v[i] ≤ 0.
TEXT ·reluGradAVX512(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   v+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Z0, Z0, Z0

rgloop:
	CMPQ    CX, $16
	JLT     rgtail
	VCMPPS  $0x1d, (SI), Z0, K1 // 0 ≥ v, ordered (GE_OQ)
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     rgloop

rgtail:
	TESTQ     CX, CX
	JZ        rgdone
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z1
	VCMPPS    $2, Z0, Z1, K2, K1
	VMOVUPS   Z0, K1, (DI)

rgdone:
	VZEROUPPER
	RET

// func mulAVX512(dst, a, b *float32, n int)
// Twin: mulGo: dst[i] = a[i]·b[i].
TEXT ·mulAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX

mulloop:
	CMPQ    CX, $16
	JLT     multail
	VMOVUPS (SI), Z0
	VMULPS  (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     mulloop

multail:
	TESTQ     CX, CX
	JZ        muldone
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z (DX), K2, Z1
	VMULPS    Z1, Z0, Z0
	VMOVUPS   Z0, K2, (DI)

muldone:
	VZEROUPPER
	RET

// func gateBackwardAVX512(da, db, dz, th, sg *float32, n int)
// Twin: gateBackwardGo: with q = dz·sg·th,
// da = dz·sg − q·th = dz·sg·(1 − th²) and db = q − q·sg = dz·th·sg·(1 − sg).
TEXT ·gateBackwardAVX512(SB), NOSPLIT, $0-48
	MOVQ da+0(FP), DI
	MOVQ db+8(FP), R8
	MOVQ dz+16(FP), SI
	MOVQ th+24(FP), DX
	MOVQ sg+32(FP), R9
	MOVQ n+40(FP), CX
	MOVQ $0xffff, AX
	KMOVW AX, K2

gbloop:
	CMPQ CX, $16
	JGE  gbbody
	TESTQ CX, CX
	JZ    gbdone
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K2
	MOVQ  $16, CX

gbbody:
	VMOVUPS.Z    (SI), K2, Z0 // dz
	VMOVUPS.Z    (DX), K2, Z1 // th
	VMOVUPS.Z    (R9), K2, Z2 // sg
	VMULPS       Z2, Z0, Z3   // p = dz·sg
	VMULPS       Z1, Z3, Z4   // q = p·th
	VMOVAPS      Z3, Z5
	VFNMADD231PS Z1, Z4, Z5   // da = p − q·th
	VMOVAPS      Z4, Z6
	VFNMADD231PS Z2, Z4, Z6   // db = q − q·sg
	VMOVUPS      Z5, K2, (DI)
	VMOVUPS      Z6, K2, (R8)
	ADDQ         $64, SI
	ADDQ         $64, DX
	ADDQ         $64, R9
	ADDQ         $64, DI
	ADDQ         $64, R8
	SUBQ         $16, CX
	JMP          gbloop

gbdone:
	VZEROUPPER
	RET
