//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/cogentcore/webgpu/wgpu"

	"nnlab/shaders"
)

// WebGPU is the device whose kernels are the WGSL compute shaders of package
// shaders, run through WebGPU: natively by wgpu-native (Vulkan, Metal, D3D12;
// Mesa's lavapipe on a machine without a GPU), in the browser by the browser.
//
// Operations are recorded, not run: every dispatch goes into one compute pass
// of one command encoder, and the encoder is submitted only when Read or Sync
// needs results, when a Write must be ordered after recorded work, or when
// ringSlots dispatches have been recorded. A dispatch's sizes and scalars go
// into its own 256-byte slot of a uniform buffer (the ring), bound with a
// dynamic offset and uploaded once per submit, so recording a kernel costs a
// map lookup, three encoder calls and no allocation once the pipelines and
// bind groups of a training step are cached.
//
// WebGPU forbids a dispatch to bind overlapping ranges of one buffer when
// one of them is writable, and one buffer both read-only and writable. So an
// input given as the very range of an output (Activate(a, y, y, n)) runs a
// variant of the kernel without that input, reading the output instead, and
// views of one buffer that do not overlap (package nn's parameter arena) run
// a variant whose storage bindings are all read_write.
//
// All float buffers hold float32. Byte buffers (UploadBytes) hold their bytes
// packed four to a u32, little end first.
type WebGPU struct {
	name     string
	software bool // the adapter is a CPU emulation (lavapipe, SwiftShader)
	plat     platform
	dev      *wgpu.Device
	queue    *wgpu.Queue

	maxBind   uint64 // maxStorageBufferBindingSize
	maxBuffer uint64
	maxShared uint64 // maxComputeWorkgroupStorageSize
	gatherWin uint64 // bytes per window of Gather's source if not 0; tests lower it below maxBind

	mu   sync.Mutex // guards err and lost, which device callbacks may set
	err  error
	lost error

	closed bool

	// Recording state.
	enc      *wgpu.CommandEncoder
	pass     *wgpu.ComputePassEncoder
	lastPipe *kernel
	ring     *wgpu.Buffer // uniform parameters, one ringSlot per dispatch
	params   []uint32     // host copy of the ring, uploaded at submit
	nparams  int          // slots used since the last submit
	upload   *wgpu.Buffer // staging for Writes ordered after recorded work
	upUsed   uint64
	readBuf  *wgpu.Buffer
	readCap  uint64
	dummy    *gpuMem   // bound where an optional buffer is nil
	freeing  []*gpuMem // freed while recorded work may still use them
	dropping []*wgpu.BindGroup
	call     call
	dynOff   [1]uint32
	kernels  map[kernelKey]*kernel
	layouts  map[string]*bgLayout
	groups   map[bgKey]*wgpu.BindGroup
	mmConfig func(m, k, n int) (tm, tn, bk int) // tile choice; benchmarks override it

	stats WebGPUStats
	// syncEach (NNLAB_WEBGPU_SYNC=1) waits after every dispatch and logs it:
	// slow, for finding the kernel behind a device error or crash.
	syncEach bool
	// perSubmit is the number of dispatches after which the recorded work
	// is submitted (without waiting): the ring's size, or softwarePerSubmit
	// on a software adapter.
	perSubmit int
	// scratch holds the partial products of split-k MatMuls; noSplit turns
	// split k off (benchmarks: NNLAB_MATMUL_SPLIT=0).
	scratch Buffer
	noSplit bool
	// mmUniform (NNLAB_MATMUL_FLAGS=uniform, for comparing) compiles one
	// matmul pipeline per tile that reads its flags from the parameters,
	// instead of one per tile and flags.
	mmUniform bool
}

