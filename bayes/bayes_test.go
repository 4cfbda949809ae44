package bayes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
)

// synth returns the tokens of a synthetic message: 20 class words shared by
// every message of the class, 20 words of its own, and 5 common words.
func synth(class store.Class, i int) []uint64 {
	var out []uint64
	for j := 0; j < 20; j++ {
		out = append(out, Hash(fmt.Sprintf("%v-word-%d", class, j)))
		out = append(out, Hash(fmt.Sprintf("%v-%d-own-%d", class, i, j)))
	}
	for j := 0; j < 5; j++ {
		out = append(out, Hash(fmt.Sprintf("common-%d", j)))
	}
	return out
}

// train learns n synthetic messages of each class into scope.
func train(t *testing.T, c *Classifier, scope store.Scope, nHam, nSpam int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < max(nHam, nSpam); i++ {
		if i < nHam {
			mustLearn(t, c, scope, fmt.Sprintf("ham-%d", i), synth(store.Ham, i), store.Ham, store.Learned)
		}
		if i < nSpam {
			mustLearn(t, c, scope, fmt.Sprintf("spam-%d", i), synth(store.Spam, i), store.Spam, store.Learned)
		}
	}
	_ = ctx
}

func mustLearn(t *testing.T, c *Classifier, scope store.Scope, digest string, toks []uint64, class store.Class,
	want store.LearnOutcome) {
	t.Helper()
	got, err := c.LearnTokens(context.Background(), scope, digest, toks, class)
	if err != nil || got != want {
		t.Fatalf("LearnTokens(%s, %s) = %v, %v; want %v", scope, digest, got, err, want)
	}
}

