package dnsbl

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/singleflight"
)

// Options configure a Resolver. The zero value is usable: every field has a
// safe default.
type Options struct {
	// Servers are the recursive resolvers, "host:port" or "host" (port 53).
	// Default: the nameservers of /etc/resolv.conf, else 127.0.0.1:53.
	Servers []string
	// Timeout bounds one query to one server. Default 1s.
	Timeout time.Duration
	// Retries is how many more rounds over Servers follow the first one.
	// Default 1; a negative value means none.
	Retries int
	// CacheSize is the number of answers kept. Default 10000; negative
	// disables the cache.
	CacheSize int
	// MinTTL and MaxTTL bound the time an answer is cached. Defaults 0 and 1h.
	MinTTL, MaxTTL time.Duration
	// MaxNegativeTTL caps negative caching (RFC 2308). Default 15m.
	MaxNegativeTTL time.Duration
	// MaxCNAME is the longest CNAME chain followed. Default 8.
	MaxCNAME int
	// MaxRecords is the number of records of one answer kept; the rest of
	// a huge answer is dropped. Default 100.
	MaxRecords int
	// UDPSize is the EDNS0 buffer size advertised. Default 1232.
	UDPSize uint16
	// Now is the clock of the cache. Default time.Now.
	Now func() time.Time
	// MaxInFlight bounds the distinct questions waiting for upstream at
	// once; past it a new question fails at once as ErrTemp, so a flood
	// (a hostile milter client announcing thousands of clients to a dead
	// resolver) cannot exhaust sockets or memory. Default 1024.
	MaxInFlight int
}

// resolvConf is where the default servers come from.
const resolvConf = "/etc/resolv.conf"

