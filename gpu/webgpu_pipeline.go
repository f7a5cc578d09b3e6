//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cogentcore/webgpu/wgpu"

	"nnlab/shaders"
)

// kernelKey names a pipeline: a shader file, its matmul tile, and
// whether its read-only storage bindings were made read_write so that a
// buffer may be bound both as an input and as an output.
type kernelKey struct {
	name string
	mm   shaders.MatMulTile
	rw   bool
	// same[j] = i+1 when storage binding j+1, an input, is bound to the very
	// range of binding i+1, an output: an operation in place, which the
	// kernel runs without binding j+1 (WebGPU forbids overlapping bindings
	// when one is writable).
	same [maxBindings]int8
}

type kernel struct {
	key    kernelKey
	pipe   *wgpu.ComputePipeline
	layout *bgLayout
	err    error
}

// bgLayout is a bind group layout (and the pipeline layout of its one group):
// a dynamic-offset uniform at binding 0 and storage buffers from binding 1.
type bgLayout struct {
	bgl      *wgpu.BindGroupLayout
	pl       *wgpu.PipelineLayout
	writable []bool // per storage binding
}

var storageDecl = regexp.MustCompile(`@binding\((\d+)\)\s*var<storage,\s*(read_write|read)>`)

// source returns the WGSL of a kernel.
func kernelSource(key kernelKey) (string, error) {
	src, err := shaders.Source(key.name)
	if err != nil {
		return "", err
	}
	if key.name == "matmul" {
		src = shaders.MatMulHeader(key.mm) + src
	}
	// In place: drop the declaration of each input that is an output's very
	// range, read the output instead, and renumber the later bindings.
	for j := maxBindings; j >= 1; j-- {
		i := int(key.same[j-1])
		if i == 0 {
			continue
		}
		from, to := bindingName(src, j), bindingName(src, i)
		if from == "" || to == "" {
			return "", fmt.Errorf("gpu: WebGPU kernel %s: no bindings %d and %d to run in place", key.name, i, j)
		}
		src = regexp.MustCompile(`(?m)^.*@binding\(`+fmt.Sprint(j)+`\).*\n`).ReplaceAllString(src, "")
		src = regexp.MustCompile(`(^|[^.\w])`+from+`\b`).ReplaceAllString(src, "${1}"+to)
		src = bindingNum.ReplaceAllStringFunc(src, func(b string) string {
			var n int
			fmt.Sscanf(b, "@binding(%d)", &n)
			if n > j {
				n--
			}
			return fmt.Sprintf("@binding(%d)", n)
		})
	}
	if key.rw {
		src = strings.ReplaceAll(src, "var<storage, read>", "var<storage, read_write>")
	}
	return src, nil
}

var bindingNum = regexp.MustCompile(`@binding\(\d+\)`)

// bindingName returns the name of the variable at @binding(n) in src.
func bindingName(src string, n int) string {
	m := regexp.MustCompile(`@binding\(` + fmt.Sprint(n) + `\)\s*var<[^>]*>\s*(\w+)`).FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	return m[1]
}

// kernel returns the pipeline of key, compiling it on first use. A kernel that
// fails to compile is not retried, and every operation that uses it fails with
// its error (the next Sync or Read reports it): none is skipped silently.
func (d *WebGPU) kernel(key kernelKey) *kernel {
	if k, ok := d.kernels[key]; ok {
		if k.err != nil {
			d.fail(k.err)
		}
		return k
	}
	k := &kernel{key: key}
	d.kernels[key] = k
	src, err := kernelSource(key)
	if err == nil {
		t0 := time.Now()
		err = d.compile(k, src)
		d.stats.CompileSeconds += time.Since(t0).Seconds()
	}
	if err != nil {
		k.err = err
		d.fail(err)
	}
	return k
}

// kernelName names a pipeline in errors and logs: matmul with its tile and
// flags.
func kernelName(key kernelKey) string {
	name := key.name
	if name == "matmul" {
		c := key.mm
		name = fmt.Sprintf("matmul(%dx%dx%d, flags %#x)", c.TM, c.TN, c.BK, c.Flags)
		if c.Uniform {
			name = fmt.Sprintf("matmul(%dx%dx%d, flags uniform)", c.TM, c.TN, c.BK)
		}
	}
	if key.rw {
		name += "(read_write)"
	}
	return name
}

// compile builds the pipeline of k from WGSL source src.
func (d *WebGPU) compile(k *kernel, src string) error {
	name := kernelName(k.key)
	var writable []bool
	for _, m := range storageDecl.FindAllStringSubmatch(src, -1) {
		var i int
		fmt.Sscan(m[1], &i)
		if i != len(writable)+1 {
			return fmt.Errorf("gpu: WebGPU kernel %s: storage bindings must be numbered 1, 2, ... in order", name)
		}
		writable = append(writable, m[2] == "read_write")
	}
	layout, err := d.layout(writable)
	if err != nil {
		return fmt.Errorf("gpu: WebGPU kernel %s: %w", name, err)
	}
	k.layout = layout
	err = d.scoped(func() error {
		mod, err := d.dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{
			Label:          name,
			WGSLDescriptor: &wgpu.ShaderModuleWGSLDescriptor{Code: src},
		})
		if err != nil {
			return err
		}
		defer mod.Release()
		k.pipe, err = d.dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{
			Layout:  layout.pl,
			Compute: wgpu.ProgrammableStageDescriptor{Module: mod, EntryPoint: "main"},
		})
		return err
	})
	if err != nil {
		k.pipe = nil
		return fmt.Errorf("gpu: WebGPU kernel %s: %w", name, err)
	}
	d.stats.Pipelines++
	return nil
}

func (d *WebGPU) layout(writable []bool) (*bgLayout, error) {
	sig := fmt.Sprint(writable)
	if l, ok := d.layouts[sig]; ok {
		return l, nil
	}
	ents := []wgpu.BindGroupLayoutEntry{{
		Binding: 0, Visibility: wgpu.ShaderStageCompute,
		Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingTypeUniform, HasDynamicOffset: true, MinBindingSize: ringSlot},
	}}
	for i, w := range writable {
		t := wgpu.BufferBindingTypeReadOnlyStorage
		if w {
			t = wgpu.BufferBindingTypeStorage
		}
		ents = append(ents, wgpu.BindGroupLayoutEntry{
			Binding: uint32(i + 1), Visibility: wgpu.ShaderStageCompute,
			Buffer: wgpu.BufferBindingLayout{Type: t},
		})
	}
	l := &bgLayout{writable: writable}
	err := d.scoped(func() error {
		var err error
		l.bgl, err = d.dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Entries: ents})
		if err != nil {
			return err
		}
		l.pl, err = d.dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{BindGroupLayouts: []*wgpu.BindGroupLayout{l.bgl}})
		return err
	})
	if err != nil {
		return nil, err
	}
	d.layouts[sig] = l
	return l, nil
}
