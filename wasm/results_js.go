//go:build js

package main

import (
	"encoding/json"
	"syscall/js"
)

// showResult writes the run's result into #nnlab-result as one JSON object
// (the automation contract, see the package doc).
func showResult(res pageResult) error {
	b, err := json.MarshalIndent(res, "", "  ")
	setText("nnlab-result", string(b))
	return err
}

// resultsTable writes a small table into #results (header row first; none
// without rows) and notes under it.
func resultsTable(rows [][]string, notes []string) {
	box := byID("results")
	box.Set("innerHTML", "")
	if len(rows) > 0 {
		box.Call("appendChild", textTable(rows, false))
	}
	for _, n := range notes {
		p := document.Call("createElement", "p")
		p.Set("className", "notes")
		p.Set("textContent", n)
		box.Call("appendChild", p)
	}
}

// textTable is a <table> of rows, the first the header (and, with
// rowHeads, each row's first cell); cells are text, never markup.
func textTable(rows [][]string, rowHeads bool) js.Value {
	t := document.Call("createElement", "table")
	for i, r := range rows {
		tr := document.Call("createElement", "tr")
		for j, c := range r {
			tag := "td"
			if i == 0 || (rowHeads && j == 0) {
				tag = "th"
			}
			td := document.Call("createElement", tag)
			td.Set("textContent", c)
			tr.Call("appendChild", td)
		}
		t.Call("appendChild", tr)
	}
	return t
}
