package gpu

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// errWebGPU prefixes errors of opening a WebGPU device.
var errWebGPU = errors.New("gpu: WebGPU unavailable")

// Open returns the device of kind, the one place where nnlab chooses one:
//
//   - "webgpu": the WebGPU device, or an error saying why there is none;
//   - "cpu": the pure-Go device;
//   - "auto": WebGPU on a hardware adapter, else the pure-Go device, with a
//     note saying why. A software adapter (Mesa's lavapipe, Chrome's
//     SwiftShader) emulates a GPU on the CPU several times slower than the
//     pure-Go kernels, so auto passes it over; ask for "webgpu" to use it.
//   - "": the environment variable NNLAB_DEVICE if set, else "auto".
//
// The note is for the user ("WebGPU: NVIDIA H200 (WebGPU, vulkan)", or why
// the pure-Go device runs); err is non-nil only when the kind is unknown or
// "webgpu" was asked for and is unavailable.
func Open(kind string) (dev Device, note string, err error) {
	if kind == "" {
		kind = os.Getenv("NNLAB_DEVICE")
		if kind == "" {
			kind = "auto"
		}
	}
	switch strings.ToLower(kind) {
	case "cpu":
		d := NewCPU()
		return d, "using " + d.Name(), nil
	case "webgpu":
		w, err := NewWebGPU()
		if err != nil {
			return nil, "", err
		}
		return w, "using " + w.Name(), nil
	case "auto":
		w, err := NewWebGPU()
		cpu := NewCPU()
		if err != nil {
			why := strings.TrimPrefix(err.Error(), errWebGPU.Error()+": ")
			return cpu, fmt.Sprintf("WebGPU is unavailable: %s; using %s", why, cpu.Name()), nil
		}
		if softwareAdapter(w) {
			name := w.Name()
			w.Close()
			return cpu, fmt.Sprintf("the WebGPU adapter %q emulates a GPU on the CPU, slower than pure Go: using %s; choose webgpu to use the adapter anyway", name, cpu.Name()), nil
		}
		return w, "using " + w.Name(), nil
	}
	return nil, "", fmt.Errorf("gpu: unknown device %q: want auto, webgpu or cpu", kind)
}
