package dnsbl

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
)

// testDNS is a real DNS server on loopback answering the test zones below,
// counting the queries it gets per name and type.
type testDNS struct {
	addr string
	mu   sync.Mutex
	seen map[string]int
}

// startDNS serves handle on 127.0.0.1 (UDP and TCP, same port) until the
// test ends.
func startDNS(t *testing.T, handle func(s *testDNS, w dns.ResponseWriter, r *dns.Msg)) *testDNS {
	t.Helper()
	s := &testDNS{seen: map[string]int{}}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if len(r.Question) == 1 {
			s.mu.Lock()
			s.seen[strings.ToLower(r.Question[0].Name)+"/"+dns.TypeToString[r.Question[0].Qtype]]++
			s.mu.Unlock()
		}
		handle(s, w, r)
	})
	s.addr = dnsbltest.Serve(t, h)
	return s
}

func (s *testDNS) count(name, qtype string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[dns.Fqdn(strings.ToLower(name))+"/"+qtype]
}

// testZone is the data of the default handler: name → records.
var testZone = map[string][]string{
	// bl.test: an IP list with several codes.
	"2.0.0.127.bl.test.":  {"A 127.0.0.2"},
	"2.2.0.192.bl.test.":  {"A 127.0.0.2", "TXT listed for spam"},
	"3.2.0.192.bl.test.":  {"A 127.0.0.3", "A 127.0.0.4"},
	"9.2.0.192.bl.test.":  {"A 127.0.0.99"},
	"10.2.0.192.bl.test.": {"A 127.255.255.254"},
	"11.2.0.192.bl.test.": {"A 10.0.0.1"},
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test.": {"A 127.0.0.2"},
	// wl.test: an allow list keyed by last octet.
	"2.0.0.127.wl.test.": {"A 127.0.0.2"},
	"5.2.0.192.wl.test.": {"A 127.0.15.3"},
	// uri.test: a domain list with bit masks.
	"test.uri.test.":         {"A 127.0.0.14"},
	"spam.example.uri.test.": {"A 127.0.0.10"},
	"7.2.0.192.uri.test.":    {"A 127.0.0.2"},
	// none.test lists nothing, not even its test point.
	// Ordinary names.
	"host.test.":              {"A 192.0.2.1", "AAAA 2001:db8::1", `TXT "v=spf1 -all"`, "MX 20 mx2.test.", "MX 10 mx1.test."},
	"nullmx.test.":            {"MX 0 ."},
	"alias.test.":             {"CNAME host.test."},
	"outside.test.":           {"CNAME far.other.test."},
	"far.other.test.":         {"A 192.0.2.8"},
	"a.loop.test.":            {"CNAME b.loop.test."},
	"b.loop.test.":            {"CNAME a.loop.test."},
	"1.2.0.192.in-addr.arpa.": {"PTR host.test."},
	"nodata.test.":            {"TXT only text"},
	"junk.test.":              {"A 192.0.2.1", "A 192.0.2.2"},
}

// zoneHandler answers testZone plus the special zones: all.test lists
// everything, servfail.test fails, drop.test never answers, tc.test
// answers only over TCP, big.test has a huge TXT set, slow.test answers
// after 200ms, junk.test adds records for other names.
func zoneHandler(s *testDNS, w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	switch {
	case strings.HasSuffix(name, ".drop.test."):
		return
	case strings.HasSuffix(name, ".servfail.test."):
		m.Rcode = dns.RcodeServerFailure
	case strings.HasSuffix(name, ".all.test."):
		m.Answer = append(m.Answer, rr(q.Name+" 60 IN A 127.0.0.2"))
	case name == "tc.test." && udp:
		m.Truncated = true
	case name == "tc.test.":
		m.Answer = append(m.Answer, rr("tc.test. 60 IN A 192.0.2.5"))
	case name == "big.test.":
		for i := 0; i < 250; i++ {
			m.Answer = append(m.Answer, rr("big.test. 60 IN TXT \""+strings.Repeat("x", 200)+"\""))
		}
	case name == "slow.test.":
		time.Sleep(200 * time.Millisecond)
		m.Answer = append(m.Answer, rr("slow.test. 60 IN A 192.0.2.6"))
	default:
		answerFromZone(m, q)
	}
	if udp {
		size := 512
		if o := r.IsEdns0(); o != nil {
			size = int(o.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

func answerFromZone(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(q.Name)
	recs, ok := testZone[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, rr("test. 300 IN SOA ns.test. root.test. 1 3600 600 86400 120"))
		return
	}
	for _, rec := range recs {
		typ, _, _ := strings.Cut(rec, " ")
		if typ == dns.TypeToString[q.Qtype] || typ == "CNAME" {
			m.Answer = append(m.Answer, rr(name+" 60 IN "+rec))
		}
		if typ == "CNAME" {
			target := strings.Fields(rec)[1]
			if _, ok := testZone[target]; ok && !strings.Contains(target, "loop") && !strings.Contains(target, "other") {
				sub := dns.Question{Name: target, Qtype: q.Qtype, Qclass: q.Qclass}
				answerFromZone(m, sub)
			}
		}
	}
	if name == "junk.test." {
		m.Answer = append(m.Answer, rr("evil.test. 60 IN A 6.6.6.6"))
	}
	if len(m.Answer) == 0 {
		m.Ns = append(m.Ns, rr("test. 300 IN SOA ns.test. root.test. 1 3600 600 86400 120"))
	}
}

func rr(s string) dns.RR {
	r, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return r
}
