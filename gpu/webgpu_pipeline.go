//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"regexp"
	"time"

	"github.com/cogentcore/webgpu/wgpu"

	"nnlab/shaders"
)

// kernelKey names a pipeline: a shader file, its matmul tile, and whether it
// runs in place (the entry point shaders.InPlaceEntry, with the input that is
// an output left unbound: see shaders.InPlace).
type kernelKey struct {
	name    string
	mm      shaders.MatMulTile
	inPlace bool
}

type kernel struct {
	key    kernelKey
	pipe   *wgpu.ComputePipeline
	layout *bgLayout
	err    error
}

// bgLayout is a bind group layout (and the pipeline layout of its one group):
// a dynamic-offset uniform at binding 0 and storage buffers from binding 1,
// but for skip.
type bgLayout struct {
	bgl      *wgpu.BindGroupLayout
	pl       *wgpu.PipelineLayout
	writable []bool // per storage binding, as the kernel declares them
	skip     int    // the storage binding left out (in place), or 0
}

var storageDecl = regexp.MustCompile(`@binding\((\d+)\)\s*var<storage,\s*(read_write|read)>`)

// enums declares the device contract's enumerations to every kernel, under
// the names the shaders use: their values are defined once, here in Go.
var enums = shaders.Header([]shaders.Const{
	{Name: "ACT_LINEAR", Value: int(Linear)}, {Name: "ACT_RELU", Value: int(ReLU)},
	{Name: "ACT_SIGMOID", Value: int(Sigmoid)}, {Name: "ACT_TANH", Value: int(Tanh)},
	{Name: "LOSS_MSE", Value: int(MSE)}, {Name: "LOSS_MAE", Value: int(MAE)},
	{Name: "LOSS_SPARSE_CCE", Value: int(SparseCCE)}, {Name: "LOSS_SPARSE_CCE_LOGITS", Value: int(SparseCCEFromLogits)},
	{Name: "LOSS_CCE", Value: int(CategoricalCE)}, {Name: "LOSS_CCE_LOGITS", Value: int(CategoricalCEFromLogits)},
	{Name: "OPT_SGD", Value: int(SGD)}, {Name: "OPT_ADAM", Value: int(Adam)}, {Name: "OPT_RMSPROP", Value: int(RMSprop)},
	{Name: "ACC_LOSS", Value: AccLoss}, {Name: "ACC_SQ_ERR", Value: AccSqErr},
	{Name: "ACC_ABS_ERR", Value: AccAbsErr}, {Name: "ACC_CORRECT", Value: AccCorrect},
})

// kernelSource returns the WGSL of a kernel: its file after the
// enumerations' constants, and for matmul the tile's.
func kernelSource(key kernelKey) (string, error) {
	src, err := shaders.Source(key.name)
	if err != nil {
		return "", err
	}
	if key.name == "matmul" {
		src = shaders.MatMulHeader(key.mm) + src
	}
	return enums + src, nil
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
	if key.inPlace {
		name += "(in place)"
	}
	return name
}

// compile builds the pipeline of k from WGSL source src, with the layout of
// the storage bindings src declares.
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
	entry, skip := "main", 0
	if k.key.inPlace {
		a, ok := shaders.InPlace[k.key.name]
		if !ok {
			return fmt.Errorf("gpu: WebGPU kernel %s has no entry point to run in place", name)
		}
		entry, skip = shaders.InPlaceEntry, a.In
	}
	layout, err := d.layout(writable, skip)
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
			Compute: wgpu.ProgrammableStageDescriptor{Module: mod, EntryPoint: entry},
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

// layout returns the bind group layout of storage bindings 1, 2, ...
// (writable as given) without binding skip, creating it on first use.
func (d *WebGPU) layout(writable []bool, skip int) (*bgLayout, error) {
	sig := fmt.Sprint(writable, skip)
	if l, ok := d.layouts[sig]; ok {
		return l, nil
	}
	ents := []wgpu.BindGroupLayoutEntry{{
		Binding: 0, Visibility: wgpu.ShaderStageCompute,
		Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingTypeUniform, HasDynamicOffset: true, MinBindingSize: ringSlot},
	}}
	for i, w := range writable {
		if i+1 == skip {
			continue
		}
		t := wgpu.BufferBindingTypeReadOnlyStorage
		if w {
			t = wgpu.BufferBindingTypeStorage
		}
		ents = append(ents, wgpu.BindGroupLayoutEntry{
			Binding: uint32(i + 1), Visibility: wgpu.ShaderStageCompute,
			Buffer: wgpu.BufferBindingLayout{Type: t},
		})
	}
	l := &bgLayout{writable: writable, skip: skip}
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
