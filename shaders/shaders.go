// Package shaders holds nnlab's WGSL compute kernels, one file per device
// operation of package gpu (see gpu.Device for the reference loop of each).
//
// Every kernel reads its sizes and scalars from a uniform struct at
// @group(0) @binding(0), bound with a dynamic offset so that one uniform
// buffer serves every dispatch of a submit, and its buffers from
// @binding(1) on. Source prepends common.wgsl (shared helpers) to a kernel.
// matmul.wgsl is also specialized by the tile's constants, which the device
// prepends: see MatMulHeader.
package shaders

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed *.wgsl
var files embed.FS

// Source returns the WGSL text of kernel name (a file name without .wgsl),
// with common.wgsl prepended.
func Source(name string) (string, error) {
	common, err := files.ReadFile("common.wgsl")
	if err != nil {
		return "", err
	}
	b, err := files.ReadFile(name + ".wgsl")
	if err != nil {
		return "", fmt.Errorf("shaders: no kernel %q", name)
	}
	return string(common) + "\n" + string(b), nil
}

// MatMulTile selects the tile of matmul.wgsl: a workgroup of 256
// invocations computes a (16*TM) x (16*TN) tile of C, each invocation TM x TN
// outputs, in k steps of BK. Flags are the product's layout and epilogue bits
// (see matmul.wgsl) and Conv, with the IM2COL flag, the convolution's geometry
// (ConvFields), all constants of its pipeline. With Uniform the kernel reads
// them from its parameters instead (one pipeline for every layout, for
// comparing the two).
type MatMulTile struct {
	TM, TN, BK, Flags int
	Conv              [len(ConvFields)]int
	Uniform           bool
}

// ConvFields are the convolution geometry's fields in matmul.wgsl's Params,
// each read through a function g_<field>() that the header defines.
var ConvFields = [...]string{"h", "w", "c", "kh", "kw", "sh", "sw", "pad_t", "pad_l", "oh", "ow"}

// MatMulHeader returns the WGSL constants that specialize matmul.wgsl to a tile.
func MatMulHeader(t MatMulTile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "const TM: u32 = %du;\nconst TN: u32 = %du;\nconst BK: u32 = %du;\n", t.TM, t.TN, t.BK)
	if t.Uniform {
		b.WriteString("fn mm_flags() -> u32 { return p.flags; }\n")
	} else {
		fmt.Fprintf(&b, "fn mm_flags() -> u32 { return %du; }\n", t.Flags)
	}
	// The divisions by the geometry in the im2col indexing become
	// multiplications by constants.
	for i, f := range ConvFields {
		if t.Uniform {
			fmt.Fprintf(&b, "fn g_%s() -> i32 { return p.%s; }\n", f, f)
		} else {
			fmt.Fprintf(&b, "fn g_%s() -> i32 { return %d; }\n", f, t.Conv[i])
		}
	}
	return b.String()
}
