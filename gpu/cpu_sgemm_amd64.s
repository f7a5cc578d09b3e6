#include "textflag.h"

// The 12 sums of a 6x16 kernel: Y0-Y11, two registers a row.
#define ZERO_SUMS \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// FMA_ROW adds the broadcast element of a row of A (at addr) times the row
// of B in Y12-Y13 to that row's sums.
#define FMA_ROW(addr, t, s0, s1) \
	VBROADCASTSS addr, t; \
	VFMADD231PS  Y12, t, s0; \
	VFMADD231PS  Y13, t, s1

// func sgemmKernel(kc int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32, ldc int, acc bool, bias *float32, relu bool)
//
// C[6x16] (+)= A·B over kc steps. Element (r, p) of A is at a + r*aRow +
// p*aStep floats: packed panels (aRow 1, aStep 6), rows of a in place (lda,
// 1) or of aᵀ in place (1, m). Row p of B's 16 columns is at b + p*bStep.
// Each of the 96 sums starts at zero and takes its kc products in order, one
// FMA each, whatever the layout; C is added once at the end. Y0-Y11 hold the
// sums, Y12-Y13 a row of B, Y14-Y15 the broadcast element of A.
//
// The epilogue, in the order of the separate passes it saves: C added (acc),
// then bias's 16 floats (unless nil) to each row, then relu as MAXPS(0, t)
// = 0 > t ? 0 : t, which is Go's max(t, 0): a NaN stays NaN, and t is never
// -0 (the sums start at +0, and x + -x is +0).
TEXT ·sgemmKernel(SB), NOSPLIT, $0-81
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ aRow+16(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (SI)(R9*4), R11
	MOVQ aStep+24(FP), R12
	SHLQ $2, R12
	MOVQ b+32(FP), DX
	MOVQ bStep+40(FP), R13
	SHLQ $2, R13
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	ZERO_SUMS
	TESTQ CX, CX
	JEQ   store

loop:
	VMOVUPS (DX), Y12
	VMOVUPS 32(DX), Y13
	FMA_ROW((SI), Y14, Y0, Y1)
	FMA_ROW((SI)(R9*1), Y15, Y2, Y3)
	FMA_ROW((SI)(R9*2), Y14, Y4, Y5)
	FMA_ROW((SI)(R10*1), Y15, Y6, Y7)
	FMA_ROW((R11), Y14, Y8, Y9)
	FMA_ROW((R11)(R9*1), Y15, Y10, Y11)
	ADDQ    R12, SI
	ADDQ    R12, R11
	ADDQ    R13, DX
	DECQ    CX
	JNZ     loop

store:
	MOVBLZX acc+64(FP), AX
	TESTQ   AX, AX
	JEQ     nocarry
	MOVQ    DI, BX
	VADDPS  (BX), Y0, Y0
	VADDPS  32(BX), Y1, Y1
	ADDQ    R8, BX
	VADDPS  (BX), Y2, Y2
	VADDPS  32(BX), Y3, Y3
	ADDQ    R8, BX
	VADDPS  (BX), Y4, Y4
	VADDPS  32(BX), Y5, Y5
	ADDQ    R8, BX
	VADDPS  (BX), Y6, Y6
	VADDPS  32(BX), Y7, Y7
	ADDQ    R8, BX
	VADDPS  (BX), Y8, Y8
	VADDPS  32(BX), Y9, Y9
	ADDQ    R8, BX
	VADDPS  (BX), Y10, Y10
	VADDPS  32(BX), Y11, Y11

nocarry:
	MOVQ    bias+72(FP), BX
	TESTQ   BX, BX
	JEQ     nobias
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
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

nobias:
	MOVBLZX relu+80(FP), AX
	TESTQ   AX, AX
	JEQ     put
	VXORPS  Y14, Y14, Y14
	VMAXPS  Y0, Y14, Y0
	VMAXPS  Y1, Y14, Y1
	VMAXPS  Y2, Y14, Y2
	VMAXPS  Y3, Y14, Y3
	VMAXPS  Y4, Y14, Y4
	VMAXPS  Y5, Y14, Y5
	VMAXPS  Y6, Y14, Y6
	VMAXPS  Y7, Y14, Y7
	VMAXPS  Y8, Y14, Y8
	VMAXPS  Y9, Y14, Y9
	VMAXPS  Y10, Y14, Y10
	VMAXPS  Y11, Y14, Y11

put:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y10, (DI)
	VMOVUPS Y11, 32(DI)
	VZEROUPPER
	RET

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() (eax, edx uint32)
TEXT ·xgetbv0(SB), NOSPLIT, $0-8
	MOVL   $0, CX
	XGETBV
	MOVL   AX, eax+0(FP)
	MOVL   DX, edx+4(FP)
	RET
