// Package dnsbltest runs a small authoritative DNS server on 127.0.0.1 for
// tests: records in zone-file syntax, plus names that fail on purpose. Point
// a dnsbl.Resolver at Server.Addr.
package dnsbltest

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server is a DNS server on loopback, UDP and TCP on the same port. It is
// safe for concurrent use; records may be added while it runs.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string

	mu       sync.Mutex
	rrs      map[string][]dns.RR // by lower-case owner name
	servfail []string            // name suffixes answered SERVFAIL
	drop     []string            // name suffixes never answered
	seen     map[string]int      // "name/TYPE" → queries
	delay    time.Duration       // before every answer
}

// Delay makes every later answer wait d (a slow resolver).
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Start serves records ("host.example. 300 IN A 192.0.2.1", one per string)
// until the test ends.
func Start(tb testing.TB, records ...string) *Server {
	tb.Helper()
	s := &Server{rrs: map[string][]dns.RR{}, seen: map[string]int{}}
	for _, r := range records {
		if err := s.Add(r); err != nil {
			tb.Fatal(err)
		}
	}
	s.Addr = Serve(tb, s)
	return s
}

// Serve answers DNS with h over UDP and TCP on one loopback port until the
// test ends, and returns "127.0.0.1:port".
func Serve(tb testing.TB, h dns.Handler) string {
	tb.Helper()
	pc, ln := Listen(tb)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = udp.ShutdownContext(ctx)
		_ = tcp.ShutdownContext(ctx)
	})
	return pc.LocalAddr().String()
}

// Listen opens UDP and TCP sockets on the same loopback port, trying again
// when another process holds the TCP twin of the UDP port.
func Listen(tb testing.TB) (net.PacketConn, net.Listener) {
	for i := 0; ; i++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		_ = pc.Close()
		if i > 20 {
			tb.Fatal(err)
		}
	}
}

// Add adds one record in zone-file syntax.
func (s *Server) Add(record string) error {
	rr, err := dns.NewRR(record)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToLower(rr.Header().Name)
	s.rrs[name] = append(s.rrs[name], rr)
	return nil
}

// ServFail makes names ending in suffix answer SERVFAIL.
func (s *Server) ServFail(suffix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servfail = append(s.servfail, strings.ToLower(dns.Fqdn(suffix)))
}

// Drop makes names ending in suffix never answered (a timeout).
func (s *Server) Drop(suffix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = append(s.drop, strings.ToLower(dns.Fqdn(suffix)))
}

// Queries returns how many queries for name and type ("A", "TXT") came in.
func (s *Server) Queries(name, qtype string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[strings.ToLower(dns.Fqdn(name))+"/"+qtype]
}

func hasSuffix(name string, suffixes []string) bool {
	for _, suf := range suffixes {
		if name == suf || strings.HasSuffix(name, "."+suf) {
			return true
		}
	}
	return false
}

// ServeDNS answers from the records: the records of the asked type, or a
// CNAME (followed within the server's data), NODATA, or NXDOMAIN with a
// SOA (negative TTL 60s).
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 {
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.seen[name+"/"+dns.TypeToString[q.Qtype]]++
	drop, fail := hasSuffix(name, s.drop), hasSuffix(name, s.servfail)
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if !fail {
		s.answer(m, name, q.Qtype, 0)
	}
	delay := s.delay
	s.mu.Unlock()
	if drop {
		return
	}
	time.Sleep(delay)
	if fail {
		m.Rcode = dns.RcodeServerFailure
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if o := r.IsEdns0(); o != nil && o.UDPSize() > dns.MinMsgSize {
			size = int(o.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// answer fills m for name; the caller holds s.mu.
func (s *Server) answer(m *dns.Msg, name string, qtype uint16, depth int) {
	rrs, ok := s.rrs[name]
	if !ok {
		if depth == 0 {
			m.Rcode = dns.RcodeNameError
		}
		m.Ns = append(m.Ns, soa())
		return
	}
	found := false
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype {
			m.Answer = append(m.Answer, rr)
			found = true
		}
	}
	if found {
		return
	}
	for _, rr := range rrs {
		if c, ok := rr.(*dns.CNAME); ok && depth < 8 {
			m.Answer = append(m.Answer, rr)
			s.answer(m, strings.ToLower(c.Target), qtype, depth+1)
			return
		}
	}
	m.Ns = append(m.Ns, soa())
}

func soa() dns.RR {
	return &dns.SOA{
		Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
		Ns:  "ns.invalid.", Mbox: "hostmaster.invalid.", Serial: 1,
		Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 60,
	}
}
