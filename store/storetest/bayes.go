package storetest

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mailsift/mailsift/store"
)

// TestBayesStore runs the BayesStore conformance tests. open returns a new,
// empty store and arranges its cleanup.
func TestBayesStore(t *testing.T, open func(t *testing.T) store.BayesStore) {
	t.Run("Empty", func(t *testing.T) { bayesEmpty(t, open(t)) })
	t.Run("LearnIdempotent", func(t *testing.T) { bayesLearnIdempotent(t, open(t)) })
	t.Run("Relearn", func(t *testing.T) { bayesRelearn(t, open(t)) })
	t.Run("Forget", func(t *testing.T) { bayesForget(t, open(t)) })
	t.Run("Scopes", func(t *testing.T) { bayesScopes(t, open(t)) })
	t.Run("ManyTokens", func(t *testing.T) { bayesManyTokens(t, open(t)) })
	t.Run("Expire", func(t *testing.T) { bayesExpire(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { bayesConcurrent(t, open(t)) })
	t.Run("BadInput", func(t *testing.T) { bayesBadInput(t, open(t)) })
}

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// edgeTokens include the values a signed 64-bit column could mangle.
var edgeTokens = []uint64{0, 1, 1 << 63, math.MaxUint64, 0xdeadbeefcafebabe}

func bayesEmpty(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g := store.GlobalScope()
	if tot, err := s.BayesTotals(ctx, g); err != nil || tot != (store.BayesTotals{}) {
		t.Errorf("BayesTotals = %v, %v; want zero", tot, err)
	}
	got, err := s.BayesLookup(ctx, g, edgeTokens)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("BayesLookup = %v, %v; want an empty non-nil map", got, err)
	}
	if n := scanAll(t, s, g); len(n) != 0 {
		t.Errorf("BayesScan found %v", n)
	}
	if c, err := s.BayesSeen(ctx, g, "d1"); err != nil || c != store.None {
		t.Errorf("BayesSeen = %v, %v; want none", c, err)
	}
	if ok, err := s.BayesForget(ctx, g, "d1", edgeTokens); err != nil || ok {
		t.Errorf("BayesForget of an unknown digest = %v, %v; want false", ok, err)
	}
	if sc, err := s.BayesScopes(ctx); err != nil || len(sc) != 0 {
		t.Errorf("BayesScopes = %v, %v; want none", sc, err)
	}
}

func bayesLearnIdempotent(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g := store.GlobalScope()
	learn(t, s, g, "d1", store.Spam, edgeTokens, store.Learned)
	learn(t, s, g, "d1", store.Spam, edgeTokens, store.AlreadyKnown)
	learn(t, s, g, "d2", store.Ham, edgeTokens[:2], store.Learned)
	want := map[uint64]store.TokenCounts{}
	for _, tok := range edgeTokens {
		want[tok] = store.TokenCounts{Spam: 1}
	}
	want[0] = store.TokenCounts{Ham: 1, Spam: 1}
	want[1] = store.TokenCounts{Ham: 1, Spam: 1}
	expectCounts(t, s, g, want)
	expectTotals(t, s, g, store.BayesTotals{Ham: 1, Spam: 1})
	if c, err := s.BayesSeen(ctx, g, "d1"); err != nil || c != store.Spam {
		t.Errorf("BayesSeen(d1) = %v, %v; want spam", c, err)
	}
	got, err := s.BayesLookup(ctx, g, []uint64{1 << 63, 42})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, map[uint64]store.TokenCounts{1 << 63: {Spam: 1}}) {
		t.Errorf("BayesLookup = %v, want only 1<<63 with spam 1", got)
	}
}

func bayesRelearn(t *testing.T, s store.BayesStore) {
	g := store.GlobalScope()
	learn(t, s, g, "d1", store.Spam, []uint64{1, 2}, store.Learned)
	learn(t, s, g, "d2", store.Spam, []uint64{2, 3}, store.Learned)
	learn(t, s, g, "d1", store.Ham, []uint64{1, 2}, store.Relearned)
	expectCounts(t, s, g, map[uint64]store.TokenCounts{1: {Ham: 1}, 2: {Ham: 1, Spam: 1}, 3: {Spam: 1}})
	expectTotals(t, s, g, store.BayesTotals{Ham: 1, Spam: 1})
	learn(t, s, g, "d1", store.Ham, []uint64{1, 2}, store.AlreadyKnown)
	learn(t, s, g, "d1", store.Spam, []uint64{1, 2}, store.Relearned)
	expectCounts(t, s, g, map[uint64]store.TokenCounts{1: {Spam: 1}, 2: {Spam: 2}, 3: {Spam: 1}})
	expectTotals(t, s, g, store.BayesTotals{Spam: 2})
}