const (
	ringSlot  = 256  // bytes per dispatch's parameters (minUniformBufferOffsetAlignment)
	ringSlots = 4096 // dispatches per submit at most
	// softwarePerSubmit bounds a command buffer on a software adapter, whose
	// kernels are slow: a submit stays a second or two of work. (Lavapipe
	// crashed on command buffers of about 300 CIFAR training dispatches or
	// more; that was wgpu-native's blocking Poll giving up after 5 s and
	// freeing objects under running work, which pollUntil now avoids: CIFAR
	// runs on lavapipe with NNLAB_WEBGPU_PER_SUBMIT=4096 too.)
	softwarePerSubmit = 128
	uploadBytes       = 4 << 20 // staging for Writes between submits
	maxBindings       = 9       // storage bindings per kernel at most (batchnorm_grad has 8)
	bindAlign         = 256     // minStorageBufferOffsetAlignment
	maxGroups         = 65535   // workgroups per dimension
	maxCached         = 1 << 14 // bind groups kept; the cache is emptied beyond
	paramWords        = ringSlot / 4
)

// gpuMem is one GPU buffer; Buffers are views into one.
type gpuMem struct {
	buf   *wgpu.Buffer
	size  uint64 // bytes, a multiple of 16
	freed bool
}

type webgpuBuf struct {
	mem   *gpuMem
	off   uint64 // bytes from the start of mem
	n     int    // elements: floats, or bytes of a byte buffer
	bytes bool
}

func (b *webgpuBuf) Len() int { return b.n }

// binding is a range of a GPU buffer bound to one @binding.
type binding struct {
	mem       *gpuMem
	off, size uint64
}

// NewWebGPU opens the first high-performance WebGPU adapter and a device on it.
func NewWebGPU() (*WebGPU, error) {
	d := &WebGPU{
		kernels: map[kernelKey]*kernel{},
		layouts: map[string]*bgLayout{},
		groups:  map[bgKey]*wgpu.BindGroup{},
		params:  make([]uint32, ringSlots*paramWords),
	}
	if err := d.open(); err != nil {
		return nil, err
	}
	d.syncEach = os.Getenv("NNLAB_WEBGPU_SYNC") == "1"
	d.mmUniform = os.Getenv("NNLAB_MATMUL_FLAGS") == "uniform"
	d.perSubmit = platformPerSubmit
	if d.software {
		d.perSubmit = softwarePerSubmit
	}
	// NNLAB_WEBGPU_PER_SUBMIT=n (1 to 4096) overrides it, for measuring.
	if n, err := strconv.Atoi(os.Getenv("NNLAB_WEBGPU_PER_SUBMIT")); err == nil && n >= 1 {
		d.perSubmit = min(n, ringSlots)
	}
	d.queue = d.dev.GetQueue()
	var err error
	d.ring, err = d.dev.CreateBuffer(&wgpu.BufferDescriptor{
		Label: "nnlab params", Size: ringSlots * ringSlot,
		Usage: wgpu.BufferUsageUniform | wgpu.BufferUsageCopyDst,
	})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("gpu: WebGPU: creating the parameter buffer: %w", err)
	}
	d.dummy = d.newMem(maxBindings*256, "nnlab dummy")
	if err := d.takeErr(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Name is the adapter's name and WebGPU's backend, e.g.
// "llvmpipe (LLVM 15.0.6, 256 bits) (WebGPU, vulkan)".
func (d *WebGPU) Name() string { return d.name }

// Stats returns the counts of recorded and submitted work so far.
func (d *WebGPU) Stats() WebGPUStats { return d.stats }

// fail remembers the first error, to be returned by the next Read or Sync.
func (d *WebGPU) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
	}
}

func (d *WebGPU) setLost(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lost == nil && !d.closed {
		d.lost = fmt.Errorf("%w: %s", ErrDeviceLost, msg)
	}
}

// Lost reports whether the device has been lost (a driver reset, a
// destroyed device): nothing more will run on it.
func (d *WebGPU) Lost() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lost != nil
}

// takeErr returns the first error since the last call, or the loss of the
// device, which stays.
func (d *WebGPU) takeErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lost != nil {
		return d.lost
	}
	err := d.err
	d.err = nil
	return err
}

func roundUp(n, m uint64) uint64 { return (n + m - 1) / m * m }

