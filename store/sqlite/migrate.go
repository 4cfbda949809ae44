package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one step of the schema. Versions start at 1 and increase by
// one; a released migration is never edited, only followed by a new one.
type migration struct {
	version int
	sql     string
}

var migrations = []migration{
	{1, `CREATE TABLE stats (
		day   TEXT    NOT NULL, -- YYYY-MM-DD, UTC
		name  TEXT    NOT NULL,
		value INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (day, name)
	) WITHOUT ROWID`},
	{2, `CREATE TABLE bayes_tokens (
		scope TEXT    NOT NULL, -- store.Scope.String()
		token INTEGER NOT NULL, -- the uint64 hash, bit-cast to int64
		ham   INTEGER NOT NULL DEFAULT 0,
		spam  INTEGER NOT NULL DEFAULT 0,
		atime INTEGER NOT NULL, -- unix seconds the token was last learned
		PRIMARY KEY (scope, token)
	) WITHOUT ROWID;
	CREATE TABLE bayes_seen (
		scope  TEXT    NOT NULL,
		digest TEXT    NOT NULL, -- bayes.Digest
		class  INTEGER NOT NULL, -- store.Class: 1 ham, 2 spam
		atime  INTEGER NOT NULL, -- unix seconds learned
		PRIMARY KEY (scope, digest)
	) WITHOUT ROWID;
	CREATE TABLE bayes_totals (
		scope TEXT    NOT NULL PRIMARY KEY,
		ham   INTEGER NOT NULL DEFAULT 0,
		spam  INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID`},
}

// SchemaVersion is the schema version this code writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrate applies the missing migrations in one transaction, recording each
// in schema_migrations, and refuses a database newer than the code.
func (d *DB) migrate(ctx context.Context) error {
	return d.withTx(ctx, "migrate "+d.path, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return err
		}
		cur, err := version(ctx, tx)
		if err != nil {
			return err
		}
		if cur > SchemaVersion() {
			return fmt.Errorf("%w: the database has version %d, this mailsift knows up to %d; "+
				"run the newer mailsift or restore a backup", ErrSchemaTooNew, cur, SchemaVersion())
		}
		now := time.Now().UTC().Format(time.RFC3339)
		for _, m := range migrations {
			if m.version <= cur {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %d: %w", m.version, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, now); err != nil {
				return fmt.Errorf("migration %d: %w", m.version, err)
			}
		}
		return nil
	})
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func version(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Version returns the schema version recorded in the database.
func (d *DB) Version(ctx context.Context) (int, error) {
	v, err := version(ctx, d.db)
	return v, classify("schema version", err)
}
