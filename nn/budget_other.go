//go:build !js

package nn

// defaultMemoryBudget natively: 4 GiB, a sane share of a laptop's memory
// that the lessons' models (a few MB) and CIFAR-10 (50,000 images, 600 MB
// as float32s) stay far below; `nnlab --memory` changes it.
const defaultMemoryBudget = 4 << 30
