package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

func runBayes(args []string, stdout, stderr io.Writer) int {
	subs := map[string]func([]string, io.Writer, io.Writer) int{
		"stats": bayesStats, "expire": bayesExpire, "export": bayesExport, "import": bayesImport,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: mailsift bayes stats|expire|export|import [options]\n"+
			"Run 'mailsift bayes SUBCOMMAND -h' for its options; docs/bayes-cli.md has the details.")
		return 2
	}
	return subs[args[0]](args[1:], stdout, stderr)
}

// bayesFlags are the options every bayes subcommand takes.
type bayesFlags struct {
	fs      *flag.FlagSet
	cfgPath string
	user    string
}

func newBayesFlags(name, usage string, stderr io.Writer, withUser bool) *bayesFlags {
	f := &bayesFlags{fs: flag.NewFlagSet("bayes "+name, flag.ContinueOnError)}
	f.fs.SetOutput(stderr)
	f.fs.StringVar(&f.cfgPath, "config", "", "configuration file (default: built-in defaults)")
	if withUser {
		f.fs.StringVar(&f.user, "user", "", "only this recipient's own statistics")
	}
	f.fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mailsift bayes "+usage)
		f.fs.PrintDefaults()
	}
	return f
}

// open loads the configuration and opens its existing database; the
// database is not created when missing.
func (f *bayesFlags) open(stderr io.Writer) (*config.Config, *sqlite.DB, bool) {
	cfg, err := loadConfig(f.cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	if _, err := os.Stat(cfg.Store.Path); err != nil {
		fmt.Fprintf(stderr, "mailsift bayes: no database: %v\n", err)
		return nil, nil, false
	}
	db, err := sqlite.Open(context.Background(), cfg.Store.Path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes:", err)
		return nil, nil, false
	}
	return cfg, db, true
}

// scopes returns the --user scope, or every scope with statistics (the
// global one always first).
func (f *bayesFlags) scopes(ctx context.Context, db *sqlite.DB) ([]store.Scope, error) {
	if f.user != "" {
		return []store.Scope{store.UserScope(f.user)}, nil
	}
	all, err := db.BayesScopes(ctx)
	if err != nil {
		return nil, err
	}
	out := []store.Scope{store.GlobalScope()}
	for _, s := range all {
		if s != store.GlobalScope() {
			out = append(out, s)
		}
	}
	return out, nil
}

func closeDB(db *sqlite.DB, stderr io.Writer) {
	if err := db.Close(); err != nil {
		fmt.Fprintln(stderr, "mailsift bayes:", err)
	}
}

// scopeStats is one scope in `bayes stats`.
type scopeStats struct {
	Scope  string `json:"scope"`
	Ham    uint64 `json:"ham"`
	Spam   uint64 `json:"spam"`
	Tokens int    `json:"tokens"`
	Ready  bool   `json:"ready"`
}

// dbStats is the output of `bayes stats`.
type dbStats struct {
	Database string       `json:"database"`
	Bytes    int64        `json:"bytes"` // the file with its -wal and -shm files
	MinHam   uint64       `json:"min_ham"`
	MinSpam  uint64       `json:"min_spam"`
	Scopes   []scopeStats `json:"scopes"`
}

func bayesStats(args []string, stdout, stderr io.Writer) int {
	f := newBayesFlags("stats", "stats [--config FILE] [--user ADDR] [--json]", stderr, true)
	asJSON := f.fs.Bool("json", false, "print JSON")
	if err := f.fs.Parse(args); err != nil || f.fs.NArg() > 0 {
		return 2
	}
	cfg, db, ok := f.open(stderr)
	if !ok {
		return 1
	}
	defer closeDB(db, stderr)
	ctx := context.Background()
	st, err := collectStats(ctx, f, cfg, db)
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes stats:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "database: %s (%.1f MiB)\nready at: %d ham and %d spam\n\n", st.Database,
		float64(st.Bytes)/(1<<20), st.MinHam, st.MinSpam)
	fmt.Fprintf(stdout, "%-32s %8s %8s %9s  %s\n", "scope", "ham", "spam", "tokens", "ready")
	for _, s := range st.Scopes {
		ready := "no"
		if s.Ready {
			ready = "yes"
		}
		fmt.Fprintf(stdout, "%-32s %8d %8d %9d  %s\n", s.Scope, s.Ham, s.Spam, s.Tokens, ready)
	}
	return 0
}

