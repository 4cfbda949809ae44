package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/metrics"
	"github.com/mailsift/mailsift/milter"
	"github.com/mailsift/mailsift/store"
)

// newMetrics builds the metrics of the daemon's long-lived parts; nil when
// [metrics] listen is empty. sessions is read at scrape time only.
func newMetrics(cfg *config.Config, deps filter.Deps, queue *bayes.Queue, sessions func() int64) *metrics.Metrics {
	if cfg.Metrics.Listen == "" {
		return nil
	}
	src := metrics.Sources{Version: version, Sessions: sessions}
	// Set only the parts that exist: a nil pointer in an interface is not nil.
	if r, ok := deps.Net.Resolver.(metrics.ResolverStats); ok {
		src.Resolver = r
	}
	if deps.Net.Checker != nil {
		src.Zones = deps.Net.Checker
	}
	if queue != nil {
		src.Autolearn = queue
	}
	if c := deps.Bayes; c != nil {
		src.BayesReady = func() bool { return bayesReady(c) }
	}
	return metrics.New(src)
}

// bayesReady reports whether the global scope has the minimum training.
// The global model is loaded at start, so this reads memory only.
func bayesReady(c *bayes.Classifier) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m, err := c.Model(ctx, store.GlobalScope())
	return err == nil && c.Ready(m.Totals())
}

// listenMetrics opens the metrics listener; failing to is a startup error.
func listenMetrics(c config.Metrics) (net.Listener, error) {
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen: cannot serve metrics on %s: %w", c.Listen, err)
	}
	return ln, nil
}

// stopMetrics shuts the metrics endpoint down, letting scrapes finish.
func stopMetrics(s *metrics.Server, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		log.Warn().Err(err).Msg("metrics endpoint: scrapes still running at shutdown; closed")
	}
}

// recordMetrics feeds one milter outcome to m.
func recordMetrics(m *metrics.Metrics) func(*milter.Outcome) {
	return func(o *milter.Outcome) {
		msg := metrics.Message{Action: o.Action, Reason: o.Reason, Size: o.Size, Elapsed: o.Elapsed}
		if o.Result != nil {
			msg.Verdict = o.Result.Verdict
		}
		m.Record(msg)
	}
}

// onResults calls every non-nil hook in order.
func onResults(hooks ...func(*milter.Outcome)) func(*milter.Outcome) {
	var hs []func(*milter.Outcome)
	for _, h := range hooks {
		if h != nil {
			hs = append(hs, h)
		}
	}
	return func(o *milter.Outcome) {
		for _, h := range hs {
			h(o)
		}
	}
}
