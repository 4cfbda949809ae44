package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

type learnFlags struct {
	cfgPath, user, list, corpusDir, split string
	spam, ham, forget                     bool
	workers                               int
}

// learnBatch is how many messages one store transaction learns.
const learnBatch = 500

func runLearn(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("learn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f learnFlags
	fs.BoolVar(&f.spam, "spam", false, "learn the messages as spam")
	fs.BoolVar(&f.ham, "ham", false, "learn the messages as ham")
	fs.BoolVar(&f.forget, "forget", false, "unlearn the messages")
	fs.StringVar(&f.cfgPath, "config", "", "configuration file (default: built-in defaults)")
	fs.StringVar(&f.user, "user", "", "learn into this recipient's own statistics instead of the global ones")
	fs.StringVar(&f.list, "list", "", "file listing paths to learn, one per line (# comments)")
	fs.StringVar(&f.corpusDir, "corpus", "", "learn a SpamAssassin corpus directory, each message with its group's class")
	fs.StringVar(&f.split, "split", "train", "with --corpus: the split to learn (only train is allowed)")
	fs.IntVar(&f.workers, "workers", min(max(runtime.NumCPU(), 2), 4), "messages parsed in parallel")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mailsift learn --spam|--ham|--forget [options] [PATH...|-]\n"+
			"       mailsift learn --corpus DIR [--split train] [options]\n"+
			"PATH: a message file, an mbox, a Maildir or a directory; - reads standard input.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	class, files, code := f.sources(fs.Args(), stderr)
	if code != 0 {
		return code
	}
	cfg, err := loadConfig(f.cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return learnFiles(cfg, f, class, files, stdout, stderr)
}

// sources checks the flags and lists the files to read, with the class to
// learn them as (store.None for --forget and for --corpus, whose files carry
// their own class). A non-zero code is the exit code.
func (f *learnFlags) sources(args []string, stderr io.Writer) (store.Class, []mailFile, int) {
	modes := 0
	class := store.None
	for _, m := range []struct {
		on bool
		c  store.Class
	}{{f.spam, store.Spam}, {f.ham, store.Ham}, {f.forget, store.None}} {
		if m.on {
			modes++
			class = m.c
		}
	}
	if f.corpusDir != "" {
		if modes > 0 || f.list != "" || len(args) > 0 {
			fmt.Fprintln(stderr, "mailsift learn: --corpus takes no --spam, --ham, --forget, --list or paths")
			return 0, nil, 2
		}
		files, err := corpusFiles(f.corpusDir, f.split)
		if err != nil {
			fmt.Fprintln(stderr, "mailsift learn:", err)
			return 0, nil, 2
		}
		return store.None, files, 0
	}
	if modes != 1 {
		fmt.Fprintln(stderr, "mailsift learn: give exactly one of --spam, --ham or --forget")
		return 0, nil, 2
	}
	paths := args
	if f.list != "" {
		listed, err := readPathList(f.list)
		if err != nil {
			fmt.Fprintln(stderr, "mailsift learn:", err)
			return 0, nil, 1
		}
		paths = append(listed, paths...)
	} else if len(paths) == 0 {
		paths = []string{"-"}
	}
	files, err := resolvePaths(paths)
	if err != nil {
		fmt.Fprintln(stderr, "mailsift learn:", err)
		return 0, nil, 1
	}
	return class, files, 0
}

// corpusFiles lists the train split of a corpus with each message's class.
// Learning the test split is refused: a filter measured on the messages it
// was trained on proves nothing.
func corpusFiles(dir, split string) ([]mailFile, error) {
	if split != "train" {
		return nil, fmt.Errorf("refusing --split %s: learn trains on the train split only, "+
			"so that the test split stays unseen for measuring", split)
	}
	all, err := corpus.List(dir)
	if err != nil {
		return nil, err
	}
	var out []mailFile
	for _, e := range corpus.Split(all, "train") {
		mf := mailFile{path: e.Path, class: store.Ham}
		if e.Spam {
			mf.class = store.Spam
		}
		if fi, err := os.Stat(e.Path); err == nil {
			mf.size = fi.Size()
		}
		out = append(out, mf)
	}
	return out, nil
}

// learnFiles opens the store and learns (or forgets) files.
func learnFiles(cfg *config.Config, f learnFlags, class store.Class, files []mailFile, stdout, stderr io.Writer) int {
	rt, err := filter.New(cfg, filter.Deps{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Store.Path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "mailsift learn:", err)
		return 1
	}
	defer func() {
		if err := db.Close(); err != nil {
			fmt.Fprintln(stderr, "mailsift learn:", err)
		}
	}()
	c, err := bayes.New(ctx, db, bayesOptions(cfg))
	if err != nil {
		fmt.Fprintln(stderr, "mailsift learn:", err)
		return 1
	}
	l := &learner{c: c, limits: rt.Limits, class: class, forget: f.forget, scope: store.GlobalScope(),
		workers: max(f.workers, 1), progress: newProgress(stderr, files)}
	if f.user != "" {
		l.scope = store.UserScope(f.user)
	}
	start := time.Now()
	err = l.run(ctx, files)
	l.progress.finish()
	l.sum.elapsed = time.Since(start)
	l.sum.print(stdout, f.forget)
	if err != nil {
		fmt.Fprintln(stderr, "mailsift learn:", err)
		return 1
	}
	return 0
}

// learner runs the learning pipeline: one goroutine reads the files, a few
// parse and tokenise, and the caller's goroutine learns in batches.
type learner struct {
	c        *bayes.Classifier
	limits   message.Limits
	scope    store.Scope
	class    store.Class // for items without their own
	forget   bool
	workers  int
	progress *progress
	sum      learnSummary
}

// prepared is a message ready to learn, or the reason it cannot be.
type prepared struct {
	origin string
	class  store.Class
	digest string
	tokens []uint64
	reason string // non-empty: unparsable
}

func (l *learner) run(ctx context.Context, files []mailFile) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers and workers when learning fails
	items := make(chan mailItem, 4*l.workers)
	out := make(chan prepared, 4*l.workers)
	go l.read(ctx, files, items)
	var wg sync.WaitGroup
	for i := 0; i < l.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				select {
				case out <- l.prepare(it):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return l.consume(ctx, out)
}

// read sends every message of files to items, then closes it.
func (l *learner) read(ctx context.Context, files []mailFile, items chan<- mailItem) {
	defer close(items)
	send := func(it mailItem) bool {
		select {
		case items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, f := range files {
		class := f.class
		if class == store.None {
			class = l.class
		}
		err := readMailFile(f, func(origin string, raw []byte) bool {
			return send(mailItem{origin: origin, raw: raw, class: class})
		})
		if err != nil && !send(mailItem{origin: f.path, class: class, err: err}) {
			return
		}
		l.progress.read(f.size)
		if ctx.Err() != nil {
			return
		}
	}
}

// prepare parses and tokenises one message as the milter would see it.
func (l *learner) prepare(it mailItem) (p prepared) {
	p = prepared{origin: it.origin, class: it.class}
	if it.err != nil {
		p.reason = "unreadable: " + it.err.Error()
		return p
	}
	raw := filter.StripSpamFields(corpus.StripFromLine(it.raw))
	if len(bytes.TrimSpace(raw)) == 0 {
		p.reason = "empty"
		return p
	}
	defer func() {
		if r := recover(); r != nil {
			p.tokens, p.reason = nil, fmt.Sprintf("parser panic: %v", r)
		}
	}()
	m := message.Parse(raw, l.limits)
	switch {
	case len(m.Header) == 0:
		p.reason = "no header fields: not a mail message"
	default:
		p.tokens = l.c.Tokens(m)
		p.digest = bayes.Digest(raw)
		if len(p.tokens) == 0 {
			p.reason = "no tokens"
		}
	}
	return p
}

// consume learns (or forgets) the prepared messages, in batches of
// learnBatch per store transaction. Only a store error ends it early.
func (l *learner) consume(ctx context.Context, in <-chan prepared) error {
	batch := make([]bayes.Job, 0, learnBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var err error
		if l.forget {
			var oks []bool
			oks, err = l.c.ForgetMany(ctx, batch)
			for _, ok := range oks {
				l.sum.forgot(ok)
			}
		} else {
			var outs []store.LearnOutcome
			outs, err = l.c.LearnMany(ctx, batch)
			for i, o := range outs {
				l.sum.learnedAs(o, batch[i].Class)
			}
		}
		batch = batch[:0]
		return err
	}
	for p := range in {
		l.progress.message()
		switch {
		case p.reason != "":
			l.sum.unparsable(p.origin, p.reason)
		default:
			batch = append(batch, bayes.Job{Scope: l.scope, Digest: p.digest, Tokens: p.tokens, Class: p.class})
			if len(batch) == learnBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return ctx.Err()
}

// learnSummary counts what learn did.
type learnSummary struct {
	learned             [3]int // by class: [store.Ham], [store.Spam]
	known, relearned    int
	forgotten, notFound int
	unparsed            int
	reasons             []string // the first few unparsable messages
	elapsed             time.Duration
	messages            int
}

const maxReasons = 5

func (s *learnSummary) learnedAs(o store.LearnOutcome, class store.Class) {
	s.messages++
	switch o {
	case store.Learned:
		s.learned[class]++
	case store.AlreadyKnown:
		s.known++
	case store.Relearned:
		s.relearned++
	}
}

func (s *learnSummary) forgot(ok bool) {
	s.messages++
	if ok {
		s.forgotten++
	} else {
		s.notFound++
	}
}

func (s *learnSummary) unparsable(origin, reason string) {
	s.messages++
	s.unparsed++
	if len(s.reasons) < maxReasons {
		s.reasons = append(s.reasons, origin+": "+reason)
	}
}

func (s *learnSummary) print(w io.Writer, forget bool) {
	if forget {
		fmt.Fprintf(w, "forgotten:     %d\nnot found:     %d\n", s.forgotten, s.notFound)
	} else {
		fmt.Fprintf(w, "learned:       %d (ham %d, spam %d)\nalready known: %d\nrelearned:     %d\n",
			s.learned[store.Ham]+s.learned[store.Spam], s.learned[store.Ham], s.learned[store.Spam],
			s.known, s.relearned)
	}
	fmt.Fprintf(w, "unparsable:    %d\n", s.unparsed)
	for _, r := range s.reasons {
		fmt.Fprintf(w, "  %s\n", r)
	}
	if s.unparsed > len(s.reasons) {
		fmt.Fprintf(w, "  ... and %d more\n", s.unparsed-len(s.reasons))
	}
	rate := 0.0
	if secs := s.elapsed.Seconds(); secs > 0 {
		rate = float64(s.messages) / secs
	}
	fmt.Fprintf(w, "elapsed:       %.2fs for %d messages (%.0f messages/s)\n", s.elapsed.Seconds(), s.messages, rate)
}

// progress draws a progress bar on a terminal: bytes of the files read so
// far against the total (a message counter when the total is unknown),
// redrawn at most ten times a second. Off when stderr is not a terminal.
type progress struct {
	w     io.Writer // nil: off
	total int64
	done  atomic.Int64
	msgs  int
	start time.Time
	last  time.Time
	drawn bool
}

func newProgress(stderr io.Writer, files []mailFile) *progress {
	p := &progress{start: time.Now()}
	if !isTerminal(stderr) {
		return p
	}
	p.w = stderr
	for _, f := range files {
		p.total += f.size
	}
	return p
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// read counts a file's bytes as read (from the reading goroutine).
func (p *progress) read(n int64) { p.done.Add(n) }

// message counts one message handled and redraws when it is time.
func (p *progress) message() {
	p.msgs++
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(p.msgs) / max(now.Sub(p.start).Seconds(), 1e-3)
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%d messages  %.0f/s ", p.msgs, rate)
	} else {
		frac := min(float64(p.done.Load())/float64(p.total), 1)
		const width = 30
		bar := strings.Repeat("#", int(frac*width)) + strings.Repeat(".", width-int(frac*width))
		fmt.Fprintf(p.w, "\r[%s] %3.0f%%  %d messages  %.0f/s ", bar, 100*frac, p.msgs, rate)
	}
	p.drawn = true
}

// finish clears the bar.
func (p *progress) finish() {
	if p.w != nil && p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 72))
	}
}