func collectStats(ctx context.Context, f *bayesFlags, cfg *config.Config, db *sqlite.DB) (dbStats, error) {
	opts := bayesOptions(cfg)
	st := dbStats{Database: cfg.Store.Path, MinHam: opts.MinHam, MinSpam: opts.MinSpam}
	if st.MinHam == 0 {
		st.MinHam = bayes.DefaultMinHam
	}
	if st.MinSpam == 0 {
		st.MinSpam = bayes.DefaultMinSpam
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(cfg.Store.Path + suffix); err == nil {
			st.Bytes += fi.Size()
		}
	}
	scopes, err := f.scopes(ctx, db)
	if err != nil {
		return st, err
	}
	for _, sc := range scopes {
		t, err := db.BayesTotals(ctx, sc)
		if err != nil {
			return st, err
		}
		s := scopeStats{Scope: sc.String(), Ham: t.Ham, Spam: t.Spam, Ready: t.Ham >= st.MinHam && t.Spam >= st.MinSpam}
		err = db.BayesScan(ctx, sc, func(uint64, store.TokenCounts) error {
			s.Tokens++
			return nil
		})
		if err != nil {
			return st, err
		}
		st.Scopes = append(st.Scopes, s)
	}
	return st, nil
}

func bayesExpire(args []string, stdout, stderr io.Writer) int {
	f := newBayesFlags("expire", "expire [--config FILE] [--older-than DURATION] [--max-count N]", stderr, false)
	older := f.fs.Duration("older-than", 0, "drop tokens not seen for this long (default: [bayes] expire_after, 2160h)")
	maxCount := f.fs.Uint("max-count", 1, "... and seen in at most this many messages (ham + spam)")
	if err := f.fs.Parse(args); err != nil || f.fs.NArg() > 0 {
		return 2
	}
	cfg, db, ok := f.open(stderr)
	if !ok {
		return 1
	}
	defer closeDB(db, stderr)
	if *older <= 0 {
		*older = cfg.Bayes.ExpireAfter.Duration
	}
	ctx := context.Background()
	scopes, err := f.scopes(ctx, db)
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes expire:", err)
		return 1
	}
	cutoff := time.Now().Add(-*older)
	total := 0
	for _, sc := range scopes {
		n, err := db.BayesExpire(ctx, sc, cutoff, uint32(min(*maxCount, 1<<32-1)))
		if err != nil {
			fmt.Fprintln(stderr, "mailsift bayes expire:", err)
			return 1
		}
		total += n
		fmt.Fprintf(stdout, "%s: %d tokens dropped\n", sc, n)
	}
	fmt.Fprintf(stdout, "expired %d tokens not seen since %s in at most %d messages\n",
		total, cutoff.UTC().Format(time.RFC3339), *maxCount)
	return 0
}

// The export format (docs/bayes-cli.md): a first line "mailsift-bayes v1";
// then per scope a line "scope=SCOPE ham=N spam=M tokens=K" followed by K
// lines "TOKEN HAM SPAM [LASTSEEN]", TOKEN in 16 hex digits, in token
// order, LASTSEEN the Unix time the token was last learned (files written
// before it existed lack it). Lines starting with # are comments.
const exportMagic = "mailsift-bayes v1"

// exportScope is one scope of an export.
type exportScope struct {
	scope  store.Scope
	totals store.BayesTotals
	tokens []exportToken
}

type exportToken struct {
	token uint64
	store.TokenCounts
	seen int64 // last learned, Unix seconds; 0 when the file does not say
}

