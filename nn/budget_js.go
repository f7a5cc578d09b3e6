package nn

import "runtime"

// wasmMemory is what a model in the page may count on in all: 32-bit
// WebAssembly addresses 4 GiB at most, browsers often grant less, and the
// Go heap grows in steps; 2 GiB is what the page can rely on.
const wasmMemory = 2 << 30

// defaultMemoryBudget in the browser is wasmMemory less what the Go heap
// already holds (the page's data, its current model), and at least 64 MB.
func defaultMemoryBudget() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max(wasmMemory-int64(ms.HeapInuse), 64<<20)
}
