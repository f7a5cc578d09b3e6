package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"nnlab/board/sqlite"
	"nnlab/server"
)

// boardFolder is where `nnlab serve` keeps the classroom board: --board,
// else $NNLAB_BOARD, else nnlab/board in the user's config folder; "off"
// serves no board.
func boardFolder(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if d := os.Getenv("NNLAB_BOARD"); d != "" {
		return d
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "nnlab", "board")
	}
	return "nnlab-board"
}

// serveBoard opens the board in dir and puts its handler in front of lab,
// with a new class code and instructor token. close closes the store.
func serveBoard(ctx context.Context, dir string, lab http.Handler) (h http.Handler, b *server.Board, code, token string, close func(), err error) {
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		return nil, nil, "", "", nil, fmt.Errorf("serve --board %s: %w\n(name another folder with --board DIR, or serve without a board: --board off)", dir, err)
	}
	code, token = server.NewCode(), server.NewToken()
	b = server.NewBoard(server.BoardOptions{Store: st, ClassCode: code, Token: token})
	return b.Wrap(lab), b, code, token, func() { st.Close() }, nil
}

// printBoard prints the class code (with the address that carries it, and
// its QR code on a LAN) and, for this terminal only, the instructor's link.
func printBoard(w io.Writer, c *server.Classroom, dir, code, token string, qr bool) {
	join := c.Join(0) + "?class=" + code
	if c.Query != "" {
		join = c.Join(0) + "&class=" + code
	}
	fmt.Fprintf(w, "nnlab: the class board is in %s\n", dir)
	fmt.Fprintf(w, "nnlab: class code %s: learners share their runs and answers with it (or open %s)\n", code, join)
	if c.LAN && qr {
		if s, err := server.QRText(join); err == nil {
			fmt.Fprintf(w, "nnlab: the address with the class code (%s):\n%s", join, s)
		}
	}
	fmt.Fprintf(w, "nnlab: instructor's board (keep this link to yourself): %sboard#token=%s\n", c.URLs[0], token)
}
