// Package storetest is the conformance suite for store backends: every
// backend's tests call these functions with a constructor for a fresh,
// empty store.
package storetest

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/mailsift/mailsift/store"
)

// TestStatsStore runs the StatsStore conformance tests. open returns a new,
// empty store and arranges its cleanup.
func TestStatsStore(t *testing.T, open func(t *testing.T) store.StatsStore) {
	t.Run("Empty", func(t *testing.T) { statsEmpty(t, open(t)) })
	t.Run("IncrAndRead", func(t *testing.T) { statsIncrAndRead(t, open(t)) })
	t.Run("Range", func(t *testing.T) { statsRange(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { statsConcurrent(t, open(t)) })
	t.Run("BadInput", func(t *testing.T) { statsBadInput(t, open(t)) })
}

func statsEmpty(t *testing.T, s store.StatsStore) {
	ctx := context.Background()
	if err := s.Incr(ctx, "2024-01-01", nil); err != nil {
		t.Fatalf("Incr(nil) = %v", err)
	}
	got, err := s.Stats(ctx, "2000-01-01", "2100-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("Stats on an empty store = %#v, want an empty non-nil map", got)
	}
}

func statsIncrAndRead(t *testing.T, s store.StatsStore) {
	ctx := context.Background()
	day := "2024-05-06"
	incr(t, s, day, map[string]int64{store.StatMessages: 1, store.StatSpam: 1})
	incr(t, s, day, map[string]int64{store.StatMessages: 2, store.StatRejected: 1, store.StatTempfailed: 0})
	incr(t, s, day, map[string]int64{store.StatMessages: -1})
	want := map[string]map[string]int64{day: {
		store.StatMessages: 2, store.StatSpam: 1, store.StatRejected: 1, store.StatTempfailed: 0,
	}}
	got, err := s.Stats(ctx, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got, want) {
		t.Errorf("Stats = %v, want %v", got, want)
	}
}

func statsRange(t *testing.T, s store.StatsStore) {
	ctx := context.Background()
	for i, day := range []string{"2023-12-31", "2024-01-01", "2024-01-15", "2024-01-31", "2024-02-01"} {
		incr(t, s, day, map[string]int64{store.StatMessages: int64(i + 1)})
	}
	got, err := s.Stats(ctx, "2024-01-01", "2024-01-31")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"2024-01-01": {store.StatMessages: 2},
		"2024-01-15": {store.StatMessages: 3},
		"2024-01-31": {store.StatMessages: 4},
	}
	if !equal(got, want) {
		t.Errorf("Stats(2024-01-01, 2024-01-31) = %v, want %v", got, want)
	}
	if got, err := s.Stats(ctx, "2024-02-02", "2024-01-01"); err != nil || len(got) != 0 {
		t.Errorf("Stats(reversed range) = %v, %v; want empty", got, err)
	}
}

func statsConcurrent(t *testing.T, s store.StatsStore) {
	const workers, rounds = 8, 20
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				c := map[string]int64{store.StatMessages: 1, fmt.Sprintf("worker%d", w): 2}
				if err := s.Incr(ctx, "2024-07-01", c); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Incr: %v", err)
	}
	got, err := s.Stats(ctx, "2024-07-01", "2024-07-01")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{store.StatMessages: workers * rounds}
	for w := 0; w < workers; w++ {
		want[fmt.Sprintf("worker%d", w)] = 2 * rounds
	}
	if !maps.Equal(got["2024-07-01"], want) {
		t.Errorf("after concurrent Incr: %v, want %v", got["2024-07-01"], want)
	}
}

func statsBadInput(t *testing.T, s store.StatsStore) {
	ctx := context.Background()
	if err := s.Incr(ctx, "July 1st", map[string]int64{store.StatMessages: 1}); err == nil {
		t.Error("Incr with a bad day succeeded")
	}
	if _, err := s.Stats(ctx, "2024-01-01", "soon"); err == nil {
		t.Error("Stats with a bad day succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Incr(cancelled, "2024-01-01", map[string]int64{store.StatMessages: 1}); err == nil {
		t.Error("Incr with a cancelled context succeeded")
	}
	got, err := s.Stats(ctx, "2024-01-01", "2024-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("failed Incr calls left counters: %v", got)
	}
}

func incr(t *testing.T, s store.StatsStore, day string, c map[string]int64) {
	t.Helper()
	if err := s.Incr(context.Background(), day, c); err != nil {
		t.Fatalf("Incr(%s, %v) = %v", day, c, err)
	}
}

func equal(a, b map[string]map[string]int64) bool {
	return maps.EqualFunc(a, b, func(x, y map[string]int64) bool { return maps.Equal(x, y) })
}
