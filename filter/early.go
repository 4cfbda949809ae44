package filter

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/mailsift/mailsift/auth"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/internal/workers"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// Early runs the DNS checks that need only the SMTP envelope while the
// client is still talking: the client's IP lists and reverse DNS from
// CONNECT, the HELO checks from HELO, the sender domain and SPF from MAIL.
// End of message collects what is done and waits for the rest within the
// message's deadline, so a slow resolver costs the time between CONNECT and
// end of data only once.
//
// A milter session owns one Early and calls it from one goroutine;
// Snapshot hands the pipeline a copy it can read from another. The zero
// value is ready; Close ends every check still running.
type Early struct {
	conn, helo, txn stage
	client          *pending[[]dnsbl.ListHit]
	rdns            *pending[[]scoring.NetHit]
	heloChk         *pending[[]scoring.NetHit]
	sender          *pending[[]scoring.NetHit]
	spf             *pending[auth.SPFResult]
}

// EarlyChecks is a snapshot of an Early's checks, for one message.
type EarlyChecks struct {
	client  *pending[[]dnsbl.ListHit]
	rdns    *pending[[]scoring.NetHit]
	heloChk *pending[[]scoring.NetHit]
	sender  *pending[[]scoring.NetHit]
	spf     *pending[auth.SPFResult]
}

// stage cancels the checks started at one SMTP stage.
type stage struct{ cancel context.CancelFunc }

func (s *stage) restart(timeout time.Duration) context.Context {
	s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	s.cancel = cancel
	return ctx
}

func (s *stage) stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// Connect starts the checks of a new client: its IP lists and reverse DNS.
// A trusted client (dns.trusted_networks, loopback) is not judged by its
// address; end of message checks the first untrusted relay instead.
func (e *Early) Connect(rt *Runtime, ip netip.Addr) {
	e.Close()
	ip = ip.Unmap()
	if rt.Deps.Net.Resolver == nil || !ip.IsValid() || rt.trusted(ip) {
		return
	}
	ctx := e.conn.restart(rt.Config.Limits.Deadline.Duration)
	key := ip.String()
	if c := rt.Deps.Net.Checker; c != nil {
		e.client = start(ctx, key, func(ctx context.Context) []dnsbl.ListHit { return c.Check(ctx, ip) })
	}
	if rt.judgesClient(ip) {
		res := rt.Deps.Net.Resolver
		e.rdns = start(ctx, key, func(ctx context.Context) []scoring.NetHit { return checkRDNS(ctx, res, ip) })
	}
}

// Helo starts the checks of the client's HELO name.
func (e *Early) Helo(rt *Runtime, ip netip.Addr, name string) {
	e.helo.stop()
	e.heloChk = nil
	ip = ip.Unmap()
	if rt.Deps.Net.Resolver == nil || !ip.IsValid() || rt.trusted(ip) || !rt.judgesClient(ip) {
		return
	}
	ctx := e.helo.restart(rt.Config.Limits.Deadline.Duration)
	res, ours := rt.Deps.Net.Resolver, rt.ourNames()
	e.heloChk = start(ctx, heloKey(ip, name), func(ctx context.Context) []scoring.NetHit {
		return checkHELO(ctx, res, name, ip, ours)
	})
}

// Mail starts the checks of a new transaction: the envelope sender's
// domain and SPF.
func (e *Early) Mail(rt *Runtime, ip netip.Addr, helo, from string) {
	e.txn.stop()
	e.sender, e.spf = nil, nil
	ip = ip.Unmap()
	if rt.Deps.Net.Resolver == nil || !ip.IsValid() {
		return
	}
	ctx := e.txn.restart(rt.Config.Limits.Deadline.Duration)
	res := rt.Deps.Net.Resolver
	if d := domainOf(from); d != "" && rt.judgesClient(ip) {
		e.sender = start(ctx, d, func(ctx context.Context) []scoring.NetHit { return checkDomain(ctx, res, "SENDER_", d) })
	}
	if rt.Config.Auth.SPF && !rt.trusted(ip) {
		r := dnsbl.NetResolver{L: res}
		e.spf = start(ctx, spfKey(ip, helo, from), func(ctx context.Context) auth.SPFResult {
			return auth.CheckSPF(ctx, r, ip, helo, from)
		})
	}
}

