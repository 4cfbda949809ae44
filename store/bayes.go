package store

import (
	"context"
	"time"
)

// Class is what a message was learned as.
type Class uint8

// Classes. None means "not learned" in LearnResult.Previous.
const (
	None Class = iota
	Ham
	Spam
)

func (c Class) String() string {
	switch c {
	case Ham:
		return "ham"
	case Spam:
		return "spam"
	}
	return "none"
}

// TokenCounts says in how many learned ham and spam messages a token
// appeared (each token counts once per message).
type TokenCounts struct {
	Ham, Spam uint32
}

// BayesTotals counts the messages learned in a scope.
type BayesTotals struct {
	Ham, Spam uint64
}

// LearnOutcome says what Learn did with a message.
type LearnOutcome uint8

// Learn outcomes.
const (
	Learned      LearnOutcome = iota + 1 // new message, counts added
	AlreadyKnown                         // learned before with the same class: nothing changed
	Relearned                            // learned before with the other class: counts moved
)

// BayesStore keeps the Bayes token statistics of each scope durably.
// Tokens are 64-bit hashes. Every call that changes counts is atomic and
// idempotent per message digest: learning a message twice is a no-op,
// learning it with the other class moves its counts, forgetting it undoes
// it. Token lists passed in are deduplicated by the caller.
type BayesStore interface {
	// BayesTotals returns the messages learned in scope.
	BayesTotals(ctx context.Context, scope Scope) (BayesTotals, error)
	// BayesLookup returns the counts of the given tokens in scope, in one
	// round trip; unknown tokens are absent from the map.
	BayesLookup(ctx context.Context, scope Scope, tokens []uint64) (map[uint64]TokenCounts, error)
	// BayesScan calls fn for every token of scope (to load a memory cache).
	BayesScan(ctx context.Context, scope Scope, fn func(token uint64, c TokenCounts) error) error
	// BayesLearn records the message with digest as class, with its tokens.
	BayesLearn(ctx context.Context, scope Scope, digest string, class Class, tokens []uint64, at time.Time) (LearnOutcome, error)
	// BayesForget removes a learned message's counts; ok is false when the
	// digest was not learned.
	BayesForget(ctx context.Context, scope Scope, digest string, tokens []uint64) (ok bool, err error)
	// BayesSeen returns the class a digest was learned as (None if never).
	BayesSeen(ctx context.Context, scope Scope, digest string) (Class, error)
	// BayesExpire drops tokens last seen before cutoff whose total count is
	// at most maxCount, and returns how many went.
	BayesExpire(ctx context.Context, scope Scope, cutoff time.Time, maxCount uint32) (int, error)
	// BayesScopes lists the scopes that have learned anything.
	BayesScopes(ctx context.Context) ([]Scope, error)
}
