//go:build !noasm

#include "textflag.h"

// Constants; see act_generic.go for their meaning.
DATA gateK<>+0(SB)/4, $0x3fb8aa3b  // log2 e
DATA gateK<>+4(SB)/4, $0x3f318000  // ln2Hi
DATA gateK<>+8(SB)/4, $0xb95e8083  // ln2Lo
DATA gateK<>+12(SB)/4, $0x3f000000 // 1/2
DATA gateK<>+16(SB)/4, $0x3e2aaaab // 1/6
DATA gateK<>+20(SB)/4, $0x3d2aaaab // 1/24
DATA gateK<>+24(SB)/4, $0x3c088889 // 1/120
DATA gateK<>+28(SB)/4, $0x3ab60b61 // 1/720
DATA gateK<>+32(SB)/4, $0x39500d01 // 1/5040
DATA gateK<>+36(SB)/4, $0x3f800000 // 1
DATA gateK<>+40(SB)/4, $0x42b00000 // expHi 88
DATA gateK<>+44(SB)/4, $0xc2ae0000 // expLo -87
DATA gateK<>+48(SB)/4, $0x41100000 // tanhBig 9
DATA gateK<>+52(SB)/4, $0xc0000000 // -2
DATA gateK<>+56(SB)/4, $0x3f200000 // tanhKnee 0.625
DATA gateK<>+60(SB)/4, $0xbeaaaa93 // tanhT1
DATA gateK<>+64(SB)/4, $0x3e0882cf // tanhT2
DATA gateK<>+68(SB)/4, $0xbd5c0c50 // tanhT3
DATA gateK<>+72(SB)/4, $0x3ca8b845 // tanhT4
DATA gateK<>+76(SB)/4, $0xbbb99f94 // tanhT5
DATA gateK<>+80(SB)/4, $0x7fffffff // |x| mask
DATA gateK<>+84(SB)/4, $0x80000000 // sign mask
GLOBL gateK<>(SB), RODATA|NOPTR, $88

// LOADK fills Z10…Z31 with the constants above, in order.
#define LOADK \
	VBROADCASTSS gateK<>+0(SB), Z10;  \
	VBROADCASTSS gateK<>+4(SB), Z11;  \
	VBROADCASTSS gateK<>+8(SB), Z12;  \
	VBROADCASTSS gateK<>+12(SB), Z13; \
	VBROADCASTSS gateK<>+16(SB), Z14; \
	VBROADCASTSS gateK<>+20(SB), Z15; \
	VBROADCASTSS gateK<>+24(SB), Z16; \
	VBROADCASTSS gateK<>+28(SB), Z17; \
	VBROADCASTSS gateK<>+32(SB), Z18; \
	VBROADCASTSS gateK<>+36(SB), Z19; \
	VBROADCASTSS gateK<>+40(SB), Z20; \
	VBROADCASTSS gateK<>+44(SB), Z21; \
	VBROADCASTSS gateK<>+48(SB), Z22; \
	VBROADCASTSS gateK<>+52(SB), Z23; \
	VBROADCASTSS gateK<>+56(SB), Z24; \
	VBROADCASTSS gateK<>+60(SB), Z25; \
	VBROADCASTSS gateK<>+64(SB), Z26; \
	VBROADCASTSS gateK<>+68(SB), Z27; \
	VBROADCASTSS gateK<>+72(SB), Z28; \
	VBROADCASTSS gateK<>+76(SB), Z29; \
	VBROADCASTSS gateK<>+80(SB), Z30; \
	VBROADCASTSS gateK<>+84(SB), Z31

// EXP sets X = e^X for X already clamped to [expLo, expHi]; N and P are
// scratch. As exp32: 2^n·p(r), n = round(x·log2 e), r = x − n·ln2Hi − n·ln2Lo.
#define EXP(X, N, P) \
	VMULPS       Z10, X, N;  \
	VRNDSCALEPS  $0, N, N;   \
	VFNMADD231PS Z11, N, X;  \
	VFNMADD231PS Z12, N, X;  \
	VMOVAPS      Z18, P;     \
	VFMADD213PS  Z17, X, P;  \
	VFMADD213PS  Z16, X, P;  \
	VFMADD213PS  Z15, X, P;  \
	VFMADD213PS  Z14, X, P;  \
	VFMADD213PS  Z13, X, P;  \
	VFMADD213PS  Z19, X, P;  \
	VFMADD213PS  Z19, X, P;  \
	VSCALEFPS    N, P, X

