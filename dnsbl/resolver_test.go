package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func newTestResolver(t *testing.T, s *testDNS, o Options) *Resolver {
	t.Helper()
	o.Servers = []string{s.addr}
	if o.Timeout == 0 {
		o.Timeout = 300 * time.Millisecond
	}
	return NewResolver(o)
}

func TestResolverLookups(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{})
	ctx := context.Background()

	a, err := r.LookupA(ctx, "host.test")
	if err != nil || !slices.Equal(a, []netip.Addr{netip.MustParseAddr("192.0.2.1")}) {
		t.Fatalf("LookupA = %v, %v", a, err)
	}
	aaaa, err := r.LookupAAAA(ctx, "HOST.test.")
	if err != nil || len(aaaa) != 1 || aaaa[0] != netip.MustParseAddr("2001:db8::1") {
		t.Fatalf("LookupAAAA = %v, %v", aaaa, err)
	}
	ips, err := r.LookupIP(ctx, "host.test")
	if err != nil || len(ips) != 2 {
		t.Fatalf("LookupIP = %v, %v", ips, err)
	}
	txt, err := r.LookupTXT(ctx, "host.test")
	if err != nil || !slices.Equal(txt, []string{"v=spf1 -all"}) {
		t.Fatalf("LookupTXT = %q, %v", txt, err)
	}
	mx, err := r.LookupMX(ctx, "host.test")
	if err != nil || len(mx) != 2 || mx[0].Host != "mx1.test." || mx[1].Pref != 20 || IsNullMX(mx) {
		t.Fatalf("LookupMX = %v, %v", mx, err)
	}
	mx, err = r.LookupMX(ctx, "nullmx.test")
	if err != nil || !IsNullMX(mx) {
		t.Fatalf("null MX = %v, %v", mx, err)
	}
	ptr, err := r.LookupPTR(ctx, netip.MustParseAddr("192.0.2.1"))
	if err != nil || !slices.Equal(ptr, []string{"host.test."}) {
		t.Fatalf("LookupPTR = %v, %v", ptr, err)
	}
}

func TestResolverNegative(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{})
	ctx := context.Background()
	_, err := r.LookupA(ctx, "missing.test")
	var de *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &de) || de.Reason != "NXDOMAIN" {
		t.Fatalf("NXDOMAIN: %v", err)
	}
	_, err = r.LookupA(ctx, "nodata.test")
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &de) || de.Reason != "NODATA" {
		t.Fatalf("NODATA: %v", err)
	}
	if _, err := r.LookupIP(ctx, "nodata.test"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LookupIP NODATA: %v", err)
	}
}

func TestResolverFailures(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{Timeout: 100 * time.Millisecond})
	ctx := context.Background()
	cases := []struct {
		name  string
		class error
	}{
		{"x.servfail.test", ErrTemp},
		{"x.drop.test", ErrTemp},
		{"a.loop.test", ErrPerm},
		{"bad..name", ErrPerm},
		{strings.Repeat("a", 64) + ".test", ErrPerm},
	}
	for _, c := range cases {
		_, err := r.LookupA(ctx, c.name)
		if !errors.Is(err, c.class) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.class)
		}
		if IsNotFound(err) {
			t.Errorf("%s: a failure must never read as not found", c.name)
		}
	}
	// Retries: the dropping server was asked twice (Retries default 1).
	if n := s.count("x.drop.test", "A"); n != 2 {
		t.Errorf("drop.test asked %d times, want 2", n)
	}
}

func TestResolverCNAME(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{})
	ctx := context.Background()
	a, err := r.LookupA(ctx, "alias.test")
	if err != nil || len(a) != 1 || a[0].String() != "192.0.2.1" {
		t.Fatalf("alias: %v %v", a, err)
	}
	// The chain leaves the answer: the resolver asks for the target.
	a, err = r.LookupA(ctx, "outside.test")
	if err != nil || len(a) != 1 || a[0].String() != "192.0.2.8" {
		t.Fatalf("outside: %v %v", a, err)
	}
	if s.count("far.other.test", "A") != 1 {
		t.Error("CNAME target not asked")
	}
	// Records for names off the chain are ignored.
	a, err = r.LookupA(ctx, "junk.test")
	if err != nil || len(a) != 2 || slices.Contains(a, netip.MustParseAddr("6.6.6.6")) {
		t.Fatalf("junk: %v %v", a, err)
	}
}