func bayesForget(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g := store.GlobalScope()
	learn(t, s, g, "d1", store.Spam, []uint64{1, 2}, store.Learned)
	learn(t, s, g, "d2", store.Ham, []uint64{2, 3}, store.Learned)
	ok, err := s.BayesForget(ctx, g, "d1", []uint64{1, 2})
	if err != nil || !ok {
		t.Fatalf("BayesForget(d1) = %v, %v; want true", ok, err)
	}
	expectCounts(t, s, g, map[uint64]store.TokenCounts{2: {Ham: 1}, 3: {Ham: 1}})
	expectTotals(t, s, g, store.BayesTotals{Ham: 1})
	if ok, err := s.BayesForget(ctx, g, "d1", []uint64{1, 2}); err != nil || ok {
		t.Errorf("second BayesForget(d1) = %v, %v; want false", ok, err)
	}
	if c, err := s.BayesSeen(ctx, g, "d1"); err != nil || c != store.None {
		t.Errorf("BayesSeen after forget = %v, %v; want none", c, err)
	}
	learn(t, s, g, "d1", store.Spam, []uint64{1, 2}, store.Learned)
	expectCounts(t, s, g, map[uint64]store.TokenCounts{1: {Spam: 1}, 2: {Ham: 1, Spam: 1}, 3: {Ham: 1}})
}

func bayesScopes(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g, u, d := store.GlobalScope(), store.UserScope("a@example.com"), store.DomainScope("example.org")
	learn(t, s, g, "d1", store.Spam, []uint64{1}, store.Learned)
	learn(t, s, u, "d1", store.Ham, []uint64{1}, store.Learned)
	learn(t, s, d, "d1", store.Ham, []uint64{2}, store.Learned)
	expectCounts(t, s, g, map[uint64]store.TokenCounts{1: {Spam: 1}})
	expectCounts(t, s, u, map[uint64]store.TokenCounts{1: {Ham: 1}})
	expectCounts(t, s, d, map[uint64]store.TokenCounts{2: {Ham: 1}})
	expectTotals(t, s, u, store.BayesTotals{Ham: 1})
	got, err := s.BayesScopes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b store.Scope) int { return int(a.Kind) - int(b.Kind) })
	if want := []store.Scope{g, d, u}; !slices.Equal(got, want) {
		t.Errorf("BayesScopes = %v, want %v", got, want)
	}
}

func bayesManyTokens(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g := store.GlobalScope()
	toks := make([]uint64, 2345)
	for i := range toks {
		toks[i] = uint64(i)*0x9e3779b97f4a7c15 + 7
	}
	learn(t, s, g, "big", store.Spam, toks, store.Learned)
	learn(t, s, g, "big2", store.Ham, toks[1000:], store.Learned)
	got, err := s.BayesLookup(ctx, g, toks)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(toks) {
		t.Fatalf("BayesLookup found %d of %d tokens", len(got), len(toks))
	}
	for i, tok := range toks {
		want := store.TokenCounts{Spam: 1, Ham: boolTo(i >= 1000)}
		if got[tok] != want {
			t.Fatalf("token %d: %v, want %v", i, got[tok], want)
		}
	}
	if n := scanAll(t, s, g); len(n) != len(toks) {
		t.Errorf("BayesScan found %d tokens, want %d", len(n), len(toks))
	}
	if ok, err := s.BayesForget(ctx, g, "big", toks); err != nil || !ok {
		t.Fatalf("BayesForget = %v, %v", ok, err)
	}
	if n := scanAll(t, s, g); len(n) != len(toks)-1000 {
		t.Errorf("after forget BayesScan found %d tokens, want %d", len(n), len(toks)-1000)
	}
}

