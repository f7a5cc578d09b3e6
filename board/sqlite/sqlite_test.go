package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nnlab/board"
	"nnlab/board/boardtest"
)

func TestStoreSuite(t *testing.T) {
	boardtest.Run(t, func(t *testing.T) board.Store {
		s, err := Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s.MaxEntries = boardtest.MaxEntries
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A board survives closing and opening again, with its time, and in WAL
// mode.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 10, 11, 12, 0, time.UTC)
	if _, _, err := s.Add(ctx, boardtest.Run1("reopen-01", "Ada", 5, 0.5), at); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.List(ctx, 0)
	if err != nil || len(es) != 1 || !es[0].Time.Equal(at) {
		t.Fatalf("after reopening: %v %+v", err, es)
	}
	if v, err := s.Version(ctx); err != nil || v != 1 {
		t.Errorf("schema version %d %v, want 1", v, err)
	}
}

// A database from a newer nnlab is refused, with what to do; a folder
// that is a file is named.
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL)`)
	db.Exec(`INSERT INTO schema_version VALUES (99)`)
	db.Close()
	if _, err := Open(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("a database at version 99: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o644)
	if _, err := Open(context.Background(), f); err == nil {
		t.Error("a file as the data folder: no error")
	}
	junk := t.TempDir()
	os.WriteFile(filepath.Join(junk, FileName), []byte(strings.Repeat("not a database ", 100)), 0o644)
	if _, err := Open(context.Background(), junk); err == nil {
		t.Error("a file that is no database: no error")
	}
}
