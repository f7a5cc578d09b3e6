// Package shaders holds nnlab's WGSL compute kernels, one file per device
// operation of package gpu (see gpu.Device for the reference loop of each).
//
// Every kernel reads its sizes and scalars from a uniform struct at
// @group(0) @binding(0), bound with a dynamic offset so that one uniform
// buffer serves every dispatch of a submit, and its buffers from
// @binding(1) on, and runs from the entry point main. Source prepends
// common.wgsl (shared helpers) to a kernel. The device prepends the
// constants of package gpu's enumerations (see Header), and to matmul.wgsl
// the tile's constants (see MatMulHeader).
//
// The kernels that may run in place have a second entry point: see InPlace.
// No kernel's text is edited at run time.
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

// Alias names two storage bindings of a kernel: input In may be bound to the
// very range of output Out.
type Alias struct{ In, Out int }

// InPlace lists the kernels that may run with an input that is an output
// (gpu.Device's "y may be x"). WebGPU forbids binding one range twice when
// one of the bindings is writable, so each has an entry point
// main_in_place that reads the output instead and leaves the input's
// binding unused: a device runs it with that binding left out.
var InPlace = map[string]Alias{
	"activate":      {In: 2, Out: 1}, // y = f(y)
	"activate_grad": {In: 2, Out: 1}, // dy = dy*f'(y)
	"softmax":       {In: 2, Out: 1},
	"softmax_grad":  {In: 2, Out: 1},
	"dropout":       {In: 2, Out: 1}, // Dropout and DropoutGrad
}

// InPlaceEntry is the entry point of a kernel of InPlace run in place.
const InPlaceEntry = "main_in_place"

// Const is a constant that Go defines and kernels name: one of package gpu's
// enumerations (activations, loss kinds, optimizers, metric slots), which
// the device declares to every kernel with Header so that no shader repeats
// its value.
type Const struct {
	Name  string
	Value int
}

// Header returns WGSL declarations of cs as u32 constants.
func Header(cs []Const) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "const %s: u32 = %du;\n", c.Name, c.Value)
	}
	return b.String()
}

// The flags of a matmul.wgsl product (MatMulTile.Flags): its layout and its
// epilogue. MatMulHeader declares them to the kernel under the names of
// matMulFlags; matmul.wgsl describes them.
const (
	MatMulAcc      = 1 << 0
	MatMulTransA   = 1 << 1
	MatMulTransB   = 1 << 2
	MatMulVecA     = 1 << 3
	MatMulVecB     = 1 << 4
	MatMulVecC     = 1 << 5
	MatMulBias     = 1 << 6
	MatMulOnes     = 1 << 7
	MatMulActShift = 8 // bits 8-10 hold the epilogue's activation, a gpu.Act
	MatMulActMask  = 7
	MatMulActGrad  = 1 << 11
	MatMulIm2col   = 1 << 12
)

var matMulFlags = []Const{
	{"ACC", MatMulAcc}, {"TRANS_A", MatMulTransA}, {"TRANS_B", MatMulTransB},
	{"VEC_A", MatMulVecA}, {"VEC_B", MatMulVecB}, {"VEC_C", MatMulVecC},
	{"BIAS", MatMulBias}, {"ONES", MatMulOnes},
	{"ACT_SHIFT", MatMulActShift}, {"ACT_MASK", MatMulActMask},
	{"ACT_GRAD", MatMulActGrad}, {"IM2COL", MatMulIm2col},
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

// MatMulHeader returns the WGSL constants that specialize matmul.wgsl to a
// tile, after its flags' names.
func MatMulHeader(t MatMulTile) string {
	var b strings.Builder
	b.WriteString(Header(matMulFlags))
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
