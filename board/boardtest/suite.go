// Package boardtest is the one test suite of the board's stores: SQLite in
// a data folder, the classroom server's HTTP API over it, and Cloudflare D1
// in local workerd (driven over the worker's HTTP API with [HTTPStore]).
package boardtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"nnlab/board"
)

// MaxEntries is the board limit the stores under test are opened with.
const MaxEntries = 12

// Run runs the suite; open returns an empty store whose MaxEntries is
// MaxEntries (each call a fresh or cleared board).
func Run(t *testing.T, open func(t *testing.T) board.Store) {
	ctx := context.Background()
	t.Run("AddList", func(t *testing.T) {
		s := open(t)
		p := Run1("learner-0001", "Ada <b>", 1234, 0.61)
		e, created, err := s.Add(ctx, p, time.Now())
		if err != nil || !created {
			t.Fatalf("Add: %v created %v", err, created)
		}
		if e.Seq <= 0 || e.Time.IsZero() || e.Hidden {
			t.Errorf("the stored entry: seq %d time %v hidden %v", e.Seq, e.Time, e.Hidden)
		}
		if !reflect.DeepEqual(e.Post, p) {
			t.Errorf("stored %+v\nwant %+v", e.Post, p)
		}
		a := Answer1("answer-0001", "Grace", "exercise 3", "Fewer nodes: 8 still works.\n<script>alert(1)</script>")
		if _, _, err := s.Add(ctx, a, time.Now()); err != nil {
			t.Fatal(err)
		}
		es, err := s.List(ctx, 0)
		if err != nil || len(es) != 2 {
			t.Fatalf("List: %v, %d entries", err, len(es))
		}
		if es[0].ID != p.ID || es[1].ID != a.ID || es[1].Seq <= es[0].Seq || !reflect.DeepEqual(es[1].Post, a) {
			t.Errorf("List: %+v", es)
		}
		if es, _ := s.List(ctx, es[0].Seq); len(es) != 1 || es[0].ID != a.ID {
			t.Errorf("List after the first: %+v", es)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := open(t)
		p := Run1("retry-0001", "Bob", 99, 0.5)
		first, created, err := s.Add(ctx, p, time.Now())
		if err != nil || !created {
			t.Fatal(err, created)
		}
		// A retry (the answer was lost) and concurrent doubles.
		var wg sync.WaitGroup
		var mu sync.Mutex
		news := 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := Run1("retry-0002", "Bob", 99, 0.5)
				_, c, err := s.Add(ctx, q, time.Now())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				if c {
					news++
				}
				mu.Unlock()
			}()
		}
		again, created, err := s.Add(ctx, p, time.Now())
		wg.Wait()
		if err != nil || created || again.Seq != first.Seq {
			t.Errorf("a retried post: %v, created %v, seq %d (first %d)", err, created, again.Seq, first.Seq)
		}
		if news != 1 {
			t.Errorf("8 concurrent posts of one ID: %d created, want 1", news)
		}
		if es, _ := s.List(ctx, 0); len(es) != 2 {
			t.Errorf("%d entries, want 2", len(es))
		}
	})
	t.Run("HideClear", func(t *testing.T) {
		s := open(t)
		for i := 0; i < 3; i++ {
			if _, _, err := s.Add(ctx, Run1(fmt.Sprintf("hide-%04d", i), "C", 10, 0.1), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Hide(ctx, "hide-0001", true); err != nil {
			t.Fatal(err)
		}
		es, _ := s.List(ctx, 0)
		if len(es) != 3 || es[0].Hidden || !es[1].Hidden || es[2].Hidden {
			t.Errorf("after hiding the second: %+v", es)
		}
		if err := s.Hide(ctx, "hide-0001", false); err != nil {
			t.Fatal(err)
		}
		if es, _ := s.List(ctx, 0); es[1].Hidden {
			t.Error("shown again: still hidden")
		}
		if err := s.Hide(ctx, "no-such-entry", true); !errors.Is(err, board.ErrNotFound) {
			t.Errorf("hiding a missing entry: %v, want ErrNotFound", err)
		}
		last := es[2].Seq
		if err := s.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if es, _ := s.List(ctx, 0); len(es) != 0 {
			t.Errorf("after Clear: %d entries", len(es))
		}
		e, _, err := s.Add(ctx, Run1("after-clear", "D", 1, 1), time.Now())
		if err != nil || e.Seq <= last {
			t.Errorf("after Clear: %v, seq %d, want > %d (seq never goes back)", err, e.Seq, last)
		}
	})
	t.Run("Full", func(t *testing.T) {
		s := open(t)
		for i := 0; i < MaxEntries; i++ {
			if _, _, err := s.Add(ctx, Run1(fmt.Sprintf("full-%04d", i), "E", 1, 1), time.Now()); err != nil {
				t.Fatalf("entry %d of %d: %v", i+1, MaxEntries, err)
			}
		}
		if _, _, err := s.Add(ctx, Run1("one-too-many", "E", 1, 1), time.Now()); !errors.Is(err, board.ErrFull) {
			t.Errorf("one entry over the limit: %v, want ErrFull", err)
		}
		// A retry of a stored entry is still answered on a full board.
		if _, created, err := s.Add(ctx, Run1("full-0000", "E", 1, 1), time.Now()); err != nil || created {
			t.Errorf("a retry on a full board: %v, created %v", err, created)
		}
		if es, _ := s.List(ctx, 0); len(es) != MaxEntries {
			t.Errorf("%d entries, want %d", len(es), MaxEntries)
		}
	})
}

// Run1 is a run's post.
func Run1(id, name string, params int64, valAcc float64) board.Post {
	return board.Post{ID: id, Name: name, Lesson: "cifar10", Exercise: "exercise 3", Kind: board.KindRun,
		Model:   "model = keras.Sequential([\n  layers.Dense(10),\n])",
		Params:  params,
		Metrics: map[string]float64{"val_accuracy": valAcc, "test_accuracy": valAcc - 0.01},
		Curves:  map[string][]float64{"loss": {2.1, 1.7, 1.5}, "val_loss": {2.0, 1.8, 1.6}},
		Link:    "http://192.168.1.20:8080/?lesson=cifar10&epochs=3"}
}

// Answer1 is an answer's post.
func Answer1(id, name, exercise, text string) board.Post {
	return board.Post{ID: id, Name: name, Lesson: "weather", Exercise: exercise, Kind: board.KindAnswer, Answer: text}
}
