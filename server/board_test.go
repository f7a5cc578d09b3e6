package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"nnlab/board"
	"nnlab/board/boardtest"
	"nnlab/board/sqlite"
)

// boardServer serves a lab with a board on a fresh SQLite store.
func boardServer(t *testing.T, o BoardOptions) (*httptest.Server, *Board) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st.MaxEntries = boardtest.MaxEntries
	t.Cleanup(func() { st.Close() })
	lab, err := New(Options{Site: fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html><title>nnlab</title>")},
		"board.html": {Data: []byte(`<!doctype html><title>board</title><script src="board.js"></script>`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	o.Store = st
	if o.ClassCode == "" {
		o.ClassCode, o.Token = "ABC234", "instructor-token"
	}
	b := NewBoard(o)
	srv := httptest.NewServer(b.Wrap(lab))
	t.Cleanup(srv.Close)
	t.Cleanup(b.CloseStreams)
	return srv, b
}

// The store suite through the server's HTTP API: what the edge's D1 runs.
func TestBoardSuiteOverHTTP(t *testing.T) {
	boardtest.Run(t, func(t *testing.T) board.Store {
		srv, _ := boardServer(t, BoardOptions{Rate: 1000, Burst: 1000})
		return &boardtest.HTTPStore{Base: srv.URL, ClassCode: "abc234", Token: "instructor-token"}
	})
}

func send(t *testing.T, method, url, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func postJSON(p board.Post) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// Every refused write, each with a status and a message that says what
// to do; the rest of the server stays read-only.
func TestBoardRefuses(t *testing.T) {
	srv, _ := boardServer(t, BoardOptions{Rate: 1000, Burst: 1000})
	u := srv.URL + "/api/board"
	ok := postJSON(boardtest.Run1("refuse-0001", "Ada", 10, 0.5))
	js := "Content-Type"
	cases := []struct {
		what string
		code int
		body string
		hdr  []string
		msg  string
	}{
		{"no class code", 403, ok, []string{js, "application/json"}, "no class code"},
		{"wrong class code", 403, ok, []string{js, "application/json", "X-Class-Code", "ZZZZZZ"}, "wrong class code"},
		{"cross-site fetch", 403, ok, []string{js, "application/json", "X-Class-Code", "ABC234", "Sec-Fetch-Site", "cross-site"}, "cross-site"},
		{"another origin", 403, ok, []string{js, "application/json", "X-Class-Code", "ABC234", "Origin", "http://evil.example"}, "cross-site"},
		{"a form post", 415, "name=Ada", []string{js, "application/x-www-form-urlencoded", "X-Class-Code", "ABC234"}, "application/json"},
		{"no content type", 415, ok, []string{"X-Class-Code", "ABC234"}, "application/json"},
		{"unknown field", 400, strings.Replace(ok, `"kind"`, `"hidden":false,"kind"`, 1), []string{js, "application/json", "X-Class-Code", "ABC234"}, "unknown field"},
		{"too large", 413, strings.Replace(ok, `"kind"`, `"model":"`+strings.Repeat("x", board.MaxPostBytes)+`","kind"`, 1), []string{js, "application/json", "X-Class-Code", "ABC234"}, "KiB"},
	}
	for _, c := range cases {
		code, body, _ := send(t, "POST", u, c.body, c.hdr...)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %q, want %d with %q", c.what, code, body, c.code, c.msg)
		}
	}
	code, body, _ := send(t, "POST", u, ok, js, "application/json; charset=utf-8", "X-Class-Code", "abc234", "Origin", srv.URL, "Sec-Fetch-Site", "same-origin")
	if code != 201 {
		t.Fatalf("a good post: %d %s", code, body)
	}
	if code, _, _ := send(t, "POST", u, ok, js, "application/json", "X-Class-Code", "ABC234"); code != 200 {
		t.Errorf("the same post again: %d, want 200 (stored once)", code)
	}
	// The instructor's endpoints need the token.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/board/entries", ""}, {"GET", "/api/board/events", ""},
		{"POST", "/api/board/clear", "{}"}, {"POST", "/api/board/hide", `{"id":"refuse-0001","hidden":true}`},
	} {
		if code, _, _ := send(t, c.method, srv.URL+c.path, c.body, js, "application/json", "X-Class-Code", "ABC234"); code != 403 {
			t.Errorf("%s %s with the class code only: %d, want 403", c.method, c.path, code)
		}
		if code, _, _ := send(t, c.method, srv.URL+c.path, c.body, js, "application/json", "Authorization", "Bearer wrong"); code != 403 {
			t.Errorf("%s %s with a wrong token: %d, want 403", c.method, c.path, code)
		}
	}
	if code, _, _ := send(t, "POST", srv.URL+"/api/board/clear", "{}", js, "application/json", "Authorization", "Bearer instructor-token", "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Errorf("a cross-site clear with the token: %d, want 403", code)
	}
	code, body, _ = send(t, "GET", srv.URL+"/api/board/entries", "", "Authorization", "Bearer instructor-token")
	if code != 200 || strings.Count(body, `"refuse-0001"`) != 1 {
		t.Errorf("the entries: %d %s", code, body)
	}
	// The rest is read-only; /board is the board's page.
	if code, _, _ := send(t, "POST", srv.URL+"/", ok, js, "application/json"); code != 405 {
		t.Errorf("POST /: %d", code)
	}
	if code, body, hdr := send(t, "GET", srv.URL+"/board", ""); code != 200 || !strings.Contains(body, "board.js") || !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src") {
		t.Errorf("/board: %d %q CSP %q", code, body, hdr.Get("Content-Security-Policy"))
	}
	if code, body, _ := send(t, "GET", u, ""); code != 200 || !strings.Contains(body, `"board":true`) {
		t.Errorf("GET /api/board (the page's probe): %d %s", code, body)
	}
}

// One device posting fast is stopped with 429 and Retry-After; another is not.
func TestBoardRateLimit(t *testing.T) {
	key := "a"
	srv, _ := boardServer(t, BoardOptions{Rate: 0.001, Burst: 3, ClientKey: func(*http.Request) string { return key }})
	post := func(id string) (int, http.Header) {
		code, _, hdr := send(t, "POST", srv.URL+"/api/board", postJSON(boardtest.Answer1(id, "Ada", "1", "yes")), "Content-Type", "application/json", "X-Class-Code", "ABC234")
		return code, hdr
	}
	for i := 0; i < 3; i++ {
		if code, _ := post("rate-000" + string(rune('0'+i))); code != 201 {
			t.Fatalf("post %d of the burst: %d", i+1, code)
		}
	}
	code, hdr := post("rate-0009")
	if code != 429 || hdr.Get("Retry-After") == "" {
		t.Errorf("over the burst: %d, Retry-After %q", code, hdr.Get("Retry-After"))
	}
	key = "b"
	if code, _ := post("rate-0010"); code != 201 {
		t.Errorf("another device: %d", code)
	}
}

// The board page's stream: every entry at first, then new entries, hides
// and clears as they happen.
func TestBoardEvents(t *testing.T) {
	srv, _ := boardServer(t, BoardOptions{Rate: 1000, Burst: 1000})
	st := &boardtest.HTTPStore{Base: srv.URL, ClassCode: "ABC234", Token: "instructor-token"}
	ctx := context.Background()
	if _, _, err := st.Add(ctx, boardtest.Run1("event-0001", "Ada", 1, 0.1), time.Now()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/board/events?token=instructor-token", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("the stream: %s %q", res.Status, res.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(res.Body)
	next := func() (string, string) {
		t.Helper()
		var name, data string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("the stream ended: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && name != "":
				return name, data
			}
		}
	}
	if name, data := next(); name != "reset" || !strings.Contains(data, "event-0001") {
		t.Errorf("first event: %s %s", name, data)
	}
	st.Add(ctx, boardtest.Run1("event-0002", "Bob", 2, 0.2), time.Now())
	if name, data := next(); name != "entry" || !strings.Contains(data, "event-0002") {
		t.Errorf("a new entry: %s %s", name, data)
	}
	st.Add(ctx, boardtest.Run1("event-0002", "Bob", 2, 0.2), time.Now()) // a retry: no event
	st.Hide(ctx, "event-0001", true)
	if name, data := next(); name != "hide" || !strings.Contains(data, `"event-0001"`) || !strings.Contains(data, "true") {
		t.Errorf("a hide: %s %s", name, data)
	}
	st.Clear(ctx)
	if name, _ := next(); name != "clear" {
		t.Errorf("a clear: %s", name)
	}
}
