package main

import (
	"testing"
	"time"
)

func TestYielder(t *testing.T) {
	pauses := 0
	y := &yielder{Every: 5 * time.Millisecond, Pause: func() { pauses++ }}
	y.Maybe() // starts the clock
	y.Maybe()
	if pauses != 0 {
		t.Fatalf("paused after no work")
	}
	time.Sleep(6 * time.Millisecond)
	y.Maybe()
	if pauses != 1 || y.Yields != 1 {
		t.Fatalf("pauses %d, yields %d after 6 ms of work", pauses, y.Yields)
	}
	y.Maybe()
	if pauses != 1 {
		t.Fatalf("paused again at once")
	}
}
