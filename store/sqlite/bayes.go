package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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

// BayesScanATime calls fn for every token of scope with its counts and the
// time it was last learned (for `mailsift bayes export`).
func (d *DB) BayesScanATime(ctx context.Context, scope store.Scope,
	fn func(token uint64, c store.TokenCounts, atime time.Time) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT token, ham, spam, atime FROM bayes_tokens WHERE scope = ?`, scope.String())
	if err != nil {
		return classify("bayes scan", err)
	}
	for rows.Next() {
		var tok, at int64
		var c store.TokenCounts
		if err = rows.Scan(&tok, &c.Ham, &c.Spam, &at); err != nil {
			break
		}
		if err = fn(uint64(tok), c, time.Unix(at, 0)); err != nil {
			break
		}
	}
	if err == nil {
		err = rows.Err()
	}
	return classify("bayes scan", errors.Join(err, rows.Close()))
}

// BayesATimes returns when each of tokens was last learned in scope
// (tokens not stored are absent).
func (d *DB) BayesATimes(ctx context.Context, scope store.Scope, tokens []uint64) (map[uint64]time.Time, error) {
	out := make(map[uint64]time.Time, len(tokens))
	for len(tokens) > 0 {
		n := min(len(tokens), bayesChunk)
		q := `SELECT token, atime FROM bayes_tokens WHERE scope = ?1 AND token IN (` + placeholders(2, n) + `)`
		rows, err := d.db.QueryContext(ctx, q, tokenArgs(scope, nil, tokens[:n])...)
		if err != nil {
			return nil, classify("bayes atimes", err)
		}
		for rows.Next() {
			var tok, at int64
			if err = rows.Scan(&tok, &at); err != nil {
				break
			}
			out[uint64(tok)] = time.Unix(at, 0)
		}
		if err == nil {
			err = rows.Err()
		}
		if err = errors.Join(err, rows.Close()); err != nil {
			return nil, classify("bayes atimes", err)
		}
		tokens = tokens[n:]
	}
	return out, nil
}

// BayesSetATimes sets when tokens of scope were last learned (tokens not
// stored are skipped), in one transaction.
func (d *DB) BayesSetATimes(ctx context.Context, scope store.Scope, atimes map[uint64]time.Time) error {
	return d.withTx(ctx, "bayes set atimes", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE bayes_tokens SET atime = ? WHERE scope = ? AND token = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for tok, at := range atimes {
			if _, err := stmt.ExecContext(ctx, at.Unix(), scope.String(), int64(tok)); err != nil {
				return err
			}
		}
		return nil
	})
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
	outs, err := d.BayesLearnMany(ctx, scope, at, 1, func(int) (string, store.Class, []uint64) {
		return digest, class, tokens
	})
	if err != nil {
		return 0, err
	}
	return outs[0], nil
}

// BayesLearnMany learns n messages in one transaction, each as BayesLearn
// would; item returns the i-th. Every message is applied or none is. It
// is the optional batch interface bayes.BatchStore: the token deltas of
// the whole batch are summed and written once per token, so bulk learning
// costs a fraction of one transaction per message (whose random token
// hashes rewrite most pages of the table each time). Counts are clamped at
// zero after the batch's sum, not after each message; they differ only
// for tokens that were missing or expired.
func (d *DB) BayesLearnMany(ctx context.Context, scope store.Scope, at time.Time, n int,
	item func(i int) (digest string, class store.Class, tokens []uint64)) ([]store.LearnOutcome, error) {
	for i := 0; i < n; i++ {
		digest, class, _ := item(i)
		if err := checkLearn(digest, class); err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
	}
	outs := make([]store.LearnOutcome, n)
	err := d.withTx(ctx, "bayes learn", func(tx *sql.Tx) error {
		deltas := map[uint64][2]int{}
		var th, ts int
		for i := 0; i < n; i++ {
			digest, class, tokens := item(i)
			out, dh, ds, err := markSeen(ctx, tx, scope, digest, class, at)
			if err != nil {
				return err
			}
			outs[i] = out
			if dh == 0 && ds == 0 {
				continue
			}
			th, ts = th+dh, ts+ds
			for _, t := range tokens {
				v := deltas[t]
				deltas[t] = [2]int{v[0] + dh, v[1] + ds}
			}
		}
		if err := upsertTokens(ctx, tx, scope, deltas, at.Unix()); err != nil {
			return err
		}
		return addTotals(ctx, tx, scope, th, ts)
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

func checkLearn(digest string, class store.Class) error {
	if class != store.Ham && class != store.Spam {
		return fmt.Errorf("store/sqlite: bayes learn: bad class %v", class)
	}
	if digest == "" {
		return errors.New("store/sqlite: bayes learn: empty digest")
	}
	return nil
}

// markSeen records digest as class and returns the outcome and the count
// changes it implies for each of the message's tokens.
func markSeen(ctx context.Context, tx *sql.Tx, scope store.Scope, digest string, class store.Class,
	at time.Time) (out store.LearnOutcome, dh, ds int, err error) {
	was, err := seen(ctx, tx, scope, digest)
	if err != nil {
		return 0, 0, 0, err
	}
	dh, ds = 0, 1
	if class == store.Ham {
		dh, ds = 1, 0
	}
	out = store.Learned
	switch was {
	case class:
		return store.AlreadyKnown, 0, 0, nil
	case store.None:
	default:
		out = store.Relearned
		dh, ds = dh-ds, ds-dh // one count moves from the other class
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO bayes_seen (scope, digest, class, atime) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope, digest) DO UPDATE SET class = excluded.class, atime = excluded.atime`,
		scope.String(), digest, int(class), at.Unix())
	return out, dh, ds, err
}

