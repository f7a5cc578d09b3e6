// Package sqlite opens the classroom board in a data folder: an SQLite file
// through modernc.org/sqlite, SQLite translated to Go, so that nnlab builds
// with CGO_ENABLED=0 and cross-compiles to every platform it ships for
// (ncruces/go-sqlite3, the other pure-Go driver, runs SQLite as WebAssembly
// through wazero: also cgo-free, but interpreted on platforms wazero does
// not compile for, and a second runtime in the binary).
//
// The file is in WAL mode with synchronous=FULL: a post is acknowledged
// after its commit is in the log and synced, so a killed server (or a
// crashed machine) keeps every acknowledged entry.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"nnlab/board/sqlstore"
)

// FileName is the board's database in the data folder.
const FileName = "board.sqlite"

// Open opens (creating if needed) the board in the folder dir and migrates
// it to the current schema.
func Open(ctx context.Context, dir string) (*sqlstore.Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("board: the data folder: %w", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("board: the data folder %s is not a folder", dir)
	}
	p := filepath.Join(dir, FileName)
	dsn := "file:" + filepath.ToSlash(p) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("board: opening %s: %w", p, err)
	}
	// One connection: SQLite has one writer anyway, and a classroom's
	// posts are small; readers wait their turn instead of getting BUSY.
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("board: opening %s: %w (is it an SQLite database?)", p, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("board: %s: journal mode %q, want wal (is the data folder on a network drive?)", p, mode)
	}
	s, err := sqlstore.Open(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w (%s)", err, p)
	}
	return s, nil
}
