package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/storetest"
)

func open(t *testing.T, path string, opts Options) *DB {
	t.Helper()
	d, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

func TestStatsStore(t *testing.T) {
	storetest.TestStatsStore(t, func(t *testing.T) store.StatsStore {
		return open(t, filepath.Join(t.TempDir(), "mailsift.db"), Options{})
	})
}

func TestMigrationVersions(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %d has version %d, want %d", i, m.version, i+1)
		}
	}
}

func TestOpenCreatesDirAndSetsPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "mailsift.db")
	d := open(t, path, Options{BusyTimeout: 1500 * time.Millisecond})
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "1500",
	} {
		var got string
		if err := d.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailsift.db")
	for i := 0; i < 3; i++ {
		d, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := d.Incr(ctx, "2024-01-01", map[string]int64{store.StatMessages: 1}); err != nil {
			t.Fatal(err)
		}
		v, err := d.Version(ctx)
		if err != nil || v != SchemaVersion() {
			t.Errorf("open %d: Version = %d, %v; want %d", i, v, err, SchemaVersion())
		}
		var n int
		if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(migrations) {
			t.Errorf("open %d: %d rows in schema_migrations, want %d", i, n, len(migrations))
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	d := open(t, path, Options{})
	got, err := d.Stats(ctx, "2024-01-01", "2024-01-01")
	if err != nil || got["2024-01-01"][store.StatMessages] != 3 {
		t.Errorf("stats across reopens = %v, %v; want messages 3", got, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailsift.db")
	d, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'future')`, SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open(newer) = %v, want ErrSchemaTooNew", err)
	}
	if errors.Is(err, store.ErrUnavailable) {
		t.Errorf("a newer schema is not a temporary failure: %v", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("version %d", SchemaVersion()+1)) {
		t.Errorf("error does not name the version: %v", err)
	}
}

// holdExclusive opens a second connection to path that holds an exclusive
// transaction until the test ends.
func holdExclusive(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Error(err)
		}
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
		if err := raw.Close(); err != nil {
			t.Error(err)
		}
	})
}

func TestLockedIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailsift.db")
	d := open(t, path, Options{BusyTimeout: 20 * time.Millisecond})
	holdExclusive(t, path)
	err := d.Incr(ctx, "2024-01-01", map[string]int64{store.StatMessages: 1})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Incr on a locked database = %v, want store.ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("error hides the cause: %v", err)
	}
}

func TestOpenLockedIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailsift.db")
	open(t, path, Options{})
	holdExclusive(t, path)
	_, err := Open(context.Background(), path, Options{BusyTimeout: 20 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open on a locked database = %v, want store.ErrUnavailable", err)
	}
}

func TestBadPaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(file, "mailsift.db"), // parent is a file
		dir,                                // a directory
		filepath.Join(dir, "what?.db"),
		"",
	} {
		d, err := Open(context.Background(), path, Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", path)
			if cerr := d.Close(); cerr != nil {
				t.Error(cerr)
			}
			continue
		}
		if !strings.HasPrefix(err.Error(), "store/sqlite: ") {
			t.Errorf("Open(%q) = %v, want a store/sqlite error", path, err)
		}
	}
}

func TestReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	_, err := Open(ctx, filepath.Join(dir, "mailsift.db"), Options{})
	if err == nil {
		t.Error("Open in a read-only directory succeeded")
	}
	t.Logf("read-only directory: %v", err)

	path := filepath.Join(t.TempDir(), "mailsift.db")
	d, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o400); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	d, err = Open(ctx, path, Options{})
	if err == nil {
		err = d.Incr(ctx, "2024-01-01", map[string]int64{store.StatMessages: 1})
		if err == nil {
			t.Error("Incr on a read-only file succeeded")
		}
		if cerr := d.Close(); cerr != nil {
			t.Log(cerr)
		}
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("read-only file: %v, want store.ErrUnavailable", err)
	}
	t.Logf("read-only file: %v", err)
}
