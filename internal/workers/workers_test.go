package workers

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestGroupRunsEverything(t *testing.T) {
	var g Group
	var n atomic.Int64
	for range 1000 {
		g.Go(func() { n.Add(1) })
	}
	g.Wait()
	if n.Load() != 1000 {
		t.Fatalf("ran %d of 1000", n.Load())
	}
}

// A function that blocks does not hold up the others: each gets a
// goroutine when none is idle.
func TestGoNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	var g Group
	for range 50 {
		g.Go(func() { <-release })
	}
	done := make(chan struct{})
	Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a function waited behind 50 blocked ones")
	}
	close(release)
	g.Wait()
}

// Goroutines are reused: sequential work does not add goroutines.
func TestReuse(t *testing.T) {
	run := func() {
		done := make(chan struct{})
		Go(func() { close(done) })
		<-done
		time.Sleep(time.Millisecond) // the goroutine goes back to waiting
	}
	run()
	before := runtime.NumGoroutine()
	for range 200 {
		run()
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("200 sequential functions: %d goroutines, %d before", after, before)
	}
}
