// Package filter is the per-message pipeline shared by the milter and
// `mailsift check`: parse once, score, decide, and describe the result as
// headers and a log line. It holds no connection state, so scoring a file
// offline gives exactly what the milter would.
package filter

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules"
	bayesrule "github.com/mailsift/mailsift/scoring/rules/bayes"
	netrules "github.com/mailsift/mailsift/scoring/rules/net"
	"github.com/mailsift/mailsift/store"
)

// Runtime is an immutable snapshot of everything a verdict depends on: the
// configuration and the engine built from it. Reloads build a new Runtime.
type Runtime struct {
	Config     *config.Config
	Engine     *scoring.Engine
	Limits     message.Limits
	Thresholds policy.Thresholds
	Deps       Deps
	// AuthservID names this host in Authentication-Results.
	AuthservID string
	// DegradedTempfail turns on the fail-safe for degraded verdicts: when
	// the points failed DNS checks could have added (or, for a reject,
	// taken away) would change the action, the message gets the fail-safe
	// with Reason "degraded:<checks>" (see degrade). New sets it.
	DegradedTempfail bool
	// unknowns maps each "check failed" rule name to its possible outcomes
	// (netrules.Unknowns).
	unknowns map[string][][]string
	// decisive are the failed checks counted for a degraded fail-safe
	// (dns.degraded); nil means all of unknowns.
	decisive map[string]bool
	// trustedNets are dns.trusted_networks, parsed.
	trustedNets []netip.Prefix
	// OurNames are the host names and addresses a client may not claim in
	// HELO (HELO_OURS); empty means AuthservID alone.
	OurNames []string
}

// Deps are the long-lived parts a Runtime uses but does not own: they
// outlive reloads. The zero value runs without Bayes.
type Deps struct {
	// Bayes classifies messages (nil: no Bayes rules fire).
	Bayes *bayes.Classifier
	// Learn queues an autolearning job off the SMTP path and reports
	// whether it was taken (nil: no autolearning).
	Learn func(bayes.Job) bool
	// Net is the resolver and the DNS lists (zero: no DNS checks).
	Net Net
}

// New builds a Runtime from cfg: the built-in rules plus cfg's meta rules,
// weighted by cfg's score overrides.
func New(cfg *config.Config, deps Deps) (*Runtime, error) {
	metas, err := cfg.MetaRules()
	if err != nil {
		return nil, err
	}
	var zones []dnsbl.Zone
	if deps.Net.Checker != nil {
		zones = deps.Net.Checker.Zones()
	}
	eng, err := rules.Engine(cfg.Scores, netrules.Rules(zones), metas...)
	if err != nil {
		return nil, err
	}
	l := cfg.Limits
	return &Runtime{
		Config: cfg,
		Engine: eng,
		Limits: message.Limits{
			ScanBytes: l.ScanBytes, HeaderBytes: l.HeaderBytes, MaxDepth: l.MIMEDepth,
			MaxParts: l.MIMEParts, MaxURIs: l.URIs,
		}.WithDefaults(),
		Thresholds: policy.Thresholds{Tag: cfg.Actions.TagThreshold, Reject: cfg.Actions.RejectThreshold},
		Deps:       deps,
		AuthservID: cfg.Auth.AuthservIDOrHost(),

		DegradedTempfail: cfg.DNS.Degraded != config.DegradedOff,
		OurNames:         cfg.Auth.OurNames,
		trustedNets:      cfg.DNS.TrustedPrefixes(),
		unknowns:         netrules.Unknowns(zones),
		decisive:         decisiveFor(cfg.DNS.Degraded, zones),
	}, nil
}

