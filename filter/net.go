package filter

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/auth"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/internal/workers"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
)

// Net is what the DNS checks use: the resolver and the DNS lists. Both are
// built once at start ([dns] is static) and outlive reloads. The zero
// value does no DNS: no list is asked and SPF, DKIM and DMARC are skipped.
type Net struct {
	// Resolver answers every query (SPF, DKIM, DMARC, the lists); nil
	// turns the DNS checks off.
	Resolver dnsbl.Lookuper
	// Checker asks the configured lists; nil when there are none.
	Checker *dnsbl.Checker
}

// NewNet builds the resolver and the lists of cfg's [dns] section. The
// caller runs the lists' health probes and mirror reloads (RunNet).
func NewNet(cfg *config.Config, log zerolog.Logger) (Net, error) {
	if !cfg.DNS.Enabled {
		return Net{}, nil // no resolver: no DNS check of any kind
	}
	zones, err := LoadZones(cfg.DNS.ZonesFile)
	if err != nil {
		return Net{}, err
	}
	res := dnsbl.NewResolver(ResolverOptions(cfg.DNS))
	n := Net{Resolver: res}
	if len(zones) > 0 {
		n.Checker, err = dnsbl.NewChecker(res, zones, dnsbl.CheckerOptions{
			MaxURILookups: cfg.DNS.MaxURILookups, Logger: log, CheckPrivate: cfg.DNS.CheckPrivate,
		})
		if err != nil {
			return Net{}, fmt.Errorf("%s: %w", cfg.DNS.ZonesFile, err)
		}
	}
	return n, nil
}

// RunNet loads the local list mirrors and then keeps the lists' health and
// mirrors current until ctx is done. It returns at once without lists.
func (n Net) RunNet(ctx context.Context, log zerolog.Logger) {
	if n.Checker == nil {
		return
	}
	if err := n.Checker.LoadLocal(ctx); err != nil {
		log.Warn().Err(err).Msg("loading local DNS list data")
	}
	var wg sync.WaitGroup
	wg.Go(func() { n.Checker.RunHealth(ctx, 0) })
	wg.Go(func() { n.Checker.RunLocal(ctx) })
	wg.Wait()
}

// ResolverOptions converts [dns] to resolver options.
func ResolverOptions(d config.DNS) dnsbl.Options {
	o := dnsbl.Options{Servers: d.Servers, Timeout: d.Timeout.Duration, Retries: d.Retries, CacheSize: d.CacheSize}
	// dnsbl reads 0 as "the default"; in the config 0 means none.
	if o.Retries == 0 {
		o.Retries = -1
	}
	if o.CacheSize == 0 {
		o.CacheSize = -1
	}
	return o
}

// zonesDoc is the shape of a zones file: [[zone]] tables in dnsbl.Zone's
// TOML form.
type zonesDoc struct {
	Zone []dnsbl.Zone `toml:"zone"`
}

