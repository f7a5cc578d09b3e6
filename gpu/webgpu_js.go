package gpu

import (
	"fmt"
	"syscall/js"
	"unsafe"

	"github.com/cogentcore/webgpu/jsx"
	"github.com/cogentcore/webgpu/wgpu"
)

// The browser's WebGPU platform. cogentcore/webgpu wraps the JavaScript API
// but under GOOS=js reports no errors and passes no limits, so this file
// requests the adapter and device itself (asking for the adapter's largest
// buffers), reads adapter.info for the name, watches device.lost and
// uncaptured errors, and turns error scopes into Go errors.
//
// Every call that waits (requestAdapter, popErrorScope, mapAsync) blocks
// the calling goroutine until a JavaScript promise settles: use the device
// from a goroutine of its own, never from inside a js.FuncOf callback.

type platform struct {
	dev     js.Value   // GPUDevice
	scopes  []js.Value // promises of popErrorScope, settled by the next wait
	onLost  js.Func
	onError js.Func
	offsets []js.Value // [slot*ringSlot], the dynamic offsets of ring slots
	staging js.Value   // a Uint8Array that writes go through
	// inflight holds the onSubmittedWorkDone promises of the submits the
	// GPU may still be running, at most maxInFlight.
	inflight []js.Value
}

// In the page the trainer keeps at most maxInFlight submits of at most
// platformPerSubmit dispatches ahead of the GPU: recording an epoch ahead
// would make Stop wait for all of it, and the progress shown would run ahead
// of the training. Waiting for a submit lets the page paint meanwhile.
const (
	platformPerSubmit = 512
	maxInFlight       = 2
)

// stagingMax bounds the staging array kept between writes; larger writes
// (a dataset) get one of their own.
const stagingMax = 4 << 20

// writeBuffer writes data into buf at off, in queue order. It copies data
// into a JavaScript array first: cogentcore/webgpu's WriteBuffer views the
// wasm memory directly, and that view is detached ("Cannot perform
// Construct on a detached ArrayBuffer") when an allocation grows the memory
// while the call's arguments are being made.
func (d *WebGPU) writeBuffer(buf *wgpu.Buffer, off uint64, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writeBuffer: %v", r)
		}
	}()
	arr := d.plat.staging
	if n := len(data); n > stagingMax {
		arr = js.Global().Get("Uint8Array").New(n)
	} else if arr.IsUndefined() || arr.Length() < n {
		arr = js.Global().Get("Uint8Array").New(max(roundUp(uint64(n), 1<<16), 1<<16))
		d.plat.staging = arr
	}
	js.CopyBytesToJS(arr, data)
	jsOf(d.queue).Call("writeBuffer", jsOf(buf), off, arr, 0, len(data))
	return nil
}

// jsOf is the JavaScript object of a cogentcore/webgpu handle: its types
// under GOOS=js are structs of one js.Value (checked in init).
func jsOf[T any](h *T) js.Value { return *(*js.Value)(unsafe.Pointer(h)) }

func init() {
	one := unsafe.Sizeof(js.Value{})
	if unsafe.Sizeof(wgpu.ComputePassEncoder{}) != one || unsafe.Sizeof(wgpu.BindGroup{}) != one ||
		unsafe.Sizeof(wgpu.ComputePipeline{}) != one || unsafe.Sizeof(wgpu.Queue{}) != one || unsafe.Sizeof(wgpu.Buffer{}) != one {
		panic("gpu: cogentcore/webgpu's handles are no longer one js.Value: update jsOf")
	}
}

// record records a dispatch into the current pass, its parameters at ring
// slot slot. It calls the JavaScript methods itself, with cached arguments:
// cogentcore's wrappers build a new array of dynamic offsets and argument
// slices for every call, which made recording a dispatch cost about 6 µs.
func (d *WebGPU) record(k *kernel, group *wgpu.BindGroup, slot, gx, gy, gz int) {
	pass := jsOf(d.pass)
	if d.lastPipe != k {
		pass.Call("setPipeline", jsOf(k.pipe))
		d.lastPipe = k
	}
	for len(d.plat.offsets) <= slot {
		d.plat.offsets = append(d.plat.offsets, js.ValueOf([]any{len(d.plat.offsets) * ringSlot}))
	}
	pass.Call("setBindGroup", 0, jsOf(group), d.plat.offsets[slot])
	pass.Call("dispatchWorkgroups", gx, gy, gz)
}