// Result is the outcome for one message.
type Result struct {
	Msg     *message.Message
	Verdict *scoring.Verdict
	Action  policy.Action
	// Reason says why the fail-safe applied ("deadline", "incomplete",
	// "panic: ..."); empty on a normal verdict.
	Reason string
	// Autolearn is the class the message was queued to be learned as
	// (store.None when it was not).
	Autolearn store.Class
	// AuthResults is the Authentication-Results value to add ("" when no
	// authentication check ran).
	AuthResults string
	// Degraded names the DNS checks that failed (their unknown rules,
	// RCVD_IN_ZEN_FAIL, SPF_TEMPERROR, ...); shown as degraded= in
	// X-Spam-Status.
	Degraded []string
}

// Evaluate parses and scores raw. When ctx ends before every rule ran, the
// result's Action is Tempfail with Reason "deadline" (the caller maps it to
// the configured fail-safe).
func (rt *Runtime) Evaluate(ctx context.Context, env *message.Envelope, raw []byte) *Result {
	return rt.EvaluateEarly(ctx, env, raw, nil)
}

// EvaluateEarly is Evaluate with the DNS checks a milter session started
// before the message (see Early); nil starts them all now.
func (rt *Runtime) EvaluateEarly(ctx context.Context, env *message.Envelope, raw []byte, early *EarlyChecks) *Result {
	msg := message.Parse(raw, rt.Limits)
	if env.HeaderCut {
		msg.AddFlaw(message.FlawHeaderTooBig)
	}
	now := env.Received
	if now.IsZero() {
		now = time.Now()
	}
	in := &scoring.Input{Msg: msg, Env: env, Now: now}
	waitNet := rt.startNet(ctx, env, msg, raw, early)
	tokens := rt.classify(ctx, in)
	netRes := waitNet()
	if netRes != nil {
		in.Net = netRes.hits()
	}
	v := rt.Engine.Run(ctx, in)
	res := &Result{Msg: msg, Verdict: v, Action: policy.Decide(v.Score, rt.Thresholds),
		AuthResults: rt.authResults(netRes)}
	if v.Incomplete {
		res.Action, res.Reason = policy.Tempfail, "deadline"
		return res
	}
	if b := in.Bayes; rt.Config.Bayes.SpamAt99 && b != nil && b.Ready && b.Prob >= 0.99 && res.Action == policy.Accept {
		res.Action = policy.Tag
	}
	if rt.degrade(res) {
		return res
	}
	rt.autolearn(res, raw, tokens)
	return res
}

// AuthResultsName is the header field added with Result.AuthResults.
const AuthResultsName = "Authentication-Results"

// Header is one header field to add.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Headers returns the X-Spam-* fields describing res, in order. Values have
// no leading blank; multi-line values are folded with "\n\t".
func (rt *Runtime) Headers(res *Result) []Header {
	v := res.Verdict
	flag := "No"
	if res.Action.IsSpam() {
		flag = "Yes"
	}
	status := fmt.Sprintf("%s, score=%.1f required=%.1f", flag, v.Score, rt.Thresholds.Tag)
	if len(v.Errors) > 0 || len(res.Degraded) > 0 {
		names := make([]string, 0, len(v.Errors)+len(res.Degraded))
		for _, e := range v.Errors {
			names = append(names, e.Rule)
		}
		names = append(names, res.Degraded...)
		status += " degraded=" + strings.Join(names, ",")
	}
	hs := []Header{
		{"X-Spam-Score", fmt.Sprintf("%.1f", v.Score)},
		{"X-Spam-Status", status},
		{"X-Spam-Report", Report(v)},
	}
	if res.AuthResults != "" {
		hs = append(hs, Header{AuthResultsName, res.AuthResults})
	}
	return hs
}

// Report renders every rule that fired with its points, one per folded
// line, largest first.
func Report(v *scoring.Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "score=%.1f", v.Score)
	for _, h := range v.Hits {
		fmt.Fprintf(&b, "\n\t* %5.1f %s", h.Points, h.Rule)
		if h.Detail != "" {
			b.WriteString(" (")
			b.WriteString(cleanDetail(h.Detail))
			b.WriteString(")")
		}
	}
	return b.String()
}