func bayesExport(args []string, stdout, stderr io.Writer) int {
	f := newBayesFlags("export", "export [--config FILE] [--user ADDR] > FILE", stderr, true)
	if err := f.fs.Parse(args); err != nil || f.fs.NArg() > 0 {
		return 2
	}
	_, db, ok := f.open(stderr)
	if !ok {
		return 1
	}
	defer closeDB(db, stderr)
	ctx := context.Background()
	scopes, err := f.scopes(ctx, db)
	if err == nil {
		err = writeExport(ctx, db, scopes, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes export:", err)
		return 1
	}
	return 0
}

func writeExport(ctx context.Context, db *sqlite.DB, scopes []store.Scope, out io.Writer) error {
	w := bufio.NewWriterSize(out, 1<<16)
	fmt.Fprintln(w, exportMagic)
	for _, sc := range scopes {
		t, err := db.BayesTotals(ctx, sc)
		if err != nil {
			return err
		}
		var toks []exportToken
		err = db.BayesScanATime(ctx, sc, func(tok uint64, c store.TokenCounts, at time.Time) error {
			toks = append(toks, exportToken{tok, c, at.Unix()})
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(toks, func(a, b exportToken) int { return cmp.Compare(a.token, b.token) })
		fmt.Fprintf(w, "scope=%s ham=%d spam=%d tokens=%d\n", sc, t.Ham, t.Spam, len(toks))
		for _, tk := range toks {
			fmt.Fprintf(w, "%016x %d %d %d\n", tk.token, tk.Ham, tk.Spam, tk.seen)
		}
	}
	return w.Flush()
}

func bayesImport(args []string, stdout, stderr io.Writer) int {
	f := newBayesFlags("import", "import [--config FILE] [FILE|-]  (adds the counts to the database)", stderr, false)
	if err := f.fs.Parse(args); err != nil || f.fs.NArg() > 1 {
		return 2
	}
	in := stdin
	if name := f.fs.Arg(0); name != "" && name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "mailsift bayes import:", err)
			return 1
		}
		defer fh.Close()
		in = fh
	}
	data, err := io.ReadAll(in)
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes import:", err)
		return 1
	}
	scopes, err := parseExport(data)
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes import:", err)
		return 1
	}
	cfg, err := loadConfig(f.cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Store.Path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "mailsift bayes import:", err)
		return 1
	}
	defer closeDB(db, stderr)
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:8])
	for _, sc := range scopes {
		msg, err := importScope(ctx, db, id, sc)
		if err != nil {
			fmt.Fprintln(stderr, "mailsift bayes import:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: %s\n", sc.scope, msg)
	}
	return 0
}