func (d *WebGPU) newMem(bytes uint64, label string) *gpuMem {
	size := max(roundUp(bytes, 16), 16)
	if size > d.maxBuffer {
		d.fail(fmt.Errorf("gpu: WebGPU: a buffer of %d bytes exceeds this device's maxBufferSize (%d)", size, d.maxBuffer))
		return d.dummy
	}
	buf, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{
		Label: label, Size: size,
		Usage: wgpu.BufferUsageStorage | wgpu.BufferUsageCopySrc | wgpu.BufferUsageCopyDst,
	})
	if err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: allocating %d bytes: %w", size, err))
		return d.dummy
	}
	return &gpuMem{buf: buf, size: size}
}

func (d *WebGPU) Alloc(n int) Buffer {
	return &webgpuBuf{mem: d.newMem(uint64(n)*4, "nnlab float"), n: n}
}

func (d *WebGPU) UploadBytes(data []uint8) Buffer {
	b := &webgpuBuf{mem: d.newMem(uint64(len(data)), "nnlab bytes"), n: len(data), bytes: true}
	if len(data) > 0 && b.mem != d.dummy {
		if len(data)%4 != 0 {
			data = append(data[:len(data):len(data)], make([]uint8, 4-len(data)%4)...)
		}
		// Nothing recorded can use a new buffer: write it directly.
		if err := d.writeBuffer(b.mem.buf, 0, data); err != nil {
			d.fail(fmt.Errorf("gpu: WebGPU: UploadBytes: %w", err))
		}
	}
	return b
}

func (d *WebGPU) View(b Buffer, off, n int) Buffer {
	if off%64 != 0 {
		panic(fmt.Sprintf("gpu: view offset %d is not a multiple of 64", off))
	}
	w := b.(*webgpuBuf)
	if off+n > w.n {
		panic(fmt.Sprintf("gpu: view [%d, %d) of a buffer of %d", off, off+n, w.n))
	}
	esize := uint64(4)
	if w.bytes {
		esize = 1
	}
	return &webgpuBuf{mem: w.mem, off: w.off + uint64(off)*esize, n: n, bytes: w.bytes}
}

func (d *WebGPU) Free(b Buffer) {
	m := b.(*webgpuBuf).mem
	if m.freed || m == d.dummy {
		return
	}
	m.freed = true
	// Recorded work may use m and its bind groups: wgpu-native resolves a
	// pass's bind groups when the pass ends, so release them after the submit.
	for k, g := range d.groups {
		for _, e := range k.b {
			if e.mem == m {
				d.dropping = append(d.dropping, g)
				delete(d.groups, k)
				break
			}
		}
	}
	d.freeing = append(d.freeing, m)
	if d.enc == nil {
		d.released()
	}
}

// released releases what was freed while work was being recorded.
func (d *WebGPU) released() {
	for _, g := range d.dropping {
		g.Release()
	}
	clear(d.dropping)
	d.dropping = d.dropping[:0]
	for _, m := range d.freeing {
		m.buf.Destroy()
		m.buf.Release()
	}
	clear(d.freeing)
	d.freeing = d.freeing[:0]
}

func f32bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*4)
}

func (d *WebGPU) Write(dst Buffer, off int, src []float32) {
	if len(src) == 0 {
		return
	}
	w := dst.(*webgpuBuf)
	at := w.off + uint64(off)*4
	data := f32bytes(src)
	size := uint64(len(data))
	d.stats.Writes++
	if d.enc != nil && size <= uploadBytes {
		// Recorded work must see dst as it was: stage the data and copy it
		// in the command stream, between two compute passes.
		if d.upUsed+size > uploadBytes {
			d.submit()
		} else {
			if d.upload == nil {
				var err error
				d.upload, err = d.dev.CreateBuffer(&wgpu.BufferDescriptor{
					Label: "nnlab upload", Size: uploadBytes,
					Usage: wgpu.BufferUsageCopySrc | wgpu.BufferUsageCopyDst,
				})
				if err != nil {
					d.fail(fmt.Errorf("gpu: WebGPU: creating the upload buffer: %w", err))
					return
				}
			}
			if err := d.writeBuffer(d.upload, d.upUsed, data); err != nil {
				d.fail(fmt.Errorf("gpu: WebGPU: Write: %w", err))
				return
			}
			d.endPass()
			if err := d.enc.CopyBufferToBuffer(d.upload, d.upUsed, w.mem.buf, at, size); err != nil {
				d.fail(fmt.Errorf("gpu: WebGPU: Write: %w", err))
			}
			d.upUsed += roundUp(size, 16)
			d.stats.StagedWrites++
			return
		}
	}
	if d.enc != nil {
		d.submit()
	}
	if err := d.writeBuffer(w.mem.buf, at, data); err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: Write: %w", err))
	}
}