// GATE computes, from a in Z0 and b in Z1: Z2 = tanh(a), Z3 = σ(b),
// Z4 = Z2·Z3, as tanh32 and sigmoid32 do. Scratch Z5…Z9, K1.
#define GATE \
	VXORPS      Z31, Z1, Z5;  \
	VMINPS      Z20, Z5, Z5;  \
	VMAXPS      Z21, Z5, Z5;  \
	EXP(Z5, Z6, Z7);          \
	VADDPS      Z19, Z5, Z5;  \
	VDIVPS      Z5, Z19, Z3;  \
	VANDPS      Z30, Z0, Z5;  \
	VCMPPS      $1, Z24, Z5, K1; \
	VMINPS      Z22, Z5, Z6;  \
	VMULPS      Z23, Z6, Z6;  \
	EXP(Z6, Z7, Z8);          \
	VSUBPS      Z6, Z19, Z7;  \
	VADDPS      Z19, Z6, Z8;  \
	VDIVPS      Z8, Z7, Z2;   \
	VANDPS      Z31, Z0, Z9;  \
	VORPS       Z9, Z2, Z2;   \
	VMULPS      Z0, Z0, Z7;   \
	VMOVAPS     Z29, Z8;      \
	VFMADD213PS Z28, Z7, Z8;  \
	VFMADD213PS Z27, Z7, Z8;  \
	VFMADD213PS Z26, Z7, Z8;  \
	VFMADD213PS Z25, Z7, Z8;  \
	VFMADD213PS Z19, Z7, Z8;  \
	VMULPS      Z0, Z8, Z8;   \
	VMOVAPS     Z8, K1, Z2;   \
	VMULPS      Z2, Z3, Z4

// func gateAVX512(z, th, sg, a, b *float32, n int)
// Twin: gateGo. th and sg may be nil.
TEXT ·gateAVX512(SB), NOSPLIT, $0-48
	MOVQ z+0(FP), DI
	MOVQ th+8(FP), R8
	MOVQ sg+16(FP), R9
	MOVQ a+24(FP), SI
	MOVQ b+32(FP), DX
	MOVQ n+40(FP), CX
	LOADK

gateloop:
	CMPQ    CX, $16
	JLT     gatetail
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	GATE
	VMOVUPS Z4, (DI)
	TESTQ   R8, R8
	JZ      gatenoth
	VMOVUPS Z2, (R8)
	ADDQ    $64, R8

gatenoth:
	TESTQ   R9, R9
	JZ      gatenosg
	VMOVUPS Z3, (R9)
	ADDQ    $64, R9

gatenosg:
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  gateloop

gatetail:
	TESTQ     CX, CX
	JZ        gatedone
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z (DX), K2, Z1
	GATE
	VMOVUPS   Z4, K2, (DI)
	TESTQ     R8, R8
	JZ        gatetailnoth
	VMOVUPS   Z2, K2, (R8)

gatetailnoth:
	TESTQ   R9, R9
	JZ      gatedone
	VMOVUPS Z3, K2, (R9)

gatedone:
	VZEROUPPER
	RET

// func expAVX512(dst, x *float32, n int)
// Twin: expGo.
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LOADK

exploop:
	CMPQ    CX, $16
	JLT     exptail
	VMOVUPS (SI), Z0
	VMINPS  Z20, Z0, Z0
	VMAXPS  Z21, Z0, Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     exploop

exptail:
	TESTQ     CX, CX
	JZ        expdone
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z0
	VMINPS    Z20, Z0, Z0
	VMAXPS    Z21, Z0, Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS   Z0, K2, (DI)

expdone:
	VZEROUPPER
	RET

// func gateRowsAVX512(z *float32, ldz int, ab *float32, ldab, rows, width int)
// Twin: gateRowsGo. Row r: z[r·ldz + j] = tanh(ab[r·ldab + j])·σ(ab[r·ldab + width + j]).
TEXT ·gateRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ z+0(FP), R8
	MOVQ ldz+8(FP), R10
	SHLQ $2, R10
	MOVQ ab+16(FP), R9
	MOVQ ldab+24(FP), R11
	SHLQ $2, R11
	MOVQ rows+32(FP), BX
	MOVQ width+40(FP), R12
	LOADK

growrow:
	TESTQ BX, BX
	JZ    growdone
	MOVQ  R8, DI
	MOVQ  R9, SI
	LEAQ  (R9)(R12*4), DX
	MOVQ  R12, CX

growloop:
	CMPQ    CX, $16
	JLT     growtail
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	GATE
	VMOVUPS Z4, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     growloop

growtail:
	TESTQ     CX, CX
	JZ        grownext
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K2
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z (DX), K2, Z1
	GATE
	VMOVUPS   Z4, K2, (DI)

grownext:
	ADDQ R10, R8
	ADDQ R11, R9
	DECQ BX
	JMP  growrow

growdone:
	VZEROUPPER
	RET

// The gate for CPUs with AVX2/FMA but not AVX-512: eight lanes, constants
// broadcast from gateK<> where they are used, 2^n built in the exponent
// bits as exp32 does. Whole vectors of eight only; the caller does the rest
// with the twin.

// BK broadcasts the constant at offset off of gateK<> into register r.
#define BK(off, r) VBROADCASTSS gateK<>+off(SB), r