// parseExport reads and checks a whole export before anything is written.
func parseExport(data []byte) ([]exportScope, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var out []exportScope
	var cur *exportScope
	want, lineNo := 0, 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if lineNo == 1 {
			if line != exportMagic {
				return nil, fmt.Errorf("line 1: not a mailsift Bayes export (want %q)", exportMagic)
			}
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var err error
		if strings.HasPrefix(line, "scope=") {
			if cur != nil && len(cur.tokens) != want {
				return nil, fmt.Errorf("scope %s: %d tokens, header says %d", cur.scope, len(cur.tokens), want)
			}
			out = append(out, exportScope{})
			cur = &out[len(out)-1]
			want, err = parseScopeLine(line, cur)
		} else if cur == nil {
			err = errors.New("token before any scope line")
		} else {
			err = parseTokenLine(line, cur)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if lineNo == 0 {
		return nil, errors.New("empty input")
	}
	if cur != nil && len(cur.tokens) != want {
		return nil, fmt.Errorf("scope %s: %d tokens, header says %d (truncated?)", cur.scope, len(cur.tokens), want)
	}
	return out, nil
}

func parseScopeLine(line string, s *exportScope) (int, error) {
	var name string
	var tokens int
	if _, err := fmt.Sscanf(line, "scope=%s ham=%d spam=%d tokens=%d", &name, &s.totals.Ham, &s.totals.Spam,
		&tokens); err != nil {
		return 0, fmt.Errorf("bad scope line %q: %w", line, err)
	}
	var err error
	s.scope, err = store.ParseScope(name)
	return tokens, err
}

func parseTokenLine(line string, s *exportScope) error {
	f := strings.Fields(line)
	if len(f) != 3 && len(f) != 4 || len(f[0]) != 16 {
		return fmt.Errorf("bad token line %q: want TOKEN HAM SPAM [LASTSEEN]", line)
	}
	var t exportToken
	var err error
	if t.token, err = strconv.ParseUint(f[0], 16, 64); err != nil {
		return err
	}
	ham, err1 := strconv.ParseUint(f[1], 10, 32)
	spam, err2 := strconv.ParseUint(f[2], 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	t.Ham, t.Spam = uint32(ham), uint32(spam)
	if len(f) == 4 {
		if t.seen, err = strconv.ParseInt(f[3], 10, 64); err != nil || t.seen < 0 {
			return fmt.Errorf("token %s: bad last-seen time %q", f[0], f[3])
		}
	}
	if uint64(t.Ham) > s.totals.Ham || uint64(t.Spam) > s.totals.Spam {
		return fmt.Errorf("token %s: counts %d/%d exceed the scope's %d ham and %d spam messages",
			f[0], t.Ham, t.Spam, s.totals.Ham, s.totals.Spam)
	}
	if n := len(s.tokens); n > 0 && s.tokens[n-1].token >= t.token {
		return fmt.Errorf("token %s out of order or repeated", f[0])
	}
	s.tokens = append(s.tokens, t)
	return nil
}

// importScope adds an export's counts to its scope. The store knows only
// messages, so the export is replayed as its ham and spam messages: the
// i-th ham message carries every token seen in more than i ham messages
// (likewise spam), which adds exactly the exported counts and totals. The
// replayed messages have digests "import:ID:h:i" (ID from the file's
// SHA-256), so importing the same file twice adds nothing the second time.
func importScope(ctx context.Context, db *sqlite.DB, id string, s exportScope) (string, error) {
	hamToks := tokensByCount(s.tokens, func(c store.TokenCounts) uint32 { return c.Ham })
	spamToks := tokensByCount(s.tokens, func(c store.TokenCounts) uint32 { return c.Spam })
	nh, ns := int(s.totals.Ham), int(s.totals.Spam)
	item := func(i int) (string, store.Class, []uint64) {
		if i < nh {
			return fmt.Sprintf("import:%s:h:%d", id, i), store.Ham, hamToks.carried(i)
		}
		i -= nh
		return fmt.Sprintf("import:%s:s:%d", id, i), store.Spam, spamToks.carried(i)
	}
	all := make([]uint64, len(s.tokens))
	for i, t := range s.tokens {
		all[i] = t.token
	}
	local, err := db.BayesATimes(ctx, s.scope, all)
	if err != nil {
		return "", err
	}
	outs, err := db.BayesLearnMany(ctx, s.scope, time.Now(), nh+ns, item)
	if err != nil {
		return "", err
	}
	known := 0
	for _, o := range outs {
		if o == store.AlreadyKnown {
			known++
		}
	}
	if known == len(outs) && known > 0 {
		return "already imported, nothing changed", nil
	}
	// A token is as recent as its newest sighting here or in the export,
	// so that expiry treats imported statistics like learned ones.
	atimes := map[uint64]time.Time{}
	now := time.Now()
	for _, t := range s.tokens {
		if t.seen == 0 {
			continue // an export without times: learned now
		}
		at := time.Unix(t.seen, 0)
		if at.After(now) {
			at = now // a clock ahead, or a forged file: never "recent forever"
		}
		if l, ok := local[t.token]; ok && l.After(at) {
			at = l
		}
		atimes[t.token] = at
	}
	if err := db.BayesSetATimes(ctx, s.scope, atimes); err != nil {
		return "", err
	}
	return fmt.Sprintf("added %d ham, %d spam, %d tokens", nh, ns, len(s.tokens)), nil
}

// byCount holds the tokens of one class sorted by that class's count,
// most frequent first, so that the tokens seen in more than i messages are
// a prefix.
type byCount struct {
	tokens []uint64
	counts []uint32
}

func tokensByCount(all []exportToken, count func(store.TokenCounts) uint32) byCount {
	var sel []exportToken
	for _, t := range all {
		if count(t.TokenCounts) > 0 {
			sel = append(sel, t)
		}
	}
	slices.SortStableFunc(sel, func(a, b exportToken) int { return cmp.Compare(count(b.TokenCounts), count(a.TokenCounts)) })
	bc := byCount{tokens: make([]uint64, len(sel)), counts: make([]uint32, len(sel))}
	for i, t := range sel {
		bc.tokens[i], bc.counts[i] = t.token, count(t.TokenCounts)
	}
	return bc
}

// carried returns the tokens of the i-th replayed message (from 0): those
// counted more than i times.
func (b byCount) carried(i int) []uint64 {
	n := sort.Search(len(b.counts), func(k int) bool { return b.counts[k] <= uint32(i) })
	return b.tokens[:n]
}