// LoadZones reads a zones file ("" means no zones). Unknown keys, invalid
// zones and duplicate names are errors.
func LoadZones(path string) ([]dnsbl.Zone, error) {
	if path == "" {
		return nil, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc zonesDoc
	md, err := toml.Decode(string(src), &doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", path, un[0])
	}
	seen := map[string]bool{}
	for i := range doc.Zone {
		z := &doc.Zone[i]
		if err := z.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if seen[z.Name] {
			return nil, fmt.Errorf("%s: zone %s: duplicate name", path, z.Name)
		}
		seen[z.Name] = true
	}
	return doc.Zone, nil
}

// netOutcome is what the DNS checks found for one message.
type netOutcome struct {
	client, uris []dnsbl.ListHit
	auth         auth.Results
	sender       []scoring.NetHit
	fromDomain   string
}

// startNet starts every DNS check of the message concurrently and returns
// the function that waits for them. The checks get most of what is left of
// ctx's deadline, so that a dead resolver leaves time to score the rest.
// Checks early already started for the same question are collected rather
// than asked again.
func (rt *Runtime) startNet(ctx context.Context, env *message.Envelope, msg *message.Message, raw []byte, early *EarlyChecks) func() *netOutcome {
	n := rt.Deps.Net
	if n.Resolver == nil {
		return func() *netOutcome { return nil }
	}
	if early == nil {
		early = &EarlyChecks{}
	}
	ctx, cancel := netContext(ctx)
	o := &netOutcome{fromDomain: fromDomain(msg)}
	peer := rt.peerOf(env, msg)
	var wg workers.Group
	if c := n.Checker; c != nil {
		if ip := peer.ip; ip.IsValid() {
			wg.Go(func() {
				o.client = collect(ctx, early.client, ip.String(), func(ctx context.Context) []dnsbl.ListHit { return c.Check(ctx, ip) })
			})
		}
		if hosts := uriHosts(msg); len(hosts) > 0 {
			wg.Go(func() { o.uris, _ = c.CheckDomains(ctx, hosts) })
		}
	}
	wg.Go(func() { o.auth = rt.authenticate(ctx, env, peer, msg, raw, o.fromDomain, early) })
	wg.Go(func() { o.sender = rt.senderChecks(ctx, env, o.fromDomain, early) })
	return func() *netOutcome {
		wg.Wait()
		cancel()
		return o
	}
}

// peer is the host the IP lists and SPF judge: the client, or, when the
// client is a trusted relay, the first untrusted relay of the Received
// chain (dns.check_relay). An invalid ip means none.
type peer struct {
	ip    netip.Addr
	helo  string
	relay bool
}

func (rt *Runtime) peerOf(env *message.Envelope, msg *message.Message) peer {
	ip := env.ClientIP.Unmap()
	if !ip.IsValid() {
		return peer{}
	}
	if !rt.trusted(ip) {
		return peer{ip: ip, helo: env.Helo}
	}
	if !rt.Config.DNS.CheckRelay {
		return peer{}
	}
	if r, helo, ok := rt.untrustedRelay(msg); ok {
		return peer{ip: r, helo: helo, relay: true}
	}
	return peer{}
}

// netShare is the part of the time left to the deadline the DNS checks may
// use; the rules and the answer to the MTA get the rest.
const netShare = 0.75

func netContext(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	left := time.Until(dl)
	return context.WithTimeout(ctx, time.Duration(float64(left)*netShare))
}

// authenticate runs SPF (for p, the client or the untrusted relay) and
// DKIM concurrently, then DMARC over both.
func (rt *Runtime) authenticate(ctx context.Context, env *message.Envelope, p peer, msg *message.Message, raw []byte, from string, early *EarlyChecks) auth.Results {
	cfg := rt.Config.Auth
	r := dnsbl.NetResolver{L: rt.Deps.Net.Resolver}
	var a auth.Results
	var wg workers.Group
	if cfg.SPF && p.ip.IsValid() {
		wg.Go(func() {
			s := collect(ctx, early.spf, spfKey(p.ip, p.helo, env.MailFrom), func(ctx context.Context) auth.SPFResult {
				return auth.CheckSPF(ctx, r, p.ip, p.helo, env.MailFrom)
			})
			a.SPF = &s
		})
	}
	// A body cut at scan_bytes (or a header cut at header_bytes) can never
	// verify: skip DKIM rather than call a good signature invalid.
	if cfg.DKIM && !msg.Truncated && !msg.HasFlaw(message.FlawHeaderTooBig) {
		wg.Go(func() {
			a.DKIM = auth.VerifyDKIM(ctx, r, raw)
			a.DKIMChecked = true
		})
	}
	wg.Wait()
	if cfg.DMARC && a.SPF != nil && a.DKIMChecked && from != "" {
		d := auth.EvaluateDMARC(ctx, r, from, *a.SPF, domainOf(env.MailFrom), a.DKIM)
		a.DMARC = &d
	}
	return a
}

// hits lists the rule names the checks fired, with their details.
func (o *netOutcome) hits() []scoring.NetHit {
	out := []scoring.NetHit{}
	for _, h := range append(o.client, o.uris...) {
		for _, r := range h.Rules {
			out = append(out, scoring.NetHit{Rule: r, Detail: listDetail(h)})
		}
	}
	a := o.auth
	if a.SPF != nil {
		if r := auth.SPFRule(*a.SPF); r != "" {
			out = append(out, scoring.NetHit{Rule: r, Detail: joinDetail(a.SPF.Domain, a.SPF.Reason)})
		}
	}
	if a.DKIMChecked {
		var doms []string
		for _, d := range a.DKIM {
			doms = append(doms, d.Domain+"="+string(d.Status))
		}
		for _, r := range auth.DKIMRules(a.DKIM, o.fromDomain) {
			out = append(out, scoring.NetHit{Rule: r, Detail: strings.Join(doms, " ")})
		}
	}
	if a.DMARC != nil {
		if r := auth.DMARCRule(*a.DMARC); r != "" {
			out = append(out, scoring.NetHit{Rule: r, Detail: joinDetail(a.DMARC.Domain, a.DMARC.Reason)})
		}
	}
	return append(out, o.sender...)
}

// listDetail says what a list answered, for the report.
func listDetail(h dnsbl.ListHit) string {
	switch h.Status {
	case dnsbl.Listed:
		as := make([]string, len(h.Answers))
		for i, a := range h.Answers {
			as[i] = a.String()
		}
		return h.Query + " in " + h.Zone + ": " + strings.Join(as, ",")
	case dnsbl.Blocked:
		return h.Zone + " refused our resolver"
	case dnsbl.Failed:
		reason := "failed"
		var de *dnsbl.Error
		if errors.As(h.Err, &de) {
			reason = de.Reason
		}
		return h.Zone + ": " + reason
	}
	return h.Zone
}

func joinDetail(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + ": " + b
}

// uriHosts lists the hosts of the message's URIs.
func uriHosts(msg *message.Message) []string {
	hosts := make([]string, 0, len(msg.URIs))
	for _, u := range msg.URIs {
		if u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}

// fromDomain is the author domain DMARC evaluates: the domain of the one
// From address ("" when there is none).
func fromDomain(msg *message.Message) string {
	if len(msg.From) == 0 {
		return ""
	}
	return msg.From[0].Domain
}

// domainOf returns the domain of an address ("" for the null sender).
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(addr[i+1:], "<> "))
}

