//go:build !js

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "nnlab's browser lab runs in a browser: build it with ./build.sh and serve dist/ (./build.sh serve)")
	os.Exit(2)
}
