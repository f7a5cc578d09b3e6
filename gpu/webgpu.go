//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/cogentcore/webgpu/wgpu"
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
// input given as the very range of an output (Activate(a, y, y, n)) runs the
// kernel's entry point written for that (see shaders.InPlace), and an input
// in the buffer of an output but apart from it (views of one arena) is
// copied out before the dispatch.
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
	enc       *wgpu.CommandEncoder
	pass      *wgpu.ComputePassEncoder
	lastPipe  *kernel
	ring      *wgpu.Buffer // uniform parameters, one ringSlot per dispatch
	params    []uint32     // host copy of the ring, uploaded at submit
	nparams   int          // slots used since the last submit
	upload    *wgpu.Buffer // staging for Writes ordered after recorded work
	upUsed    uint64
	readBuf   *wgpu.Buffer
	readCap   uint64
	dummy     *gpuMem    // bound where an optional buffer is nil
	dummyIn   *gpuMem    // and where it is an input, apart from the outputs
	aliasCopy *webgpuBuf // inputs copied out of an output's buffer
	freeing   []*gpuMem  // freed while recorded work may still use them
	dropping  []*wgpu.BindGroup
	call      call
	dynOff    [1]uint32
	kernels   map[kernelKey]*kernel
	layouts   map[string]*bgLayout
	groups    map[bgKey]*wgpu.BindGroup
	mmConfig  func(m, k, n int) (tm, tn, bk int) // tile choice; benchmarks override it

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
	// kernels are slow: a submit stays a second or two of work.
	softwarePerSubmit = 128
	uploadBytes       = 4 << 20 // staging for Writes between submits
	maxBindings       = 9       // storage bindings per kernel at most (batchnorm_grad has 8)
	bindAlign         = 256     // minStorageBufferOffsetAlignment
	maxGroups         = 65535   // workgroups per dimension
	maxCached         = 1 << 14 // bind groups kept; the cache is emptied beyond
	paramWords        = ringSlot / 4
)

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
	d.dummyIn = d.newMem(maxBindings*256, "nnlab dummy input")
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
	for _, b := range []Buffer{d.scratch, d.aliasCopy} {
		if m, ok := b.(*webgpuBuf); ok && m != nil && !m.mem.freed && m.mem != d.dummy {
			m.mem.buf.Destroy()
			m.mem.buf.Release()
		}
	}
	for _, m := range []*gpuMem{d.dummy, d.dummyIn} {
		if m != nil {
			m.buf.Destroy()
			m.buf.Release()
		}
	}
	d.release()
}

var _ Device = (*WebGPU)(nil)

// softwareAdapter reports whether d runs on a CPU emulation of a GPU.
func softwareAdapter(d *WebGPU) bool { return d.software }
