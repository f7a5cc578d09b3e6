//go:build !js

package nn

// defaultMemoryBudget natively: 4 GiB, a sane share of a laptop's memory
// that the lessons' models (a few MB) and CIFAR-10 (50,000 images, 150 MB
// as bytes) stay far below; `nnlab --memory` changes it.
func defaultMemoryBudget() int64 { return 4 << 30 }
