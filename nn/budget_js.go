package nn

// defaultMemoryBudget in the browser: 32-bit WebAssembly addresses 4 GiB at
// most, browsers often give less, and the page keeps its data and the Go
// runtime's heap has to grow in steps: about 2 GiB is what a model can rely on.
const defaultMemoryBudget = 2 << 30
