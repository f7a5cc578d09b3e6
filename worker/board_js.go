//go:build js && wasm

package main

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"sync"

	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/d1"

	"nnlab/board/sqlstore"
	"nnlab/server"
)

// The class board on the edge: the same store as the classroom server's
// (nnlab/board/sqlstore) on Cloudflare D1, bound as BOARD_DB, and the same
// handler. The class code and the instructor token are the worker's
// variables NNLAB_CLASS_CODE and NNLAB_BOARD_TOKEN (wrangler secret put):
// an edge deployment has no terminal to print new ones at each start.
// Without the binding or the variables there is no board (404), and the
// page shows no "Share to board". Isolates share no memory, so there is no
// event stream: the board page polls.

var (
	edgeMu    sync.Mutex
	edgeBoard *server.Board
)

// openEdgeBoard opens the board at the first request (the bindings exist
// only while a request is handled); nil without the binding or variables.
// A failed open is tried again at the next request.
func openEdgeBoard(ctx context.Context) (*server.Board, error) {
	edgeMu.Lock()
	defer edgeMu.Unlock()
	if edgeBoard != nil {
		return edgeBoard, nil
	}
	code, token := cloudflare.Getenv("NNLAB_CLASS_CODE"), cloudflare.Getenv("NNLAB_BOARD_TOKEN")
	if code == "" || token == "" {
		return nil, nil
	}
	conn, err := d1.OpenConnector("BOARD_DB")
	if err != nil {
		return nil, nil
	}
	st, err := sqlstore.Open(ctx, sql.OpenDB(conn))
	if err != nil {
		return nil, err
	}
	if n, err := strconv.ParseInt(cloudflare.Getenv("NNLAB_BOARD_MAX_ENTRIES"), 10, 64); err == nil && n > 0 {
		st.MaxEntries = n
	}
	o := server.BoardOptions{Store: st, ClassCode: code, Token: token, NoStream: true,
		ClientKey: func(r *http.Request) string { return r.Header.Get("CF-Connecting-IP") }}
	// The rate limit per device: NNLAB_BOARD_RATE posts a second after a
	// burst of NNLAB_BOARD_BURST (the server's defaults otherwise).
	o.Rate, _ = strconv.ParseFloat(cloudflare.Getenv("NNLAB_BOARD_RATE"), 64)
	o.Burst, _ = strconv.Atoi(cloudflare.Getenv("NNLAB_BOARD_BURST"))
	edgeBoard = server.NewBoard(o)
	return edgeBoard, nil
}

// withEdgeBoard answers the board's paths with the D1 board, the rest with lab.
func withEdgeBoard(lab http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p != "/api/board" && (len(p) < 11 || p[:11] != "/api/board/") {
			lab.ServeHTTP(w, r)
			return
		}
		b, err := openEdgeBoard(r.Context())
		switch {
		case err != nil:
			server.SecurityHeaders(w.Header())
			http.Error(w, "500 the board's database: "+err.Error(), http.StatusInternalServerError)
		case b == nil:
			lab.ServeHTTP(w, r) // no board: 404/405 as any other path
		default:
			b.Wrap(lab).ServeHTTP(w, r)
		}
	})
}
