package main

import "nnlab/gpu"

// openDevice opens the device a kind names ("auto", "cpu" or "webgpu");
// note says what the learner should know about the choice, e.g. why WebGPU
// is not used.
func openDevice(kind string) (dev gpu.Device, note string, err error) {
	return gpu.Open(kind)
}
