// Package workers runs short functions on reused goroutines. A goroutine
// starts with a small stack that grows by copying as calls go deeper; the
// per-message work of the milter (parsing, rules, header rendering, DNS
// message packing) grows a fresh goroutine's stack several times, which
// cost about 5% of the daemon's CPU. A goroutine that finished a function
// waits a while for the next one, keeping its grown stack.
package workers

import (
	"sync"
	"time"
)

// idle is how long a finished goroutine waits for more work.
const idle = 30 * time.Second

var jobs = make(chan func())

// Go runs f on an idle goroutine, or on a new one when none is idle. It
// never blocks and never limits concurrency: callers bound their own work.
func Go(f func()) {
	select {
	case jobs <- f:
	default:
		go loop(f)
	}
}

func loop(f func()) {
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		f()
		f = nil // let f's captures go while waiting
		t.Reset(idle)
		select {
		case f = <-jobs:
		case <-t.C:
			return
		}
	}
}

// Group is a sync.WaitGroup whose Go runs on reused goroutines.
type Group struct{ wg sync.WaitGroup }

// Go runs f on a reused goroutine (see the package Go).
func (g *Group) Go(f func()) {
	g.wg.Add(1)
	Go(func() {
		defer g.wg.Done()
		f()
	})
}

// Wait waits for every function started with g.Go.
func (g *Group) Wait() { g.wg.Wait() }
