//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"unsafe"

	"github.com/cogentcore/webgpu/wgpu"
)

// gpuMem is one GPU buffer; Buffers are views into one.
type gpuMem struct {
	buf   *wgpu.Buffer
	size  uint64 // bytes, a multiple of 16
	freed bool
}

// webgpuBuf is a Buffer: a range of a gpuMem.
type webgpuBuf struct {
	mem   *gpuMem
	off   uint64 // bytes from the start of mem
	n     int    // elements: floats, or bytes of a byte buffer
	bytes bool
}

func (b *webgpuBuf) Len() int { return b.n }

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