// upsertTokens adds each token's ham and spam delta to its counts,
// inserting missing tokens, with multi-row statements of bayesChunk rows in
// token order. A negative delta on a missing token would insert a negative
// count: such chunks are clamped at zero afterwards.
func upsertTokens(ctx context.Context, tx *sql.Tx, scope store.Scope, deltas map[uint64][2]int, at int64) error {
	tokens := make([]uint64, 0, len(deltas))
	for t := range deltas {
		tokens = append(tokens, t)
	}
	slices.Sort(tokens)
	build := func(n int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO bayes_tokens (scope, token, ham, spam, atime) VALUES `)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			k := 3 + 3*i
			fmt.Fprintf(&b, "(?1,?%d,?%d,?%d,?2)", k, k+1, k+2)
		}
		b.WriteString(` ON CONFLICT (scope, token) DO UPDATE SET ham = MAX(0, ham + excluded.ham),
			spam = MAX(0, spam + excluded.spam), atime = MAX(atime, excluded.atime)`)
		return b.String()
	}
	clamp := func(n int) string {
		return `UPDATE bayes_tokens SET ham = MAX(0, ham), spam = MAX(0, spam)
			WHERE scope = ?1 AND token IN (` + placeholders(2, n) + `) AND (ham < 0 OR spam < 0)`
	}
	var full *sql.Stmt
	defer closeStmt(&full)
	for len(tokens) > 0 {
		n := min(len(tokens), bayesChunk)
		chunk := tokens[:n]
		tokens = tokens[n:]
		args := []any{scope.String(), at}
		negative := false
		for _, t := range chunk {
			d := deltas[t]
			args = append(args, int64(t), d[0], d[1])
			negative = negative || d[0] < 0 || d[1] < 0
		}
		if err := execChunk(ctx, tx, &full, n, build, args); err != nil {
			return err
		}
		if negative {
			if _, err := tx.ExecContext(ctx, clamp(n), tokenArgs(scope, nil, chunk)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// execChunk runs build(n) with args; the statement of a full chunk is
// prepared once into *full.
func execChunk(ctx context.Context, tx *sql.Tx, full **sql.Stmt, n int, build func(int) string, args []any) error {
	if n < bayesChunk {
		_, err := tx.ExecContext(ctx, build(n), args...)
		return err
	}
	if *full == nil {
		st, err := tx.PrepareContext(ctx, build(n))
		if err != nil {
			return err
		}
		*full = st
	}
	_, err := (*full).ExecContext(ctx, args...)
	return err
}

func closeStmt(st **sql.Stmt) {
	if *st != nil {
		_ = (*st).Close() // a statement of a finished transaction: nothing useful to report
	}
}

// chunked runs the statement build(n) for every chunk of n tokens, with
// the parameters ?1 = scope, then extra, then the tokens.
func chunked(ctx context.Context, tx *sql.Tx, build func(n int) string, scope store.Scope, extra []any,
	tokens []uint64) error {
	var full *sql.Stmt
	defer closeStmt(&full)
	for len(tokens) > 0 {
		n := min(len(tokens), bayesChunk)
		if err := execChunk(ctx, tx, &full, n, build, tokenArgs(scope, extra, tokens[:n])); err != nil {
			return err
		}
		tokens = tokens[n:]
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
	was, err := d.BayesForgetMany(ctx, scope, 1, func(int) (string, []uint64) { return digest, tokens })
	if err != nil {
		return false, err
	}
	return was[0] != store.None, nil
}

// BayesForgetMany unlearns n messages in one transaction, each as
// BayesForget would; item returns the i-th. It returns the class each
// message had been learned as (store.None: it was not learned). It is the
// optional batch interface bayes.BatchStore: the count changes of the
// whole batch are summed and written once per token, and tokens left with
// no count are removed.
func (d *DB) BayesForgetMany(ctx context.Context, scope store.Scope, n int,
	item func(i int) (digest string, tokens []uint64)) ([]store.Class, error) {
	was := make([]store.Class, n)
	err := d.withTx(ctx, "bayes forget", func(tx *sql.Tx) error {
		deltas := map[uint64][2]int{}
		var th, ts int
		for i := 0; i < n; i++ {
			digest, tokens := item(i)
			c, err := seen(ctx, tx, scope, digest)
			if err != nil {
				return err
			}
			if was[i] = c; c == store.None {
				continue
			}
			dh, ds := 0, -1
			if c == store.Ham {
				dh, ds = -1, 0
			}
			th, ts = th+dh, ts+ds
			for _, t := range tokens {
				v := deltas[t]
				deltas[t] = [2]int{v[0] + dh, v[1] + ds}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM bayes_seen WHERE scope = ? AND digest = ?`,
				scope.String(), digest); err != nil {
				return err
			}
		}
		if th == 0 && ts == 0 {
			return nil
		}
		// atime 0: forgetting does not make a token recent.
		if err := upsertTokens(ctx, tx, scope, deltas, 0); err != nil {
			return err
		}
		tokens := make([]uint64, 0, len(deltas))
		for t := range deltas {
			tokens = append(tokens, t)
		}
		slices.Sort(tokens)
		drop := func(n int) string {
			return `DELETE FROM bayes_tokens WHERE scope = ?1 AND ham = 0 AND spam = 0 AND token IN (` +
				placeholders(2, n) + `)`
		}
		if err := chunked(ctx, tx, drop, scope, nil, tokens); err != nil {
			return err
		}
		return addTotals(ctx, tx, scope, th, ts)
	})
	if err != nil {
		return nil, err
	}
	return was, nil
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