func bayesExpire(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g := store.GlobalScope()
	mustLearnAt(t, s, g, "old1", store.Spam, []uint64{1, 2, 3}, t0)
	mustLearnAt(t, s, g, "old2", store.Spam, []uint64{3}, t0)
	mustLearnAt(t, s, g, "new", store.Ham, []uint64{2, 4}, t0.Add(48*time.Hour))
	n, err := s.BayesExpire(ctx, g, t0.Add(time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	// 1: old and rare: gone. 2: learned again later. 3: old but seen twice. 4: new.
	if n != 1 {
		t.Errorf("BayesExpire removed %d tokens, want 1", n)
	}
	expectCounts(t, s, g, map[uint64]store.TokenCounts{2: {Ham: 1, Spam: 1}, 3: {Spam: 2}, 4: {Ham: 1}})
	expectTotals(t, s, g, store.BayesTotals{Ham: 1, Spam: 2})
	if n, err := s.BayesExpire(ctx, store.UserScope("x@example.com"), t0.Add(1000*time.Hour), 100); err != nil || n != 0 {
		t.Errorf("BayesExpire of another scope = %d, %v; want 0", n, err)
	}
	// Relearning a message whose tokens expired never makes a count negative.
	learn(t, s, g, "old1", store.Ham, []uint64{1, 2, 3}, store.Relearned)
	expectCounts(t, s, g, map[uint64]store.TokenCounts{1: {Ham: 1}, 2: {Ham: 2}, 3: {Ham: 1, Spam: 1}, 4: {Ham: 1}})
}

func bayesConcurrent(t *testing.T, s store.BayesStore) {
	const workers, rounds = 6, 10
	ctx := context.Background()
	g := store.GlobalScope()
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				class := store.Ham
				if w%2 == 1 {
					class = store.Spam
				}
				d := fmt.Sprintf("w%d-r%d", w, r)
				if _, err := s.BayesLearn(ctx, g, d, class, []uint64{1, 2, uint64(100 + w)}, t0); err != nil {
					errs <- err
				}
				if _, err := s.BayesLookup(ctx, g, []uint64{1, 2, 3}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent learn: %v", err)
	}
	half := uint32(workers / 2 * rounds)
	want := map[uint64]store.TokenCounts{1: {Ham: half, Spam: half}, 2: {Ham: half, Spam: half}}
	for w := 0; w < workers; w++ {
		c := store.TokenCounts{Ham: rounds}
		if w%2 == 1 {
			c = store.TokenCounts{Spam: rounds}
		}
		want[uint64(100+w)] = c
	}
	expectCounts(t, s, g, want)
	expectTotals(t, s, g, store.BayesTotals{Ham: uint64(half), Spam: uint64(half)})
}

func bayesBadInput(t *testing.T, s store.BayesStore) {
	ctx := context.Background()
	g := store.GlobalScope()
	if _, err := s.BayesLearn(ctx, g, "d1", store.None, []uint64{1}, t0); err == nil {
		t.Error("BayesLearn with class none succeeded")
	}
	if _, err := s.BayesLearn(ctx, g, "", store.Spam, []uint64{1}, t0); err == nil {
		t.Error("BayesLearn with an empty digest succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.BayesLearn(cancelled, g, "d1", store.Spam, []uint64{1}, t0); err == nil {
		t.Error("BayesLearn with a cancelled context succeeded")
	}
	learn(t, s, g, "d2", store.Spam, nil, store.Learned) // a message without tokens still counts
	expectCounts(t, s, g, map[uint64]store.TokenCounts{})
	expectTotals(t, s, g, store.BayesTotals{Spam: 1})
}

func learn(t *testing.T, s store.BayesStore, scope store.Scope, digest string, class store.Class,
	toks []uint64, want store.LearnOutcome) {
	t.Helper()
	got, err := s.BayesLearn(context.Background(), scope, digest, class, toks, t0)
	if err != nil || got != want {
		t.Fatalf("BayesLearn(%s, %s, %v) = %v, %v; want %v", scope, digest, class, got, err, want)
	}
}

func mustLearnAt(t *testing.T, s store.BayesStore, scope store.Scope, digest string, class store.Class,
	toks []uint64, at time.Time) {
	t.Helper()
	if _, err := s.BayesLearn(context.Background(), scope, digest, class, toks, at); err != nil {
		t.Fatal(err)
	}
}

func scanAll(t *testing.T, s store.BayesStore, scope store.Scope) map[uint64]store.TokenCounts {
	t.Helper()
	out := map[uint64]store.TokenCounts{}
	err := s.BayesScan(context.Background(), scope, func(tok uint64, c store.TokenCounts) error {
		if _, dup := out[tok]; dup {
			return fmt.Errorf("token %x scanned twice", tok)
		}
		out[tok] = c
		return nil
	})
	if err != nil {
		t.Fatalf("BayesScan: %v", err)
	}
	return out
}

// expectCounts checks that scope holds exactly want, by scan and by lookup.
func expectCounts(t *testing.T, s store.BayesStore, scope store.Scope, want map[uint64]store.TokenCounts) {
	t.Helper()
	if got := scanAll(t, s, scope); !maps.Equal(got, want) {
		t.Errorf("%s: BayesScan = %v, want %v", scope, got, want)
	}
	toks := slices.Collect(maps.Keys(want))
	got, err := s.BayesLookup(context.Background(), scope, toks)
	if err != nil {
		t.Fatalf("BayesLookup: %v", err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: BayesLookup = %v, want %v", scope, got, want)
	}
}

func expectTotals(t *testing.T, s store.BayesStore, scope store.Scope, want store.BayesTotals) {
	t.Helper()
	got, err := s.BayesTotals(context.Background(), scope)
	if err != nil || got != want {
		t.Errorf("%s: BayesTotals = %v, %v; want %v", scope, got, err, want)
	}
}

func boolTo(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
