package gpu

import (
	"fmt"
	"os"
	"strings"
)

// The CPU device's float32 products come in up to three builds, chosen when
// a device is made:
//
//   - "simd": the AVX2/FMA kernel (cpu_sgemm_amd64.go), on amd64 CPUs that
//     have both;
//   - "gonum": gonum's Sgemm (cpu_gonum.go), natively;
//   - "wasm-simd": in the browser, the WebAssembly SIMD kernel
//     (cpu_sgemm_wasm.go), where the engine has SIMD;
//   - "go": the portable Go loop (cpu_matmul.go), everywhere.
//
// The first available is the default. NNLAB_CPU_KERNELS names another, to
// measure one against the other (bench/run.sh) or to rule a kernel out.
// Float64 products (the gradient checks) always run the Go loop.

// sgemmFunc computes c (m, n) (+)= op(a)·op(b) in float32 for m, n, k > 0,
// on up to workers goroutines.
type sgemmFunc func(c, a, b []float32, m, k, n int, transA, transB, acc bool, workers int)

// CPUKernelNames lists the product kernels of this build and CPU, fastest
// first.
func CPUKernelNames() []string {
	var names []string
	if sgemmSIMD != nil {
		names = append(names, "simd")
	}
	if sgemmSIMDWasm != nil {
		names = append(names, "wasm-simd")
	}
	if sgemmGonum != nil {
		names = append(names, "gonum")
	}
	return append(names, "go")
}

func cpuKernel(name string) (sgemmFunc, error) {
	switch name {
	case "simd":
		if sgemmSIMD != nil {
			return sgemmSIMD, nil
		}
	case "gonum":
		if sgemmGonum != nil {
			return sgemmGonum, nil
		}
	case "wasm-simd":
		if sgemmSIMDWasm != nil {
			return sgemmSIMDWasm, nil
		}
	case "go":
		return nil, nil
	}
	return nil, fmt.Errorf("gpu: no CPU kernels %q in this build: choose one of %s", name, strings.Join(CPUKernelNames(), ", "))
}

// defaultCPUKernels is what a new CPU device computes its products with:
// NNLAB_CPU_KERNELS if it names one this build has, the fastest otherwise.
var defaultCPUKernels = func() string {
	names := CPUKernelNames()
	v := os.Getenv("NNLAB_CPU_KERNELS")
	if v == "" || v == "auto" {
		return names[0]
	}
	if _, err := cpuKernel(v); err != nil {
		fmt.Fprintf(os.Stderr, "%v (NNLAB_CPU_KERNELS); using %s\n", err, names[0])
		return names[0]
	}
	return v
}()
