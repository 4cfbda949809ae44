// Package metrics exposes mailsift's counters to Prometheus.
//
// Metrics owns one prometheus.Registry (never the global default, so tests
// and embedders get exactly these families) holding three kinds of metric:
//
//   - counters and histograms fed by Record after each message, from the
//     milter's OnResult hook. They are atomic: recording costs about 100 ns
//     (BenchmarkRecord) and never waits for a scrape;
//   - gauges and counters read at scrape time from snapshots the long-lived
//     parts already keep (open sessions, the resolver's cache counters, the
//     DNS lists' health, the autolearn queue). The SMTP path does no extra
//     work for them;
//   - the Go runtime and process collectors.
//
// Label values are bounded: actions and fail-safe reasons are mapped to
// fixed sets, rule names come only from the rule registry (SetRules), zone
// names only from the zones file. Nothing taken from a message becomes a
// label. docs/metrics.md lists every family.
package metrics

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
)

// Namespace prefixes every mailsift metric.
const Namespace = "mailsift"

// Actions are the values of the action label of mailsift_messages_total:
// every policy.Action. A new action (quarantine) must be added here, or
// Record ignores it.
var Actions = []policy.Action{policy.Accept, policy.Tag, policy.Reject, policy.Tempfail}

// FailSafeReasons are the values of the reason label of
// mailsift_failsafe_total: the first word of the fail-safe reason, or
// "other" for a reason not listed.
var FailSafeReasons = []string{"deadline", "degraded", "panic", "incomplete", "overloaded", "progress", "other"}

// VerdictBuckets (seconds) span 1 ms to 10 s, past the default deadline (8 s).
var VerdictBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// SizeBuckets (bytes) span 1 KiB to 64 MiB by powers of four.
var SizeBuckets = prometheus.ExponentialBuckets(1024, 4, 9)

// Message is what Record needs to know about one message.
type Message struct {
	Action policy.Action // what the MTA was told
	// Reason is why the fail-safe applied ("deadline", "degraded:...",
	// "panic: ...") or "malformed: ..." for a refused malformed message;
	// empty for an ordinary verdict.
	Reason  string
	Size    int           // bytes received
	Elapsed time.Duration // end of message to the answer
	Verdict *scoring.Verdict
}

// Sources are the parts read at scrape time. Every field is optional: a
// nil field leaves its families out (DNS off, no lists, no Bayes).
type Sources struct {
	Version    string       // for mailsift_build_info
	Sessions   func() int64 // milter sessions open now
	Resolver   ResolverStats
	Zones      ZoneHealth
	Autolearn  AutolearnQueue
	BayesReady func() bool // whether Bayes has the minimum training (global scope)
}

// ResolverStats is implemented by *dnsbl.Resolver.
type ResolverStats interface {
	Stats() (entries int, hits, misses uint64, queries int64)
}

// ZoneHealth is implemented by *dnsbl.Checker.
type ZoneHealth interface {
	Health() []dnsbl.ZoneHealth
}

// AutolearnQueue is implemented by *bayes.Queue.
type AutolearnQueue interface {
	Stats() bayes.QueueStats
	Len() int
}

// Metrics is the registry and the per-message families.
type Metrics struct {
	reg       *prometheus.Registry
	messages  map[policy.Action]prometheus.Counter
	failsafe  map[string]prometheus.Counter
	malformed prometheus.Counter
	verdict   prometheus.Histogram
	size      prometheus.Histogram
	ruleVec   *prometheus.CounterVec

	ruleMu sync.Mutex                                    // serialises SetRules
	rules  atomic.Pointer[map[string]prometheus.Counter] // read by Record without a lock
}

// New builds the registry with every family of src.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), messages: map[policy.Action]prometheus.Counter{},
		failsafe: map[string]prometheus.Counter{}}
	m.reg.MustRegister(collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerMessages()
	m.registerSources(src)
	empty := map[string]prometheus.Counter{}
	m.rules.Store(&empty)
	return m
}