func (d *WebGPU) Read(dst []float32, src Buffer, off int) error {
	if len(dst) == 0 {
		return d.Sync()
	}
	w := src.(*webgpuBuf)
	if w.bytes {
		panic("gpu: Read of a byte buffer")
	}
	size := uint64(len(dst)) * 4
	if size > d.readCap {
		if d.readBuf != nil {
			d.submit() // recorded work may still copy into the old one
			d.readBuf.Destroy()
			d.readBuf.Release()
		}
		var err error
		d.readCap = max(roundUp(size, 1<<16), 1<<16)
		d.readBuf, err = d.dev.CreateBuffer(&wgpu.BufferDescriptor{
			Label: "nnlab readback", Size: d.readCap,
			Usage: wgpu.BufferUsageMapRead | wgpu.BufferUsageCopyDst,
		})
		if err != nil {
			d.readBuf, d.readCap = nil, 0
			return fmt.Errorf("gpu: WebGPU: creating a readback buffer of %d bytes: %w", size, err)
		}
	}
	d.encoder()
	d.endPass()
	if err := d.enc.CopyBufferToBuffer(w.mem.buf, w.off+uint64(off)*4, d.readBuf, 0, size); err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: Read: %w", err))
	}
	d.submit()
	d.stats.Readbacks++
	if err := d.mapRead(d.readBuf, size, dst); err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: Read: %w", err))
	}
	return d.takeErr()
}

func (d *WebGPU) Sync() error {
	d.submit()
	d.wait()
	return d.takeErr()
}

func (d *WebGPU) Close() {
	if d.closed {
		return
	}
	if d.dev != nil {
		d.submit()
		d.wait()
	}
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	for _, g := range d.groups {
		g.Release()
	}
	d.groups = nil
	for _, k := range d.kernels {
		if k.pipe != nil {
			k.pipe.Release()
		}
	}
	d.kernels = nil
	for _, l := range d.layouts {
		l.pl.Release()
		l.bgl.Release()
	}
	d.layouts = nil
	for _, b := range []*wgpu.Buffer{d.ring, d.upload, d.readBuf} {
		if b != nil {
			b.Destroy()
			b.Release()
		}
	}
	if m, ok := d.scratch.(*webgpuBuf); ok && !m.mem.freed {
		m.mem.buf.Destroy()
		m.mem.buf.Release()
	}
	if d.dummy != nil {
		d.dummy.buf.Destroy()
		d.dummy.buf.Release()
	}
	d.release()
}

// encoder makes sure a command encoder is open.
func (d *WebGPU) encoder() {
	if d.enc != nil {
		return
	}
	enc, err := d.dev.CreateCommandEncoder(nil)
	if err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: creating a command encoder: %w", err))
		return
	}
	d.enc = enc
}

func (d *WebGPU) endPass() {
	if d.pass == nil {
		return
	}
	if err := d.endComputePass(d.pass); err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: %w", err))
	}
	d.pass.Release()
	d.pass = nil
	d.lastPipe = nil
}

// submit ends the pass, uploads the dispatches' parameters and submits the
// recorded commands without waiting for them.
func (d *WebGPU) submit() {
	if d.enc == nil {
		return
	}
	d.endPass()
	if d.nparams > 0 {
		words := d.params[:d.nparams*paramWords]
		data := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*4)
		if err := d.writeBuffer(d.ring, 0, data); err != nil {
			d.fail(fmt.Errorf("gpu: WebGPU: uploading parameters: %w", err))
		}
	}
	d.finishAndSubmit(d.enc)
	d.enc.Release()
	d.enc = nil
	d.nparams = 0
	d.upUsed = 0
	d.stats.Submits++
	d.released()
	if len(d.groups) > maxCached {
		for k, g := range d.groups {
			g.Release()
			delete(d.groups, k)
		}
	}
}

