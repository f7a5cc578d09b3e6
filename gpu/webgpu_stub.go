//go:build !((cgo && linux && amd64) || js)

package gpu

import "errors"

// WebGPU is unavailable in this build: the native WebGPU device needs cgo on
// linux/amd64, the browser one GOOS=js.
type WebGPU struct{ Device }

// NewWebGPU reports that this build has no WebGPU.
func NewWebGPU() (*WebGPU, error) {
	return nil, errors.New("gpu: WebGPU is not available in this build (it needs cgo on linux/amd64, or GOOS=js)")
}

// Stats returns zeros.
func (d *WebGPU) Stats() WebGPUStats { return WebGPUStats{} }

func softwareAdapter(d *WebGPU) bool { return false }
