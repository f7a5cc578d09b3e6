//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"unsafe"
)

func (d *WebGPU) Sync() error {
	d.submit()
	d.wait()
	return d.takeErr()
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

// endPass ends the open compute pass, if any: copies in the command stream
// go between passes.
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
