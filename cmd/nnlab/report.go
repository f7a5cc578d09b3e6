package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"nnlab/gpu"
	"nnlab/lab"
)

// report is how a lesson's run reaches the terminal: its progress and text
// report, or with --json one JSON object at the end and nothing else.
type report struct {
	out    io.Writer
	asJSON bool
}

// hooks send the run's progress (the summary, Keras's verbose=2 lines) to
// the terminal, except with --json.
func (r report) hooks() lab.Hooks {
	if r.asJSON {
		return lab.Hooks{}
	}
	return lab.Hooks{Verbose: r.out}
}

// log is where the command's own progress lines go.
func (r report) log() io.Writer {
	if r.asJSON {
		return io.Discard
	}
	return r.out
}

// onDevice opens the device the --device flag names, runs a lesson on it
// and closes it.
func onDevice[R any](kind string, run func(gpu.Device) (R, error)) (R, error) {
	dev, err := openDevice(kind, os.Stderr)
	if err != nil {
		var zero R
		return zero, err
	}
	defer dev.Close()
	return run(dev)
}

// openDevice opens the device the --device flag names and says which it got.
func openDevice(kind string, log io.Writer) (gpu.Device, error) {
	dev, note, err := gpu.Open(kind)
	if err != nil {
		return nil, err
	}
	if note != "" {
		fmt.Fprintln(log, note)
	}
	return dev, nil
}

// result prints a lesson's result: the JSON object, or its text report.
func result[R any](r report, res R, text func(io.Writer, R)) error {
	if r.asJSON {
		return printJSON(r.out, res)
	}
	text(r.out, res)
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