func newTest(t *testing.T, st store.BayesStore, opts Options) *Classifier {
	t.Helper()
	c, err := New(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var global = []store.Scope{store.GlobalScope()}

func TestClassifySynthetic(t *testing.T) {
	c := newTest(t, newMemStore(), Options{MinHam: 10, MinSpam: 10})
	train(t, c, store.GlobalScope(), 30, 30)
	ctx := context.Background()
	spam, err := c.ClassifyTokens(ctx, global, synth(store.Spam, 999))
	if err != nil || !spam.Ready || spam.Prob < 0.99 || spam.Used < 20 {
		t.Errorf("spam-like message: %+v, %v; want ready, prob > 0.99, 20+ tokens", spam, err)
	}
	ham, err := c.ClassifyTokens(ctx, global, synth(store.Ham, 999))
	if err != nil || !ham.Ready || ham.Prob > 0.01 {
		t.Errorf("ham-like message: %+v, %v; want prob < 0.01", ham, err)
	}
	unknown, err := c.ClassifyTokens(ctx, global, []uint64{Hash("never"), Hash("seen")})
	if err != nil || unknown.Prob != 0.5 || unknown.Used != 0 {
		t.Errorf("unknown tokens: %+v, %v; want 0.5 from 0 tokens", unknown, err)
	}
	// Deterministic whatever the token order.
	toks := append(synth(store.Spam, 5)[:10], synth(store.Ham, 5)[:12]...)
	a, _ := c.ClassifyTokens(ctx, global, toks)
	for i, j := 0, len(toks)-1; i < j; i, j = i+1, j-1 {
		toks[i], toks[j] = toks[j], toks[i]
	}
	b, _ := c.ClassifyTokens(ctx, global, toks)
	if a != b {
		t.Errorf("reversed tokens: %+v != %+v", a, b)
	}
}

func TestTokenProbAndChi2(t *testing.T) {
	tot := store.BayesTotals{Ham: 100, Spam: 100}
	if f := TokenProb(store.TokenCounts{Spam: 10}, tot, 1, 0.5); math.Abs(f-(0.5+10)/11) > 1e-12 {
		t.Errorf("f(spam only, n=10) = %v", f)
	}
	if f := TokenProb(store.TokenCounts{}, tot, 1, 0.5); f != 0.5 {
		t.Errorf("f(unseen) = %v", f)
	}
	if f := TokenProb(store.TokenCounts{Ham: 5, Spam: 5}, tot, 1, 0.5); f != 0.5 {
		t.Errorf("f(balanced) = %v", f)
	}
	// chi2Q(x, 2) = exp(-x/2); chi2Q(0, v) = 1.
	if q := chi2Q(4, 2); math.Abs(q-math.Exp(-2)) > 1e-12 {
		t.Errorf("chi2Q(4, 2) = %v", q)
	}
	if q := chi2Q(0, 300); q != 1 {
		t.Errorf("chi2Q(0, 300) = %v", q)
	}
	if q := chi2Q(5000, 300); q < 0 || q > 1e-100 {
		t.Errorf("chi2Q(5000, 300) = %v", q)
	}
}

func TestMinTrainingGate(t *testing.T) {
	c := newTest(t, newMemStore(), Options{})
	g := store.GlobalScope()
	train(t, c, g, 199, 200)
	r, err := c.ClassifyTokens(context.Background(), global, synth(store.Spam, 1))
	if err != nil || r.Ready {
		t.Fatalf("199 ham/200 spam: %+v, %v; want not ready", r, err)
	}
	mustLearn(t, c, g, "ham-199", synth(store.Ham, 199), store.Ham, store.Learned)
	r, err = c.ClassifyTokens(context.Background(), global, synth(store.Spam, 1))
	if err != nil || !r.Ready || r.Prob < 0.99 {
		t.Fatalf("200/200: %+v, %v; want ready and spammy", r, err)
	}
}

func TestLearnIdempotentRelearnForget(t *testing.T) {
	st := newMemStore()
	c := newTest(t, st, Options{MinHam: 1, MinSpam: 1})
	g := store.GlobalScope()
	toks := synth(store.Spam, 1)
	mustLearn(t, c, g, "d", toks, store.Spam, store.Learned)
	before := snapshot(t, c, st, g)
	mustLearn(t, c, g, "d", toks, store.Spam, store.AlreadyKnown)
	if after := snapshot(t, c, st, g); after != before {
		t.Errorf("learning twice changed counts: %v -> %v", before, after)
	}
	mustLearn(t, c, g, "d", toks, store.Ham, store.Relearned)
	m, _ := c.Model(context.Background(), g)
	if cnt, _ := m.Counts(toks[0]); cnt != (store.TokenCounts{Ham: 1}) || m.Totals() != (store.BayesTotals{Ham: 1}) {
		t.Errorf("after relearn: %v, totals %v; want ham 1", cnt, m.Totals())
	}
	snapshot(t, c, st, g) // memory equals store
	ok, err := c.ForgetTokens(context.Background(), g, "d", toks)
	if err != nil || !ok {
		t.Fatalf("ForgetTokens = %v, %v", ok, err)
	}
	if m.Len() != 0 || m.Totals() != (store.BayesTotals{}) {
		t.Errorf("after forget: %d tokens, totals %v; want empty", m.Len(), m.Totals())
	}
	snapshot(t, c, st, g)
	if ok, err := c.ForgetTokens(context.Background(), g, "d", toks); err != nil || ok {
		t.Errorf("forget twice = %v, %v; want false", ok, err)
	}
}

// snapshot checks that the model equals the store and returns a summary.
func snapshot(t *testing.T, c *Classifier, st *memStore, scope store.Scope) string {
	t.Helper()
	m, err := c.Model(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = st.BayesScan(context.Background(), scope, func(tok uint64, want store.TokenCounts) error {
		n++
		if got, _ := m.Counts(tok); got != want {
			return fmt.Errorf("token %x: memory %v, store %v", tok, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tot, _ := st.BayesTotals(context.Background(), scope)
	if m.Len() != n || m.Totals() != tot {
		t.Fatalf("memory has %d tokens, totals %v; store %d, %v", m.Len(), m.Totals(), n, tot)
	}
	return fmt.Sprint(n, tot)
}

func TestPerUserFallback(t *testing.T) {
	c := newTest(t, newMemStore(), Options{MinHam: 5, MinSpam: 5})
	ctx := context.Background()
	u := store.UserScope("a@example.com")
	train(t, c, store.GlobalScope(), 10, 10)
	scopes := []store.Scope{u, store.GlobalScope()}
	r, err := c.ClassifyTokens(ctx, scopes, synth(store.Spam, 77))
	if err != nil || r.Scope != store.GlobalScope() || r.Prob < 0.9 {
		t.Fatalf("untrained user: %+v, %v; want the global scope", r, err)
	}
	// The user's taste is the opposite of the site's.
	for i := 0; i < 5; i++ {
		mustLearn(t, c, u, fmt.Sprintf("u-ham-%d", i), synth(store.Spam, i), store.Ham, store.Learned)
		mustLearn(t, c, u, fmt.Sprintf("u-spam-%d", i), synth(store.Ham, i), store.Spam, store.Learned)
	}
	r, err = c.ClassifyTokens(ctx, scopes, synth(store.Spam, 77))
	if err != nil || r.Scope != u || r.Prob > 0.1 {
		t.Fatalf("trained user: %+v, %v; want the user's scope and a hammy result", r, err)
	}
	if g, _ := c.Model(ctx, store.GlobalScope()); g.Totals() != (store.BayesTotals{Ham: 10, Spam: 10}) {
		t.Errorf("user learning touched the global totals: %v", g.Totals())
	}
}

func TestConcurrentLearnClassify(t *testing.T) {
	st := newMemStore()
	c := newTest(t, st, Options{MinHam: 1, MinSpam: 1})
	g := store.GlobalScope()
	train(t, c, g, 2, 2)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				class := store.Class(1 + (w+i)%2)
				if _, err := c.LearnTokens(ctx, g, fmt.Sprintf("w%d-%d", w, i), synth(class, 100*w+i), class); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := c.ClassifyTokens(ctx, global, synth(store.Spam, i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	snapshot(t, c, st, g)
	m, _ := c.Model(ctx, g)
	if got := m.Totals(); got != (store.BayesTotals{Ham: 52, Spam: 52}) {
		t.Errorf("totals %v, want 52/52", got)
	}
	if cnt, _ := m.Counts(Hash("common-0")); cnt != (store.TokenCounts{Ham: 52, Spam: 52}) {
		t.Errorf("common token %v, want 52/52", cnt)
	}
}

func TestBoundedModel(t *testing.T) {
	st := newMemStore()
	big := newTest(t, st, Options{MinHam: 5, MinSpam: 5})
	train(t, big, store.GlobalScope(), 20, 20)
	small := newTest(t, st, Options{MinHam: 5, MinSpam: 5, MaxMemoryTokens: 100})
	m, _ := small.Model(context.Background(), store.GlobalScope())
	if m.Complete() || m.Len() > 100 {
		t.Fatalf("bounded model: complete %v, %d tokens", m.Complete(), m.Len())
	}
	for _, class := range []store.Class{store.Ham, store.Spam} {
		toks := synth(class, 3) // own words are rare: looked up in the store
		a, err := big.ClassifyTokens(context.Background(), global, toks)
		if err != nil {
			t.Fatal(err)
		}
		b, err := small.ClassifyTokens(context.Background(), global, toks)
		if err != nil || a != b {
			t.Errorf("%v: bounded model gave %+v, %v; full model %+v", class, b, err, a)
		}
	}
}

func TestUnavailableStore(t *testing.T) {
	st := &flakyStore{memStore: newMemStore()}
	c := newTest(t, st, Options{MinHam: 1, MinSpam: 1, MaxMemoryTokens: 10})
	train(t, c, store.GlobalScope(), 3, 3)
	st.fail.Store(1000)
	_, err := c.ClassifyTokens(context.Background(), global, synth(store.Spam, 50))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("lookup on an unavailable store: %v, want ErrUnavailable", err)
	}
	_, err = c.ClassifyTokens(context.Background(), []store.Scope{store.UserScope("x@example.com")}, nil)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("loading a scope from an unavailable store: %v, want ErrUnavailable", err)
	}
	_, err = c.LearnTokens(context.Background(), store.GlobalScope(), "x", synth(store.Spam, 60), store.Spam)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("learn on an unavailable store: %v, want ErrUnavailable", err)
	}
	if _, err := New(context.Background(), st, Options{}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("New on an unavailable store: %v, want ErrUnavailable", err)
	}
}

func TestRefresh(t *testing.T) {
	st := newMemStore()
	a := newTest(t, st, Options{MinHam: 1, MinSpam: 1})
	b := newTest(t, st, Options{MinHam: 1, MinSpam: 1}) // another process on the same database
	train(t, b, store.GlobalScope(), 2, 2)
	m, _ := a.Model(context.Background(), store.GlobalScope())
	if m.Totals() != (store.BayesTotals{}) {
		t.Fatal("a saw b's learning before Refresh")
	}
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	snapshot(t, a, st, store.GlobalScope())
}

func TestLearnMessage(t *testing.T) {
	st := newMemStore()
	c := newTest(t, st, Options{})
	m := sampleMessage()
	out, err := c.Learn(context.Background(), store.GlobalScope(), m, []byte(sample), store.Spam)
	if err != nil || out != store.Learned {
		t.Fatalf("Learn = %v, %v", out, err)
	}
	relayed := "Received: from relay.example.net (relay.example.net [192.0.2.9]) by mx\r\n" +
		"X-Spam-Status: No\r\n" + sample
	out, err = c.Learn(context.Background(), store.GlobalScope(), message.Parse([]byte(relayed), message.Limits{}),
		[]byte(relayed), store.Spam)
	if err != nil || out != store.AlreadyKnown {
		t.Errorf("Learn of the relayed copy = %v, %v; want AlreadyKnown", out, err)
	}
	if _, err := c.Learn(context.Background(), store.GlobalScope(), m, []byte(sample), store.None); err == nil {
		t.Error("Learn as none succeeded")
	}
}

func TestDigest(t *testing.T) {
	base := "From: a@example.com\nSubject: hi\nMessage-ID: <1@x>\n\nbody line\n"
	same := []string{
		"Received: from x\n\tby y\nReturn-Path: <a@example.com>\n" + base,
		"From:   a@example.com\nSubject: hi\nMessage-ID:\n <1@x>\n\nbody line   \n\n\n",
		"From: a@example.com\r\nSubject: hi\r\nMessage-ID: <1@x>\r\nX-Spam-Score: 5\r\n\r\nbody line\r\n",
	}
	for _, s := range same {
		if Digest([]byte(s)) != Digest([]byte(base)) {
			t.Errorf("digest differs for %q", s)
		}
	}
	for _, s := range []string{
		"From: a@example.com\nSubject: hi!\nMessage-ID: <1@x>\n\nbody line\n",
		"From: a@example.com\nSubject: hi\nMessage-ID: <1@x>\n\nbody line 2\n",
		"From: a@example.com\nSubject: hi\nMessage-ID: <2@x>\n\nbody line\n",
	} {
		if Digest([]byte(s)) == Digest([]byte(base)) {
			t.Errorf("digest equal for %q", s)
		}
	}
	if d := Digest(nil); len(d) != 3+64 {
		t.Errorf("Digest(nil) = %q", d)
	}
}

func TestBuckets(t *testing.T) {
	for _, c := range []struct {
		p    float64
		want string
	}{
		{0, "BAYES_00"}, {0.0099, "BAYES_00"}, {0.01, "BAYES_05"}, {0.2, "BAYES_40"}, {0.5, "BAYES_50"},
		{0.7, "BAYES_60"}, {0.9, "BAYES_80"}, {0.98, "BAYES_95"}, {0.99, "BAYES_99"}, {0.9989, "BAYES_99"},
		{0.999, "BAYES_999"}, {1, "BAYES_999"}, {math.NaN(), "BAYES_50"},
	} {
		if got := BucketOf(c.p).Name; got != c.want {
			t.Errorf("BucketOf(%v) = %s, want %s", c.p, got, c.want)
		}
	}
	for i := 1; i < len(Buckets); i++ {
		if Buckets[i].Min <= Buckets[i-1].Min || Buckets[i].Points < Buckets[i-1].Points {
			t.Errorf("bucket %s out of order", Buckets[i].Name)
		}
	}
}

func TestAutolearnClass(t *testing.T) {
	for _, c := range []struct {
		score float64
		a     Autolearn
		class store.Class
		ok    bool
	}{
		{10.01, Autolearn{}, store.Spam, true},
		{10, Autolearn{}, store.None, false},
		{5, Autolearn{}, store.None, false},
		{1, Autolearn{}, store.None, false},
		{0.99, Autolearn{}, store.Ham, true},
		{-3, Autolearn{}, store.Ham, true},
		{6, Autolearn{SpamAbove: 5}, store.Spam, true},
		{-3, Autolearn{HamBelow: math.Inf(-1)}, store.None, false},
		{math.NaN(), Autolearn{}, store.None, false},
		{math.Inf(1), Autolearn{}, store.None, false},
	} {
		class, ok := AutolearnClass(c.score, c.a)
		if class != c.class || ok != c.ok {
			t.Errorf("AutolearnClass(%v, %+v) = %v, %v; want %v, %v", c.score, c.a, class, ok, c.class, c.ok)
		}
	}
}

func TestQueueRetriesWhenUnavailable(t *testing.T) {
	st := &flakyStore{memStore: newMemStore()}
	c := newTest(t, st, Options{})
	st.fail.Store(2) // the first two learn attempts fail
	q := NewQueue(c, QueueOptions{Backoff: time.Millisecond})
	if !q.Add(Job{Scope: store.GlobalScope(), Digest: "d", Tokens: synth(store.Spam, 1), Class: store.Spam}) {
		t.Fatal("Add refused")
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := q.Stats()
	if s.Learned != 1 || s.Retried != 2 || s.Failed != 0 || st.calls.Load() != 3 {
		t.Errorf("stats %+v after %d calls; want learned 1 after 2 retries", s, st.calls.Load())
	}
	if q.Add(Job{Digest: "late", Class: store.Spam}) || q.Stats().Dropped != 1 {
		t.Error("Add after Close accepted or not counted")
	}
}

func TestQueueGivesUp(t *testing.T) {
	st := &flakyStore{memStore: newMemStore()}
	c := newTest(t, st, Options{})
	st.fail.Store(100)
	q := NewQueue(c, QueueOptions{Backoff: time.Millisecond, Retries: 2})
	q.Add(Job{Scope: store.GlobalScope(), Digest: "d", Class: store.Spam})
	q.Add(Job{Scope: store.GlobalScope(), Digest: "", Class: store.Spam}) // permanent error: no retry
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Failed != 2 || s.Retried != 2 || q.LastError() == nil {
		t.Errorf("stats %+v, last error %v; want 2 failed after 2 retries", s, q.LastError())
	}
}

// blockingLearner blocks every learn until release is closed.
type blockingLearner struct{ release chan struct{} }

func (b blockingLearner) LearnTokens(ctx context.Context, _ store.Scope, _ string, _ []uint64,
	_ store.Class) (store.LearnOutcome, error) {
	<-b.release
	return store.Learned, nil
}

func TestQueueDropsWhenFull(t *testing.T) {
	b := blockingLearner{release: make(chan struct{})}
	q := NewQueue(b, QueueOptions{Size: 2})
	accepted := 0
	for i := 0; i < 10; i++ {
		if q.Add(Job{Digest: fmt.Sprint(i), Class: store.Spam}) {
			accepted++
		}
	}
	// The worker holds at most one job; the channel two more.
	if accepted < 2 || accepted > 3 || q.Stats().Dropped != uint64(10-accepted) {
		t.Errorf("accepted %d, dropped %d; want 2 or 3 accepted and the rest dropped", accepted, q.Stats().Dropped)
	}
	close(b.release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Learned != uint64(accepted) {
		t.Errorf("learned %d, want %d", s.Learned, accepted)
	}
}

func TestQueueCloseDeadline(t *testing.T) {
	b := blockingLearner{release: make(chan struct{})}
	q := NewQueue(b, QueueOptions{Size: 5})
	for i := 0; i < 3; i++ {
		q.Add(Job{Digest: fmt.Sprint(i), Class: store.Spam})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error)
	go func() { done <- q.Close(ctx) }()
	close(b.release) // let the job in progress finish; the others are abandoned
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v, want context.Canceled", err)
	}
	s := q.Stats()
	if s.Learned+s.Dropped != 3 {
		t.Errorf("stats %+v: want 3 jobs accounted for", s)
	}
}

// batchLearnerRec learns in batches, blocking the first call until
// released, and records the batch sizes.
type batchLearnerRec struct {
	blockingLearner
	mu    sync.Mutex
	sizes []int
	first sync.Once
}

func (b *batchLearnerRec) LearnMany(_ context.Context, jobs []Job) ([]store.LearnOutcome, error) {
	b.first.Do(func() { <-b.release })
	b.mu.Lock()
	b.sizes = append(b.sizes, len(jobs))
	b.mu.Unlock()
	outs := make([]store.LearnOutcome, len(jobs))
	for i := range outs {
		outs[i] = store.Learned
	}
	return outs, nil
}

// TestQueueBatches: jobs waiting behind a busy learner are learned together,
// in one call, and every job is counted once.
func TestQueueBatches(t *testing.T) {
	b := &batchLearnerRec{blockingLearner: blockingLearner{release: make(chan struct{})}}
	q := NewQueue(b, QueueOptions{Size: 500})
	for i := 0; i < 250; i++ {
		if !q.Add(Job{Scope: store.GlobalScope(), Digest: fmt.Sprint(i), Class: store.Ham}) {
			t.Fatalf("job %d refused", i)
		}
	}
	close(b.release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	total, biggest := 0, 0
	for _, n := range b.sizes {
		total += n
		biggest = max(biggest, n)
	}
	if total != 250 || q.Stats().Learned != 250 || biggest != maxBatch || len(b.sizes) > 5 {
		t.Errorf("batches %v, learned %d; want 250 in batches of at most %d", b.sizes, q.Stats().Learned, maxBatch)
	}
}

// TestReceivedOpinion: a message whose Received hops are spammy and whose
// other tokens are hammy gets a low probability and a high Received one,
// from the same counts; the minimum-training gate holds back both.
func TestReceivedOpinion(t *testing.T) {
	relay := func(class store.Class) []uint64 {
		return []uint64{Hash(fmt.Sprintf("RH:%v.relay", class)), Hash(fmt.Sprintf("RI:%v.net", class))}
	}
	c := newTest(t, newMemStore(), Options{MinHam: 30, MinSpam: 30})
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		for _, class := range []store.Class{store.Ham, store.Spam} {
			if i == 29 && class == store.Spam {
				r, err := c.ClassifyParts(ctx, global, Parts{All: synth(store.Spam, 1), Received: relay(store.Spam)})
				if err != nil || r.Ready || r.ReceivedUsed != 0 || r.Received != 0.5 {
					t.Fatalf("before minimum training: %+v, %v; want not ready, no Received opinion", r, err)
				}
			}
			mustLearn(t, c, store.GlobalScope(), fmt.Sprintf("%v-%d", class, i), append(synth(class, i), relay(class)...),
				class, store.Learned)
		}
	}
	mixed := append(synth(store.Ham, 999), relay(store.Spam)...)
	r, err := c.ClassifyParts(ctx, global, Parts{All: mixed, Received: relay(store.Spam)})
	if err != nil || !r.Ready || r.Prob > 0.05 || r.Received < 0.95 || r.ReceivedUsed != 2 {
		t.Errorf("hammy body, spammy relays: %+v, %v; want prob < 0.05, Received > 0.95 from 2 tokens", r, err)
	}
	again, _ := c.ClassifyParts(ctx, global, Parts{All: mixed, Received: relay(store.Spam)})
	if again != r {
		t.Errorf("not deterministic: %+v then %+v", r, again)
	}
	plain, _ := c.ClassifyTokens(ctx, global, mixed)
	if plain.Prob != r.Prob || plain.ReceivedUsed != 0 || plain.Received != 0.5 {
		t.Errorf("ClassifyTokens: %+v; want the same Prob and no Received opinion", plain)
	}
	if r.SenderUsed != 0 || r.Sender != 0.5 {
		t.Errorf("no sender tokens given: %+v; want no sender opinion", r)
	}
}

// TestSenderOpinion: the sender's tokens form their own opinion from the
// same counts, independent of the Received one: a known ham sender's
// message full of spammy words keeps a hammy Sender probability.
func TestSenderOpinion(t *testing.T) {
	sender := func(class store.Class) []uint64 {
		return []uint64{Hash(fmt.Sprintf("F:a:news@%v.example", class)), Hash(fmt.Sprintf("F:d:%v.example", class)),
			Hash(fmt.Sprintf("MI:%v.example", class))}
	}
	c := newTest(t, newMemStore(), Options{MinHam: 30, MinSpam: 30})
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		for _, class := range []store.Class{store.Ham, store.Spam} {
			mustLearn(t, c, store.GlobalScope(), fmt.Sprintf("%v-%d", class, i), append(synth(class, i), sender(class)...),
				class, store.Learned)
		}
	}
	unknown := Hash("F:a:someone@new.example")
	p := Parts{All: append(append(synth(store.Spam, 999), sender(store.Ham)...), unknown),
		Sender: append(sender(store.Ham), unknown)}
	r, err := c.ClassifyParts(ctx, global, p)
	if err != nil || !r.Ready || r.Prob < 0.95 || r.Sender > 0.05 || r.SenderUsed != 3 || r.ReceivedUsed != 0 {
		t.Errorf("spammy words, ham sender: %+v, %v; want prob > 0.95, Sender < 0.05 from 3 known tokens, no Received", r, err)
	}
	none, _ := c.ClassifyParts(ctx, global, Parts{All: synth(store.Spam, 998), Sender: []uint64{unknown}})
	if none.SenderUsed != 0 || none.Sender != 0.5 {
		t.Errorf("unknown sender: %+v; want no sender opinion", none)
	}
}