func (d *WebGPU) open() error {
	gpu := js.Undefined()
	if nav := js.Global().Get("navigator"); nav.Truthy() { // Node before 21 has none
		gpu = nav.Get("gpu")
	}
	if !gpu.Truthy() {
		return fmt.Errorf("%w: this browser has no navigator.gpu (WebGPU is off, or the page is not served over https or localhost)", errWebGPU)
	}
	adapter, ok := jsx.Await(gpu.Call("requestAdapter", map[string]any{"powerPreference": "high-performance"}))
	if !ok || !adapter.Truthy() {
		return fmt.Errorf("%w: the browser offers no adapter", errWebGPU)
	}
	d.name, d.software = adapterInfo(adapter)

	limits := adapter.Get("limits")
	maxBind := limits.Get("maxStorageBufferBindingSize").Float()
	maxBuf := limits.Get("maxBufferSize").Float()
	maxShared := limits.Get("maxComputeWorkgroupStorageSize").Float()
	dev, ok := jsx.Await(adapter.Call("requestDevice", map[string]any{
		"label": "nnlab",
		"requiredLimits": map[string]any{
			"maxStorageBufferBindingSize":    maxBind,
			"maxBufferSize":                  maxBuf,
			"maxComputeWorkgroupStorageSize": maxShared,
		},
	}))
	if !ok || !dev.Truthy() {
		return fmt.Errorf("%w: adapter %s gave no device: %v", errWebGPU, d.name, jsString(dev))
	}
	d.maxBind, d.maxBuffer, d.maxShared = uint64(maxBind), uint64(maxBuf), uint64(maxShared)
	d.plat.dev = dev
	wd := wgpu.NewDevice(dev)
	d.dev = &wd

	d.plat.onLost = js.FuncOf(func(this js.Value, args []js.Value) any {
		info := args[0]
		d.setLost(fmt.Sprintf("%s (%s)", jsString(info.Get("message")), jsString(info.Get("reason"))))
		return nil
	})
	dev.Get("lost").Call("then", d.plat.onLost)
	d.plat.onError = js.FuncOf(func(this js.Value, args []js.Value) any {
		d.fail(fmt.Errorf("gpu: WebGPU: %s", jsString(args[0].Get("error").Get("message"))))
		return nil
	})
	dev.Call("addEventListener", "uncapturederror", d.plat.onError)
	return nil
}

// adapterInfo returns an adapter's name and whether it is a CPU emulation.
func adapterInfo(adapter js.Value) (name string, software bool) {
	info := adapter.Get("info")
	if !info.Truthy() && adapter.Get("requestAdapterInfo").Truthy() { // before Chrome 127
		info, _ = jsx.Await(adapter.Call("requestAdapterInfo"))
	}
	str := func(k string) string {
		if !info.Truthy() {
			return ""
		}
		return jsString(info.Get(k))
	}
	name = str("description")
	if name == "" {
		name = str("vendor") + " " + str("architecture")
		if name == " " {
			name = "unnamed adapter"
		}
	}
	software = str("architecture") == "swiftshader" ||
		info.Truthy() && info.Get("isFallbackAdapter").Truthy() ||
		adapter.Get("isFallbackAdapter").Truthy()
	return name + " (WebGPU, browser)", software
}

func jsString(v js.Value) string {
	if v.IsUndefined() || v.IsNull() {
		return ""
	}
	return v.String()
}

func (d *WebGPU) release() {
	if d.plat.dev.Truthy() {
		d.plat.dev.Call("removeEventListener", "uncapturederror", d.plat.onError)
		d.plat.dev.Call("destroy")
		d.plat.onError.Release()
		// onLost stays: destroy() settles device.lost.
	}
	d.dev = nil
}

// scoped runs f, which creates objects, in validation and out-of-memory
// error scopes and returns the first error they caught.
func (d *WebGPU) scoped(f func() error) error {
	dev := d.plat.dev
	dev.Call("pushErrorScope", "out-of-memory")
	dev.Call("pushErrorScope", "validation")
	err := f()
	for i := 0; i < 2; i++ {
		e, ok := jsx.Await(dev.Call("popErrorScope"))
		if err == nil && ok && e.Truthy() {
			err = fmt.Errorf("%s", jsString(e.Get("message")))
		}
	}
	return err
}

func (d *WebGPU) endComputePass(p *wgpu.ComputePassEncoder) error {
	p.End()
	return nil
}

// finishAndSubmit submits inside error scopes, whose promises the next wait
// settles: the submit itself does not wait.
func (d *WebGPU) finishAndSubmit(enc *wgpu.CommandEncoder) {
	dev := d.plat.dev
	dev.Call("pushErrorScope", "out-of-memory")
	dev.Call("pushErrorScope", "validation")
	if cb, err := enc.Finish(nil); err == nil {
		d.queue.Submit(cb)
	}
	d.plat.scopes = append(d.plat.scopes, dev.Call("popErrorScope"), dev.Call("popErrorScope"))
	d.plat.inflight = append(d.plat.inflight, jsOf(d.queue).Call("onSubmittedWorkDone"))
	for len(d.plat.inflight) > maxInFlight {
		jsx.Await(d.plat.inflight[0])
		d.plat.inflight[0] = js.Undefined()
		d.plat.inflight = d.plat.inflight[1:]
	}
}

// wait blocks until the submitted work is done and its error scopes settled.
func (d *WebGPU) wait() {
	d.queue.OnSubmittedWorkDone(func(wgpu.QueueWorkDoneStatus) {})
	clear(d.plat.inflight)
	d.plat.inflight = d.plat.inflight[:0]
	for _, p := range d.plat.scopes {
		if e, ok := jsx.Await(p); ok && e.Truthy() {
			d.fail(fmt.Errorf("gpu: WebGPU: %s", jsString(e.Get("message"))))
		}
	}
	clear(d.plat.scopes)
	d.plat.scopes = d.plat.scopes[:0]
}

// mapRead waits for the submitted work, then copies size bytes of buf into dst.
func (d *WebGPU) mapRead(buf *wgpu.Buffer, size uint64, dst []float32) (err error) {
	defer func() {
		// cogentcore/webgpu ignores a rejected mapAsync; getMappedRange then throws.
		if r := recover(); r != nil {
			err = fmt.Errorf("mapping the readback buffer: %v", r)
		}
	}()
	d.wait()
	if err := buf.MapAsync(wgpu.MapModeRead, 0, size, func(wgpu.BufferMapAsyncStatus) {}); err != nil {
		return err
	}
	src := buf.GetMappedRange(0, uint(size))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), size), src)
	return buf.Unmap()
}
