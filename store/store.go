// Package store defines the persistent state of mailsift as small
// interfaces, one per kind of state, so that the milter, the rules and the
// command line never depend on a particular database.
//
// Each call takes a context and, where state is per policy layer, a Scope
// (global, one domain, one user). Calls are batched: a message costs one
// round trip per kind of state, never one per token or per counter.
//
// Errors classify themselves. A backend wraps every failure that says "the
// store cannot answer right now" (a lock held past the busy timeout, an I/O
// error, a lost connection, a context deadline) with ErrUnavailable, so that
// callers can degrade (skip Bayes, queue learning, tempfail a quarantine
// write) with errors.Is instead of knowing the backend. ErrNotFound marks a
// missing record. Anything else is a bug or a corrupt database.
//
// store/sqlite is the embedded default; store/storetest is the conformance
// suite every backend runs.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrUnavailable means the store could not answer now; trying again
	// later may work. Backends wrap it with %w.
	ErrUnavailable = errors.New("store unavailable")
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("not found")
)

// ScopeKind is the policy layer a piece of state belongs to.
type ScopeKind uint8

// The scope kinds, from the least to the most specific.
const (
	Global ScopeKind = iota
	Domain
	User
)

// Scope names the layer state belongs to: the whole site, one recipient
// domain or one recipient address. Name is empty for Global, the lower-case
// domain for Domain and the lower-case address for User.
type Scope struct {
	Kind ScopeKind
	Name string
}

// GlobalScope is the site-wide scope.
func GlobalScope() Scope { return Scope{Kind: Global} }

// DomainScope is the scope of one recipient domain.
func DomainScope(domain string) Scope { return Scope{Kind: Domain, Name: strings.ToLower(domain)} }

// UserScope is the scope of one recipient address.
func UserScope(addr string) Scope { return Scope{Kind: User, Name: strings.ToLower(addr)} }

// String prints "global", "domain:example.com" or "user:a@example.com".
func (s Scope) String() string {
	switch s.Kind {
	case Global:
		return "global"
	case Domain:
		return "domain:" + s.Name
	case User:
		return "user:" + s.Name
	}
	return fmt.Sprintf("scope(%d):%s", s.Kind, s.Name)
}

// ParseScope reads the form String prints.
func ParseScope(s string) (Scope, error) {
	if s == "global" {
		return GlobalScope(), nil
	}
	kind, name, _ := strings.Cut(s, ":")
	switch {
	case name == "":
	case kind == "domain" && !strings.Contains(name, "@"):
		return DomainScope(name), nil
	case kind == "user" && strings.Contains(name, "@"):
		return UserScope(name), nil
	}
	return Scope{}, fmt.Errorf("store: bad scope %q: want global, domain:example.com or user:a@example.com", s)
}

// DayLayout is the form of a day in StatsStore: the UTC date.
const DayLayout = "2006-01-02"

// Day returns the day of t as StatsStore keys it.
func Day(t time.Time) string { return t.UTC().Format(DayLayout) }

// CheckDay returns an error unless day is in DayLayout.
func CheckDay(day string) error {
	if _, err := time.Parse(DayLayout, day); err != nil {
		return fmt.Errorf("store: bad day %q: want YYYY-MM-DD", day)
	}
	return nil
}

// The counters the milter keeps per day.
const (
	StatMessages   = "messages"   // messages that got a verdict
	StatSpam       = "spam"       // at or above the tag threshold
	StatRejected   = "rejected"   // rejected for every recipient
	StatTempfailed = "tempfailed" // tempfailed: fail-safe or degraded checks
)

// StatsStore keeps per-day counters.
type StatsStore interface {
	// Incr adds each value in counters to the named counter of day (see
	// Day), creating counters at zero. The whole batch is applied or none
	// of it.
	Incr(ctx context.Context, day string, counters map[string]int64) error
	// Stats returns the counters of the days from fromDay to toDay, both
	// included, keyed by day and then by counter name. Days without
	// counters are absent; the map is never nil.
	Stats(ctx context.Context, fromDay, toDay string) (map[string]map[string]int64, error)
}
