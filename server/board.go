package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"nnlab/board"
)

// The board's endpoints (see docs/server.md, "The classroom board"). The
// board is the only part of the server that takes writes: learners post
// with the class code, the instructor reads, hides and clears with the
// instructor token; everything else stays read-only.
const (
	pathBoardAPI    = "/api/board"         // GET: info (public); POST: a learner's entry
	pathBoardList   = "/api/board/entries" // GET ?after=N: the entries (instructor)
	pathBoardEvents = "/api/board/events"  // GET: server-sent events (instructor)
	pathBoardHide   = "/api/board/hide"    // POST {"id","hidden"} (instructor)
	pathBoardClear  = "/api/board/clear"   // POST {} (instructor)
	pathBoardPage   = "/board"
)

// BoardOptions configure the board's handler.
type BoardOptions struct {
	Store board.Store
	// ClassCode is what learners post with (the server prints it); Token
	// is the instructor's (printed only on the serving machine).
	ClassCode, Token string
	// Rate is the posts a second one client may make after a burst of
	// Burst (defaults: one every 2 s, 20 at once).
	Rate  float64
	Burst int
	// ClientKey names the client of a request for the rate limit (default:
	// its IP address; on the edge, CF-Connecting-IP).
	ClientKey func(*http.Request) string
	// NoStream: no /api/board/events (the edge, whose isolates share no
	// memory); the board page polls instead.
	NoStream bool
}

// Board is the board's HTTP handler, in front of the lab's (see [Board.Wrap]).
type Board struct {
	o   BoardOptions
	hub hub
	lim rateLimiter
}

// NewBoard returns the board's handler.
func NewBoard(o BoardOptions) *Board {
	if o.Rate <= 0 {
		o.Rate = 0.5
	}
	if o.Burst <= 0 {
		o.Burst = 20
	}
	if o.ClientKey == nil {
		o.ClientKey = remoteIP
	}
	return &Board{o: o, lim: rateLimiter{rate: o.Rate, burst: float64(o.Burst), clients: map[string]*bucket{}}}
}

// NewCode returns a class code: 6 letters and digits that are hard to
// confuse when read off a projector (no 0/O, 1/I/L).
func NewCode() string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewToken returns an instructor token: 128 random bits in hex.
func NewToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// Wrap returns a handler that answers the board's paths and passes the
// rest to lab (/board is lab's board.html).
func (b *Board) Wrap(lab http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == pathBoardAPI || strings.HasPrefix(p, pathBoardAPI+"/"):
			b.ServeHTTP(w, r)
		case p == pathBoardPage:
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = "/board.html", ""
			lab.ServeHTTP(w, r2)
		default:
			lab.ServeHTTP(w, r)
		}
	})
}

// boardInfo is GET /api/board: the page probes it to show "Share to board".
type boardInfo struct {
	Board        bool `json:"board"`
	MaxPostBytes int  `json:"max_post_bytes"`
	MaxName      int  `json:"max_name"`
	MaxAnswer    int  `json:"max_answer"`
}

// ServeHTTP answers the board's API.
func (b *Board) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	SecurityHeaders(hdr)
	hdr.Set("Content-Security-Policy", defaultCSP)
	hdr.Set("Cache-Control", "no-store")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch r.URL.Path {
	case pathBoardAPI:
		if get {
			b.reply(w, http.StatusOK, boardInfo{true, board.MaxPostBytes, board.MaxNameRunes, board.MaxAnswerRunes})
			return
		}
		if b.refuse(w, r, http.MethodPost, false) {
			return
		}
		b.post(w, r)
	case pathBoardList:
		if !get {
			b.methodNotAllowed(w, r, "GET, HEAD")
			return
		}
		if !b.instructor(w, r) {
			return
		}
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		es, err := b.o.Store.List(r.Context(), after)
		if err != nil {
			b.fail(w, err.Error(), http.StatusInternalServerError)
			return
		}
		b.reply(w, http.StatusOK, es)
	case pathBoardEvents:
		if b.o.NoStream {
			b.fail(w, "404 no event stream here: poll /api/board/entries", http.StatusNotFound)
			return
		}
		if !get {
			b.methodNotAllowed(w, r, "GET, HEAD")
			return
		}
		if !b.instructor(w, r) {
			return
		}
		b.events(w, r)
	case pathBoardHide, pathBoardClear:
		if b.refuse(w, r, http.MethodPost, true) {
			return
		}
		b.action(w, r)
	default:
		b.fail(w, "404 no such board endpoint", http.StatusNotFound)
	}
}

