package boardtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"nnlab/board"
)

// HTTPStore is a board.Store over a board's HTTP API (the classroom
// server's or the edge worker's): the suite runs on D1 through it.
type HTTPStore struct {
	Base      string // "http://127.0.0.1:8080"
	ClassCode string
	Token     string
	Client    *http.Client
}

func (s *HTTPStore) do(ctx context.Context, method, path string, body any, instructor bool) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if instructor {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	} else {
		req.Header.Set("X-Class-Code", s.ClassCode)
	}
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// Add implements board.Store (the server sets the time, not t).
func (s *HTTPStore) Add(ctx context.Context, p board.Post, t time.Time) (board.Entry, bool, error) {
	code, b, err := s.do(ctx, "POST", "/api/board", p, false)
	if err != nil {
		return board.Entry{}, false, err
	}
	switch code {
	case http.StatusOK, http.StatusCreated:
		var e board.Entry
		err := json.Unmarshal(b, &e)
		return e, code == http.StatusCreated, err
	case http.StatusInsufficientStorage:
		return board.Entry{}, false, board.ErrFull
	}
	return board.Entry{}, false, fmt.Errorf("POST /api/board: %d %s", code, strings.TrimSpace(string(b)))
}

// List implements board.Store.
func (s *HTTPStore) List(ctx context.Context, after int64) ([]board.Entry, error) {
	code, b, err := s.do(ctx, "GET", "/api/board/entries?after="+strconv.FormatInt(after, 10), nil, true)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /api/board/entries: %d %s", code, strings.TrimSpace(string(b)))
	}
	var es []board.Entry
	return es, json.Unmarshal(b, &es)
}

// Hide implements board.Store.
func (s *HTTPStore) Hide(ctx context.Context, id string, hidden bool) error {
	code, b, err := s.do(ctx, "POST", "/api/board/hide", map[string]any{"id": id, "hidden": hidden}, true)
	switch {
	case err != nil:
		return err
	case code == http.StatusNotFound:
		return board.ErrNotFound
	case code != http.StatusOK:
		return fmt.Errorf("POST /api/board/hide: %d %s", code, strings.TrimSpace(string(b)))
	}
	return nil
}

// Clear implements board.Store.
func (s *HTTPStore) Clear(ctx context.Context) error {
	code, b, err := s.do(ctx, "POST", "/api/board/clear", map[string]any{}, true)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("POST /api/board/clear: %d %s", code, strings.TrimSpace(string(b)))
	}
	return err
}

// Close implements board.Store.
func (s *HTTPStore) Close() error { return nil }