// Kernels.

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

// call collects one dispatch's parameters and bindings without allocating.
type call struct {
	p    [paramWords]uint32
	np   int
	b    [maxBindings]binding
	nb   int
	nils int
}

func (c *call) u(vs ...int) *call {
	for _, v := range vs {
		c.p[c.np] = uint32(v)
		c.np++
	}
	return c
}

func (c *call) f(vs ...float32) *call {
	for _, v := range vs {
		c.p[c.np] = math.Float32bits(v)
		c.np++
	}
	return c
}

func (c *call) bind(b binding) *call {
	c.b[c.nb] = b
	c.nb++
	return c
}

func (d *WebGPU) begin() *call {
	d.call = call{}
	return &d.call
}

// view binds the float (or packed byte) range of buffer b, rounded up to
// whole vec4s when vec; nil and empty buffers bind a dummy.
func (d *WebGPU) view(b Buffer, vec bool) binding {
	if b == nil || b.Len() == 0 {
		// Each nil of a call gets its own range: writable bindings must not overlap.
		d.call.nils++
		return binding{mem: d.dummy, off: uint64(d.call.nils-1) * 256, size: 256}
	}
	w := b.(*webgpuBuf)
	bytes := uint64(w.n)
	if !w.bytes {
		bytes *= 4
	}
	size := max(roundUp(bytes, 4), 4)
	if vec {
		size = max(roundUp(bytes, 16), 16)
	}
	if w.off%bindAlign != 0 {
		panic("gpu: WebGPU: binding a byte view that is not 256-byte aligned")
	}
	if size > d.maxBind {
		d.fail(fmt.Errorf("gpu: WebGPU: binding %d bytes exceeds this device's maxStorageBufferBindingSize (%d)", size, d.maxBind))
	}
	return binding{mem: w.mem, off: w.off, size: size}
}

// bgKey identifies a bind group: the layout and the ranges bound.
type bgKey struct {
	layout *bgLayout
	b      [maxBindings]binding
}

// run records kernel name with the parameters and bindings of d.call over a
// grid of workgroups.
func (d *WebGPU) run(key kernelKey, gx, gy, gz int) {
	if gx == 0 || gy == 0 || gz == 0 {
		return
	}
	if gx > maxGroups || gy > maxGroups || gz > maxGroups {
		d.fail(fmt.Errorf("gpu: WebGPU kernel %s: %dx%dx%d workgroups exceed the limit of %d per dimension", key.name, gx, gy, gz, maxGroups))
		return
	}
	c := &d.call
	for i := 0; i < c.nb; i++ {
		if c.b[i].mem.freed {
			panic("gpu: WebGPU kernel " + key.name + " uses a freed buffer")
		}
	}
	k := d.kernel(key)
	if k.err != nil {
		return
	}
	if c.nb != len(k.layout.writable) {
		panic(fmt.Sprintf("gpu: WebGPU kernel %s binds %d buffers, has %d", key.name, c.nb, len(k.layout.writable)))
	}
	if same, err := d.inPlace(key.name, k.layout.writable); err != nil {
		d.fail(err)
		return
	} else if same != key.same {
		key.same = same
		if k = d.kernel(key); k.err != nil {
			return
		}
	}
	// A buffer bound as an output and also as an input needs every binding
	// read_write: WebGPU forbids read-only and writable uses of one buffer in
	// one dispatch.
	if !key.rw && d.conflict(k.layout.writable) {
		key.rw = true
		if k = d.kernel(key); k.err != nil {
			return
		}
	}
	gkey := bgKey{layout: k.layout}
	copy(gkey.b[:], c.b[:c.nb])
	group, ok := d.groups[gkey]
	if !ok {
		ents := make([]wgpu.BindGroupEntry, 0, c.nb+1)
		ents = append(ents, wgpu.BindGroupEntry{Binding: 0, Buffer: d.ring, Offset: 0, Size: ringSlot})
		for i := 0; i < c.nb; i++ {
			b := c.b[i]
			ents = append(ents, wgpu.BindGroupEntry{Binding: uint32(i + 1), Buffer: b.mem.buf, Offset: b.off, Size: b.size})
		}
		var err error
		group, err = d.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Layout: k.layout.bgl, Entries: ents})
		if err != nil {
			d.fail(fmt.Errorf("gpu: WebGPU kernel %s: binding its buffers: %w", key.name, err))
			return
		}
		d.groups[gkey] = group
		d.stats.BindGroups++
	}
	if d.nparams >= d.perSubmit {
		d.submit()
	}
	d.encoder()
	if d.enc == nil {
		return
	}
	if d.pass == nil {
		d.pass = d.enc.BeginComputePass(nil)
		d.stats.Passes++
	}
	slot := d.nparams
	d.nparams++
	copy(d.params[slot*paramWords:(slot+1)*paramWords], c.p[:])
	d.record(k, group, slot, gx, gy, gz)
	d.stats.Dispatches++
	if d.syncEach {
		// The time includes a submit and a wait (hundreds of µs on a GPU):
		// what stands out above that is the kernel.
		name := kernelName(key)
		t0 := time.Now()
		if err := d.Sync(); err != nil {
			fmt.Fprintf(os.Stderr, "gpu: WebGPU: %s: %v\n", name, err)
		}
		fmt.Fprintf(os.Stderr, "gpu: WebGPU: %s %dx%dx%d workgroups, %.3f ms\n", name, gx, gy, gz,
			time.Since(t0).Seconds()*1e3)
	}
}

