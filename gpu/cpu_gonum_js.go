package gpu

// No gonum in the browser: its plain-Go fallback is slower than the loop in
// cpu_matmul.go there.
var sgemmGonum sgemmFunc
