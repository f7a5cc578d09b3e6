package gpu

// WebGPUStats counts the work of a WebGPU device, to show where its time
// goes: WebGPU's cost per dispatch inside a compute pass is a few
// microseconds, per pass tens, per submit hundreds, per readback more.
type WebGPUStats struct {
	Dispatches   int64 // kernels recorded
	Passes       int64 // compute passes begun (a Read or a staged Write ends one)
	Submits      int64 // command buffers submitted
	Readbacks    int64 // Reads: each waits for the GPU and copies back
	Writes       int64 // Write calls
	StagedWrites int64 // Writes copied in the command stream, being ordered after recorded work
	Pipelines    int64 // pipelines compiled
	// CompileSeconds is the time spent creating them (a driver may compile
	// later, at a pipeline's first dispatch: Mesa's lavapipe does).
	CompileSeconds float64
	BindGroups     int64 // bind groups created (a cache miss each)
	// AliasCopies counts the dispatches whose inputs were copied out of an
	// output's buffer first (views of one buffer as input and output).
	AliasCopies int64
}
