package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mailsift/mailsift/store"
)

var _ store.BayesStore = (*DB)(nil)

// bayesChunk is how many tokens one statement carries; SQLite allows 32766
// parameters, and 500 keeps each statement small enough to prepare fast.
const bayesChunk = 500

// BayesTotals implements store.BayesStore.
func (d *DB) BayesTotals(ctx context.Context, scope store.Scope) (store.BayesTotals, error) {
	var t store.BayesTotals
	err := d.db.QueryRowContext(ctx, `SELECT ham, spam FROM bayes_totals WHERE scope = ?`,
		scope.String()).Scan(&t.Ham, &t.Spam)
	if errors.Is(err, sql.ErrNoRows) {
		return store.BayesTotals{}, nil
	}
	return t, classify("bayes totals", err)
}

// BayesLookup implements store.BayesStore with one query per 500 tokens.
func (d *DB) BayesLookup(ctx context.Context, scope store.Scope, tokens []uint64) (map[uint64]store.TokenCounts, error) {
	out := make(map[uint64]store.TokenCounts, len(tokens))
	for len(tokens) > 0 {
		n := min(len(tokens), bayesChunk)
		args := tokenArgs(scope, nil, tokens[:n])
		q := `SELECT token, ham, spam FROM bayes_tokens WHERE scope = ?1 AND token IN (` + placeholders(2, n) + `)`
		rows, err := d.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, classify("bayes lookup", err)
		}
		err = scanTokens(rows, func(tok uint64, c store.TokenCounts) error {
			out[tok] = c
			return nil
		})
		if err != nil {
			return nil, classify("bayes lookup", err)
		}
		tokens = tokens[n:]
	}
	return out, nil
}

// BayesScan implements store.BayesStore.
func (d *DB) BayesScan(ctx context.Context, scope store.Scope, fn func(token uint64, c store.TokenCounts) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT token, ham, spam FROM bayes_tokens WHERE scope = ?`, scope.String())
	if err != nil {
		return classify("bayes scan", err)
	}
	return classify("bayes scan", scanTokens(rows, fn))
}

// scanTokens calls fn for each (token, ham, spam) row and closes rows.
func scanTokens(rows *sql.Rows, fn func(uint64, store.TokenCounts) error) error {
	var err error
	for rows.Next() {
		var tok int64
		var c store.TokenCounts
		if err = rows.Scan(&tok, &c.Ham, &c.Spam); err != nil {
			break
		}
		if err = fn(uint64(tok), c); err != nil {
			break
		}
	}
	if err == nil {
		err = rows.Err()
	}
	return errors.Join(err, rows.Close())
}

// BayesSeen implements store.BayesStore.
func (d *DB) BayesSeen(ctx context.Context, scope store.Scope, digest string) (store.Class, error) {
	c, err := seen(ctx, d.db, scope, digest)
	return c, classify("bayes seen", err)
}

func seen(ctx context.Context, q querier, scope store.Scope, digest string) (store.Class, error) {
	var c store.Class
	err := q.QueryRowContext(ctx, `SELECT class FROM bayes_seen WHERE scope = ? AND digest = ?`,
		scope.String(), digest).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return store.None, nil
	}
	return c, err
}

// BayesLearn implements store.BayesStore in one transaction.
func (d *DB) BayesLearn(ctx context.Context, scope store.Scope, digest string, class store.Class,
	tokens []uint64, at time.Time) (store.LearnOutcome, error) {
	if class != store.Ham && class != store.Spam {
		return 0, fmt.Errorf("store/sqlite: bayes learn: bad class %v", class)
	}
	if digest == "" {
		return 0, errors.New("store/sqlite: bayes learn: empty digest")
	}
	var out store.LearnOutcome
	err := d.withTx(ctx, "bayes learn", func(tx *sql.Tx) error {
		was, err := seen(ctx, tx, scope, digest)
		if err != nil {
			return err
		}
		dh, ds := 0, 1
		if class == store.Ham {
			dh, ds = 1, 0
		}
		switch was {
		case class:
			out = store.AlreadyKnown
			return nil
		case store.None:
			out = store.Learned
		default:
			out = store.Relearned
			dh, ds = dh-ds, ds-dh // one count moves from the other class
		}
		if err := upsertTokens(ctx, tx, scope, tokens, dh, ds, at.Unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bayes_seen (scope, digest, class, atime) VALUES (?, ?, ?, ?)
			ON CONFLICT (scope, digest) DO UPDATE SET class = excluded.class, atime = excluded.atime`,
			scope.String(), digest, int(class), at.Unix()); err != nil {
			return err
		}
		return addTotals(ctx, tx, scope, dh, ds)
	})
	if err != nil {
		return 0, err
	}
	return out, nil
}