// authResults returns the Authentication-Results value for o ("" when no
// authentication check ran).
func (rt *Runtime) authResults(o *netOutcome) string {
	if o == nil || o.auth.SPF == nil && !o.auth.DKIMChecked {
		return ""
	}
	return auth.AuthResultsHeader(rt.AuthservID, o.auth)
}

// IsOurAuthResults reports whether an incoming Authentication-Results value
// claims our authserv-id: such a field is forged and removed.
func (rt *Runtime) IsOurAuthResults(value string) bool {
	return auth.IsOurAuthResults(value, rt.AuthservID)
}

// degrade records the DNS checks that failed in res.Degraded and bounds
// what they could have changed (DESIGN.md, failure semantics: a failed
// check is unknown, never negative). up is the most points their success
// could have added, down the most they could have taken away (allow
// lists). When the verdict could then be more severe (score + up crosses
// the tag or the reject threshold), or a reject could be undone (score +
// down falls below it), the message gets the fail-safe: Action Tempfail,
// Reason "degraded:<checks>". It reports whether it did so.
func (rt *Runtime) degrade(res *Result) bool {
	var up, down float64
	for _, h := range res.Verdict.Hits {
		alts, ok := rt.unknowns[h.Rule]
		if !ok {
			continue
		}
		res.Degraded = append(res.Degraded, h.Rule)
		if rt.decisive != nil && !rt.decisive[h.Rule] {
			continue // marked degraded, but its answer decides nothing (dns.degraded)
		}
		u, d := rt.potential(alts)
		up, down = up+u, down+d
	}
	if len(res.Degraded) == 0 || !rt.DegradedTempfail {
		return false
	}
	score := res.Verdict.Score
	worse := severity(policy.Decide(score+up, rt.Thresholds)) > severity(res.Action)
	undone := res.Action == policy.Reject && policy.Decide(score+down, rt.Thresholds) != policy.Reject
	if !worse && !undone {
		return false
	}
	res.Action, res.Reason = policy.Tempfail, "degraded:"+strings.Join(res.Degraded, ",")
	return true
}

// potential is the largest (>= 0) and the smallest (<= 0) sum of points
// among a failed check's possible outcomes.
func (rt *Runtime) potential(alts [][]string) (up, down float64) {
	for _, set := range alts {
		var sum float64
		for _, n := range set {
			sum += rt.Engine.Points(n)
		}
		up, down = max(up, sum), min(down, sum)
	}
	return up, down
}

func severity(a policy.Action) int {
	switch a {
	case policy.Tag:
		return 1
	case policy.Reject:
		return 2
	}
	return 0
}
