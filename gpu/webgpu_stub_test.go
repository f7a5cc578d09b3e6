//go:build !((cgo && linux && amd64) || js)

package gpu

func resetTestWebGPU(d *WebGPU) {}
