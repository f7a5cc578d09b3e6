// Package board is the classroom board: the workshop's collaborative
// document kept by the classroom server. A learner shares a run (its model,
// parameter count, final metrics and per-epoch curves, the link that
// reproduces it) or a short text answer to an exercise; the instructor's
// page (/board) shows the class's entries live.
//
// This package holds what every side agrees on: the [Entry], its strict
// JSON decoding and limits ([DecodePost]), and the [Store] interface. The
// stores are in nnlab/board/sqlstore (any database/sql SQLite dialect: a
// file through nnlab/board/sqlite natively, Cloudflare D1 on the edge), and
// nnlab/board/boardtest is the one test suite every store passes.
package board

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind is what an entry shares.
type Kind string

const (
	KindRun    Kind = "run"    // a fit's summary
	KindAnswer Kind = "answer" // a text answer to an exercise
)

// Post is what a learner sends: an entry without what the server sets.
// Its JSON is decoded strictly (see [DecodePost]).
type Post struct {
	// ID is made by the client, once per entry: a retried post carries the
	// same ID and is stored once.
	ID       string `json:"id"`
	Name     string `json:"name"`     // the display name the learner chose
	Lesson   string `json:"lesson"`   // "weather", "cifar10", ...
	Exercise string `json:"exercise"` // "" or the exercise's name
	Kind     Kind   `json:"kind"`
	Model    string `json:"model,omitempty"` // the model's code or summary
	Params   int64  `json:"params,omitempty"`
	// Metrics are the final ones, by Keras name: "val_accuracy", "test_rmse".
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Curves are the per-epoch history, by Keras name: "loss", "val_loss".
	Curves map[string][]float64 `json:"curves,omitempty"`
	Link   string               `json:"link,omitempty"`   // the lab address that reproduces the run
	Answer string               `json:"answer,omitempty"` // the text answer (or a note with a run)
}

// Entry is a post on the board, with what the server adds.
type Entry struct {
	Post
	// Seq orders the entries as they arrived (it grows, also across a
	// cleared board).
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Hidden bool      `json:"hidden"`
}

// Limits of a post and of a board. A post over them is refused with a
// message that says which field and what is allowed.
const (
	MaxPostBytes   = 256 << 10 // one post's JSON
	MaxNameRunes   = 40
	MaxLessonBytes = 32
	MaxExercise    = 80 // runes
	MaxModelBytes  = 32 << 10
	MaxParams      = 1e12
	MaxMetrics     = 32
	MaxCurves      = 16
	MaxEpochs      = 2000 // values in one curve
	MaxLinkBytes   = 8 << 10
	MaxAnswerRunes = 4000
	// MaxEntries and MaxBoardBytes bound a board: 30 learners posting
	// every few minutes for two days stay far under both.
	MaxEntries    = 5000
	MaxBoardBytes = 64 << 20
)

// Errors of a store.
var (
	// ErrFull: the board holds MaxEntries entries or MaxBoardBytes.
	ErrFull = errors.New("the board is full: the instructor can export it and clear it")
	// ErrTooLarge: a post over MaxPostBytes.
	ErrTooLarge = fmt.Errorf("the post is over %d KiB: share a shorter model text or fewer epochs", MaxPostBytes>>10)
	// ErrNotFound: no entry has that ID.
	ErrNotFound = errors.New("no such entry")
)

// Store keeps a board. Every method is safe for concurrent use.
type Store interface {
	// Add stores p, received at t, unless an entry with its ID is there
	// already; it returns the stored entry and whether it is new. A board
	// that is full gives ErrFull.
	Add(ctx context.Context, p Post, t time.Time) (e Entry, created bool, err error)
	// List returns the entries with Seq > after, hidden ones too, in order.
	List(ctx context.Context, after int64) ([]Entry, error)
	// Hide hides (or shows again) the entry id; ErrNotFound if none.
	Hide(ctx context.Context, id string, hidden bool) error
	// Clear removes every entry.
	Clear(ctx context.Context) error
	Close() error
}

