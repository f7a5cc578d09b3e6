module nnlab

go 1.26.0

require (
	github.com/cogentcore/webgpu v0.23.0 // indirect
	golang.org/x/image v0.48.0
)
