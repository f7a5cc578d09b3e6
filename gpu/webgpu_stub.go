//go:build !((cgo && linux && amd64) || js)

package gpu

import "fmt"

// WebGPU is unavailable in this build: the native WebGPU device needs cgo on
// linux/amd64, the browser one GOOS=js.
type WebGPU struct{ Device }

// NewWebGPU reports that this build has no WebGPU.
func NewWebGPU() (*WebGPU, error) {
	return nil, fmt.Errorf("%w: this build has no WebGPU (it needs cgo on linux/amd64, or GOOS=js)", errWebGPU)
}

// Stats returns zeros.
func (d *WebGPU) Stats() WebGPUStats { return WebGPUStats{} }

// Lost is false: there is no device to lose.
func (d *WebGPU) Lost() bool { return false }

func softwareAdapter(d *WebGPU) bool { return false }
