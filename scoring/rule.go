// Package scoring is the rule engine: rules say that something fired, the
// configuration says how many points it is worth, and the policy layer
// decides what happens. The engine never does I/O and never sees thresholds
// or actions.
//
// A Rule declares every name it may emit through Info and reports hits into
// Hits. The Registry validates the declared names; the Engine runs every rule
// with a per-rule panic guard, evaluates meta rules over the names that
// fired, and sums weight × factor into a Verdict.
package scoring

import (
	"context"
	"time"

	"github.com/mailsift/mailsift/message"
)

// Needs says what a rule depends on beyond the parsed message.
type Needs uint8

const (
	NeedBody  Needs = 1 << iota // reads body text (always available today)
	NeedNet                     // does network lookups (DNS)
	NeedBayes                   // reads the Bayes store
	NeedStore                   // reads other stored state
)

// Info describes one rule name a Rule may emit.
type Info struct {
	Name   string  // UPPER_SNAKE, unique across the registry; names starting "__" never score
	Family string  // the family (package) it belongs to: header, subject, body, uri, mime, rfc, phish, meta
	Score  float64 // default points for factor 1.0
	Desc   string  // one line, shown in reports
	Needs  Needs
}

// Input is everything a rule may read about one message.
type Input struct {
	Msg *message.Message
	Env *message.Envelope
	Now time.Time // the time the verdict is made; rules never call time.Now
	// Bayes is the Bayes classifier's opinion, worked out by the pipeline
	// before the rules run (nil when Bayes is off).
	Bayes *BayesOpinion
	// Net lists the rule names the DNS checks (DNS lists, SPF, DKIM, DMARC)
	// fire, worked out by the pipeline before the rules run, so that rules
	// do no I/O; nil when no DNS check ran.
	Net []NetHit

	memo map[any]any
}

// NetHit is one rule name a DNS check fired, with its detail.
type NetHit struct {
	Rule   string
	Detail string
}

// BayesOpinion is what the Bayes classifier said about a message.
type BayesOpinion struct {
	Ready       bool    // the scope used had the minimum training
	Prob        float64 // spam probability in [0, 1]
	Unavailable string  // why the store could not be read; "" when it could

	// Received is the spam probability of the Received-hop tokens alone,
	// from the same counts; it names a BAYES_RCVD_* rule when
	// ReceivedUsed (the tokens behind it) is above 0.
	Received     float64
	ReceivedUsed int

	// Sender is the spam probability of the sender's tokens alone (From,
	// Reply-To, Message-ID domain); it names a BAYES_FROM_* rule when
	// SenderUsed is above 0.
	Sender     float64
	SenderUsed int
}

// Memo returns the value fn computes for key, computing it at most once per
// message: derived facts that several rules read (the parsed Received
// chain, say) are worked out once. Keys should be unexported types of the
// package that computes them. Rules of one message run one after another,
// so Memo needs no locking; it must not be called from other goroutines.
func (in *Input) Memo(key any, fn func() any) any {
	if v, ok := in.memo[key]; ok {
		return v
	}
	if in.memo == nil {
		in.memo = make(map[any]any, 4)
	}
	v := fn()
	in.memo[key] = v
	return v
}

// Rule detects something about a message.
type Rule interface {
	// Info lists every name the rule may emit.
	Info() []Info
	// Eval reports hits on out. It must honour ctx for anything slow and
	// must not retain in or out after returning.
	Eval(ctx context.Context, in *Input, out *Hits)
}

// Hit is one rule name that fired.
type Hit struct {
	Rule   string  `json:"rule"`
	Points float64 `json:"points"`
	Factor float64 `json:"-"`
	Detail string  `json:"detail,omitempty"`
}

// Hits collects what rules report for one message. It is not safe for
// concurrent use; the engine gives each rule its own view.
type Hits struct {
	list []Hit
}

// Hit records that name fired with factor (1.0 for a plain hit) and a short
// detail for the report. Factors scale the configured points, so a rule can
// say "fired at half strength". A name reported twice keeps the first hit.
func (h *Hits) Hit(name string, factor float64, detail string) {
	for i := range h.list {
		if h.list[i].Rule == name {
			return
		}
	}
	if len(detail) > 80 {
		detail = truncateUTF8(detail, 80)
	}
	h.list = append(h.list, Hit{Rule: name, Factor: factor, Detail: detail})
}

// Has reports whether name has been recorded.
func (h *Hits) Has(name string) bool {
	for i := range h.list {
		if h.list[i].Rule == name {
			return true
		}
	}
	return false
}

// List returns the hits recorded so far.
func (h *Hits) List() []Hit { return h.list }

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// RuleFunc adapts a single-name check to Rule.
type RuleFunc struct {
	I Info
	F func(in *Input) (factor float64, detail string, ok bool)
}

// Info implements Rule.
func (r RuleFunc) Info() []Info { return []Info{r.I} }

// Eval implements Rule.
func (r RuleFunc) Eval(_ context.Context, in *Input, out *Hits) {
	if f, d, ok := r.F(in); ok {
		out.Hit(r.I.Name, f, d)
	}
}
