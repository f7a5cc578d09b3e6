//go:build js && wasm

package main

import (
	"github.com/syumai/workers"
)

func main() {
	h, err := lab(nil)
	if err != nil {
		panic(err)
	}
	workers.Serve(withEdgeBoard(h))
}