// DecodePost reads one post from r: JSON, one object, no unknown fields,
// at most MaxPostBytes, every field within its limits.
func DecodePost(r io.Reader) (Post, error) {
	var p Post
	b, err := io.ReadAll(io.LimitReader(r, MaxPostBytes+1))
	if err != nil {
		return p, fmt.Errorf("reading the post: %w", err)
	}
	if len(b) > MaxPostBytes {
		return p, ErrTooLarge
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return p, fmt.Errorf("the post is not a board entry in JSON: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return p, errors.New("the post holds more than one JSON value: send one object")
	}
	return p, p.Check()
}

var (
	idRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)
	lessonRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	keyRE    = regexp.MustCompile(`^[A-Za-z0-9_]{1,40}$`)
)

// Check reports the first field of p that is missing or over its limits.
func (p *Post) Check() error {
	switch {
	case !idRE.MatchString(p.ID):
		return errors.New(`"id": want 8 to 64 letters, digits, - or _ (made once per entry by the page)`)
	case strings.TrimSpace(p.Name) == "":
		return errors.New(`"name": choose a display name to share under`)
	}
	if err := text("name", p.Name, MaxNameRunes, false); err != nil {
		return err
	}
	if !lessonRE.MatchString(p.Lesson) {
		return errors.New(`"lesson": want the lesson's name (1 to 32 lowercase letters, digits, - or _)`)
	}
	if err := text("exercise", p.Exercise, MaxExercise, false); err != nil {
		return err
	}
	if len(p.Model) > MaxModelBytes {
		return fmt.Errorf(`"model": %d bytes, over the limit of %d KiB`, len(p.Model), MaxModelBytes>>10)
	}
	if !utf8.ValidString(p.Model) {
		return errors.New(`"model": not valid UTF-8 text`)
	}
	if p.Params < 0 || p.Params > MaxParams {
		return fmt.Errorf(`"params": %d, want 0 to %g`, p.Params, float64(MaxParams))
	}
	if err := text("answer", p.Answer, MaxAnswerRunes, true); err != nil {
		return err
	}
	if len(p.Metrics) > MaxMetrics {
		return fmt.Errorf(`"metrics": %d of them, at most %d`, len(p.Metrics), MaxMetrics)
	}
	for k, v := range p.Metrics {
		if !keyRE.MatchString(k) {
			return fmt.Errorf(`"metrics": the name %.40q: want 1 to 40 letters, digits or _ (as Keras names them)`, k)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf(`"metrics": %s is not a finite number`, k)
		}
	}
	if len(p.Curves) > MaxCurves {
		return fmt.Errorf(`"curves": %d of them, at most %d`, len(p.Curves), MaxCurves)
	}
	for k, c := range p.Curves {
		if !keyRE.MatchString(k) {
			return fmt.Errorf(`"curves": the name %.40q: want 1 to 40 letters, digits or _`, k)
		}
		if len(c) > MaxEpochs {
			return fmt.Errorf(`"curves": %s has %d epochs, at most %d`, k, len(c), MaxEpochs)
		}
		for _, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf(`"curves": %s holds a value that is not a finite number`, k)
			}
		}
	}
	if p.Link != "" {
		u, err := url.Parse(p.Link)
		if len(p.Link) > MaxLinkBytes || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf(`"link": want the lab's http(s) address, at most %d KiB`, MaxLinkBytes>>10)
		}
	}
	switch p.Kind {
	case KindRun:
		if len(p.Metrics) == 0 {
			return errors.New(`"metrics": a run shares its final metrics; train the model first`)
		}
	case KindAnswer:
		if strings.TrimSpace(p.Answer) == "" {
			return errors.New(`"answer": write the answer to share`)
		}
	default:
		return fmt.Errorf(`"kind": %.20q, want "run" or "answer"`, p.Kind)
	}
	return nil
}

// text checks a text field: valid UTF-8, at most max runes, no control
// characters (newlines and tabs only where multiline).
func text(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%q: not valid UTF-8 text", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%q: %d characters, at most %d", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return fmt.Errorf("%q: holds a control character (U+%04X)", field, r)
		}
	}
	return nil
}

// Size is what an entry counts against MaxBoardBytes: its JSON's length.
func Size(p Post) int {
	b, _ := json.Marshal(p)
	return len(b)
}
