package bayes

import (
	"context"
	"sync"

	"github.com/mailsift/mailsift/store"
)

// DefaultMaxMemoryTokens bounds the tokens a Model keeps in memory when
// Options.MaxMemoryTokens is zero: about 50 MB.
const DefaultMaxMemoryTokens = 1_000_000

// Model is the token statistics of one scope held in memory: a copy of the
// store kept current by every learn that goes through the same Classifier.
// It is safe for concurrent use; classifying takes a read lock, learning
// holds the write lock only while it adds the counts of one message.
//
// A Model is bounded. When it would hold more than its maximum, it drops
// the rarest tokens (total count 1, then 2, ...) and becomes incomplete:
// tokens it does not hold are then looked up in the store, in one batched
// query per message, and new tokens learned are not added to memory.
type Model struct {
	scope store.Scope
	max   int

	mu       sync.RWMutex
	counts   map[uint64]store.TokenCounts
	totals   store.BayesTotals
	complete bool   // every token of the scope is in counts
	minKeep  uint32 // when incomplete: tokens with a lower total count are not kept
}

func newModel(scope store.Scope, max int) *Model {
	return &Model{scope: scope, max: max, counts: map[uint64]store.TokenCounts{}, complete: true}
}

// loadModel reads a scope from the store into a new Model.
func loadModel(ctx context.Context, st store.BayesStore, scope store.Scope, max int) (*Model, error) {
	m := newModel(scope, max)
	totals, err := st.BayesTotals(ctx, scope)
	if err != nil {
		return nil, err
	}
	m.totals = totals
	err = st.BayesScan(ctx, scope, func(tok uint64, c store.TokenCounts) error {
		if !m.complete && c.Ham+c.Spam < m.minKeep {
			return nil
		}
		m.counts[tok] = c
		if len(m.counts) > m.max {
			m.evict()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// evict drops the rarest tokens until the model holds at most 90% of its
// maximum, and marks it incomplete. The caller holds the write lock (or
// owns m).
func (m *Model) evict() {
	m.complete = false
	if m.minKeep == 0 {
		m.minKeep = 1
	}
	for len(m.counts) > m.max*9/10 {
		m.minKeep++
		for tok, c := range m.counts {
			if c.Ham+c.Spam < m.minKeep {
				delete(m.counts, tok)
			}
		}
	}
}

// Scope returns the scope the model holds.
func (m *Model) Scope() store.Scope { return m.scope }

// Totals returns the messages learned in the scope.
func (m *Model) Totals() store.BayesTotals {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.totals
}

// Len returns the number of tokens held in memory.
func (m *Model) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.counts)
}

// Complete reports whether every token of the scope is in memory.
func (m *Model) Complete() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.complete
}

// Counts returns the counts of one token held in memory.
func (m *Model) Counts(tok uint64) (store.TokenCounts, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, ok := m.counts[tok]
	return c, ok
}

// Classify combines the tokens with the counts held in memory (see
// Combine). For an incomplete model, Classifier.Classify also reads the
// tokens missing from memory from the store.
func (m *Model) Classify(tokens []uint64, p Params) (prob float64, used int) {
	r := m.classify(Parts{All: tokens}, p, nil)
	return r.Prob, r.Used
}

// classify forms every opinion of parts (Result's Prob, Received and
// Sender) under one read lock, so that all of them see the same counts;
// extra holds the counts of tokens read from the store.
func (m *Model) classify(parts Parts, p Params, extra map[uint64]store.TokenCounts) Result {
	m.mu.RLock()
	defer m.mu.RUnlock()
	look := func(t uint64) (store.TokenCounts, bool) {
		if c, ok := m.counts[t]; ok {
			return c, true
		}
		c, ok := extra[t]
		return c, ok
	}
	r := Result{Ready: true}
	r.Prob, r.Used = Combine(parts.All, m.totals, p, look)
	r.Received, r.ReceivedUsed = Combine(parts.Received, m.totals, p, look)
	r.Sender, r.SenderUsed = Combine(parts.Sender, m.totals, p, look)
	return r
}

// missing returns the tokens not held in memory; nil for a complete model.
func (m *Model) missing(tokens []uint64) []uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.complete {
		return nil
	}
	var out []uint64
	for _, t := range tokens {
		if _, ok := m.counts[t]; !ok {
			out = append(out, t)
		}
	}
	return out
}

// apply adds dh to the ham and ds to the spam count of every token and to
// the totals, clamping at zero as the store does. Tokens whose counts fall
// to zero are dropped.
func (m *Model) apply(tokens []uint64, dh, ds int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.totals.Ham = addClamp64(m.totals.Ham, dh)
	m.totals.Spam = addClamp64(m.totals.Spam, ds)
	for _, t := range tokens {
		c, ok := m.counts[t]
		if !ok && !m.complete {
			continue // the store has it; lookups read it from there
		}
		c.Ham = addClamp32(c.Ham, dh)
		c.Spam = addClamp32(c.Spam, ds)
		if c.Ham == 0 && c.Spam == 0 {
			delete(m.counts, t)
			continue
		}
		m.counts[t] = c
	}
	if len(m.counts) > m.max {
		m.evict()
	}
}

// applyOutcome applies to memory what the store did when it learned tokens
// as class with outcome out.
func (m *Model) applyOutcome(tokens []uint64, class store.Class, out store.LearnOutcome) {
	dh, ds := delta(class)
	switch out {
	case store.Learned:
		m.apply(tokens, dh, ds)
	case store.Relearned:
		m.apply(tokens, dh-ds, ds-dh) // one count moves from the other class
	}
}

func addClamp32(v uint32, d int) uint32 {
	if d < 0 && uint32(-d) > v {
		return 0
	}
	return uint32(int64(v) + int64(d))
}

func addClamp64(v uint64, d int) uint64 {
	if d < 0 && uint64(-d) > v {
		return 0
	}
	return uint64(int64(v) + int64(d))
}
