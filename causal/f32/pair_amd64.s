//go:build !noasm

#include "textflag.h"

// func interleaveAVX2(dst, a, b *float32, n int)
// Twin: interleaveGo, n a positive multiple of 8.
TEXT ·interleaveAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX

illoop:
	VMOVUPS    (SI), Y0             // a0 … a7
	VMOVUPS    (DX), Y1             // b0 … b7
	VUNPCKLPS  Y1, Y0, Y2           // a0 b0 a1 b1 | a4 b4 a5 b5
	VUNPCKHPS  Y1, Y0, Y3           // a2 b2 a3 b3 | a6 b6 a7 b7
	VPERM2F128 $0x20, Y3, Y2, Y4    // a0 b0 … a3 b3
	VPERM2F128 $0x31, Y3, Y2, Y5    // a4 b4 … a7 b7
	VMOVUPS    Y4, (DI)
	VMOVUPS    Y5, 32(DI)
	ADDQ       $32, SI
	ADDQ       $32, DX
	ADDQ       $64, DI
	DECQ       CX
	JNZ        illoop
	VZEROUPPER
	RET

// func addDeinterleaveAVX2(a, b, src *float32, n int)
// Twin: addDeinterleaveGo, n a positive multiple of 8.
TEXT ·addDeinterleaveAVX2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $3, CX

adloop:
	VMOVUPS    (SI), Y0             // a0 b0 a1 b1 | a2 b2 a3 b3
	VMOVUPS    32(SI), Y1           // a4 b4 a5 b5 | a6 b6 a7 b7
	VPERM2F128 $0x20, Y1, Y0, Y2    // a0 b0 a1 b1 | a4 b4 a5 b5
	VPERM2F128 $0x31, Y1, Y0, Y3    // a2 b2 a3 b3 | a6 b6 a7 b7
	VSHUFPS    $0x88, Y3, Y2, Y4    // a0 … a7
	VSHUFPS    $0xDD, Y3, Y2, Y5    // b0 … b7
	VADDPS     (DI), Y4, Y4
	VADDPS     (DX), Y5, Y5
	VMOVUPS    Y4, (DI)
	VMOVUPS    Y5, (DX)
	ADDQ       $64, SI
	ADDQ       $32, DI
	ADDQ       $32, DX
	DECQ       CX
	JNZ        adloop
	VZEROUPPER
	RET