func (o Options) withDefaults() Options {
	if len(o.Servers) == 0 {
		o.Servers = systemServers(resolvConf)
	}
	o.Servers = append([]string(nil), o.Servers...) // the caller's slice stays as it was
	for i, s := range o.Servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			o.Servers[i] = net.JoinHostPort(s, "53")
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.Retries == 0 {
		o.Retries = 1
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.CacheSize == 0 {
		o.CacheSize = 10000
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = time.Hour
	}
	if o.MaxNegativeTTL <= 0 {
		o.MaxNegativeTTL = 15 * time.Minute
	}
	if o.MaxCNAME <= 0 {
		o.MaxCNAME = 8
	}
	if o.MaxRecords <= 0 {
		o.MaxRecords = 100
	}
	if o.UDPSize < dns.MinMsgSize {
		o.UDPSize = 1232
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1024
	}
	return o
}

// systemServers reads the nameservers of a resolv.conf file.
func systemServers(path string) []string {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil || len(cc.Servers) == 0 {
		return []string{"127.0.0.1:53"}
	}
	out := make([]string, 0, len(cc.Servers))
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out
}

// Resolver is a caching stub resolver on github.com/miekg/dns. It is safe
// for concurrent use.
type Resolver struct {
	opts    Options
	cache   *cache
	flight  singleflight.Group
	udp     *dns.Client
	tcp     *dns.Client
	conns   udpPool
	flights chan struct{} // a slot per question in flight (MaxInFlight)
	queries atomic.Int64
}

// NewResolver returns a Resolver with o's settings (defaults filled in).
func NewResolver(o Options) *Resolver {
	o = o.withDefaults()
	return &Resolver{
		opts:    o,
		cache:   newCache(o.CacheSize),
		flights: make(chan struct{}, o.MaxInFlight),
		udp:     &dns.Client{Net: "udp", UDPSize: o.UDPSize, Timeout: o.Timeout},
		tcp:     &dns.Client{Net: "tcp", Timeout: o.Timeout},
	}
}

// Servers returns the upstream servers in use.
func (r *Resolver) Servers() []string { return append([]string(nil), r.opts.Servers...) }

// Stats reports the cache size, cache hits and misses, and the number of
// queries sent upstream (for metrics).
func (r *Resolver) Stats() (entries int, hits, misses uint64, queries int64) {
	entries, hits, misses = r.cache.stats()
	return entries, hits, misses, r.queries.Load()
}

// resolve returns the records of type qtype for name, CNAMEs followed,
// from the cache or from one shared upstream query.
func (r *Resolver) resolve(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	name, err := canonical(name, qtype)
	if err != nil {
		return nil, err
	}
	key := cacheKey{name: name, qtype: qtype}
	if e, ok := r.cache.get(key, r.opts.Now()); ok {
		return entryResult(e, name, qtype)
	}
	if err := ctx.Err(); err != nil {
		return nil, newErr(ErrTemp, name, qtype, err.Error())
	}
	ch := r.flight.DoChan(name+"/"+typeString(qtype), func() (any, error) {
		// The shared query outlives no caller by more than its own budget,
		// and one caller's cancellation does not fail the others.
		select {
		case r.flights <- struct{}{}:
			defer func() { <-r.flights }()
		default:
			return nil, newErr(ErrTemp, name, qtype, "too many questions in flight")
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.budget())
		defer cancel()
		e, err := r.fetch(fctx, name, qtype)
		if err != nil {
			return nil, err
		}
		if e.expires.After(r.opts.Now()) {
			r.cache.put(e)
		}
		return e, nil
	})
	select {
	case <-ctx.Done():
		return nil, newErr(ErrTemp, name, qtype, ctx.Err().Error())
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return entryResult(res.Val.(*cacheEntry), name, qtype)
	}
}

// budget is the longest one shared lookup may take.
func (r *Resolver) budget() time.Duration {
	rounds := time.Duration((r.opts.Retries + 1) * len(r.opts.Servers))
	return r.opts.Timeout*rounds + r.opts.Timeout
}

func entryResult(e *cacheEntry, name string, qtype uint16) ([]dns.RR, error) {
	if e.negative {
		reason := "NODATA"
		if e.nx {
			reason = "NXDOMAIN"
		}
		return nil, newErr(ErrNotFound, name, qtype, reason)
	}
	return e.rrs, nil
}

// canonical lower-cases and qualifies name, refusing malformed names.
func canonical(name string, qtype uint16) (string, error) {
	if n, ok := plainName(name); ok {
		return n, nil
	}
	n := dns.CanonicalName(strings.TrimSpace(name))
	if n == "." || len(n) > 254 {
		return "", newErr(ErrPerm, name, qtype, "bad name")
	}
	if _, ok := dns.IsDomainName(n); !ok {
		return "", newErr(ErrPerm, name, qtype, "bad name")
	}
	for _, l := range dns.SplitDomainName(n) {
		if l == "" || len(l) > 63 {
			return "", newErr(ErrPerm, name, qtype, "bad label")
		}
	}
	return n, nil
}

// plainName is canonical's fast path for the common case, a host name of
// lower-case letters, digits, '-' and '_' in labels of 1 to 63 bytes, with
// or without the final dot: it returns the name fully qualified, without
// allocating when it already is. Anything else reports false.
func plainName(name string) (string, bool) {
	if name == "" || len(name) > 253 {
		return "", false
	}
	label := 0
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_':
			if label++; label > 63 {
				return "", false
			}
		case c == '.':
			if label == 0 {
				return "", false
			}
			label = 0
		default:
			return "", false
		}
	}
	if label == 0 {
		return name, true // ends with the dot
	}
	return name + ".", true
}

func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE?"
}

// Exchange sends m to the configured servers (with retries and TCP
// fallback) and returns the first usable response, uncached. The response
// may carry any rcode except SERVFAIL and REFUSED, which are retried and
// then reported as ErrTemp.
func (r *Resolver) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	if len(m.Question) != 1 {
		return nil, &Error{Class: ErrPerm, Name: "?", Type: "?", Reason: "one question required"}
	}
	q := m.Question[0]
	var last error = newErr(ErrTemp, q.Name, q.Qtype, "no server answered")
	for attempt := 0; attempt <= r.opts.Retries; attempt++ {
		for _, srv := range r.opts.Servers {
			if err := ctx.Err(); err != nil {
				return nil, newErr(ErrTemp, q.Name, q.Qtype, err.Error())
			}
			resp, err := r.exchangeOne(ctx, m, srv)
			if err != nil {
				last = err
				continue
			}
			switch resp.Rcode {
			case dns.RcodeSuccess, dns.RcodeNameError:
				return resp, nil
			case dns.RcodeServerFailure, dns.RcodeRefused:
				last = newErr(ErrTemp, q.Name, q.Qtype, dns.RcodeToString[resp.Rcode])
			default:
				return nil, newErr(ErrPerm, q.Name, q.Qtype, rcodeString(resp.Rcode))
			}
		}
	}
	return nil, last
}

