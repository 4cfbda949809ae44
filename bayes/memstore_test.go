package bayes

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/storetest"
)

// memStore is an in-memory store.BayesStore for tests; the conformance
// suite checks that it behaves like the real backends.
type memStore struct {
	mu     sync.Mutex
	tokens map[store.Scope]map[uint64]memToken
	seen   map[store.Scope]map[string]store.Class
	totals map[store.Scope]store.BayesTotals
}

type memToken struct {
	c     store.TokenCounts
	atime int64
}

func newMemStore() *memStore {
	return &memStore{tokens: map[store.Scope]map[uint64]memToken{}, seen: map[store.Scope]map[string]store.Class{},
		totals: map[store.Scope]store.BayesTotals{}}
}

func TestMemStoreConforms(t *testing.T) {
	storetest.TestBayesStore(t, func(*testing.T) store.BayesStore { return newMemStore() })
}

func (s *memStore) BayesTotals(ctx context.Context, scope store.Scope) (store.BayesTotals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totals[scope], ctx.Err()
}

func (s *memStore) BayesLookup(ctx context.Context, scope store.Scope, toks []uint64) (map[uint64]store.TokenCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[uint64]store.TokenCounts{}
	for _, t := range toks {
		if c, ok := s.tokens[scope][t]; ok {
			out[t] = c.c
		}
	}
	return out, ctx.Err()
}

func (s *memStore) BayesScan(ctx context.Context, scope store.Scope, fn func(uint64, store.TokenCounts) error) error {
	s.mu.Lock()
	keys := make([]uint64, 0, len(s.tokens[scope]))
	vals := map[uint64]store.TokenCounts{}
	for k, v := range s.tokens[scope] {
		keys = append(keys, k)
		vals[k] = v.c
	}
	s.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		if err := fn(k, vals[k]); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *memStore) BayesSeen(ctx context.Context, scope store.Scope, digest string) (store.Class, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[scope][digest], ctx.Err()
}

func (s *memStore) BayesLearn(ctx context.Context, scope store.Scope, digest string, class store.Class,
	toks []uint64, at time.Time) (store.LearnOutcome, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if (class != store.Ham && class != store.Spam) || digest == "" {
		return 0, errors.New("bad learn")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.seen[scope][digest]
	dh, ds := delta(class)
	out := store.Learned
	switch was {
	case class:
		return store.AlreadyKnown, nil
	case store.None:
	default:
		out, dh, ds = store.Relearned, dh-ds, ds-dh
	}
	s.add(scope, toks, dh, ds, at.Unix())
	if s.seen[scope] == nil {
		s.seen[scope] = map[string]store.Class{}
	}
	s.seen[scope][digest] = class
	return out, nil
}

// add applies deltas like the SQL backend: clamped at zero, rows at zero
// kept after learning (dropped only by forget).
func (s *memStore) add(scope store.Scope, toks []uint64, dh, ds int, at int64) {
	if s.tokens[scope] == nil {
		s.tokens[scope] = map[uint64]memToken{}
	}
	for _, t := range toks {
		v := s.tokens[scope][t]
		v.c.Ham, v.c.Spam = addClamp32(v.c.Ham, dh), addClamp32(v.c.Spam, ds)
		v.atime = max(v.atime, at)
		s.tokens[scope][t] = v
	}
	tot := s.totals[scope]
	tot.Ham, tot.Spam = addClamp64(tot.Ham, dh), addClamp64(tot.Spam, ds)
	s.totals[scope] = tot
}

func (s *memStore) BayesForget(ctx context.Context, scope store.Scope, digest string, toks []uint64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.seen[scope][digest]
	if was == store.None {
		return false, nil
	}
	dh, ds := delta(was)
	tot := s.totals[scope]
	s.totals[scope] = store.BayesTotals{Ham: addClamp64(tot.Ham, -dh), Spam: addClamp64(tot.Spam, -ds)}
	for _, t := range toks {
		v, ok := s.tokens[scope][t]
		if !ok {
			continue
		}
		v.c.Ham, v.c.Spam = addClamp32(v.c.Ham, -dh), addClamp32(v.c.Spam, -ds)
		if v.c == (store.TokenCounts{}) {
			delete(s.tokens[scope], t)
			continue
		}
		s.tokens[scope][t] = v
	}
	delete(s.seen[scope], digest)
	return true, nil
}

func (s *memStore) BayesExpire(ctx context.Context, scope store.Scope, cutoff time.Time, maxCount uint32) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for t, v := range s.tokens[scope] {
		if v.atime < cutoff.Unix() && v.c.Ham+v.c.Spam <= maxCount {
			delete(s.tokens[scope], t)
			n++
		}
	}
	return n, ctx.Err()
}

func (s *memStore) BayesScopes(ctx context.Context) ([]store.Scope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Scope
	for sc, t := range s.totals {
		if t.Ham+t.Spam > 0 {
			out = append(out, sc)
		}
	}
	return out, ctx.Err()
}

// flakyStore fails every call with store.ErrUnavailable while fail > 0,
// counting the failures down on learn.
type flakyStore struct {
	*memStore
	fail  atomic.Int32
	calls atomic.Int32
}

var errFlaky = errors.Join(store.ErrUnavailable, errors.New("database is locked"))

func (s *flakyStore) BayesLearn(ctx context.Context, scope store.Scope, digest string, class store.Class,
	toks []uint64, at time.Time) (store.LearnOutcome, error) {
	s.calls.Add(1)
	if s.fail.Add(-1) >= 0 {
		return 0, errFlaky
	}
	return s.memStore.BayesLearn(ctx, scope, digest, class, toks, at)
}

func (s *flakyStore) BayesLookup(ctx context.Context, scope store.Scope, toks []uint64) (map[uint64]store.TokenCounts, error) {
	if s.fail.Load() > 0 {
		return nil, errFlaky
	}
	return s.memStore.BayesLookup(ctx, scope, toks)
}

func (s *flakyStore) BayesTotals(ctx context.Context, scope store.Scope) (store.BayesTotals, error) {
	if s.fail.Load() > 0 {
		return store.BayesTotals{}, errFlaky
	}
	return s.memStore.BayesTotals(ctx, scope)
}