// cleanDetail keeps a rule's detail on one printable line.
func cleanDetail(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// TagSubject returns subject with the configured tag in front, and false
// when no change is due: tagging is disabled, or the Subject already starts
// with the tag, as written or once decoded (an encoded "=?utf-8?q?=5BSPAM=5D?="
// or a lower-case "[spam]" counts). raw is the header value as received
// (its leading blank is ignored), decoded the RFC 2047-decoded Subject.
func (rt *Runtime) TagSubject(raw, decoded string) (string, bool) {
	tag := rt.Config.Actions.SubjectTag
	if tag == "" {
		return raw, false
	}
	s := strings.TrimLeft(raw, " \t")
	bare := strings.TrimSpace(tag)
	if hasPrefixFold(s, bare) || hasPrefixFold(strings.TrimSpace(decoded), bare) {
		return raw, false
	}
	return tag + s, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// scopes are the Bayes scopes a message is classified with, most specific
// first: with per-user Bayes and a single recipient, that user's, then the
// site's.
func (rt *Runtime) scopes(env *message.Envelope) []store.Scope {
	if rt.Config.Bayes.PerUser && len(env.Rcpts) == 1 {
		return []store.Scope{store.UserScope(env.Rcpts[0]), store.GlobalScope()}
	}
	return []store.Scope{store.GlobalScope()}
}

// classify puts the Bayes opinion into in and returns the message's tokens
// (nil when Bayes is off), for autolearning.
func (rt *Runtime) classify(ctx context.Context, in *scoring.Input) []uint64 {
	c := rt.Deps.Bayes
	if c == nil || !rt.Config.Bayes.Enabled {
		return nil
	}
	parts := c.Split(in.Msg)
	r, err := c.ClassifyParts(ctx, rt.scopes(in.Env), parts)
	op := bayesrule.OpinionOf(r)
	in.Bayes = &op
	if err != nil {
		in.Bayes.Unavailable = err.Error()
	}
	return parts.All
}

// autolearn queues the message for learning when its non-Bayes points are
// clear enough (Bayes never trains itself) and every rule ran.
func (rt *Runtime) autolearn(res *Result, raw []byte, tokens []uint64) {
	b := rt.Config.Bayes
	if rt.Deps.Learn == nil || rt.Deps.Bayes == nil || !b.Enabled || !b.Autolearn || len(res.Verdict.Errors) > 0 || rt.decisiveFailure(res) {
		return
	}
	score := res.Verdict.Score
	for _, h := range res.Verdict.Hits {
		if strings.HasPrefix(h.Rule, "BAYES_") {
			score -= h.Points
		}
	}
	class, ok := bayes.AutolearnClass(score, bayes.Autolearn{SpamAbove: b.AutolearnSpam, HamBelow: b.AutolearnHam})
	if !ok {
		return
	}
	if tokens == nil {
		tokens = rt.Deps.Bayes.Tokens(res.Msg)
	}
	job := bayes.Job{Scope: store.GlobalScope(), Digest: bayes.Digest(raw), Tokens: tokens, Class: class}
	if rt.Deps.Learn(job) {
		res.Autolearn = class
	}
}

// decisiveFor returns the failed checks whose possible answers may turn a
// verdict into the fail-safe: with "lists" (the default) only the DNS lists'
// — a dead resolver must not tempfail mail over SPF, DKIM, DMARC or sender
// checks, whose answers are weak evidence; with "all" every check's (nil).
func decisiveFor(mode string, zones []dnsbl.Zone) map[string]bool {
	if mode == config.DegradedAll {
		return nil
	}
	lists := map[string]bool{}
	for _, z := range zones {
		lists[z.FailRule()] = true
	}
	return lists
}

// decisiveFailure reports whether a failed check that could decide the
// verdict (see decisiveFor) is among res.Degraded: such a message is not
// autolearned, its class being in doubt.
func (rt *Runtime) decisiveFailure(res *Result) bool {
	for _, name := range res.Degraded {
		if rt.decisive == nil || rt.decisive[name] {
			return true
		}
	}
	return false
}
