// Package sqlite is the embedded store backend: one SQLite file in WAL mode,
// its schema created and upgraded by migrations kept in code.
//
// Writers wait for each other up to the busy timeout; past it, and on I/O
// errors, calls fail with an error that wraps store.ErrUnavailable so that
// the caller degrades instead of crashing.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/mailsift/mailsift/store"
)

// DefaultBusyTimeout is how long a call waits for a lock held by another
// writer when Options.BusyTimeout is zero.
const DefaultBusyTimeout = 5 * time.Second

// Options tune Open. The zero value is the default.
type Options struct {
	// BusyTimeout is how long a call waits for another writer's lock before
	// it fails with store.ErrUnavailable; 0 means DefaultBusyTimeout.
	BusyTimeout time.Duration
}

// DB is a SQLite store. It is safe for concurrent use.
type DB struct {
	db   *sql.DB
	path string
}

// ErrSchemaTooNew is returned by Open for a database written by a newer
// mailsift, whose schema this code does not know.
var ErrSchemaTooNew = errors.New("database schema is newer than this mailsift")

// Open opens the database at path, creating it and its directory when
// missing, and brings its schema up to date.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store/sqlite: bad database path %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store/sqlite: %w", err)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	params := url.Values{
		"_journal_mode": {"WAL"},
		"_busy_timeout": {strconv.FormatInt(busy.Milliseconds(), 10)},
		"_foreign_keys": {"on"},
		"_synchronous":  {"NORMAL"},
		"_txlock":       {"immediate"}, // writers take the lock at BEGIN: no upgrade deadlocks
	}
	db, err := sql.Open("sqlite3", path+"?"+params.Encode())
	if err != nil {
		return nil, classify("open "+path, err)
	}
	d := &DB{db: db, path: path}
	if err := d.migrate(ctx); err != nil {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return classify("close", d.db.Close()) }

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// withTx runs fn in a write transaction and commits it, or rolls it back
// when fn fails.
func (d *DB) withTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(op, err)
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = errors.Join(err, rerr)
		}
		return classify(op, err)
	}
	return classify(op, tx.Commit())
}

// classify wraps err with the operation and, when the store cannot answer
// now, with store.ErrUnavailable.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("store/sqlite: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("store/sqlite: %s: %w", op, err)
}

// unavailable reports whether err means the database could not answer now:
// a lock held past the busy timeout, an I/O or permission problem, a full
// disk, or a deadline.
func unavailable(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrCantOpen,
			sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrProtocol, sqlite3.ErrNomem:
			return true
		}
	}
	return errors.Is(err, context.DeadlineExceeded)
}
