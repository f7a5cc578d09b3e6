//go:build cgo && linux && amd64

package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/cogentcore/webgpu/wgpu"
)

// The native WebGPU platform: wgpu-native, linked into the binary by
// github.com/cogentcore/webgpu. Its calls report validation errors as Go
// errors, and Device.Poll drives callbacks.

type platform struct {
	inst    *wgpu.Instance
	adapter *wgpu.Adapter
}

// platformPerSubmit is the dispatches a submit holds on a GPU: the whole
// ring, about an epoch of the weather lesson.
const platformPerSubmit = ringSlots

// writeBuffer writes data into buf at off, in queue order.
func (d *WebGPU) writeBuffer(buf *wgpu.Buffer, off uint64, data []byte) error {
	return d.queue.WriteBuffer(buf, off, data)
}

// record records a dispatch into the current pass, its parameters at ring
// slot slot.
func (d *WebGPU) record(k *kernel, group *wgpu.BindGroup, slot, gx, gy, gz int) {
	if d.lastPipe != k {
		d.pass.SetPipeline(k.pipe)
		d.lastPipe = k
	}
	d.dynOff[0] = uint32(slot * ringSlot)
	d.pass.SetBindGroup(0, group, d.dynOff[:])
	d.pass.DispatchWorkgroups(uint32(gx), uint32(gy), uint32(gz))
}

func (d *WebGPU) open() (err error) {
	if os.Getenv("NNLAB_WGPU_LOG") == "" {
		wgpu.SetLogLevel(wgpu.LogLevelOff) // wgpu-native warns about windowing on headless machines
	}
	// Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid" without one
	// (a container, a cron job): give them a private directory.
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("nnlab-xdg-%d", os.Getuid()))
		if os.MkdirAll(dir, 0o700) == nil {
			os.Setenv("XDG_RUNTIME_DIR", dir)
		}
	}
	defer func() {
		if r := recover(); r != nil { // CreateInstance panics when it finds no backend
			err = fmt.Errorf("%w: %v", errWebGPU, r)
		}
	}()
	d.plat.inst = wgpu.CreateInstance(nil)
	d.plat.adapter, err = d.plat.inst.RequestAdapter(&wgpu.RequestAdapterOptions{PowerPreference: wgpu.PowerPreferenceHighPerformance})
	if err != nil {
		d.release()
		return fmt.Errorf("%w: no adapter (%v; without a GPU, Mesa's lavapipe is one: apt-get install mesa-vulkan-drivers libvulkan1)", errWebGPU, err)
	}
	info := d.plat.adapter.GetInfo()
	name := info.Name
	if name == "" || strings.HasPrefix(name, "0x") {
		name = info.DriverDescription
	}
	d.name = fmt.Sprintf("%s (WebGPU, %s)", name, info.BackendType)
	d.software = info.AdapterType == wgpu.AdapterTypeCPU

	// Ask for the adapter's largest buffers and workgroup memory: WebGPU's
	// defaults (128 MiB per binding, 256 MiB per buffer, 16 KiB) are below a
	// large GPU's. The default kernels stay within the defaults.
	have := d.plat.adapter.GetLimits().Limits
	req := wgpu.DefaultLimits()
	req.MaxStorageBufferBindingSize = have.MaxStorageBufferBindingSize
	req.MaxBufferSize = have.MaxBufferSize
	req.MaxComputeWorkgroupStorageSize = have.MaxComputeWorkgroupStorageSize
	d.maxBind, d.maxBuffer = have.MaxStorageBufferBindingSize, have.MaxBufferSize
	d.maxShared = uint64(have.MaxComputeWorkgroupStorageSize)
	// No DeviceLostCallback: cogentcore/webgpu v0.23.0 passes it to C in a
	// way that cgo's pointer checks reject. A lost device shows instead as
	// a failed readback (mapRead).
	d.dev, err = d.plat.adapter.RequestDevice(&wgpu.DeviceDescriptor{
		Label:          "nnlab",
		RequiredLimits: &wgpu.RequiredLimits{Limits: req},
	})
	if err != nil {
		d.release()
		return fmt.Errorf("%w: adapter %s gave no device: %v", errWebGPU, name, err)
	}
	return nil
}

func (d *WebGPU) release() {
	if d.dev != nil {
		d.dev.Release()
		d.dev = nil
	}
	if d.plat.adapter != nil {
		d.plat.adapter.Release()
		d.plat.adapter = nil
	}
	if d.plat.inst != nil {
		d.plat.inst.Release()
		d.plat.inst = nil
	}
}

// scoped runs f, which creates objects; natively their errors come back from
// the calls themselves.
func (d *WebGPU) scoped(f func() error) error { return f() }

func (d *WebGPU) endComputePass(p *wgpu.ComputePassEncoder) error { return p.End() }

func (d *WebGPU) finishAndSubmit(enc *wgpu.CommandEncoder) {
	cb, err := enc.Finish(nil)
	if err != nil {
		d.fail(fmt.Errorf("gpu: WebGPU: %w", err))
		return
	}
	d.queue.Submit(cb)
	cb.Release()
	d.dev.Poll(false, nil) // let wgpu-native retire finished work
}

// wait blocks until the submitted work is done.
func (d *WebGPU) wait() {
	done := false
	d.queue.OnSubmittedWorkDone(func(wgpu.QueueWorkDoneStatus) { done = true })
	d.pollUntil(&done)
}

// pollUntil polls the device until *done (set by a callback that a Poll
// runs), the device is lost, or ten minutes have passed. It never blocks in
// Poll: a blocking Poll of wgpu-native gives up after 5 s (wgpu-core's
// CLEANUP_WAIT_MS) yet takes all the submitted work as finished, runs its
// callbacks and frees what it used, and a submit of slow kernels (a software
// adapter, a small GPU) can take longer: Sync returned before the work was
// done and lavapipe crashed in its queue thread on the freed objects
// (TestWebGPUSyncWaitsForSlowWork). A non-blocking Poll reads the fence.
func (d *WebGPU) pollUntil(done *bool) {
	start := time.Now()
	for i := 0; ; i++ {
		d.dev.Poll(false, nil)
		if *done || d.Lost() {
			return
		}
		switch {
		case i < 64:
			runtime.Gosched()
		case time.Since(start) > 10*time.Minute:
			d.fail(fmt.Errorf("gpu: WebGPU: the GPU has not finished its work after 10 minutes"))
			return
		default:
			time.Sleep(min(time.Duration(i-63)*20*time.Microsecond, time.Millisecond))
		}
	}
}

// mapRead waits for the submitted work, then copies size bytes of buf into dst.
func (d *WebGPU) mapRead(buf *wgpu.Buffer, size uint64, dst []float32) error {
	done := false
	var status wgpu.BufferMapAsyncStatus
	if err := buf.MapAsync(wgpu.MapModeRead, 0, size, func(s wgpu.BufferMapAsyncStatus) {
		status, done = s, true
	}); err != nil {
		return err
	}
	if d.pollUntil(&done); !done {
		if err := d.takeErr(); err != nil {
			return err
		}
		return fmt.Errorf("mapping the readback buffer never finished")
	}
	if status == wgpu.BufferMapAsyncStatusDeviceLost {
		d.setLost("a readback found the device lost")
	}
	if status != wgpu.BufferMapAsyncStatusSuccess {
		return fmt.Errorf("mapping the readback buffer: %s", status)
	}
	src := buf.GetMappedRange(0, uint(size))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), size), src)
	return buf.Unmap()
}
