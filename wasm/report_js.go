//go:build js

package main

// pageSink shows a run's progress on the page: the status line and the
// plots. A run on the page's thread reports to it directly; a run in the
// training worker through the worker's messages (trainer_js.go).
type pageSink struct{ a *app }

func (p pageSink) status(s string) { setText("run-status", s) }
func (p pageSink) view(m Msg)      { p.a.view.send(m) }
