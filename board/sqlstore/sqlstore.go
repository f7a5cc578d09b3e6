// Package sqlstore is the board's store on SQLite's dialect through
// database/sql: a file (nnlab/board/sqlite, natively) or Cloudflare D1 on
// the edge. D1 has no transactions through database/sql, so every change
// is one statement: the per-board limits and the idempotent insert are
// one INSERT ... SELECT ... WHERE ... ON CONFLICT DO NOTHING.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"nnlab/board"
)

// Store is a board in an SQL database.
type Store struct {
	db *sql.DB
	// MaxEntries and MaxBoardBytes bound the board (board's constants by
	// default; tests make them small).
	MaxEntries, MaxBoardBytes int64
}

// migrations are the schema's versions: migrations[i] takes a database at
// version i to version i+1. A new column is one more entry, never an edit.
// Each is idempotent: two edge isolates may migrate one D1 database at once.
var migrations = []string{
	`CREATE TABLE IF NOT EXISTS entries (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		time_ms INTEGER NOT NULL,
		hidden INTEGER NOT NULL DEFAULT 0,
		size INTEGER NOT NULL,
		lesson TEXT NOT NULL,
		kind TEXT NOT NULL,
		post TEXT NOT NULL
	)`,
}

// SchemaVersion is the version Open migrates to.
var SchemaVersion = len(migrations)

// Open migrates db to SchemaVersion and returns the store. A database
// written by a newer nnlab (a higher version) is refused, not changed.
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("board: the database: %w", err)
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return nil, fmt.Errorf("board: the database's schema version: %w", err)
	}
	if v > len(migrations) {
		return nil, fmt.Errorf("board: the database has schema version %d, newer than this nnlab's %d: use a newer nnlab, or another data folder", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		// Without transactions (D1), a migration and its version record
		// are two statements: a rerun after a half-done one redoes it.
		if _, err := db.ExecContext(ctx, migrations[v]); err != nil {
			return nil, fmt.Errorf("board: migrating the database to version %d: %w", v+1, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
			return nil, fmt.Errorf("board: recording schema version %d: %w", v+1, err)
		}
	}
	return &Store{db: db, MaxEntries: board.MaxEntries, MaxBoardBytes: board.MaxBoardBytes}, nil
}

// Version returns the database's schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// Add implements board.Store.
func (s *Store) Add(ctx context.Context, p board.Post, t time.Time) (board.Entry, bool, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return board.Entry{}, false, err
	}
	size := int64(len(body))
	res, err := s.db.ExecContext(ctx, `INSERT INTO entries (id, time_ms, size, lesson, kind, post)
		SELECT ?, ?, ?, ?, ?, ?
		WHERE (SELECT count(*) FROM entries) < ? AND (SELECT coalesce(sum(size), 0) FROM entries) + ? <= ?
		ON CONFLICT (id) DO NOTHING`,
		p.ID, t.UnixMilli(), size, p.Lesson, string(p.Kind), string(body), s.MaxEntries, size, s.MaxBoardBytes)
	if err != nil {
		return board.Entry{}, false, fmt.Errorf("board: storing the entry: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return board.Entry{}, false, err
	}
	e, err := s.get(ctx, p.ID)
	if errors.Is(err, board.ErrNotFound) && n == 0 {
		return board.Entry{}, false, board.ErrFull
	}
	return e, n == 1, err
}

func (s *Store) get(ctx context.Context, id string) (board.Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, time_ms, hidden, post FROM entries WHERE id = ?`, id)
	if err != nil {
		return board.Entry{}, err
	}
	es, err := scan(rows)
	if err != nil {
		return board.Entry{}, err
	}
	if len(es) == 0 {
		return board.Entry{}, board.ErrNotFound
	}
	return es[0], nil
}

// List implements board.Store.
func (s *Store) List(ctx context.Context, after int64) ([]board.Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, time_ms, hidden, post FROM entries WHERE seq > ? ORDER BY seq`, after)
	if err != nil {
		return nil, fmt.Errorf("board: listing the entries: %w", err)
	}
	return scan(rows)
}

func scan(rows *sql.Rows) ([]board.Entry, error) {
	defer rows.Close()
	es := []board.Entry{}
	for rows.Next() {
		var e board.Entry
		var ms, hidden int64
		var post string
		if err := rows.Scan(&e.Seq, &ms, &hidden, &post); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(post), &e.Post); err != nil {
			return nil, fmt.Errorf("board: entry %d in the database: %w", e.Seq, err)
		}
		e.Time = time.UnixMilli(ms).UTC()
		e.Hidden = hidden != 0
		es = append(es, e)
	}
	return es, rows.Err()
}

// Hide implements board.Store.
func (s *Store) Hide(ctx context.Context, id string, hidden bool) error {
	h := 0
	if hidden {
		h = 1
	}
	res, err := s.db.ExecContext(ctx, `UPDATE entries SET hidden = ? WHERE id = ?`, h, id)
	if err != nil {
		return fmt.Errorf("board: hiding the entry: %w", err)
	}
	// RowsAffected counts rows matched, also when hidden was already h.
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return board.ErrNotFound
	}
	return err
}

// Clear implements board.Store.
func (s *Store) Clear(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM entries`)
	return err
}

// Close implements board.Store.
func (s *Store) Close() error { return s.db.Close() }