func TestResolverTruncation(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{MaxRecords: 50})
	ctx := context.Background()
	a, err := r.LookupA(ctx, "tc.test")
	if err != nil || len(a) != 1 || a[0].String() != "192.0.2.5" {
		t.Fatalf("tc.test over TCP: %v %v", a, err)
	}
	txt, err := r.LookupTXT(ctx, "big.test")
	if err != nil || len(txt) != 50 {
		t.Fatalf("big.test: %d records, %v", len(txt), err)
	}
}

func TestResolverCache(t *testing.T) {
	s := startDNS(t, zoneHandler)
	now := time.Unix(1_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r := newTestResolver(t, s, Options{Now: clock})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := r.LookupA(ctx, "host.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.LookupA(ctx, "missing.test"); !IsNotFound(err) {
			t.Fatal(err)
		}
	}
	if n := s.count("host.test", "A"); n != 1 {
		t.Errorf("positive answer asked %d times, want 1", n)
	}
	if n := s.count("missing.test", "A"); n != 1 {
		t.Errorf("negative answer asked %d times, want 1", n)
	}
	mu.Lock()
	now = now.Add(61 * time.Second) // past the A TTL (60), within the SOA minimum (120)
	mu.Unlock()
	_, _ = r.LookupA(ctx, "host.test")
	_, _ = r.LookupA(ctx, "missing.test")
	if s.count("host.test", "A") != 2 || s.count("missing.test", "A") != 1 {
		t.Errorf("after 61s: host asked %d, missing asked %d; want 2 and 1",
			s.count("host.test", "A"), s.count("missing.test", "A"))
	}
	// Temporary failures are not cached.
	_, _ = r.LookupA(ctx, "x.servfail.test")
	_, _ = r.LookupA(ctx, "x.servfail.test")
	if n := s.count("x.servfail.test", "A"); n != 4 {
		t.Errorf("SERVFAIL asked %d times, want 4 (2 lookups × 2 tries)", n)
	}
}

func TestResolverCacheBound(t *testing.T) {
	c := newCache(3)
	now := time.Now()
	for i := 0; i < 10; i++ {
		c.put(&cacheEntry{key: cacheKey{name: string(rune('a' + i))}, expires: now.Add(time.Hour)})
	}
	if n, _, _ := c.stats(); n != 3 {
		t.Fatalf("cache holds %d entries, want 3", n)
	}
	if _, ok := c.get(cacheKey{name: "j"}, now); !ok {
		t.Error("newest entry evicted")
	}
	if _, ok := c.get(cacheKey{name: "a"}, now); ok {
		t.Error("oldest entry kept")
	}
}

func TestResolverSingleflight(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{Timeout: 2 * time.Second, CacheSize: -1})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.LookupA(context.Background(), "slow.test")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.count("slow.test", "A"); n != 1 {
		t.Errorf("20 concurrent lookups sent %d queries, want 1", n)
	}
}