// inPlace finds the inputs of d.call bound to the very range of an output,
// and removes them from d.call. Other overlaps are errors.
func (d *WebGPU) inPlace(name string, writable []bool) (same [maxBindings]int8, err error) {
	c := &d.call
	for i := 0; i < c.nb; i++ {
		if !writable[i] {
			continue
		}
		for j := 0; j < c.nb; j++ {
			bi, bj := c.b[i], c.b[j]
			if j == i || bj.mem != bi.mem || bj.off >= bi.off+bi.size || bi.off >= bj.off+bj.size {
				continue
			}
			if writable[j] || bj != bi || same[j] != 0 {
				return same, fmt.Errorf("gpu: WebGPU kernel %s: buffers %d and %d overlap", name, i+1, j+1)
			}
			same[j] = int8(i + 1)
		}
	}
	n := 0
	for j := 0; j < c.nb; j++ {
		if same[j] == 0 {
			c.b[n] = c.b[j]
			n++
		}
	}
	for j := n; j < c.nb; j++ {
		c.b[j] = binding{}
	}
	c.nb = n
	return same, nil
}

// conflict reports whether a buffer of d.call is bound both read-only and writable.
func (d *WebGPU) conflict(writable []bool) bool {
	c := &d.call
	for i := 0; i < c.nb; i++ {
		if !writable[i] {
			continue
		}
		for j := 0; j < c.nb; j++ {
			if !writable[j] && c.b[j].mem == c.b[i].mem {
				return true
			}
		}
	}
	return false
}

// grid folds n workgroups into a 2-D grid with at most 65535 per dimension.
func grid(n int) (gx, gy int) {
	if n <= maxGroups {
		return n, 1
	}
	gy = (n + maxGroups - 1) / maxGroups
	return (n + gy - 1) / gy, gy
}

// elementwise records a kernel of one invocation per element (256 per workgroup).
func (d *WebGPU) elementwise(name string, n int) {
	if n == 0 {
		return
	}
	gx, gy := grid((n + 255) / 256)
	d.run(kernelKey{name: name}, gx, gy, 1)
}

// perGroup records a kernel of one workgroup per item (a row, a column block).
func (d *WebGPU) perGroup(name string, groups int) {
	gx, gy := grid(groups)
	d.run(kernelKey{name: name}, gx, gy, 1)
}

var _ Device = (*WebGPU)(nil)

// softwareAdapter reports whether d runs on a CPU emulation of a GPU.
func softwareAdapter(d *WebGPU) bool { return d.software }
