package bayes

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
)

// Learner is what a Queue feeds; *Classifier is one.
type Learner interface {
	LearnTokens(ctx context.Context, scope store.Scope, digest string, tokens []uint64,
		class store.Class) (store.LearnOutcome, error)
}

// Job is one message to learn. It holds the digest and tokens, not the
// message, so that a queued job costs a few kilobytes.
type Job struct {
	Scope  store.Scope
	Digest string
	Tokens []uint64
	Class  store.Class
}

// NewJob makes the Job that learns m (raw bytes raw) as class in scope.
func (c *Classifier) NewJob(scope store.Scope, m *message.Message, raw []byte, class store.Class) Job {
	return Job{Scope: scope, Digest: Digest(raw), Tokens: c.Tokens(m), Class: class}
}

// QueueOptions tune a Queue. The zero value means the defaults.
type QueueOptions struct {
	Size       int           // jobs waiting at most (default 1000); more are dropped
	Retries    int           // attempts after the first when the store is unavailable (default 6)
	Backoff    time.Duration // wait before the first retry, doubled each time (default 1 s)
	MaxBackoff time.Duration // longest wait between retries (default 1 min)
	Timeout    time.Duration // one attempt's deadline (default 10 s)
}

func (o QueueOptions) withDefaults() QueueOptions {
	if o.Size <= 0 {
		o.Size = 1000
	}
	if o.Retries <= 0 {
		o.Retries = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return o
}

// QueueStats count what a Queue did.
type QueueStats struct {
	Learned, AlreadyKnown, Relearned uint64 // outcomes
	Retried                          uint64 // attempts repeated after store.ErrUnavailable
	Dropped                          uint64 // jobs refused because the queue was full or closed, or abandoned at Close
	Failed                           uint64 // jobs given up after an error
}

// Queue learns jobs one at a time in a background worker, off the SMTP
// path. Add never blocks; a full queue drops the job and counts it. When
// the store is unavailable the worker retries with exponential backoff.
type Queue struct {
	l    Learner
	opts QueueOptions
	jobs chan Job
	stop chan struct{} // closed by Close when its context ends: abandon retries
	done chan struct{} // closed when the worker has returned

	mu     sync.RWMutex // guards closed against Add sending on a closed channel
	closed bool

	learned, known, relearned, retried, dropped, failed atomic.Uint64
	lastErr                                             atomic.Pointer[error]
}

// NewQueue starts a Queue feeding l.
func NewQueue(l Learner, opts QueueOptions) *Queue {
	opts = opts.withDefaults()
	q := &Queue{l: l, opts: opts, jobs: make(chan Job, opts.Size),
		stop: make(chan struct{}), done: make(chan struct{})}
	go q.run()
	return q
}

// Add queues a job and reports whether it was accepted.
func (q *Queue) Add(j Job) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.dropped.Add(1)
		return false
	}
	select {
	case q.jobs <- j:
		return true
	default:
		q.dropped.Add(1)
		return false
	}
}

// Len returns the jobs waiting.
func (q *Queue) Len() int { return len(q.jobs) }

// Stats returns the counters.
func (q *Queue) Stats() QueueStats {
	return QueueStats{Learned: q.learned.Load(), AlreadyKnown: q.known.Load(), Relearned: q.relearned.Load(),
		Retried: q.retried.Load(), Dropped: q.dropped.Load(), Failed: q.failed.Load()}
}

// LastError returns the last error a job failed with, nil if none.
func (q *Queue) LastError() error {
	if p := q.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops accepting jobs and waits until the waiting ones are learned.
// When ctx ends first, the worker abandons the rest (counted as dropped)
// and Close returns ctx's error.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.jobs)
	}
	q.mu.Unlock()
	if ctx.Err() == nil {
		select {
		case <-q.done:
			return nil
		case <-ctx.Done():
		}
	}
	// ctx ended (possibly before Close was called): abandon what waits.
	close(q.stop)
	<-q.done
	return ctx.Err()
}

// batchLearner is a Learner that learns many jobs in one store
// transaction (*Classifier is one): autolearning a busy site's ham one
// transaction per message would cost more CPU than scoring it.
type batchLearner interface {
	LearnMany(ctx context.Context, jobs []Job) ([]store.LearnOutcome, error)
}

// maxBatch bounds the jobs learned in one transaction.
const maxBatch = 100

func (q *Queue) run() {
	defer close(q.done)
	bl, batching := q.l.(batchLearner)
	for j := range q.jobs {
		select {
		case <-q.stop:
			q.dropped.Add(1)
			continue
		default:
		}
		if !batching {
			q.learn(j)
			continue
		}
		q.learnBatch(bl, q.gather(j))
	}
}

// gather returns first and the jobs already waiting behind it, up to maxBatch.
func (q *Queue) gather(first Job) []Job {
	batch := []Job{first}
	for len(batch) < maxBatch {
		select {
		case j, ok := <-q.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// learnBatch learns jobs in one call, retrying the whole batch while the
// store is unavailable (learning is idempotent per digest).
func (q *Queue) learnBatch(bl batchLearner, jobs []Job) {
	err := q.withRetries(func() int { return len(jobs) }, func(ctx context.Context) error {
		outs, err := bl.LearnMany(ctx, jobs)
		for _, out := range outs {
			q.count(out)
		}
		jobs = jobs[len(outs):]
		return err
	})
	if err != nil {
		// A bad job must not sink the batch: learn the rest one by one,
		// each with its own retries and outcome.
		for _, j := range jobs {
			q.learn(j)
		}
	}
}

// learn runs one job with retries.
func (q *Queue) learn(j Job) {
	err := q.withRetries(func() int { return 1 }, func(ctx context.Context) error {
		out, err := q.l.LearnTokens(ctx, j.Scope, j.Digest, j.Tokens, j.Class)
		if err == nil {
			q.count(out)
		}
		return err
	})
	if err != nil {
		q.failed.Add(1)
		q.lastErr.Store(&err)
	}
}

// withRetries calls try, each time under the queue's timeout, until it
// succeeds or fails with an error other than store.ErrUnavailable, which
// it returns. While the store is unavailable it backs off and tries again;
// when the retries are spent or the queue stops, the pending() jobs left
// count as failed or dropped and it returns nil.
func (q *Queue) withRetries(pending func() int, try func(ctx context.Context) error) error {
	wait := q.opts.Backoff
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), q.opts.Timeout)
		err := try(ctx)
		cancel()
		if err == nil || !errors.Is(err, store.ErrUnavailable) {
			return err
		}
		if attempt >= q.opts.Retries {
			q.failed.Add(uint64(pending()))
			q.lastErr.Store(&err)
			return nil
		}
		q.retried.Add(1)
		select {
		case <-time.After(wait):
		case <-q.stop:
			q.dropped.Add(uint64(pending()))
			return nil
		}
		wait = min(2*wait, q.opts.MaxBackoff)
	}
}

func (q *Queue) count(out store.LearnOutcome) {
	switch out {
	case store.Learned:
		q.learned.Add(1)
	case store.AlreadyKnown:
		q.known.Add(1)
	case store.Relearned:
		q.relearned.Add(1)
	}
}