func (b *Board) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	if r.ContentLength != 0 {
		dropBody(w)
	}
	b.fail(w, "405 method not allowed (allowed: "+allow+")", http.StatusMethodNotAllowed)
}

// refuse answers a write that is not allowed and reports whether it did:
// the method, a cross-site request (Sec-Fetch-Site, Origin), the content
// type, the rate limit, the credentials (class code, or instructor token).
func (b *Board) refuse(w http.ResponseWriter, r *http.Request, method string, instructor bool) bool {
	if r.Method != method {
		b.methodNotAllowed(w, r, method)
		return true
	}
	fail := func(msg string, code int) bool {
		if r.ContentLength != 0 {
			dropBody(w)
		}
		b.fail(w, msg, code)
		return true
	}
	if !sameOrigin(r) {
		return fail("403 forbidden: a cross-site request; post from the lab's own page", http.StatusForbidden)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fail("415 unsupported media type: send JSON with Content-Type: application/json", http.StatusUnsupportedMediaType)
	}
	if wait, ok := b.lim.allow(b.o.ClientKey(r), time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return fail(fmt.Sprintf("429 too many posts from this device: wait %.0f s and try again", wait.Seconds()+1), http.StatusTooManyRequests)
	}
	if instructor {
		if !b.instructor(w, r) {
			if r.ContentLength != 0 {
				dropBody(w)
			}
			return true
		}
		return false
	}
	code := strings.ToUpper(strings.TrimSpace(r.Header.Get("X-Class-Code")))
	if code == "" {
		return fail("403 forbidden: no class code; type the code the instructor shows (it is printed by nnlab serve)", http.StatusForbidden)
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(b.o.ClassCode)) != 1 {
		return fail("403 forbidden: wrong class code; check the code the instructor shows (it changes each time the server starts)", http.StatusForbidden)
	}
	return false
}

// instructor checks the instructor token (Authorization: Bearer, or
// ?token= where a header cannot be set: EventSource) and answers 403 if
// it is wrong.
func (b *Board) instructor(w http.ResponseWriter, r *http.Request) bool {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	if tok == "" || b.o.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(b.o.Token)) != 1 {
		b.fail(w, "403 forbidden: the board needs the instructor token that nnlab serve printed on the serving machine", http.StatusForbidden)
		return false
	}
	return true
}

// sameOrigin reports whether a request comes from the lab's own pages:
// Sec-Fetch-Site same-origin (or none: typed by the user), else an Origin
// whose host is the request's Host. Requests without either (curl, tests)
// pass: they are not a browser on another site.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func (b *Board) post(w http.ResponseWriter, r *http.Request) {
	p, err := board.DecodePost(r.Body)
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, board.ErrTooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		dropBody(w)
		b.fail(w, fmt.Sprintf("%d %s", code, err), code)
		return
	}
	e, created, err := b.o.Store.Add(r.Context(), p, time.Now())
	switch {
	case errors.Is(err, board.ErrFull):
		b.fail(w, "507 "+err.Error(), http.StatusInsufficientStorage)
		return
	case err != nil:
		b.fail(w, "500 the board could not store the entry: "+err.Error(), http.StatusInternalServerError)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
		b.hub.send(event{kind: "entry", entry: &e})
	}
	b.reply(w, code, e)
}

