#include "textflag.h"

// Lanes 0-7, the channel offsets within a register.
DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $32

// func poolMax8(m, v *float32, n int)
//
// m[i] = v[i] > m[i] ? v[i] : m[i] for i < n, a multiple of 8: MAXPS keeps
// its second operand when the first is not greater, NaN included, which is
// the reference's "if v > m { m = v }".
TEXT ·poolMax8(SB), NOSPLIT, $0-24
	MOVQ m+0(FP), DI
	MOVQ v+8(FP), DX
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  done

loop:
	VMOVUPS (DX), Y0
	VMAXPS  (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

// func poolArgmax8(m *float32, best *int32, v *float32, at, n int)
//
// For i < n, a multiple of 8: where v[i] > m[i], m[i] = v[i] and best[i] =
// at+i; elsewhere both stay. A window's first maximum is kept, as in the
// reference.
TEXT ·poolArgmax8(SB), NOSPLIT, $0-40
	MOVQ         m+0(FP), DI
	MOVQ         best+8(FP), SI
	MOVQ         v+16(FP), DX
	MOVQ         at+24(FP), AX
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JEQ          done
	MOVQ         AX, X0
	VPBROADCASTD X0, Y0
	VPADDD       lanes<>(SB), Y0, Y0
	MOVL         $8, BX
	MOVQ         BX, X1
	VPBROADCASTD X1, Y1

loop:
	VMOVUPS   (DX), Y2
	VMOVUPS   (DI), Y3
	VCMPPS    $0x1e, Y3, Y2, Y4
	VMAXPS    Y3, Y2, Y5
	VMOVUPS   Y5, (DI)
	VMOVDQU   (SI), Y6
	VBLENDVPS Y4, Y0, Y6, Y6
	VMOVDQU   Y6, (SI)
	VPADDD    Y1, Y0, Y0
	ADDQ      $32, DX
	ADDQ      $32, DI
	ADDQ      $32, SI
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET

// func reluGrad8(dx, dy, y *float32, n int)
//
// dx[i] = y[i] > 0 ? dy[i] : 0 for i < n, a multiple of 8: the compare's
// mask ANDed with dy, a NaN in y giving 0 as in the reference.
TEXT ·reluGrad8(SB), NOSPLIT, $0-32
	MOVQ   dx+0(FP), DI
	MOVQ   dy+8(FP), SI
	MOVQ   y+16(FP), DX
	MOVQ   n+24(FP), CX
	SHRQ   $3, CX
	JEQ    done
	VXORPS Y0, Y0, Y0

loop:
	VMOVUPS (DX), Y1
	VCMPPS  $0x1e, Y0, Y1, Y2
	VANDPS  (SI), Y2, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, DX
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