// Snapshot returns the checks started so far, for the message now ending.
func (e *Early) Snapshot() *EarlyChecks {
	if e == nil {
		return nil
	}
	return &EarlyChecks{client: e.client, rdns: e.rdns, heloChk: e.heloChk, sender: e.sender, spf: e.spf}
}

// Close ends every check still running and forgets them all.
func (e *Early) Close() {
	e.conn.stop()
	e.helo.stop()
	e.txn.stop()
	*e = Early{}
}

func heloKey(ip netip.Addr, helo string) string { return ip.String() + " " + helo }

func spfKey(ip netip.Addr, helo, from string) string { return ip.String() + " " + helo + " " + from }

// pending is one check running in the background.
type pending[T any] struct {
	key     string // what it was started for: used only for the same question
	started time.Time
	done    chan struct{}
	val     T
}

func start[T any](ctx context.Context, key string, f func(context.Context) T) *pending[T] {
	p := &pending[T]{key: key, started: time.Now(), done: make(chan struct{})}
	workers.Go(func() {
		defer close(p.done)
		p.val = f(ctx)
	})
	return p
}

// earlyMaxAge is how long an early answer is used: a connection that stays
// open longer (Postfix reuses connections to a milter, and SMTP clients
// send many messages per connection) gets fresh answers.
const earlyMaxAge = 5 * time.Minute

// collect returns p's answer when p was started for key and has it in
// time; else it runs f now. An early answer that is a temporary failure
// (its lookups timed out, met SERVFAIL or the in-flight cap) is asked
// again: the resolver does not cache failures, and this message may have
// the time the early check did not. When ctx ends before p answers, f
// runs on the ended context and fails at once, while p goes on (the next
// message on the connection may use it).
func collect[T any](ctx context.Context, p *pending[T], key string, f func(context.Context) T) T {
	if p == nil || p.key != key || time.Since(p.started) > earlyMaxAge {
		return f(ctx)
	}
	select {
	case <-p.done:
		if failed(p.val) {
			return f(ctx)
		}
		return p.val
	case <-ctx.Done():
		return f(ctx)
	}
}

// failed reports whether an early check's answer holds a temporary
// failure.
func failed(v any) bool {
	switch v := v.(type) {
	case []dnsbl.ListHit:
		for _, h := range v {
			if h.Status == dnsbl.Failed {
				return true
			}
		}
	case []scoring.NetHit:
		for _, h := range v {
			if strings.HasSuffix(h.Rule, "_TEMPERROR") {
				return true
			}
		}
	case auth.SPFResult:
		return v.Status == auth.SPFTempError
	}
	return false
}

// trusted reports whether ip is a relay whose Received fields are believed:
// dns.trusted_networks, and loopback unless dns.check_private asks to judge
// loopback clients like any other (test and lab setups).
func (rt *Runtime) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() && !rt.Config.DNS.CheckPrivate {
		return true
	}
	for _, p := range rt.trustedNets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// judgesClient reports whether the client's own names are checked (rDNS,
// HELO, the sender domain): not for loopback and private clients unless
// dns.check_private is set.
func (rt *Runtime) judgesClient(ip netip.Addr) bool {
	return rt.Config.DNS.CheckPrivate || !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
}

// maxRelayHops bounds the Received fields walked to find the first
// untrusted relay.
const maxRelayHops = 20

// untrustedRelay returns the client address and HELO recorded by the
// topmost Received field whose client is not trusted: the host that handed
// the message to the site, when the connecting client is a trusted relay.
// A field without a client address ends the walk (what lies below it
// cannot be believed); ok is false then, and when every hop is trusted.
func (rt *Runtime) untrustedRelay(msg *message.Message) (ip netip.Addr, helo string, ok bool) {
	for i, f := range msg.All("Received") {
		if i >= maxRelayHops {
			break
		}
		h := message.ParseHop(f.Raw)
		if !h.IP.IsValid() {
			return netip.Addr{}, "", false
		}
		if a := h.IP.Unmap(); !rt.trusted(a) {
			return a, h.Helo, true
		}
	}
	return netip.Addr{}, "", false
}
