package auth

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// testDNS is an authoritative DNS server (miekg/dns) on 127.0.0.1, UDP and
// TCP, serving in-memory records to the checks' resolver. Names are
// case-insensitive and given without the final dot.
type testDNS struct {
	mu    sync.Mutex
	txt   map[string][]string
	addr  map[string][]netip.Addr
	mx    map[string][]string
	rcode map[string]int
	drop  map[string]bool

	udpAddr, tcpAddr string
}

func newTestDNS(t testing.TB) *testDNS {
	t.Helper()
	d := &testDNS{
		txt:   map[string][]string{},
		addr:  map[string][]netip.Addr{},
		mx:    map[string][]string{},
		rcode: map[string]int{},
		drop:  map[string]bool{},
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.udpAddr, d.tcpAddr = pc.LocalAddr().String(), l.Addr().String()
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: d}, {Listener: l, Handler: d}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return d
}

func key(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

// TXT publishes TXT records; each string is one record (split into
// 255-byte character-strings on the wire).
func (d *testDNS) TXT(name string, recs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[key(name)] = append(d.txt[key(name)], recs...)
}

// Addr publishes A/AAAA records.
func (d *testDNS) Addr(name string, addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range addrs {
		d.addr[key(name)] = append(d.addr[key(name)], netip.MustParseAddr(a))
	}
}

// MX publishes MX records (preference 10).
func (d *testDNS) MX(name string, hosts ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mx[key(name)] = append(d.mx[key(name)], hosts...)
}

// Fail makes every query for name answer rcode (e.g. SERVFAIL).
func (d *testDNS) Fail(name string, rc int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rcode[key(name)] = rc
}

// Drop makes queries for name go unanswered (a timeout for the client).
func (d *testDNS) Drop(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.drop[key(name)] = true
}

// Resolver returns a pure-Go resolver that only ever talks to this server.
func (d *testDNS) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo:     true,
		StrictErrors: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var nd net.Dialer
			if strings.HasPrefix(network, "tcp") {
				return nd.DialContext(ctx, "tcp", d.tcpAddr)
			}
			return nd.DialContext(ctx, "udp", d.udpAddr)
		},
	}
}

// ServeDNS answers one query (miekg/dns handler).
func (d *testDNS) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	if len(q.Question) != 1 {
		return
	}
	qs := q.Question[0]
	name := key(qs.Name)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.drop[name] {
		return
	}
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative, m.RecursionAvailable = true, true
	rc, failing := d.rcode[name]
	exists := d.txt[name] != nil || d.addr[name] != nil || d.mx[name] != nil
	switch {
	case failing:
		m.Rcode = rc
	case !exists:
		m.Rcode = dns.RcodeNameError
	default:
		m.Answer = d.answers(qs, name)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := q.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

func (d *testDNS) answers(qs dns.Question, name string) []dns.RR {
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: qs.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	var out []dns.RR
	switch qs.Qtype {
	case dns.TypeTXT:
		for _, t := range d.txt[name] {
			out = append(out, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: chunks(t)})
		}
	case dns.TypeA, dns.TypeAAAA:
		for _, a := range d.addr[name] {
			switch {
			case a.Is4() && qs.Qtype == dns.TypeA:
				out = append(out, &dns.A{Hdr: hdr(dns.TypeA), A: a.AsSlice()})
			case a.Is6() && qs.Qtype == dns.TypeAAAA:
				out = append(out, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: a.AsSlice()})
			}
		}
	case dns.TypeMX:
		for _, m := range d.mx[name] {
			out = append(out, &dns.MX{Hdr: hdr(dns.TypeMX), Preference: 10, Mx: dns.Fqdn(m)})
		}
	}
	return out
}

// chunks splits a record into DNS character-strings of at most 255 bytes.
func chunks(s string) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}
