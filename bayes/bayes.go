package bayes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
)

// Defaults of Options.
const (
	DefaultMinHam  = 200 // ham messages a scope must have learned before it scores
	DefaultMinSpam = 200 // spam messages likewise
)

// Options configure a Classifier. The zero value means the defaults.
type Options struct {
	// MinHam and MinSpam are the messages of each class a scope must have
	// learned before Bayes scores with it (defaults DefaultMinHam and
	// DefaultMinSpam).
	MinHam, MinSpam uint64
	// Params are the classifier's constants.
	Params Params
	// Tokenizer bounds the tokens of a message.
	Tokenizer Tokenizer
	// MaxMemoryTokens bounds the tokens one scope keeps in memory
	// (default DefaultMaxMemoryTokens); see Model.
	MaxMemoryTokens int
	// Now gives the time recorded with learned tokens (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MinHam == 0 {
		o.MinHam = DefaultMinHam
	}
	if o.MinSpam == 0 {
		o.MinSpam = DefaultMinSpam
	}
	o.Params = o.Params.withDefaults()
	o.Tokenizer = o.Tokenizer.withDefaults()
	if o.MaxMemoryTokens <= 0 {
		o.MaxMemoryTokens = DefaultMaxMemoryTokens
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Classifier scores and learns messages against a store.BayesStore, with
// the statistics of each scope it uses held in memory (see Model). It is
// safe for concurrent use: scoring runs in parallel with itself and with
// learning; learning calls are serialised.
type Classifier struct {
	st   store.BayesStore
	opts Options

	learnMu sync.Mutex // serialises learning and model loading

	mu     sync.Mutex // guards models
	models map[store.Scope]*Model
}

// New returns a Classifier over st and loads the global scope into memory.
// The error wraps store.ErrUnavailable when the store cannot be read; the
// caller may retry New later and score without Bayes meanwhile.
func New(ctx context.Context, st store.BayesStore, opts Options) (*Classifier, error) {
	c := &Classifier{st: st, opts: opts.withDefaults(), models: map[store.Scope]*Model{}}
	if _, err := c.Model(ctx, store.GlobalScope()); err != nil {
		return nil, err
	}
	return c, nil
}

// Options returns the options in effect, defaults filled in.
func (c *Classifier) Options() Options { return c.opts }

// Tokens returns the tokens of m with the classifier's Tokenizer.
func (c *Classifier) Tokens(m *message.Message) []uint64 { return c.opts.Tokenizer.Tokens(m) }

// Model returns the in-memory model of scope, loading it from the store on
// first use.
func (c *Classifier) Model(ctx context.Context, scope store.Scope) (*Model, error) {
	c.mu.Lock()
	m := c.models[scope]
	c.mu.Unlock()
	if m != nil {
		return m, nil
	}
	c.learnMu.Lock()
	defer c.learnMu.Unlock()
	return c.modelLocked(ctx, scope)
}

// modelLocked is Model for a caller holding learnMu.
func (c *Classifier) modelLocked(ctx context.Context, scope store.Scope) (*Model, error) {
	c.mu.Lock()
	m := c.models[scope]
	c.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := loadModel(ctx, c.st, scope, c.opts.MaxMemoryTokens)
	if err != nil {
		return nil, fmt.Errorf("bayes: load %s: %w", scope, err)
	}
	c.mu.Lock()
	c.models[scope] = m
	c.mu.Unlock()
	return m, nil
}

// Ready reports whether totals meet the minimum training of the options.
func (c *Classifier) Ready(t store.BayesTotals) bool {
	return t.Ham >= c.opts.MinHam && t.Spam >= c.opts.MinSpam
}

// Result is the outcome of classifying one message.
type Result struct {
	// Ready is false when no scope asked for has the minimum training: the
	// message gets no Bayes rule at all.
	Ready bool
	// Prob is the spam probability in [0, 1] (0.5 when not Ready).
	Prob float64
	// Used is how many tokens went into Prob.
	Used int
	// Received is the spam probability of the Received-hop tokens alone
	// (Tokenizer.Split), a second opinion from the same counts; 0.5 when
	// ReceivedUsed is 0.
	Received float64
	// ReceivedUsed is how many tokens went into Received.
	ReceivedUsed int
	// Sender is the spam probability of the sender's tokens alone (From,
	// Reply-To and Message-ID domain: Parts.Sender), a third opinion from
	// the same counts; 0.5 when SenderUsed is 0.
	Sender float64
	// SenderUsed is how many tokens went into Sender.
	SenderUsed int
	// Scope is the scope whose statistics were used.
	Scope store.Scope
}

// Classify scores m with the first scope of scopes that has the minimum
// training, most specific first (for example a user's scope, then the
// global one). An error wraps store.ErrUnavailable when the store could not
// be read; score the message without Bayes then.
func (c *Classifier) Classify(ctx context.Context, scopes []store.Scope, m *message.Message) (Result, error) {
	return c.ClassifyParts(ctx, scopes, c.Split(m))
}

// Split returns the tokens of m and their subsets (Tokenizer.Split).
func (c *Classifier) Split(m *message.Message) Parts {
	return c.opts.Tokenizer.Split(m)
}

// ClassifyTokens is Classify for tokens already computed, without the
// Received and sender opinions.
func (c *Classifier) ClassifyTokens(ctx context.Context, scopes []store.Scope, tokens []uint64) (Result, error) {
	return c.ClassifyParts(ctx, scopes, Parts{All: tokens})
}

// unready is the Result of a message no scope could classify.
var unready = Result{Prob: 0.5, Received: 0.5, Sender: 0.5}

// ClassifyParts is Classify for tokens already split by Split: the
// subsets must be subsets of p.All, whose counts are looked up once for
// every opinion.
func (c *Classifier) ClassifyParts(ctx context.Context, scopes []store.Scope, p Parts) (Result, error) {
	for _, scope := range scopes {
		m, err := c.Model(ctx, scope)
		if err != nil {
			return unready, err
		}
		if !c.Ready(m.Totals()) {
			continue
		}
		var extra map[uint64]store.TokenCounts
		if miss := m.missing(p.All); len(miss) > 0 {
			if extra, err = c.st.BayesLookup(ctx, scope, miss); err != nil {
				return unready, fmt.Errorf("bayes: lookup %s: %w", scope, err)
			}
		}
		r := m.classify(p, c.opts.Params, extra)
		r.Scope = scope
		return r, nil
	}
	return unready, nil
}

// Learn learns m, whose raw bytes are raw, as class in scope. Learning the
// same message (same Digest) again with the same class changes nothing;
// with the other class it moves the message's counts.
func (c *Classifier) Learn(ctx context.Context, scope store.Scope, m *message.Message, raw []byte,
	class store.Class) (store.LearnOutcome, error) {
	return c.LearnTokens(ctx, scope, Digest(raw), c.Tokens(m), class)
}

// LearnTokens is Learn for a digest and tokens already computed. It
// updates the store in one transaction, then the in-memory model with the
// same deltas.
func (c *Classifier) LearnTokens(ctx context.Context, scope store.Scope, digest string, tokens []uint64,
	class store.Class) (store.LearnOutcome, error) {
	if class != store.Ham && class != store.Spam {
		return 0, fmt.Errorf("bayes: learn as %v: want ham or spam", class)
	}
	if digest == "" {
		return 0, errors.New("bayes: learn: empty digest")
	}
	c.learnMu.Lock()
	defer c.learnMu.Unlock()
	m, err := c.modelLocked(ctx, scope)
	if err != nil {
		return 0, err
	}
	out, err := c.st.BayesLearn(ctx, scope, digest, class, tokens, c.opts.Now())
	if err != nil {
		return 0, fmt.Errorf("bayes: learn %s: %w", scope, err)
	}
	m.applyOutcome(tokens, class, out)
	return out, nil
}

// delta returns the ham and spam count changes of learning one message of
// class.
func delta(class store.Class) (dh, ds int) {
	if class == store.Spam {
		return 0, 1
	}
	return 1, 0
}

// Forget unlearns m from scope; ok is false when it was not learned.
func (c *Classifier) Forget(ctx context.Context, scope store.Scope, m *message.Message, raw []byte) (bool, error) {
	return c.ForgetTokens(ctx, scope, Digest(raw), c.Tokens(m))
}

// ForgetTokens is Forget for a digest and tokens already computed.
func (c *Classifier) ForgetTokens(ctx context.Context, scope store.Scope, digest string, tokens []uint64) (bool, error) {
	c.learnMu.Lock()
	defer c.learnMu.Unlock()
	m, err := c.modelLocked(ctx, scope)
	if err != nil {
		return false, err
	}
	was, err := c.st.BayesSeen(ctx, scope, digest)
	if err != nil {
		return false, fmt.Errorf("bayes: forget %s: %w", scope, err)
	}
	ok, err := c.st.BayesForget(ctx, scope, digest, tokens)
	if err != nil {
		return false, fmt.Errorf("bayes: forget %s: %w", scope, err)
	}
	if ok && was != store.None {
		dh, ds := delta(was)
		m.apply(tokens, -dh, -ds)
	}
	return ok, nil
}

// BatchForgetter is an optional interface of a store.BayesStore that
// unlearns many messages of one scope in one transaction (store/sqlite
// implements it), returning the class each had been learned as.
type BatchForgetter interface {
	BayesForgetMany(ctx context.Context, scope store.Scope, n int,
		item func(i int) (digest string, tokens []uint64)) ([]store.Class, error)
}

// ForgetMany unlearns jobs (their Class is ignored) in one store
// transaction per run of consecutive jobs of the same scope when the store
// is a BatchForgetter, and reports for each whether it had been learned.
// It returns the results of the jobs handled before an error.
func (c *Classifier) ForgetMany(ctx context.Context, jobs []Job) ([]bool, error) {
	bf, ok := c.st.(BatchForgetter)
	if !ok {
		oks := make([]bool, 0, len(jobs))
		for _, j := range jobs {
			ok, err := c.ForgetTokens(ctx, j.Scope, j.Digest, j.Tokens)
			if err != nil {
				return oks, err
			}
			oks = append(oks, ok)
		}
		return oks, nil
	}
	oks := make([]bool, 0, len(jobs))
	err := c.scopeRuns(ctx, jobs, func(m *Model, run []Job) error {
		was, err := bf.BayesForgetMany(ctx, run[0].Scope, len(run),
			func(i int) (string, []uint64) { return run[i].Digest, run[i].Tokens })
		if err != nil {
			return fmt.Errorf("bayes: forget %s: %w", run[0].Scope, err)
		}
		for i, w := range was {
			if w != store.None {
				dh, ds := delta(w)
				m.apply(run[i].Tokens, -dh, -ds)
			}
			oks = append(oks, w != store.None)
		}
		return nil
	})
	return oks, err
}

// scopeRuns calls fn, under the learning lock, for each run of consecutive
// jobs of the same scope with that scope's model; it stops at fn's first
// error.
func (c *Classifier) scopeRuns(ctx context.Context, jobs []Job, fn func(m *Model, run []Job) error) error {
	c.learnMu.Lock()
	defer c.learnMu.Unlock()
	for len(jobs) > 0 {
		n := 1
		for n < len(jobs) && jobs[n].Scope == jobs[0].Scope {
			n++
		}
		run := jobs[:n]
		jobs = jobs[n:]
		m, err := c.modelLocked(ctx, run[0].Scope)
		if err != nil {
			return err
		}
		if err := fn(m, run); err != nil {
			return err
		}
	}
	return nil
}

// Refresh reloads every model whose totals in the store differ from memory
// (another process, such as `mailsift learn`, learned into the same
// database). Call it from a janitor, never in the SMTP path.
func (c *Classifier) Refresh(ctx context.Context) error {
	c.learnMu.Lock()
	defer c.learnMu.Unlock()
	c.mu.Lock()
	models := make([]*Model, 0, len(c.models))
	for _, m := range c.models {
		models = append(models, m)
	}
	c.mu.Unlock()
	for _, m := range models {
		t, err := c.st.BayesTotals(ctx, m.scope)
		if err != nil {
			return fmt.Errorf("bayes: refresh %s: %w", m.scope, err)
		}
		if t == m.Totals() {
			continue
		}
		if err := c.reloadLocked(ctx, m.scope); err != nil {
			return err
		}
	}
	return nil
}

// Reload reads scope from the store again (after an expiry or an import).
func (c *Classifier) Reload(ctx context.Context, scope store.Scope) error {
	c.learnMu.Lock()
	defer c.learnMu.Unlock()
	return c.reloadLocked(ctx, scope)
}

func (c *Classifier) reloadLocked(ctx context.Context, scope store.Scope) error {
	m, err := loadModel(ctx, c.st, scope, c.opts.MaxMemoryTokens)
	if err != nil {
		return fmt.Errorf("bayes: reload %s: %w", scope, err)
	}
	c.mu.Lock()
	c.models[scope] = m
	c.mu.Unlock()
	return nil
}

// BatchStore is an optional interface of a store.BayesStore that learns
// many messages of one scope in one transaction (store/sqlite implements
// it). Without it LearnMany learns one message per call.
type BatchStore interface {
	BayesLearnMany(ctx context.Context, scope store.Scope, at time.Time, n int,
		item func(i int) (digest string, class store.Class, tokens []uint64)) ([]store.LearnOutcome, error)
}

// LearnMany learns jobs (for bulk learning such as `mailsift learn`), in
// one store transaction per run of consecutive jobs of the same scope
// when the store is a BatchStore. It returns the outcome of each job
// learned before an error; a failed transaction learns none of its run.
func (c *Classifier) LearnMany(ctx context.Context, jobs []Job) ([]store.LearnOutcome, error) {
	for _, j := range jobs {
		if (j.Class != store.Ham && j.Class != store.Spam) || j.Digest == "" {
			return nil, fmt.Errorf("bayes: learn %q as %v: want a digest and ham or spam", j.Digest, j.Class)
		}
	}
	bs, ok := c.st.(BatchStore)
	if !ok {
		outs := make([]store.LearnOutcome, 0, len(jobs))
		for _, j := range jobs {
			out, err := c.LearnTokens(ctx, j.Scope, j.Digest, j.Tokens, j.Class)
			if err != nil {
				return outs, err
			}
			outs = append(outs, out)
		}
		return outs, nil
	}
	outs := make([]store.LearnOutcome, 0, len(jobs))
	err := c.scopeRuns(ctx, jobs, func(m *Model, run []Job) error {
		res, err := bs.BayesLearnMany(ctx, run[0].Scope, c.opts.Now(), len(run),
			func(i int) (string, store.Class, []uint64) { return run[i].Digest, run[i].Class, run[i].Tokens })
		if err != nil {
			return fmt.Errorf("bayes: learn %s: %w", run[0].Scope, err)
		}
		for i, out := range res {
			m.applyOutcome(run[i].Tokens, run[i].Class, out)
		}
		outs = append(outs, res...)
		return nil
	})
	return outs, err
}
