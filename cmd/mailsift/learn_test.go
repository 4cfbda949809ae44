package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

// learnEnv is a temporary directory with a config whose database lives in
// it and Bayes ready after one ham and one spam.
type learnEnv struct {
	t   *testing.T
	dir string
	cfg string
	db  string
}

func newLearnEnv(t *testing.T) *learnEnv {
	t.Helper()
	dir := t.TempDir()
	e := &learnEnv{t: t, dir: dir, db: filepath.Join(dir, "bayes.db"), cfg: filepath.Join(dir, "mailsift.toml")}
	conf := fmt.Sprintf("[store]\npath = %q\n\n[bayes]\nmin_ham = 1\nmin_spam = 1\n", e.db)
	if err := os.WriteFile(e.cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// write creates dir/name (and its directories) with body.
func (e *learnEnv) write(name, body string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// learn runs `mailsift learn --config CFG args...` and returns its exit
// code and the counts of its summary.
func (e *learnEnv) learn(args ...string) (int, map[string]int, string) {
	e.t.Helper()
	code, out, errs := runCmd(e.t, append([]string{"learn", "--config", e.cfg}, args...)...)
	return code, summaryCounts(out), out + errs
}

var summaryLine = regexp.MustCompile(`(?m)^([a-z ]+):\s+(\d+)`)

func summaryCounts(out string) map[string]int {
	m := map[string]int{}
	for _, g := range summaryLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(g[2])
		m[g[1]] = n
	}
	return m
}

// mail returns a distinct message; spammy ones share spam words.
func mail(i int, spam bool) string {
	subj, body := fmt.Sprintf("minutes of meeting %d", i), "The agenda for the project review is attached, see you."
	if spam {
		subj, body = fmt.Sprintf("cheap pills offer %d", i), "Buy cheap viagra pills now, limited offer, click here!"
	}
	return fmt.Sprintf("From: Sender %d <s%d@example.org>\nTo: bob@example.com\nSubject: %s\n"+
		"Message-ID: <%d.%t@example.org>\nDate: Thu, 15 Jan 2026 11:00:00 +0000\n\n%s\nnumber %d\n",
		i, i, subj, i, spam, body, i)
}

func TestLearnDirectoryMaildirMboxAndIdempotence(t *testing.T) {
	e := newLearnEnv(t)
	e.write("mail/a.eml", mail(1, true))
	e.write("mail/sub/b.eml", "From MAILER-DAEMON Thu Jan 15 11:00:00 2026\n"+mail(2, true))
	e.write("mail/.hidden", mail(3, true))           // dotfile: skipped
	e.write("mail/Maildir/cur/1:2,S", mail(4, true)) // Maildir: cur and new
	e.write("mail/Maildir/new/2", mail(5, true))
	e.write("mail/Maildir/tmp/3", mail(6, true)) // delivery in progress: skipped
	e.write("mail/Maildir/.Junk/cur/4", mail(7, true))
	mbox := "From a@example.org Thu Jan 15 11:00:00 2026\n" + mail(8, true) + "\n" +
		"From b@example.org Thu Jan 15 11:01:00 2026\n" + mail(9, true) + ">From the desk of\n\n" +
		"From here on this is still the body of message 9.\n\n" +
		"From c@example.org Thu Jan 15 11:02:00 2026\n" + mail(10, true)
	e.write("box.mbox", mbox)

	code, n, out := e.learn("--spam", filepath.Join(e.dir, "mail"), filepath.Join(e.dir, "box.mbox"))
	if code != 0 || n["learned"] != 7 || n["unparsable"] != 0 {
		t.Fatalf("first run: code %d counts %v\n%s", code, n, out)
	}
	code, n, out = e.learn("--spam", filepath.Join(e.dir, "mail"), filepath.Join(e.dir, "box.mbox"))
	if code != 0 || n["learned"] != 0 || n["already known"] != 7 {
		t.Fatalf("second run: code %d counts %v\n%s", code, n, out)
	}
	if st := e.stats(); st.Scopes[0].Spam != 7 || st.Scopes[0].Ham != 0 {
		t.Errorf("stats after learning: %+v", st)
	}
}

func TestSplitMbox(t *testing.T) {
	mbox := "From a@example.org Thu Jan 15 11:00:00 2026\nSubject: one\n\nbody\n>From quoted\n>>From twice\n\n" +
		"From the start of a paragraph, not a separator\n\n" +
		"From b@example.org Thu Jan 15 11:01:00 2026\nSubject: two\n\nsecond\n"
	var origins, msgs []string
	err := splitMessages(strings.NewReader(mbox), "box", func(origin string, raw []byte) bool {
		origins, msgs = append(origins, origin), append(msgs, string(raw))
		return true
	})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("err %v, %d messages: %q", err, len(msgs), msgs)
	}
	want := "Subject: one\n\nbody\nFrom quoted\n>From twice\n\nFrom the start of a paragraph, not a separator\n"
	if msgs[0] != want || msgs[1] != "Subject: two\n\nsecond\n" {
		t.Errorf("messages %q", msgs)
	}
	if origins[0] != "box#1" || origins[1] != "box#2" {
		t.Errorf("origins %q", origins)
	}
	// One message with a leading From line: reported under the file's name.
	origins = nil
	err = splitMessages(strings.NewReader("From x Thu Jan 15 11:00:00 2026\nSubject: x\n\nx\n"), "one",
		func(origin string, raw []byte) bool { origins = append(origins, origin); return true })
	if err != nil || len(origins) != 1 || origins[0] != "one" {
		t.Errorf("single: %v %q", err, origins)
	}
}

func TestLearnStdinAndList(t *testing.T) {
	e := newLearnEnv(t)
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader(mail(1, false))
	if code, n, out := e.learn("--ham", "-"); code != 0 || n["learned"] != 1 {
		t.Fatalf("stdin message: %d %v\n%s", code, n, out)
	}
	stdin = strings.NewReader("From a Thu Jan 15 11:00:00 2026\n" + mail(2, false) + "\n" +
		"From b Thu Jan 15 11:00:00 2026\n" + mail(3, false))
	if code, n, out := e.learn("--ham"); code != 0 || n["learned"] != 2 { // no path: standard input
		t.Fatalf("stdin mbox: %d %v\n%s", code, n, out)
	}
	a := e.write("l/a.eml", mail(4, false))
	b := e.write("l/b.eml", mail(5, false))
	list := e.write("list.txt", "# ham to learn\n"+a+"\n\n"+b+"\n")
	if code, n, out := e.learn("--ham", "--list", list); code != 0 || n["learned"] != 2 {
		t.Fatalf("list: %d %v\n%s", code, n, out)
	}
	if st := e.stats(); st.Scopes[0].Ham != 5 {
		t.Errorf("stats: %+v", st)
	}
}

func TestLearnRelearnForget(t *testing.T) {
	e := newLearnEnv(t)
	p := e.write("m.eml", mail(1, true))
	q := e.write("n.eml", mail(2, true))
	if code, n, out := e.learn("--spam", p, q); code != 0 || n["learned"] != 2 {
		t.Fatalf("spam: %d %v\n%s", code, n, out)
	}
	if code, n, out := e.learn("--ham", p); code != 0 || n["relearned"] != 1 || n["learned"] != 0 {
		t.Fatalf("relearn: %d %v\n%s", code, n, out)
	}
	if st := e.stats(); st.Scopes[0].Ham != 1 || st.Scopes[0].Spam != 1 {
		t.Errorf("after relearn: %+v", st)
	}
	if code, n, out := e.learn("--forget", p); code != 0 || n["forgotten"] != 1 {
		t.Fatalf("forget: %d %v\n%s", code, n, out)
	}
	if code, n, out := e.learn("--forget", p); code != 0 || n["not found"] != 1 || n["forgotten"] != 0 {
		t.Fatalf("forget again: %d %v\n%s", code, n, out)
	}
	if st := e.stats(); st.Scopes[0].Ham != 0 || st.Scopes[0].Spam != 1 {
		t.Errorf("after forget: %+v", st)
	}
}

func TestLearnUserScope(t *testing.T) {
	e := newLearnEnv(t)
	p := e.write("m.eml", mail(1, true))
	if code, n, out := e.learn("--spam", "--user", "Bob@Example.com", p); code != 0 || n["learned"] != 1 {
		t.Fatalf("user: %d %v\n%s", code, n, out)
	}
	st := e.stats()
	if len(st.Scopes) != 2 || st.Scopes[0].Spam != 0 || st.Scopes[1].Scope != "user:bob@example.com" || st.Scopes[1].Spam != 1 {
		t.Errorf("scopes: %+v", st.Scopes)
	}
}

func TestLearnBrokenMessagesAreNotFatal(t *testing.T) {
	e := newLearnEnv(t)
	e.write("d/good.eml", mail(1, true))
	e.write("d/empty.eml", "")
	e.write("d/notes.txt", "just some words without any header\n")
	code, n, out := e.learn("--spam", filepath.Join(e.dir, "d"))
	if code != 0 || n["learned"] != 1 || n["unparsable"] != 2 {
		t.Fatalf("code %d counts %v\n%s", code, n, out)
	}
	if !strings.Contains(out, "empty.eml: empty") || !strings.Contains(out, "notes.txt: no header fields") {
		t.Errorf("reasons missing:\n%s", out)
	}
	// A path given explicitly that does not exist is a real failure.
	if code, _, out := e.learn("--spam", filepath.Join(e.dir, "missing.eml")); code != 1 {
		t.Errorf("missing path: code %d\n%s", code, out)
	}
	if code, _, _ := e.learn(filepath.Join(e.dir, "d")); code != 2 {
		t.Errorf("no class: code %d, want 2", code)
	}
}

func TestLearnCorpusTrainOnly(t *testing.T) {
	e := newLearnEnv(t)
	e.write("corpus/easy-ham-1/00001.a0000000000000000000000000000000.txt", mail(1, false))
	e.write("corpus/spam-1/00001.f0000000000000000000000000000000.txt", "From x Thu Jan 15 11:00:00 2026\n"+mail(2, true))
	e.write("corpus/spam-1/00002.10000000000000000000000000000000.txt", mail(3, true)) // test split
	dir := filepath.Join(e.dir, "corpus")
	for _, split := range []string{"test", "all"} {
		code, _, out := e.learn("--corpus", dir, "--split", split)
		if code != 2 || !strings.Contains(out, "refusing --split "+split) {
			t.Errorf("--split %s: code %d\n%s", split, code, out)
		}
	}
	code, n, out := e.learn("--corpus", dir)
	if code != 0 || n["learned"] != 2 || !strings.Contains(out, "(ham 1, spam 1)") {
		t.Fatalf("train: code %d %v\n%s", code, n, out)
	}
}

// stats runs `bayes stats --json`.
func (e *learnEnv) stats() dbStats {
	e.t.Helper()
	code, out, errs := runCmd(e.t, "bayes", "stats", "--config", e.cfg, "--json")
	var st dbStats
	if code != 0 {
		e.t.Fatalf("stats: %d %s", code, errs)
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		e.t.Fatalf("stats json: %v\n%s", err, out)
	}
	return st
}

func TestBayesStatsText(t *testing.T) {
	e := newLearnEnv(t)
	if code, _, errs := runCmd(t, "bayes", "stats", "--config", e.cfg); code != 1 || !strings.Contains(errs, "no database") {
		t.Errorf("missing database: %d %q", code, errs)
	}
	e.learn("--spam", e.write("s.eml", mail(1, true)))
	code, out, _ := runCmd(t, "bayes", "stats", "--config", e.cfg)
	if code != 0 || !regexp.MustCompile(`global\s+0\s+1\s+\d+\s+no`).MatchString(out) ||
		!strings.Contains(out, "ready at: 1 ham and 1 spam") {
		t.Errorf("stats: %d\n%s", code, out)
	}
	e.learn("--ham", e.write("h.eml", mail(2, false)))
	if st := e.stats(); !st.Scopes[0].Ready || st.Scopes[0].Tokens == 0 || st.Bytes == 0 {
		t.Errorf("ready: %+v", st)
	}
}

func TestBayesExpire(t *testing.T) {
	e := newLearnEnv(t)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, e.db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	for i, toks := range [][]uint64{{1, 2, 3}, {2, 3}} {
		if _, err := db.BayesLearn(ctx, store.GlobalScope(), fmt.Sprint("d", i), store.Spam, toks, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.BayesLearn(ctx, store.UserScope("u@example.com"), "d", store.Ham, []uint64{9}, old); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "bayes", "expire", "--config", e.cfg, "--older-than", "24h")
	if code != 0 || !strings.Contains(out, "global: 1 tokens dropped") ||
		!strings.Contains(out, "user:u@example.com: 1 tokens dropped") || !strings.Contains(out, "expired 2 tokens") {
		t.Fatalf("expire: %d %q %q", code, out, errs)
	}
	if st := e.stats(); st.Scopes[0].Tokens != 2 {
		t.Errorf("tokens left: %+v", st.Scopes)
	}
	code, out, _ = runCmd(t, "bayes", "expire", "--config", e.cfg, "--older-than", "72h", "--max-count", "5")
	if code != 0 || !strings.Contains(out, "expired 0 tokens") {
		t.Errorf("nothing that old: %d %q", code, out)
	}
}

func TestBayesExportImportRoundTrip(t *testing.T) {
	src := newLearnEnv(t)
	for i := 0; i < 6; i++ {
		src.write(fmt.Sprintf("ham/%d.eml", i), mail(i, false))
		src.write(fmt.Sprintf("spam/%d.eml", i), mail(100+i, true))
	}
	src.learn("--ham", filepath.Join(src.dir, "ham"))
	src.learn("--spam", filepath.Join(src.dir, "spam"))
	src.learn("--spam", "--user", "u@example.com", filepath.Join(src.dir, "spam", "0.eml"))
	code, exported, errs := runCmd(t, "bayes", "export", "--config", src.cfg)
	if code != 0 || !strings.HasPrefix(exported, "mailsift-bayes v1\nscope=global ham=6 spam=6 tokens=") ||
		!strings.Contains(exported, "\nscope=user:u@example.com ham=0 spam=1 tokens=") {
		t.Fatalf("export: %d %q\n%.300s", code, errs, exported)
	}

	dst := newLearnEnv(t)
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader(exported)
	code, out, errs := runCmd(t, "bayes", "import", "--config", dst.cfg)
	if code != 0 || !strings.Contains(out, "global: added 6 ham, 6 spam") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	file := dst.write("export.txt", exported)
	if code, out, _ := runCmd(t, "bayes", "import", "--config", dst.cfg, file); code != 0 || !strings.Contains(out, "already imported") {
		t.Errorf("import twice: %d %q", code, out)
	}
	if _, again, _ := runCmd(t, "bayes", "export", "--config", dst.cfg); again != exported {
		t.Errorf("export after import differs")
	}
	probe := []string{mail(50, true), mail(51, false), "Subject: meeting offer\n\nagenda pills\n"}
	a, b := classifyAll(t, src.db, probe), classifyAll(t, dst.db, probe)
	for i := range probe {
		if a[i] != b[i] {
			t.Errorf("message %d: %v before, %v after the round trip", i, a[i], b[i])
		}
	}
	if a[0] < 0.9 || a[1] > 0.1 {
		t.Errorf("probabilities %v: want spam high and ham low", a)
	}
}

func TestBayesImportRefusesBadInput(t *testing.T) {
	e := newLearnEnv(t)
	defer func(r io.Reader) { stdin = r }(stdin)
	for _, in := range []string{
		"",
		"not an export\n",
		"mailsift-bayes v1\nscope=global ham=1 spam=0 tokens=2\n0000000000000001 1 0\n",  // truncated
		"mailsift-bayes v1\nscope=global ham=1 spam=0 tokens=1\n0000000000000001 2 0\n",  // count > totals
		"mailsift-bayes v1\n0000000000000001 1 0\n",                                      // no scope
		"mailsift-bayes v1\nscope=global ham=1 spam=0 tokens=1\nzz00000000000001 1 0\n",  // bad hex
		"mailsift-bayes v1\nscope=nowhere ham=1 spam=0 tokens=1\n0000000000000001 1 0\n", // bad scope
	} {
		stdin = strings.NewReader(in)
		if code, _, errs := runCmd(t, "bayes", "import", "--config", e.cfg); code != 1 || errs == "" {
			t.Errorf("%q: code %d, %q", in, code, errs)
		}
	}
	if _, err := os.Stat(e.db); err == nil {
		t.Errorf("a refused import created the database")
	}
}

// classifyAll returns the spam probability of each message with the
// database at path.
func classifyAll(t *testing.T, path string, msgs []string) []float64 {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := bayes.New(ctx, db, bayes.Options{MinHam: 1, MinSpam: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, m := range msgs {
		res, err := c.Classify(ctx, []store.Scope{store.GlobalScope()}, message.Parse([]byte(m), message.Limits{}))
		if err != nil || !res.Ready {
			t.Fatalf("classify: %v %+v", err, res)
		}
		out = append(out, res.Prob)
	}
	return out
}

// Imported tokens keep the last-seen times of the export, so expiry treats
// them like learned ones; an export without times (an older file) imports
// as learned now.
func TestBayesImportKeepsLastSeen(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	old := "mailsift-bayes v1\nscope=global ham=1 spam=1 tokens=2\n" +
		"0000000000000001 1 0 1000000000\n0000000000000002 0 1 1000000000\n"
	e := newLearnEnv(t)
	stdin = strings.NewReader(old)
	if code, out, errs := runCmd(t, "bayes", "import", "--config", e.cfg); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	_, exported, _ := runCmd(t, "bayes", "export", "--config", e.cfg)
	if !strings.Contains(exported, "0000000000000001 1 0 1000000000\n") {
		t.Errorf("last-seen time lost on import:\n%s", exported)
	}
	code, out, _ := runCmd(t, "bayes", "expire", "--config", e.cfg, "--older-than", "72h", "--max-count", "5")
	if code != 0 || !strings.Contains(out, "expired 2 tokens") {
		t.Errorf("tokens last seen in 2001: %d %q", code, out)
	}

	// A time in the future (a clock ahead, a forged file) counts as now.
	e = newLearnEnv(t)
	stdin = strings.NewReader(strings.ReplaceAll(old, " 1000000000", " 4000000000"))
	if code, out, errs := runCmd(t, "bayes", "import", "--config", e.cfg); code != 0 {
		t.Fatalf("import from the future: %d %q %q", code, out, errs)
	}
	if _, exported, _ = runCmd(t, "bayes", "export", "--config", e.cfg); strings.Contains(exported, " 4000000000") {
		t.Errorf("a last-seen time in the future was kept:\n%s", exported)
	}

	e = newLearnEnv(t)
	stdin = strings.NewReader(strings.ReplaceAll(old, " 1000000000", ""))
	if code, out, errs := runCmd(t, "bayes", "import", "--config", e.cfg); code != 0 {
		t.Fatalf("import without times: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd(t, "bayes", "expire", "--config", e.cfg, "--older-than", "72h", "--max-count", "5")
	if code != 0 || !strings.Contains(out, "expired 0 tokens") {
		t.Errorf("tokens imported without times count as learned now: %d %q", code, out)
	}
}
