package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"github.com/mailsift/mailsift/store"
)

var _ store.StatsStore = (*DB)(nil)

// Incr implements store.StatsStore in one transaction.
func (d *DB) Incr(ctx context.Context, day string, counters map[string]int64) error {
	if err := store.CheckDay(day); err != nil {
		return err
	}
	if len(counters) == 0 {
		return nil
	}
	names := make([]string, 0, len(counters))
	for n := range counters {
		if n == "" {
			return errors.New("store/sqlite: empty counter name")
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return d.withTx(ctx, "incr stats", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO stats (day, name, value) VALUES (?, ?, ?)
			ON CONFLICT (day, name) DO UPDATE SET value = value + excluded.value`)
		if err != nil {
			return err
		}
		for _, n := range names {
			if _, err = stmt.ExecContext(ctx, day, n, counters[n]); err != nil {
				break
			}
		}
		return errors.Join(err, stmt.Close())
	})
}

// Stats implements store.StatsStore.
func (d *DB) Stats(ctx context.Context, fromDay, toDay string) (map[string]map[string]int64, error) {
	if err := errors.Join(store.CheckDay(fromDay), store.CheckDay(toDay)); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx,
		`SELECT day, name, value FROM stats WHERE day >= ? AND day <= ? ORDER BY day, name`, fromDay, toDay)
	if err != nil {
		return nil, classify("read stats", err)
	}
	out, err := scanStats(rows)
	if cerr := rows.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, classify("read stats", err)
	}
	return out, nil
}

func scanStats(rows *sql.Rows) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	for rows.Next() {
		var day, name string
		var v int64
		if err := rows.Scan(&day, &name, &v); err != nil {
			return nil, err
		}
		if out[day] == nil {
			out[day] = map[string]int64{}
		}
		out[day][name] = v
	}
	return out, rows.Err()
}