func (m *Metrics) registerMessages() {
	msgs := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "messages_total",
		Help: "Messages answered, by the action the MTA was told (fail-safe answers included)."}, []string{"action"})
	for _, a := range Actions {
		m.messages[a] = msgs.WithLabelValues(string(a))
	}
	fs := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "failsafe_total",
		Help: "Messages answered with the fail-safe action, by the first word of the reason."}, []string{"reason"})
	for _, r := range FailSafeReasons {
		m.failsafe[r] = fs.WithLabelValues(r)
	}
	m.malformed = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "messages_malformed_total",
		Help: "Messages rejected as malformed before scoring (also counted as action=reject)."})
	m.verdict = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "verdict_seconds",
		Help: "Time from end of message to the answer.", Buckets: VerdictBuckets})
	m.size = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "message_bytes",
		Help: "Size of the messages received (header fields and body).", Buckets: SizeBuckets})
	m.ruleVec = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "rule_hits_total",
		Help: "Scoring rules that fired, by rule name (names of the rule registry only)."}, []string{"rule"})
	m.reg.MustRegister(msgs, fs, m.malformed, m.verdict, m.size, m.ruleVec)
}

func (m *Metrics) registerSources(src Sources) {
	if src.Version != "" {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "build_info",
			Help: "Always 1; the version label is the running version.", ConstLabels: prometheus.Labels{"version": src.Version}},
			func() float64 { return 1 }))
	}
	if src.Sessions != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "sessions_active",
			Help: "Milter sessions open now."}, func() float64 { return float64(src.Sessions()) }))
	}
	if src.BayesReady != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "bayes_ready",
			Help: "1 when Bayes has its minimum training in the global scope and scores, else 0."},
			func() float64 { return b2f(src.BayesReady()) }))
	}
	if src.Resolver != nil {
		m.reg.MustRegister(&resolverCollector{src.Resolver})
	}
	if src.Zones != nil {
		m.reg.MustRegister(&zoneCollector{src.Zones})
	}
	if src.Autolearn != nil {
		m.reg.MustRegister(&autolearnCollector{src.Autolearn})
	}
}

// Registry returns the registry, to serve or to gather in tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetRules adds names (a rule registry's) to the rule names counted by
// mailsift_rule_hits_total, each starting at 0. Names are never removed,
// so a series lives as long as the process; call it at start and after
// each reload. Names starting "__" never score and are left out.
func (m *Metrics) SetRules(names []string) {
	m.ruleMu.Lock()
	defer m.ruleMu.Unlock()
	old := *m.rules.Load()
	next := make(map[string]prometheus.Counter, len(old)+len(names))
	for k, v := range old {
		next[k] = v
	}
	for _, n := range names {
		if _, ok := next[n]; !ok && !strings.HasPrefix(n, "__") {
			next[n] = m.ruleVec.WithLabelValues(n)
		}
	}
	m.rules.Store(&next)
}

// Record counts one message. It only touches atomic counters and never
// blocks; call it from the milter's OnResult hook.
func (m *Metrics) Record(msg Message) {
	if c := m.messages[msg.Action]; c != nil {
		c.Inc()
	}
	switch reason := FirstWord(msg.Reason); reason {
	case "":
	case "malformed":
		m.malformed.Inc()
	default:
		c := m.failsafe[reason]
		if c == nil {
			c = m.failsafe["other"]
		}
		c.Inc()
	}
	m.verdict.Observe(msg.Elapsed.Seconds())
	m.size.Observe(float64(msg.Size))
	if msg.Verdict != nil {
		rules := *m.rules.Load()
		for _, h := range msg.Verdict.Hits {
			if c := rules[h.Rule]; c != nil { // the registry's names only
				c.Inc()
			}
		}
	}
}

// FirstWord returns a fail-safe reason's first word: "degraded" for
// "degraded:RCVD_IN_ZEN_FAIL", "panic" for "panic in header: ...".
func FirstWord(reason string) string {
	if i := strings.IndexAny(reason, ": "); i >= 0 {
		return reason[:i]
	}
	return reason
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