func rcodeString(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return "RCODE?"
}

// exchangeOne sends one query to one server over UDP, and again over TCP if
// the answer was truncated, and checks that the answer is for our question.
func (r *Resolver) exchangeOne(ctx context.Context, m *dns.Msg, srv string) (*dns.Msg, error) {
	q := m.Question[0]
	qctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	msg := m.Copy()
	msg.Id = dns.Id()
	r.queries.Add(1)
	resp, err := r.exchangeUDP(qctx, msg, srv)
	if err == nil && resp.Truncated {
		msg.Id = dns.Id()
		r.queries.Add(1)
		resp, _, err = r.tcp.ExchangeContext(qctx, msg, srv)
	}
	if err != nil {
		return nil, newErr(ErrTemp, q.Name, q.Qtype, netReason(err))
	}
	if len(resp.Question) != 1 || resp.Question[0].Qtype != q.Qtype ||
		!strings.EqualFold(resp.Question[0].Name, q.Name) {
		return nil, newErr(ErrTemp, q.Name, q.Qtype, "answer for another question")
	}
	return resp, nil
}

// exchangeUDP sends msg over a pooled UDP socket to srv.
func (r *Resolver) exchangeUDP(ctx context.Context, msg *dns.Msg, srv string) (*dns.Msg, error) {
	co, err := r.conns.get(r.udp, srv)
	if err != nil {
		return nil, err
	}
	resp, _, err := r.udp.ExchangeWithConnContext(ctx, msg, co.Conn)
	if err != nil {
		_ = co.Close() // a socket that timed out may still receive the late answer
		return nil, err
	}
	r.conns.put(srv, co)
	return resp, nil
}

// Close releases the idle sockets. The Resolver stays usable.
func (r *Resolver) Close() error {
	return r.conns.close()
}

// udpPool keeps connected UDP sockets to the servers for reuse: a fresh
// socket per query costs four system calls and a poller registration, most
// of the CPU a query to a nearby resolver takes. A socket serves one query
// at a time; answers with another ID (late answers to a query that timed
// out elsewhere) are skipped by the library, and every answer's question is
// checked (exchangeOne). A socket retires after maxSocketUses queries or
// maxSocketAge, so the source port keeps changing as spoofing resistance
// wants, and after any error.
type udpPool struct {
	mu   sync.Mutex
	idle map[string][]*pooledConn
}

type pooledConn struct {
	*dns.Conn
	uses    int
	created time.Time
}

const (
	maxSocketUses  = 100
	maxSocketAge   = 10 * time.Second // a quiet site's sockets change ports too
	maxIdleSockets = 32               // per server
)

func (p *udpPool) get(c *dns.Client, srv string) (*pooledConn, error) {
	p.mu.Lock()
	for l := p.idle[srv]; len(l) > 0; l = p.idle[srv] {
		co := l[len(l)-1]
		p.idle[srv] = l[:len(l)-1]
		if time.Since(co.created) >= maxSocketAge {
			_ = co.Close()
			continue
		}
		p.mu.Unlock()
		co.uses++
		return co, nil
	}
	p.mu.Unlock()
	conn, err := c.Dial(srv)
	if err != nil {
		return nil, err
	}
	return &pooledConn{Conn: conn, uses: 1, created: time.Now()}, nil
}

func (p *udpPool) put(srv string, co *pooledConn) {
	p.mu.Lock()
	if co.uses < maxSocketUses && time.Since(co.created) < maxSocketAge && len(p.idle[srv]) < maxIdleSockets {
		if p.idle == nil {
			p.idle = map[string][]*pooledConn{}
		}
		p.idle[srv] = append(p.idle[srv], co)
		co = nil
	}
	p.mu.Unlock()
	if co != nil {
		_ = co.Close()
	}
}