// upsertTokens adds dh and ds to the counts of tokens (clamped at zero),
// inserting missing ones, with multi-row statements of bayesChunk rows.
func upsertTokens(ctx context.Context, tx *sql.Tx, scope store.Scope, tokens []uint64, dh, ds int, at int64) error {
	build := func(n int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO bayes_tokens (scope, token, ham, spam, atime) VALUES `)
		ih, is := strconv.Itoa(max(dh, 0)), strconv.Itoa(max(ds, 0))
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?1,?" + strconv.Itoa(i+3) + "," + ih + "," + is + ",?2)")
		}
		fmt.Fprintf(&b, ` ON CONFLICT (scope, token) DO UPDATE SET ham = MAX(0, ham + %d),
			spam = MAX(0, spam + %d), atime = MAX(atime, excluded.atime)`, dh, ds)
		return b.String()
	}
	return chunked(ctx, tx, build, scope, []any{at}, tokens)
}

// chunked runs the statement build(n) for every chunk of n tokens, with
// the parameters ?1 = scope, then extra, then the tokens. The statement of
// a full chunk is prepared once.
func chunked(ctx context.Context, tx *sql.Tx, build func(n int) string, scope store.Scope, extra []any,
	tokens []uint64) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			_ = full.Close() // closing a statement of a finished transaction cannot fail usefully
		}
	}()
	for len(tokens) > 0 {
		n := min(len(tokens), bayesChunk)
		args := tokenArgs(scope, extra, tokens[:n])
		tokens = tokens[n:]
		if n < bayesChunk {
			if _, err := tx.ExecContext(ctx, build(n), args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, build(n)); err != nil {
				return err
			}
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// tokenArgs returns the parameters scope, extra..., tokens as int64.
func tokenArgs(scope store.Scope, extra []any, tokens []uint64) []any {
	args := make([]any, 0, 1+len(extra)+len(tokens))
	args = append(args, scope.String())
	args = append(args, extra...)
	for _, t := range tokens {
		args = append(args, int64(t))
	}
	return args
}

// placeholders returns "?from,?from+1,..." for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("?" + strconv.Itoa(from+i))
	}
	return b.String()
}

func addTotals(ctx context.Context, tx *sql.Tx, scope store.Scope, dh, ds int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO bayes_totals (scope, ham, spam) VALUES (?1, MAX(0, ?2), MAX(0, ?3))
		ON CONFLICT (scope) DO UPDATE SET ham = MAX(0, ham + ?2), spam = MAX(0, spam + ?3)`,
		scope.String(), dh, ds)
	return err
}

// BayesForget implements store.BayesStore in one transaction.
func (d *DB) BayesForget(ctx context.Context, scope store.Scope, digest string, tokens []uint64) (bool, error) {
	var ok bool
	err := d.withTx(ctx, "bayes forget", func(tx *sql.Tx) error {
		was, err := seen(ctx, tx, scope, digest)
		if err != nil || was == store.None {
			return err
		}
		ok = true
		dh, ds := 0, -1
		if was == store.Ham {
			dh, ds = -1, 0
		}
		update := func(n int) string {
			return fmt.Sprintf(`UPDATE bayes_tokens SET ham = MAX(0, ham + %d), spam = MAX(0, spam + %d)
				WHERE scope = ?1 AND token IN (%s)`, dh, ds, placeholders(2, n))
		}
		drop := func(n int) string {
			return `DELETE FROM bayes_tokens WHERE scope = ?1 AND ham = 0 AND spam = 0 AND token IN (` +
				placeholders(2, n) + `)`
		}
		if err := chunked(ctx, tx, update, scope, nil, tokens); err != nil {
			return err
		}
		if err := chunked(ctx, tx, drop, scope, nil, tokens); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM bayes_seen WHERE scope = ? AND digest = ?`,
			scope.String(), digest); err != nil {
			return err
		}
		return addTotals(ctx, tx, scope, dh, ds)
	})
	return ok, err
}

// BayesExpire implements store.BayesStore.
func (d *DB) BayesExpire(ctx context.Context, scope store.Scope, cutoff time.Time, maxCount uint32) (int, error) {
	var n int64
	err := d.withTx(ctx, "bayes expire", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM bayes_tokens WHERE scope = ? AND atime < ? AND ham + spam <= ?`,
			scope.String(), cutoff.Unix(), int64(maxCount))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// BayesScopes implements store.BayesStore.
func (d *DB) BayesScopes(ctx context.Context) ([]store.Scope, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT scope FROM bayes_totals WHERE ham > 0 OR spam > 0 ORDER BY scope`)
	if err != nil {
		return nil, classify("bayes scopes", err)
	}
	var out []store.Scope
	for rows.Next() {
		var s string
		if err = rows.Scan(&s); err != nil {
			break
		}
		var sc store.Scope
		if sc, err = store.ParseScope(s); err != nil {
			break
		}
		out = append(out, sc)
	}
	if err == nil {
		err = rows.Err()
	}
	return out, classify("bayes scopes", errors.Join(err, rows.Close()))
}
