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

// The AVX2 kernels: eight lanes, the same operations as the AVX-512 ones
// and the twins (2^n built in the exponent bits, which is VSCALEFPS's
// exact product here). The constants are whole vectors in gate8<>, used as
// memory operands (K8(i) is constant i, in gateK<>'s order), which leaves
// the 16 registers to the arithmetic. Whole vectors of eight only; the
// caller does the rest with the twin.

DATA gate8<>+0(SB)/8, $0x3fb8aa3b3fb8aa3b // 0: log2e
DATA gate8<>+8(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA gate8<>+16(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA gate8<>+24(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA gate8<>+32(SB)/8, $0x3f3180003f318000 // 1: ln2Hi
DATA gate8<>+40(SB)/8, $0x3f3180003f318000
DATA gate8<>+48(SB)/8, $0x3f3180003f318000
DATA gate8<>+56(SB)/8, $0x3f3180003f318000
DATA gate8<>+64(SB)/8, $0xb95e8083b95e8083 // 2: ln2Lo
DATA gate8<>+72(SB)/8, $0xb95e8083b95e8083
DATA gate8<>+80(SB)/8, $0xb95e8083b95e8083
DATA gate8<>+88(SB)/8, $0xb95e8083b95e8083
DATA gate8<>+96(SB)/8, $0x3f0000003f000000 // 3: 1/2
DATA gate8<>+104(SB)/8, $0x3f0000003f000000
DATA gate8<>+112(SB)/8, $0x3f0000003f000000
DATA gate8<>+120(SB)/8, $0x3f0000003f000000
DATA gate8<>+128(SB)/8, $0x3e2aaaab3e2aaaab // 4: 1/6
DATA gate8<>+136(SB)/8, $0x3e2aaaab3e2aaaab
DATA gate8<>+144(SB)/8, $0x3e2aaaab3e2aaaab
DATA gate8<>+152(SB)/8, $0x3e2aaaab3e2aaaab
DATA gate8<>+160(SB)/8, $0x3d2aaaab3d2aaaab // 5: 1/24
DATA gate8<>+168(SB)/8, $0x3d2aaaab3d2aaaab
DATA gate8<>+176(SB)/8, $0x3d2aaaab3d2aaaab
DATA gate8<>+184(SB)/8, $0x3d2aaaab3d2aaaab
DATA gate8<>+192(SB)/8, $0x3c0888893c088889 // 6: 1/120
DATA gate8<>+200(SB)/8, $0x3c0888893c088889
DATA gate8<>+208(SB)/8, $0x3c0888893c088889
DATA gate8<>+216(SB)/8, $0x3c0888893c088889
DATA gate8<>+224(SB)/8, $0x3ab60b613ab60b61 // 7: 1/720
DATA gate8<>+232(SB)/8, $0x3ab60b613ab60b61
DATA gate8<>+240(SB)/8, $0x3ab60b613ab60b61
DATA gate8<>+248(SB)/8, $0x3ab60b613ab60b61
DATA gate8<>+256(SB)/8, $0x39500d0139500d01 // 8: 1/5040
DATA gate8<>+264(SB)/8, $0x39500d0139500d01
DATA gate8<>+272(SB)/8, $0x39500d0139500d01
DATA gate8<>+280(SB)/8, $0x39500d0139500d01
DATA gate8<>+288(SB)/8, $0x3f8000003f800000 // 9: 1 (and 127 << 23, the exponent bias)
DATA gate8<>+296(SB)/8, $0x3f8000003f800000
DATA gate8<>+304(SB)/8, $0x3f8000003f800000
DATA gate8<>+312(SB)/8, $0x3f8000003f800000
DATA gate8<>+320(SB)/8, $0x42b0000042b00000 // 10: expHi 88
DATA gate8<>+328(SB)/8, $0x42b0000042b00000
DATA gate8<>+336(SB)/8, $0x42b0000042b00000
DATA gate8<>+344(SB)/8, $0x42b0000042b00000
DATA gate8<>+352(SB)/8, $0xc2ae0000c2ae0000 // 11: expLo -87
DATA gate8<>+360(SB)/8, $0xc2ae0000c2ae0000
DATA gate8<>+368(SB)/8, $0xc2ae0000c2ae0000
DATA gate8<>+376(SB)/8, $0xc2ae0000c2ae0000
DATA gate8<>+384(SB)/8, $0x4110000041100000 // 12: tanhBig 9
DATA gate8<>+392(SB)/8, $0x4110000041100000
DATA gate8<>+400(SB)/8, $0x4110000041100000
DATA gate8<>+408(SB)/8, $0x4110000041100000
DATA gate8<>+416(SB)/8, $0xc0000000c0000000 // 13: -2
DATA gate8<>+424(SB)/8, $0xc0000000c0000000
DATA gate8<>+432(SB)/8, $0xc0000000c0000000
DATA gate8<>+440(SB)/8, $0xc0000000c0000000
DATA gate8<>+448(SB)/8, $0x3f2000003f200000 // 14: tanhKnee 0.625
DATA gate8<>+456(SB)/8, $0x3f2000003f200000
DATA gate8<>+464(SB)/8, $0x3f2000003f200000
DATA gate8<>+472(SB)/8, $0x3f2000003f200000
DATA gate8<>+480(SB)/8, $0xbeaaaa93beaaaa93 // 15: tanhT1
DATA gate8<>+488(SB)/8, $0xbeaaaa93beaaaa93
DATA gate8<>+496(SB)/8, $0xbeaaaa93beaaaa93
DATA gate8<>+504(SB)/8, $0xbeaaaa93beaaaa93
DATA gate8<>+512(SB)/8, $0x3e0882cf3e0882cf // 16: tanhT2
DATA gate8<>+520(SB)/8, $0x3e0882cf3e0882cf
DATA gate8<>+528(SB)/8, $0x3e0882cf3e0882cf
DATA gate8<>+536(SB)/8, $0x3e0882cf3e0882cf
DATA gate8<>+544(SB)/8, $0xbd5c0c50bd5c0c50 // 17: tanhT3
DATA gate8<>+552(SB)/8, $0xbd5c0c50bd5c0c50
DATA gate8<>+560(SB)/8, $0xbd5c0c50bd5c0c50
DATA gate8<>+568(SB)/8, $0xbd5c0c50bd5c0c50
DATA gate8<>+576(SB)/8, $0x3ca8b8453ca8b845 // 18: tanhT4
DATA gate8<>+584(SB)/8, $0x3ca8b8453ca8b845
DATA gate8<>+592(SB)/8, $0x3ca8b8453ca8b845
DATA gate8<>+600(SB)/8, $0x3ca8b8453ca8b845
DATA gate8<>+608(SB)/8, $0xbbb99f94bbb99f94 // 19: tanhT5
DATA gate8<>+616(SB)/8, $0xbbb99f94bbb99f94
DATA gate8<>+624(SB)/8, $0xbbb99f94bbb99f94
DATA gate8<>+632(SB)/8, $0xbbb99f94bbb99f94
DATA gate8<>+640(SB)/8, $0x7fffffff7fffffff // 20: |x| mask
DATA gate8<>+648(SB)/8, $0x7fffffff7fffffff
DATA gate8<>+656(SB)/8, $0x7fffffff7fffffff
DATA gate8<>+664(SB)/8, $0x7fffffff7fffffff
DATA gate8<>+672(SB)/8, $0x8000000080000000 // 21: sign mask
DATA gate8<>+680(SB)/8, $0x8000000080000000
DATA gate8<>+688(SB)/8, $0x8000000080000000
DATA gate8<>+696(SB)/8, $0x8000000080000000
GLOBL gate8<>(SB), RODATA|NOPTR, $704

#define K8(i) gate8<>+(i*32)(SB)

// EXP8 sets X = e^X for X clamped already; N and P are scratch. As
// expCore: n = round(x·log2e), r = x − n·ln2Hi − n·ln2Lo (fused), the
// Horner steps fused, then p·2^n.
#define EXP8(X, N, P) \
	VMULPS       K8(0), X, N;  \
	VROUNDPS     $0, N, N;     \
	VFNMADD231PS K8(1), N, X;  \
	VFNMADD231PS K8(2), N, X;  \
	VMOVUPS      K8(8), P;     \
	VFMADD213PS  K8(7), X, P;  \
	VFMADD213PS  K8(6), X, P;  \
	VFMADD213PS  K8(5), X, P;  \
	VFMADD213PS  K8(4), X, P;  \
	VFMADD213PS  K8(3), X, P;  \
	VFMADD213PS  K8(9), X, P;  \
	VFMADD213PS  K8(9), X, P;  \
	VCVTPS2DQ    N, N;         \
	VPSLLD       $23, N, N;    \
	VPADDD       K8(9), N, N;  \
	VMULPS       N, P, X

// GATE8 computes, from a in Y0 and b in Y1: Y2 = tanh(a), Y3 = σ(b),
// Y4 = Y2·Y3, as tanh32 and sigmoid32 do. Scratch Y5…Y15.
//
// Its three chains, σ's exponential (Y5…Y7), tanh's exponential (Y8…Y10,
// |a| in Y11) and tanh's polynomial (Y12, Y13), are independent and long;
// their instructions are interleaved so that the scheduler holds ready
// work from all three rather than one chain waiting on its last result
// (each chain runs exactly the operations of sigmoid32 and tanh32, in their
// order: the same bits). One chain after another ran at about 40 cycles
// per 8 values on Zen 3.
#define GATE8 \
	VXORPS       K8(21), Y1, Y5;   \
	VANDPS       K8(20), Y0, Y11;  \
	VMULPS       Y0, Y0, Y12;      \
	VMINPS       K8(10), Y5, Y5;   \
	VMINPS       K8(12), Y11, Y8;  \
	VMOVUPS      K8(19), Y13;      \
	VMAXPS       K8(11), Y5, Y5;   \
	VMULPS       K8(13), Y8, Y8;   \
	VFMADD213PS  K8(18), Y12, Y13; \
	VMULPS       K8(0), Y5, Y6;    \
	VMULPS       K8(0), Y8, Y9;    \
	VFMADD213PS  K8(17), Y12, Y13; \
	VROUNDPS     $0, Y6, Y6;       \
	VROUNDPS     $0, Y9, Y9;       \
	VFMADD213PS  K8(16), Y12, Y13; \
	VFNMADD231PS K8(1), Y6, Y5;    \
	VFNMADD231PS K8(1), Y9, Y8;    \
	VFMADD213PS  K8(15), Y12, Y13; \
	VFNMADD231PS K8(2), Y6, Y5;    \
	VFNMADD231PS K8(2), Y9, Y8;    \
	VFMADD213PS  K8(9), Y12, Y13;  \
	VMOVUPS      K8(8), Y7;        \
	VMOVUPS      K8(8), Y10;       \
	VMULPS       Y0, Y13, Y13;     \
	VFMADD213PS  K8(7), Y5, Y7;    \
	VFMADD213PS  K8(7), Y8, Y10;   \
	VCMPPS       $1, K8(14), Y11, Y11; \
	VFMADD213PS  K8(6), Y5, Y7;    \
	VFMADD213PS  K8(6), Y8, Y10;   \
	VCVTPS2DQ    Y6, Y6;           \
	VFMADD213PS  K8(5), Y5, Y7;    \
	VFMADD213PS  K8(5), Y8, Y10;   \
	VCVTPS2DQ    Y9, Y9;           \
	VFMADD213PS  K8(4), Y5, Y7;    \
	VFMADD213PS  K8(4), Y8, Y10;   \
	VPSLLD       $23, Y6, Y6;      \
	VFMADD213PS  K8(3), Y5, Y7;    \
	VFMADD213PS  K8(3), Y8, Y10;   \
	VPSLLD       $23, Y9, Y9;      \
	VFMADD213PS  K8(9), Y5, Y7;    \
	VFMADD213PS  K8(9), Y8, Y10;   \
	VPADDD       K8(9), Y6, Y6;    \
	VFMADD213PS  K8(9), Y5, Y7;    \
	VFMADD213PS  K8(9), Y8, Y10;   \
	VPADDD       K8(9), Y9, Y9;    \
	VMULPS       Y6, Y7, Y5;       \
	VMULPS       Y9, Y10, Y8;      \
	VMOVUPS      K8(9), Y3;        \
	VMOVUPS      K8(9), Y9;        \
	VADDPS       K8(9), Y5, Y5;    \
	VSUBPS       Y8, Y9, Y10;      \
	VADDPS       Y9, Y8, Y6;       \
	VANDPS       K8(21), Y0, Y15;  \
	VDIVPS       Y5, Y3, Y3;       \
	VDIVPS       Y6, Y10, Y2;      \
	VORPS        Y15, Y2, Y2;      \
	VBLENDVPS    Y11, Y13, Y2, Y2; \
	VMULPS       Y2, Y3, Y4

// func gateAVX2(z, th, sg, a, b *float32, n int)
// Twin: gateGo, on n a multiple of 8. th and sg may be nil.
TEXT ·gateAVX2(SB), NOSPLIT, $0-48
	MOVQ z+0(FP), DI
	MOVQ th+8(FP), R8
	MOVQ sg+16(FP), R9
	MOVQ a+24(FP), SI
	MOVQ b+32(FP), DX
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   g2done

g2loop:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	GATE8
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
	DECQ CX
	JNZ  g2loop

g2done:
	VZEROUPPER
	RET

// func expAVX2(dst, x *float32, n int)
// Twin: expGo, on n a multiple of 8: x clamped to [expLo, expHi] (MINPS,
// then MAXPS), then EXP8.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   e2done

e2loop:
	VMOVUPS (SI), Y0
	VMINPS  K8(10), Y0, Y0
	VMAXPS  K8(11), Y0, Y0
	EXP8(Y0, Y1, Y2)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     e2loop

e2done:
	VZEROUPPER
	RET

// func expSumAVX2(dst, x *float32, n int, shift, scale float32, lanes *[16]float32)
// Twin: expSumGo, on n a multiple of 16: dst[i] = exp32((x[i] − shift)·scale)
// and lanes[l] = Σ dst[i] over i ≡ l (mod 16), in order of i, from 0.
// Y4 holds lanes 0…7, Y5 lanes 8…15.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS shift+24(FP), Y14
	VBROADCASTSS scale+28(FP), Y15
	MOVQ         lanes+32(FP), DX
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5
	SHRQ         $4, CX
	JZ           esdone

esloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSUBPS  Y14, Y0, Y0
	VSUBPS  Y14, Y1, Y1
	VMULPS  Y15, Y0, Y0
	VMULPS  Y15, Y1, Y1
	VMINPS  K8(10), Y0, Y0
	VMINPS  K8(10), Y1, Y1
	VMAXPS  K8(11), Y0, Y0
	VMAXPS  K8(11), Y1, Y1
	EXP8(Y0, Y2, Y3)
	EXP8(Y1, Y6, Y7)
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VADDPS  Y0, Y4, Y4
	VADDPS  Y1, Y5, Y5
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     esloop

esdone:
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VZEROUPPER
	RET

// func gateRowsAVX2(z *float32, ldz int, ab *float32, ldab, rows, n8, boff int)
// GATE8 on each of rows rows: z[r·ldz + j] = tanh(ab[r·ldab + j])·
// σ(ab[r·ldab + boff + j]) for j < n8, a multiple of 8. Twin: gateRowsGo on
// the first n8 columns.
TEXT ·gateRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ ldz+8(FP), R10
	SHLQ $2, R10
	MOVQ ab+16(FP), SI
	MOVQ ldab+24(FP), R11
	SHLQ $2, R11
	MOVQ rows+32(FP), R12
	MOVQ boff+48(FP), R13
	SHLQ $2, R13
	TESTQ R12, R12
	JZ    grdone

grrow:
	MOVQ n8+40(FP), CX
	SHRQ $3, CX
	JZ   grdone
	MOVQ DI, R8
	MOVQ SI, AX
	LEAQ (SI)(R13*1), DX

grloop:
	VMOVUPS (AX), Y0
	VMOVUPS (DX), Y1
	GATE8
	VMOVUPS Y4, (R8)
	ADDQ    $32, AX
	ADDQ    $32, DX
	ADDQ    $32, R8
	DECQ    CX
	JNZ     grloop

	ADDQ R10, DI
	ADDQ R11, SI
	DECQ R12
	JNZ  grrow

grdone:
	VZEROUPPER
	RET
