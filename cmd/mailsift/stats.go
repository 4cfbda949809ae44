package main

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/milter"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

// statsWriter counts outcomes in memory and flushes them to the store every
// few seconds, off the SMTP path: a slow or locked database never delays a
// verdict, and a failed flush keeps the counts for the next try.
type statsWriter struct {
	db   *sqlite.DB
	log  zerolog.Logger
	mu   sync.Mutex
	day  map[string]map[string]int64
	stop chan struct{}
	done chan struct{}
}

const statsFlushEvery = 10 * time.Second

func newStats(db *sqlite.DB, log zerolog.Logger) *statsWriter {
	w := &statsWriter{db: db, log: log, day: map[string]map[string]int64{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *statsWriter) record(o *milter.Outcome) {
	day := store.Day(time.Now())
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.day[day]
	if c == nil {
		c = map[string]int64{}
		w.day[day] = c
	}
	c[store.StatMessages]++
	switch o.Action {
	case policy.Tag:
		c[store.StatSpam]++
	case policy.Reject:
		c[store.StatSpam]++
		c[store.StatRejected]++
	case policy.Tempfail:
		c[store.StatTempfailed]++
	}
}

func (w *statsWriter) loop() {
	defer close(w.done)
	t := time.NewTicker(statsFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.flush()
		case <-w.stop:
			w.flush()
			return
		}
	}
}

func (w *statsWriter) flush() {
	w.mu.Lock()
	pending := w.day
	w.day = map[string]map[string]int64{}
	w.mu.Unlock()
	for day, c := range pending {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := w.db.Incr(ctx, day, c)
		cancel()
		if err != nil {
			w.log.Warn().Err(err).Msg("stats flush failed; will retry")
			w.mu.Lock()
			for k, v := range c {
				if w.day[day] == nil {
					w.day[day] = map[string]int64{}
				}
				w.day[day][k] += v
			}
			w.mu.Unlock()
		}
	}
}

func (w *statsWriter) close() {
	close(w.stop)
	<-w.done
}