// EXP2 sets X = e^X (X clamped already); N, P, T scratch. As exp32.
#define EXP2(X, N, P, T) \
	BK(0, T);                \
	VMULPS       T, X, N;    \
	VROUNDPS     $0, N, N;   \
	BK(4, T);                \
	VFNMADD231PS T, N, X;    \
	BK(8, T);                \
	VFNMADD231PS T, N, X;    \
	BK(32, P);               \
	BK(28, T);               \
	VFMADD213PS  T, X, P;    \
	BK(24, T);               \
	VFMADD213PS  T, X, P;    \
	BK(20, T);               \
	VFMADD213PS  T, X, P;    \
	BK(16, T);               \
	VFMADD213PS  T, X, P;    \
	BK(12, T);               \
	VFMADD213PS  T, X, P;    \
	BK(36, T);               \
	VFMADD213PS  T, X, P;    \
	VFMADD213PS  T, X, P;    \
	VCVTPS2DQ    N, N;       \
	VPSLLD       $23, N, N;  \
	VPADDD       gate2Bias<>(SB), N, N; \
	VMULPS       N, P, X

DATA gate2Bias<>+0(SB)/4, $0x3f800000
DATA gate2Bias<>+4(SB)/4, $0x3f800000
DATA gate2Bias<>+8(SB)/4, $0x3f800000
DATA gate2Bias<>+12(SB)/4, $0x3f800000
DATA gate2Bias<>+16(SB)/4, $0x3f800000
DATA gate2Bias<>+20(SB)/4, $0x3f800000
DATA gate2Bias<>+24(SB)/4, $0x3f800000
DATA gate2Bias<>+28(SB)/4, $0x3f800000
GLOBL gate2Bias<>(SB), RODATA|NOPTR, $32

// func gateAVX2(z, th, sg, a, b *float32, n int)
// Twin: gateGo, on n a multiple of 8. th and sg may be nil.
// Y0 a, Y1 b; Y2 tanh(a), Y3 σ(b), Y4 z; Y5…Y12 scratch.
TEXT ·gateAVX2(SB), NOSPLIT, $0-48
	MOVQ z+0(FP), DI
	MOVQ th+8(FP), R8
	MOVQ sg+16(FP), R9
	MOVQ a+24(FP), SI
	MOVQ b+32(FP), DX
	MOVQ n+40(FP), CX

g2loop:
	CMPQ    CX, $8
	JLT     g2done
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1

	// σ(b) = 1/(1 + e^{−b}), −b clamped to [expLo, expHi].
	BK(84, Y12)
	VXORPS Y12, Y1, Y5
	BK(40, Y12)
	VMINPS Y12, Y5, Y5
	BK(44, Y12)
	VMAXPS Y12, Y5, Y5
	EXP2(Y5, Y6, Y7, Y12)
	BK(36, Y12)
	VADDPS Y12, Y5, Y5
	VDIVPS Y5, Y12, Y3

	// tanh(a): 1 − 2/(1 + e^{2|a|}) as (1 − e)/(1 + e), e = e^{−2·min(|a|, 9)},
	// with a's sign; the odd polynomial below the knee.
	BK(80, Y12)
	VANDPS Y12, Y0, Y5 // |a|
	BK(48, Y12)
	VMINPS Y12, Y5, Y6
	BK(52, Y12)
	VMULPS Y12, Y6, Y6
	EXP2(Y6, Y7, Y8, Y12)
	BK(36, Y12)
	VSUBPS Y6, Y12, Y7
	VADDPS Y12, Y6, Y8
	VDIVPS Y8, Y7, Y2
	BK(84, Y12)
	VANDPS Y12, Y0, Y9
	VORPS  Y9, Y2, Y2

	VMULPS      Y0, Y0, Y7 // u = a²
	BK(76, Y8)
	BK(72, Y12)
	VFMADD213PS Y12, Y7, Y8
	BK(68, Y12)
	VFMADD213PS Y12, Y7, Y8
	BK(64, Y12)
	VFMADD213PS Y12, Y7, Y8
	BK(60, Y12)
	VFMADD213PS Y12, Y7, Y8
	BK(36, Y12)
	VFMADD213PS Y12, Y7, Y8
	VMULPS      Y0, Y8, Y8 // a·P(u)

	BK(56, Y12)
	VCMPPS    $1, Y12, Y5, Y10 // |a| < knee
	VBLENDVPS Y10, Y8, Y2, Y2

	VMULPS  Y2, Y3, Y4
	VMOVUPS Y4, (DI)
	TESTQ   R8, R8
	JZ      g2noth
	VMOVUPS Y2, (R8)
	ADDQ    $32, R8

g2noth:
	TESTQ   R9, R9
	JZ      g2nosg
	VMOVUPS Y3, (R9)
	ADDQ    $32, R9

g2nosg:
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  g2loop

g2done:
	VZEROUPPER
	RET

// func expAVX2(dst, x *float32, n int)
// Twin: expGo, on n a multiple of 8: x clamped to [expLo, expHi] (MINPS,
// then MAXPS), then EXP2.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   e2done

e2loop:
	VMOVUPS (SI), Y0
	BK(40, Y12)
	VMINPS  Y12, Y0, Y0
	BK(44, Y12)
	VMAXPS  Y12, Y0, Y0
	EXP2(Y0, Y1, Y2, Y12)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     e2loop

e2done:
	VZEROUPPER
	RET
