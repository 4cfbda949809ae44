package main

import (
	"context"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

// openBayes loads the Bayes classifier from st and, when autolearning is
// on, starts its queue. When the store cannot be read, mailsift runs without Bayes and
// says so: mail flows, scored on the other rules.
func openBayes(cfg *config.Config, st store.BayesStore, log zerolog.Logger) (filter.Deps, *bayes.Queue) {
	if !cfg.Bayes.Enabled {
		return filter.Deps{}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := bayes.New(ctx, st, bayesOptions(cfg))
	if err != nil {
		log.Error().Err(err).Msg("Bayes unavailable: scoring without it")
		return filter.Deps{}, nil
	}
	deps := filter.Deps{Bayes: c}
	if !cfg.Bayes.Autolearn {
		return deps, nil
	}
	q := bayes.NewQueue(c, bayes.QueueOptions{Size: cfg.Bayes.QueueSize})
	deps.Learn = q.Add
	return deps, q
}

func bayesOptions(cfg *config.Config) bayes.Options {
	return bayes.Options{MinHam: uint64(cfg.Bayes.MinHam), MinSpam: uint64(cfg.Bayes.MinSpam)}
}

// closeQueue lets queued learning finish, within reason, at shutdown.
func closeQueue(q *bayes.Queue, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		log.Warn().Err(err).Int("left", q.Len()).Msg("autolearning queue not drained at shutdown")
	}
	s := q.Stats()
	log.Info().Interface("autolearn", s).Msg("autolearning queue closed")
}

// checkDeps opens the store read-mostly for `mailsift check`: Bayes
// classifies as in the milter, but nothing is learned. Without a database
// file there is no Bayes (and no file is created).
func checkDeps(cfg *config.Config, log zerolog.Logger) (filter.Deps, func()) {
	if !cfg.Bayes.Enabled {
		return filter.Deps{}, func() {}
	}
	if _, err := os.Stat(cfg.Store.Path); err != nil {
		return filter.Deps{}, func() {}
	}
	db, err := sqlite.Open(context.Background(), cfg.Store.Path, sqlite.Options{})
	if err != nil {
		log.Warn().Err(err).Msg("store unavailable: scoring without Bayes")
		return filter.Deps{}, func() {}
	}
	noLearn := *cfg
	noLearn.Bayes.Autolearn = false
	deps, _ := openBayes(&noLearn, db, log)
	return deps, func() { _ = db.Close() }
}

// Janitor timings.
const (
	bayesRefreshEvery = time.Minute
	bayesExpireEvery  = 24 * time.Hour
)

// bayesJanitor keeps the classifier current with learning done by other
// processes (`mailsift learn`) and expires rare old tokens once a day, off
// the SMTP path. It returns when stop is closed.
func bayesJanitor(c *bayes.Classifier, st store.BayesStore, cfg func() *config.Config, log zerolog.Logger, stop <-chan struct{}) {
	refresh := time.NewTicker(bayesRefreshEvery)
	defer refresh.Stop()
	expire := time.NewTicker(bayesExpireEvery)
	defer expire.Stop()
	for {
		select {
		case <-stop:
			return
		case <-refresh.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := c.Refresh(ctx); err != nil {
				log.Warn().Err(err).Msg("Bayes refresh failed; will retry")
			}
			cancel()
		case <-expire.C:
			expireBayes(c, st, cfg().Bayes.ExpireAfter.Duration, log)
		}
	}
}

// expireBayes drops tokens seen once and not for maxAge in every scope.
func expireBayes(c *bayes.Classifier, st store.BayesStore, maxAge time.Duration, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	scopes, err := st.BayesScopes(ctx)
	if err != nil {
		log.Warn().Err(err).Msg("Bayes expiry: listing scopes failed")
		return
	}
	for _, scope := range scopes {
		n, err := st.BayesExpire(ctx, scope, time.Now().Add(-maxAge), 1)
		if err == nil && n > 0 {
			err = c.Reload(ctx, scope)
		}
		if err != nil {
			log.Warn().Err(err).Str("scope", scope.String()).Msg("Bayes expiry failed")
			continue
		}
		log.Info().Str("scope", scope.String()).Int("tokens", n).Msg("Bayes tokens expired")
	}
}
