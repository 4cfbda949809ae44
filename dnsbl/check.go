package dnsbl

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"golang.org/x/net/publicsuffix"
)

// Status is the outcome of one zone for one query.
type Status int

const (
	// NotListed is a definite negative answer.
	NotListed Status = iota
	// Listed is a listing; ListHit.Rules names the rules it fires.
	Listed
	// Failed is an unknown answer: timeout, SERVFAIL, an answer outside
	// 127.0.0.0/8. It fires Zone.FailRule (0 points).
	Failed
	// Blocked means the list operator refused our resolver (an answer in
	// 127.255.255.0/24). It fires Zone.BlockedRule (0 points, a warning).
	Blocked
	// Disabled means the zone failed its health probe and was not asked.
	Disabled
)

var statusNames = [...]string{"not listed", "listed", "failed", "blocked", "disabled"}

func (s Status) String() string { return statusNames[s] }

// ListHit is what one zone said about one IP or domain.
type ListHit struct {
	Zone    string       // Zone.Name
	Kind    Kind         // block or allow
	Query   string       // the IP or domain asked about
	Status  Status       // see the constants
	Rules   []string     // rules fired: by return code, FailRule or BlockedRule
	Answers []netip.Addr // the A records of the answer
	Err     error        // why Failed (classified, errors.Is(err, ErrTemp))
}

// CheckerOptions configure a Checker.
type CheckerOptions struct {
	// MaxURILookups bounds the distinct domains and IPs CheckDomains asks
	// about per call (per message). Default 20.
	MaxURILookups int
	// Logger receives health changes and mirror reloads.
	Logger zerolog.Logger
	// HTTP fetches mirror URLs. Default: a client with a 60s timeout.
	HTTP *http.Client
	// CheckPrivate also asks about loopback and private client addresses
	// (tests and lab setups; never useful against public lists).
	CheckPrivate bool
}

// Checker asks a set of zones about IPs and domains. Build it once per
// configuration; it is safe for concurrent use.
type Checker struct {
	res   Lookuper
	opts  CheckerOptions
	zones []*zoneState
}

// zoneState is a zone with its local data and health.
type zoneState struct {
	zone   Zone
	local  *Local // nil: asked over DNS
	health health
}

// NewChecker validates zones and returns a Checker asking res (which may
// be nil when every enabled zone is local). Disabled zones are kept for
// Zones and health but never asked. Local zones start empty: call
// LoadLocal (or Run) before the first check.
func NewChecker(res Lookuper, zones []Zone, o CheckerOptions) (*Checker, error) {
	if o.MaxURILookups <= 0 {
		o.MaxURILookups = 20
	}
	c := &Checker{res: res, opts: o}
	seen := map[string]bool{}
	for _, z := range zones {
		if err := z.Validate(); err != nil {
			return nil, err
		}
		if seen[z.Name] {
			return nil, fmt.Errorf("zone %s: duplicate name", z.Name)
		}
		seen[z.Name] = true
		zs := &zoneState{zone: z}
		if len(z.Local) > 0 {
			zs.local = newLocal(z, o.HTTP, o.Logger)
		} else if res == nil && z.Enabled {
			return nil, fmt.Errorf("zone %s: no resolver for a DNS zone", z.Name)
		}
		c.zones = append(c.zones, zs)
	}
	return c, nil
}

// lookup asks zs for qname: in process for local zones, else over DNS.
func (c *Checker) lookup(ctx context.Context, zs *zoneState, qname string) ([]netip.Addr, error) {
	if zs.local != nil {
		return zs.local.LookupA(qname)
	}
	return c.res.LookupA(ctx, qname)
}

// ask queries zs about query (an IP or domain) under qname and classifies
// the answer.
func (c *Checker) ask(ctx context.Context, zs *zoneState, query, qname string) ListHit {
	z := &zs.zone
	h := ListHit{Zone: z.Name, Kind: z.Kind, Query: query}
	addrs, err := c.lookup(ctx, zs, qname)
	return classify(z, h, addrs, err)
}

func classify(z *Zone, h ListHit, addrs []netip.Addr, err error) ListHit {
	switch {
	case IsNotFound(err):
		h.Status = NotListed
		return h
	case err != nil:
		h.Status, h.Err, h.Rules = Failed, err, []string{z.FailRule()}
		return h
	}
	h.Answers = addrs
	for _, a := range addrs {
		// QUIRK: resolvers that rewrite NXDOMAIN to an ad server, and
		// wildcard zones, answer outside 127/8; that is never a listing.
		if !a.Is4() || !loopNet.Contains(a) {
			h.Status, h.Rules = Failed, []string{z.FailRule()}
			h.Err = &Error{Class: ErrTemp, Name: h.Query, Type: "A",
				Reason: "answer " + a.String() + " outside 127.0.0.0/8"}
			return h
		}
	}
	for _, a := range addrs {
		if z.isBlocked(a) {
			h.Status, h.Rules = Blocked, []string{z.BlockedRule()}
			return h
		}
	}
	if h.Rules = z.rules(addrs); len(h.Rules) > 0 {
		h.Status = Listed
	}
	return h
}

