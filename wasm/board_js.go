package main

import (
	"encoding/json"
	"syscall/js"
)

// The class board's learner side (site/board-client.js) asks Go for the
// post that shares a run: nnlabBoardRun(resultJSON, id, name, exercise,
// link) returns {post: "<JSON>"} or {error: "<message>"}. A kept run (the
// runs table) calls it with its result's JSON, as the page does with
// #nnlab-result's.
func init() {
	js.Global().Set("nnlabBoardRun", js.FuncOf(func(_ js.Value, args []js.Value) any {
		arg := func(i int) string {
			if i < len(args) && args[i].Type() == js.TypeString {
				return args[i].String()
			}
			return ""
		}
		p, err := boardRunPost([]byte(arg(0)), arg(1), arg(2), arg(3), arg(4))
		if err != nil {
			return map[string]any{"error": err.Error()}
		}
		b, _ := json.Marshal(p)
		return map[string]any{"post": string(b)}
	}))
}