// TestResolverDeadline: a server that never answers and a long per-query
// timeout; the caller's deadline wins.
func TestResolverDeadline(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r := NewResolver(Options{Servers: []string{pc.LocalAddr().String()}, Timeout: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := r.LookupA(ctx, "host.test")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTemp) {
			t.Fatalf("dead server: %v, want ErrTemp", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lookup did not return after its deadline")
	}
}

func TestNetResolver(t *testing.T) {
	s := startDNS(t, zoneHandler)
	nr := NetResolver{L: newTestResolver(t, s, Options{Timeout: 100 * time.Millisecond})}
	ctx := context.Background()
	ips, err := nr.LookupIPAddr(ctx, "host.test")
	if err != nil || len(ips) != 2 {
		t.Fatalf("LookupIPAddr: %v %v", ips, err)
	}
	names, err := nr.LookupAddr(ctx, "192.0.2.1")
	if err != nil || len(names) != 1 {
		t.Fatalf("LookupAddr: %v %v", names, err)
	}
	_, err = nr.LookupTXT(ctx, "missing.test")
	if de, ok := err.(*net.DNSError); !ok || !de.IsNotFound {
		t.Fatalf("not found: %#v", err)
	}
	_, err = nr.LookupMX(ctx, "x.servfail.test")
	if de, ok := err.(*net.DNSError); !ok || !de.Temporary() || !errors.Is(err, ErrTemp) {
		t.Fatalf("temporary: %#v", err)
	}
}

func TestExchange(t *testing.T) {
	s := startDNS(t, zoneHandler)
	r := newTestResolver(t, s, Options{})
	m := new(dns.Msg)
	m.SetQuestion("host.test.", dns.TypeA)
	resp, err := r.Exchange(context.Background(), m)
	if err != nil || len(resp.Answer) != 1 {
		t.Fatalf("Exchange: %v %v", resp, err)
	}
}

func TestSystemServers(t *testing.T) {
	if got := systemServers("/nonexistent/resolv.conf"); !slices.Equal(got, []string{"127.0.0.1:53"}) {
		t.Errorf("fallback = %v", got)
	}
	p := t.TempDir() + "/resolv.conf"
	if err := writeFile(p, "nameserver 192.0.2.53\nnameserver 2001:db8::53\n"); err != nil {
		t.Fatal(err)
	}
	if got := systemServers(p); !slices.Equal(got, []string{"192.0.2.53:53", "[2001:db8::53]:53"}) {
		t.Errorf("servers = %v", got)
	}
}

// Queries reuse their UDP sockets (one at a time), and a socket retires
// after maxSocketUses queries so that the source port keeps changing.
func TestResolverReusesSockets(t *testing.T) {
	var mu sync.Mutex
	ports := map[string]int{}
	s := startDNS(t, func(s *testDNS, w dns.ResponseWriter, r *dns.Msg) {
		mu.Lock()
		ports[w.RemoteAddr().String()]++
		mu.Unlock()
		zoneHandler(s, w, r)
	})
	r := newTestResolver(t, s, Options{CacheSize: -1})
	defer r.Close()
	ctx := context.Background()
	const n = 250
	for i := range n {
		if _, err := r.LookupA(ctx, fmt.Sprintf("q%d.missing.test", i)); !IsNotFound(err) {
			t.Fatalf("query %d: %v, want not found", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for p, c := range ports {
		total += c
		if c > maxSocketUses {
			t.Errorf("socket %s sent %d queries, more than %d", p, c, maxSocketUses)
		}
	}
	if total != n {
		t.Errorf("server saw %d queries, want %d", total, n)
	}
	if want := (n + maxSocketUses - 1) / maxSocketUses; len(ports) != want {
		t.Errorf("%d sequential queries used %d sockets, want %d", n, len(ports), want)
	}
}

// plainName agrees with the general path on every name it accepts and
// refuses the rest.
func TestCanonicalFastPath(t *testing.T) {
	for _, name := range []string{
		"example.com", "example.com.", "a-b_c.d1.test", "1.2.0.192.bl.test", strings.Repeat("a", 63) + ".test",
		"Example.COM", "", ".", "a..b", ".a", strings.Repeat("a", 64) + ".test", "a b.test", "ex\\046mple.com",
		" example.com", "é.test", strings.Repeat("abcdefghi.", 26),
	} {
		fast, ok := plainName(name)
		n := dns.CanonicalName(strings.TrimSpace(name))
		_, valid := dns.IsDomainName(n)
		if ok && (!valid || fast != n) {
			t.Errorf("plainName(%q) = %q, general path %q (valid %v)", name, fast, n, valid)
		}
		full, err := canonical(name, dns.TypeA)
		if ok && (err != nil || full != fast) {
			t.Errorf("canonical(%q) = %q, %v; want %q", name, full, err, fast)
		}
	}
	for _, bad := range []string{"", ".", "a..b", strings.Repeat("a", 64) + ".test", strings.Repeat("abcdefghi.", 26)} {
		if _, err := canonical(bad, dns.TypeA); err == nil {
			t.Errorf("canonical(%q) accepted", bad)
		}
	}
}

// A flood of distinct questions to a dead server: past MaxInFlight a new
// question fails at once instead of holding one more socket.
func TestResolverInFlightCap(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r := NewResolver(Options{Servers: []string{pc.LocalAddr().String()}, Timeout: 2 * time.Second, MaxInFlight: 4})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 4 { // occupy every slot; each caller gives up at once, the query goes on
		c, stop := context.WithTimeout(ctx, 10*time.Millisecond)
		_, _ = r.LookupA(c, fmt.Sprintf("hold%d.test", i))
		stop()
	}
	t0 := time.Now()
	_, err = r.LookupA(ctx, "one-more.test")
	if !errors.Is(err, ErrTemp) || !strings.Contains(err.Error(), "in flight") {
		t.Fatalf("question past the cap: %v, want ErrTemp (in flight)", err)
	}
	if el := time.Since(t0); el > time.Second {
		t.Errorf("refusal took %v", el)
	}
}