// action is hide or clear.
func (b *Board) action(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     string `json:"id"`
		Hidden bool   `json:"hidden"`
	}
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	d.DisallowUnknownFields()
	if err := d.Decode(&req); err != nil {
		b.fail(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var err error
	if r.URL.Path == pathBoardClear {
		if err = b.o.Store.Clear(r.Context()); err == nil {
			b.hub.send(event{kind: "clear"})
		}
	} else if err = b.o.Store.Hide(r.Context(), req.ID, req.Hidden); err == nil {
		b.hub.send(event{kind: "hide", id: req.ID, hidden: req.Hidden})
	}
	switch {
	case errors.Is(err, board.ErrNotFound):
		b.fail(w, "404 no entry with that id", http.StatusNotFound)
	case err != nil:
		b.fail(w, "500 "+err.Error(), http.StatusInternalServerError)
	default:
		b.reply(w, http.StatusOK, map[string]bool{"ok": true})
	}
}

func (b *Board) reply(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		b.fail(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

func (b *Board) fail(w http.ResponseWriter, msg string, code int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// remoteIP is the client's IP address.
func remoteIP(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// rateLimiter is a token bucket per client.
type rateLimiter struct {
	mu           sync.Mutex
	rate, burst  float64
	clients      map[string]*bucket
	lastSweepSec int64
}

type bucket struct {
	tokens float64
	at     time.Time
}

// allow takes a token from key's bucket, or says how long until there is one.
func (l *rateLimiter) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget full buckets now and then, so that the map stays small.
	if s := now.Unix(); s-l.lastSweepSec > 60 {
		l.lastSweepSec = s
		for k, b := range l.clients {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.clients, k)
			}
		}
	}
	b := l.clients[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.clients[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// event is a change of the board, sent to the board pages that stream.
type event struct {
	kind   string // entry, hide, clear
	entry  *board.Entry
	id     string
	hidden bool
}

// hub fans the board's changes out to the streaming board pages. A page
// that does not keep up (its queue full) is dropped; its EventSource
// reconnects and gets the whole board again.
type hub struct {
	mu   sync.Mutex
	subs map[chan event]struct{}
}

func (h *hub) subscribe() chan event {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[chan event]struct{}{}
	}
	c := make(chan event, 1024)
	h.subs[c] = struct{}{}
	return c
}

func (h *hub) unsubscribe(c chan event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[c]; ok {
		delete(h.subs, c)
		close(c)
	}
}

func (h *hub) send(e event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- e:
		default:
			delete(h.subs, c)
			close(c)
		}
	}
}

// boardPing is how often an idle stream gets a comment line: it keeps
// proxies from closing it and finds pages that are gone.
const boardPing = 20 * time.Second

// events streams the board: "reset" with every entry, then "entry",
// "hide" and "clear" as they happen.
func (b *Board) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The stream outlives the server's read timeout, which would cancel
	// the request's context.
	rc.SetReadDeadline(time.Time{})
	sub := b.hub.subscribe()
	defer b.hub.unsubscribe(sub)
	es, err := b.o.Store.List(r.Context(), 0)
	if err != nil {
		b.fail(w, "500 "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	var last int64
	for _, e := range es {
		last = max(last, e.Seq)
	}
	write := func(name string, v any) error {
		body, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, body); err != nil {
			return err
		}
		return rc.Flush()
	}
	if write("reset", es) != nil {
		return
	}
	ping := time.NewTicker(boardPing)
	defer ping.Stop()
	ctx := r.Context()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			if _, err = fmt.Fprint(w, ": ping\n\n"); err == nil {
				err = rc.Flush()
			}
		case ev, ok := <-sub:
			if !ok {
				return // dropped: the page reconnects
			}
			switch ev.kind {
			case "entry":
				// Posts commit in seq order but are announced in any order;
				// everything up to the reset's last seq was committed
				// before the reset was read, so it is in the reset.
				if ev.entry.Seq <= last {
					continue
				}
				err = write("entry", ev.entry)
			case "hide":
				err = write("hide", map[string]any{"id": ev.id, "hidden": ev.hidden})
			case "clear":
				err = write("clear", map[string]any{})
			}
		}
		if err != nil {
			return
		}
	}
}

// CloseStreams ends the streams of the board pages (before a shutdown,
// which waits for open requests).
func (b *Board) CloseStreams() {
	b.hub.mu.Lock()
	defer b.hub.mu.Unlock()
	for c := range b.hub.subs {
		delete(b.hub.subs, c)
		close(c)
	}
}
