//go:build js

package main

import "os"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "view" {
		runView()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		runWorker()
		return
	}
	runApp()
}