func (p *udpPool) close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	var errs []error
	for _, l := range idle {
		for _, co := range l {
			errs = append(errs, co.Close())
		}
	}
	return errors.Join(errs...)
}

func netReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

// fetch asks upstream for name/qtype and follows CNAMEs, returning an entry
// ready for the cache.
func (r *Resolver) fetch(ctx context.Context, name string, qtype uint16) (*cacheEntry, error) {
	e := &cacheEntry{key: cacheKey{name: name, qtype: qtype}}
	seen := map[string]bool{name: true}
	target := name
	ttl := r.opts.MaxTTL
	for hops := 0; ; {
		m := new(dns.Msg)
		m.SetQuestion(target, qtype)
		m.SetEdns0(r.opts.UDPSize, false)
		resp, err := r.Exchange(ctx, m)
		if err != nil {
			return nil, renamed(err, name)
		}
		rrs, next, minTTL, err := r.follow(resp, target, qtype, seen, &hops)
		if err != nil {
			return nil, renamed(err, name)
		}
		ttl = min(ttl, minTTL)
		switch {
		case len(rrs) > 0:
			e.rrs = rrs
			e.expires = r.opts.Now().Add(r.clampTTL(ttl))
			return e, nil
		case next != "":
			target = next // the chain continues outside this answer
			continue
		}
		e.negative, e.nx = true, resp.Rcode == dns.RcodeNameError
		e.expires = r.opts.Now().Add(min(r.negativeTTL(resp), ttl))
		return e, nil
	}
}

// renamed reports err under the name the caller asked for.
func renamed(err error, name string) error {
	var de *Error
	if errors.As(err, &de) && de.Name != name {
		c := *de
		c.Reason = de.Reason + " at " + strings.TrimSuffix(de.Name, ".")
		c.Name = name
		return &c
	}
	return err
}

// follow walks the answer section from target through CNAMEs. It returns
// the records of qtype found, or the name to query next when the chain
// leaves the answer, and the smallest TTL seen. Records for names off the
// chain are ignored.
func (r *Resolver) follow(resp *dns.Msg, target string, qtype uint16, seen map[string]bool, hops *int) ([]dns.RR, string, time.Duration, error) {
	cur := target
	ttl := r.opts.MaxTTL
	for {
		var rrs []dns.RR
		var cname string
		for _, rr := range resp.Answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, cur) || h.Class != dns.ClassINET {
				continue
			}
			if h.Rrtype == qtype {
				if len(rrs) < r.opts.MaxRecords {
					rrs = append(rrs, rr)
				}
				ttl = min(ttl, time.Duration(h.Ttl)*time.Second)
			} else if c, ok := rr.(*dns.CNAME); ok && cname == "" {
				cname = dns.CanonicalName(c.Target)
				ttl = min(ttl, time.Duration(h.Ttl)*time.Second)
			}
		}
		switch {
		case len(rrs) > 0:
			return rrs, "", ttl, nil
		case cname == "":
			if cur != target && resp.Rcode == dns.RcodeSuccess {
				return nil, cur, ttl, nil
			}
			return nil, "", ttl, nil
		}
		*hops++
		if seen[cname] {
			return nil, "", 0, newErr(ErrPerm, target, qtype, "CNAME loop")
		}
		if *hops > r.opts.MaxCNAME {
			return nil, "", 0, newErr(ErrPerm, target, qtype, "CNAME chain too long")
		}
		seen[cname] = true
		cur = cname
	}
}

func (r *Resolver) clampTTL(ttl time.Duration) time.Duration {
	return max(r.opts.MinTTL, min(ttl, r.opts.MaxTTL))
}

// negativeTTL is the RFC 2308 §5 negative caching time: the SOA's minimum
// or TTL, whichever is smaller, capped. Without a SOA the answer is not
// cached.
func (r *Resolver) negativeTTL(resp *dns.Msg) time.Duration {
	for _, rr := range resp.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			ttl := time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second
			return min(ttl, r.opts.MaxNegativeTTL)
		}
	}
	return 0
}
