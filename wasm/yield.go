package main

import "time"

// A Go program compiled to wasm returns to the browser's event loop only when
// all of its goroutines are blocked. Training is one long computation, so the
// trainer blocks on purpose: after about Every of work it pauses, and the
// page handles clicks (Stop), paints, and the plots redraw.
type yielder struct {
	Every time.Duration // work between pauses (default 30 ms)
	// Pause blocks until the browser has run its pending tasks; nil sleeps
	// a millisecond (browsers make that 4 ms or more).
	Pause func()
	last  time.Time
	// Yields counts the pauses and Paused sums their length (what the page
	// did meanwhile), for the benchmark report.
	Yields int
	Paused time.Duration
}

// Maybe pauses if Every has passed since the last pause.
func (y *yielder) Maybe() {
	now := time.Now()
	if y.last.IsZero() {
		y.last = now
		return
	}
	every := y.Every
	if every <= 0 {
		every = 30 * time.Millisecond
	}
	if now.Sub(y.last) < every {
		return
	}
	y.Now()
}

// Now pauses unconditionally.
func (y *yielder) Now() {
	t0 := time.Now()
	if y.Pause != nil {
		y.Pause()
	} else {
		time.Sleep(time.Millisecond)
	}
	y.Yields++
	y.last = time.Now()
	y.Paused += y.last.Sub(t0)
}
