//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/cogentcore/webgpu/wgpu"

	"nnlab/shaders"
)

// binding is a range of a GPU buffer bound to one @binding.
type binding struct {
	mem       *gpuMem
	off, size uint64
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

// run records the kernel of key with the parameters and bindings of d.call
// over a grid of workgroups: in place when d.call binds an input to an
// output's range (see aliased), with inputs apart from the outputs (see
// separate).
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
	if alias, err := d.aliased(key.name, k.layout.writable); err != nil {
		d.fail(err)
		return
	} else if alias {
		key.inPlace = true
		if k = d.kernel(key); k.err != nil {
			return
		}
		c.b[k.layout.skip-1] = binding{}
	}
	d.separate(k.layout)
	gkey := bgKey{layout: k.layout}
	copy(gkey.b[:], c.b[:c.nb])
	group, ok := d.groups[gkey]
	if !ok {
		ents := make([]wgpu.BindGroupEntry, 0, c.nb+1)
		ents = append(ents, wgpu.BindGroupEntry{Binding: 0, Buffer: d.ring, Offset: 0, Size: ringSlot})
		for i := 0; i < c.nb; i++ {
			if b := c.b[i]; b.mem != nil {
				ents = append(ents, wgpu.BindGroupEntry{Binding: uint32(i + 1), Buffer: b.mem.buf, Offset: b.off, Size: b.size})
			}
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

// aliased reports whether d.call binds kernel name's input
// shaders.InPlace[name].In to the very range of its output Out: the kernel
// then runs in place. Any other overlap with a writable binding is an error.
func (d *WebGPU) aliased(name string, writable []bool) (bool, error) {
	c := &d.call
	alias := false
	for i := 0; i < c.nb; i++ {
		if !writable[i] {
			continue
		}
		for j := 0; j < c.nb; j++ {
			bi, bj := c.b[i], c.b[j]
			if j == i || bj.mem != bi.mem || bj.off >= bi.off+bi.size || bi.off >= bj.off+bj.size {
				continue
			}
			if a, ok := shaders.InPlace[name]; ok && bj == bi && a == (shaders.Alias{In: j + 1, Out: i + 1}) {
				alias = true
				continue
			}
			return false, fmt.Errorf("gpu: WebGPU kernel %s: buffers %d and %d overlap", name, i+1, j+1)
		}
	}
	return alias, nil
}

// separate rebinds the read-only inputs of d.call that share a GPU buffer
// with an output: WebGPU forbids one buffer in one dispatch both read-only
// and writable, even in ranges that do not overlap. A nil input gets its
// dummy range from a buffer of its own; a view of an output's buffer (views
// of one arena) is copied out first.
func (d *WebGPU) separate(l *bgLayout) {
	c := &d.call
	var need uint64
	for j := 0; j < c.nb; j++ {
		switch {
		case c.b[j].mem == d.dummy && !l.writable[j]:
			c.b[j].mem = d.dummyIn
		case d.sharesOutput(l, j):
			need += roundUp(c.b[j].size, bindAlign)
		}
	}
	if need > 0 {
		d.copyOut(l, need)
	}
}

// sharesOutput reports whether binding j+1 of d.call is an input in the GPU
// buffer of an output.
func (d *WebGPU) sharesOutput(l *bgLayout, j int) bool {
	c := &d.call
	if l.writable[j] || c.b[j].mem == nil {
		return false
	}
	for i := 0; i < c.nb; i++ {
		if l.writable[i] && c.b[i].mem == c.b[j].mem {
			return true
		}
	}
	return false
}

// copyOut copies the inputs of d.call that share a buffer with an output
// (need bytes) into the device's alias scratch, in the command stream, and
// binds the copies instead.
func (d *WebGPU) copyOut(l *bgLayout, need uint64) {
	if d.aliasCopy == nil || d.aliasCopy.mem.size < need {
		if d.aliasCopy != nil {
			d.Free(d.aliasCopy)
		}
		d.aliasCopy = d.Alloc(int(max(need, 1<<16) / 4)).(*webgpuBuf)
	}
	d.encoder()
	if d.enc == nil || d.aliasCopy.mem == d.dummy {
		return
	}
	d.endPass()
	c := &d.call
	off := uint64(0)
	for j := 0; j < c.nb; j++ {
		if !d.sharesOutput(l, j) {
			continue
		}
		b := c.b[j]
		if err := d.enc.CopyBufferToBuffer(b.mem.buf, b.off, d.aliasCopy.mem.buf, off, b.size); err != nil {
			d.fail(fmt.Errorf("gpu: WebGPU: copying an input out of an output's buffer: %w", err))
		}
		c.b[j] = binding{mem: d.aliasCopy.mem, off: off, size: b.size}
		off += roundUp(b.size, bindAlign)
	}
	d.stats.AliasCopies++
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