// Check asks every enabled IP zone about ip, concurrently, and returns one
// ListHit per zone in configuration order. Addresses that are not global
// unicast (loopback, private, link-local) are never sent to a list,
// unless CheckerOptions.CheckPrivate allows loopback and private ones.
func (c *Checker) Check(ctx context.Context, ip netip.Addr) []ListHit {
	ip = ip.Unmap()
	if !c.askable(ip) {
		return nil
	}
	var jobs []job
	for _, zs := range c.zones {
		z := &zs.zone
		if !z.Enabled || z.Target != IPs || z.URIOnly || ip.Is6() && !z.IPv6 {
			continue
		}
		jobs = append(jobs, job{zs: zs, query: ip.String(), qname: QueryName(ip, z.Domain)})
	}
	return c.run(ctx, jobs)
}

// askable reports whether the client address ip may be sent to a list.
func (c *Checker) askable(ip netip.Addr) bool {
	switch {
	case !ip.IsValid():
		return false
	case c.opts.CheckPrivate && (ip.IsLoopback() || ip.IsPrivate()):
		return true
	}
	return ip.IsGlobalUnicast() && !ip.IsPrivate()
}

type job struct {
	zs           *zoneState
	query, qname string
}

// maxParallel bounds the lookups one call has in flight.
const maxParallel = 16

// run asks every job concurrently and returns the hits in job order.
func (c *Checker) run(ctx context.Context, jobs []job) []ListHit {
	out := make([]ListHit, len(jobs))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		if !j.zs.health.usable() {
			z := &j.zs.zone
			out[i] = ListHit{Zone: z.Name, Kind: z.Kind, Query: j.query, Status: Disabled}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = c.ask(ctx, j.zs, j.query, j.qname)
		}()
	}
	wg.Wait()
	return out
}

// CheckDomains asks every enabled domain zone about the registrable
// domains (public suffix list) of hosts, the host names of a message's
// URIs. IP-literal hosts are asked, reversed, of the zones with URIIPs:
// IPv4 in domain zones, IPv4 and (if the zone has IPv6) IPv6 in IP zones.
// At most MaxURILookups distinct names and addresses are asked; skipped
// says how many more there were. Hits come back per zone, then per name.
func (c *Checker) CheckDomains(ctx context.Context, hosts []string) (hits []ListHit, skipped int) {
	names, ips, skipped := c.uriTargets(hosts)
	var jobs []job
	for _, zs := range c.zones {
		z := &zs.zone
		if !z.Enabled {
			continue
		}
		if z.Target == Domains {
			for _, n := range names {
				jobs = append(jobs, job{zs: zs, query: n, qname: n + "." + z.domain()})
			}
		}
		for _, ip := range ips {
			if z.URIIPs && (ip.Is4() || z.Target == IPs && z.IPv6) {
				jobs = append(jobs, job{zs: zs, query: ip.String(), qname: QueryName(ip, z.Domain)})
			}
		}
	}
	return c.run(ctx, jobs), skipped
}

// uriTargets reduces URI hosts to distinct registrable domains and IP
// literals, at most MaxURILookups in all.
func (c *Checker) uriTargets(hosts []string) (names []string, ips []netip.Addr, skipped int) {
	seen := map[string]bool{}
	for _, h := range hosts {
		t, ip, ok := uriTarget(h)
		if !ok || seen[t] {
			continue
		}
		seen[t] = true
		if len(names)+len(ips) >= c.opts.MaxURILookups {
			skipped++
			continue
		}
		if ip.IsValid() {
			ips = append(ips, ip)
		} else {
			names = append(names, t)
		}
	}
	return names, ips, skipped
}

// uriTarget is the name to ask about for one URI host: its registrable
// domain, or the address of a public IP literal.
func uriTarget(host string) (string, netip.Addr, bool) {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(strings.TrimSpace(host), "[]"), "."))
	if ip, err := netip.ParseAddr(h); err == nil {
		ip = ip.Unmap()
		if !ip.IsGlobalUnicast() || ip.IsPrivate() {
			return "", netip.Addr{}, false
		}
		return ip.String(), ip, true
	}
	if _, ok := dnsName(h); !ok {
		return "", netip.Addr{}, false
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return "", netip.Addr{}, false
	}
	return reg, netip.Addr{}, true
}

// dnsName reports whether h is a plausible host name (letters, digits,
// hyphens, underscores; labels 1-63 bytes; at least two labels).
func dnsName(h string) (string, bool) {
	if len(h) == 0 || len(h) > 253 || !strings.Contains(h, ".") {
		return "", false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 {
			return "", false
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return "", false
			}
		}
	}
	return h, true
}

// Zones returns the configured zones (copies).
func (c *Checker) Zones() []Zone {
	out := make([]Zone, 0, len(c.zones))
	for _, zs := range c.zones {
		out = append(out, zs.zone)
	}
	return out
}
