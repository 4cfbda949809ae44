package dnsbl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

func TestParseIP4Set(t *testing.T) {
	s, err := ParseIP4Set(strings.NewReader(`
:3:default $
192.0.2.1
198.51.100.0/24 :127.0.0.4:net
!198.51.100.128/25
203.0.113.5-9
bogus
10.0.0.1/8
10.1.2.3-10.1.2.1
`))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Count != 3 || !slices.Equal(pe.Lines, []int{7, 8, 9}) {
		t.Fatalf("err = %v", err)
	}
	cases := map[string]string{
		"192.0.2.1": "127.0.0.3 default $", "198.51.100.1": "127.0.0.4 net", "198.51.100.200": "",
		"203.0.113.4": "", "203.0.113.5": "127.0.0.3 default $", "203.0.113.9": "127.0.0.3 default $",
		"203.0.113.10": "", "10.0.0.1": "", "2001:db8::1": "",
	}
	for ip, want := range cases {
		var got string
		if rs := s.Lookup(netip.MustParseAddr(ip)); len(rs) == 1 {
			got = rs[0].A.String() + " " + rs[0].TXT
		}
		if got != want {
			t.Errorf("%s: %q, want %q", ip, got, want)
		}
	}
}

func TestRangePrefixes(t *testing.T) {
	got := rangePrefixes(0, ^uint32(0))
	if len(got) != 1 || got[0].String() != "0.0.0.0/0" {
		t.Errorf("whole space: %v", got)
	}
	got = rangePrefixes(0x0a000001, 0x0a000006) // 10.0.0.1-6
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if strings.Join(s, " ") != "10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32" {
		t.Errorf("10.0.0.1-6: %v", s)
	}
}

func TestRecordText(t *testing.T) {
	r := Record{TXT: "$ costs $$5 at $"}
	if got := r.Text("192.0.2.1"); got != "192.0.2.1 costs $5 at 192.0.2.1" {
		t.Error(got)
	}
}

func TestParseReversed(t *testing.T) {
	for _, s := range []string{"1.2.3", "256.1.1.1", "01.1.1.1", "a.b.c.d", strings.Repeat("g.", 31) + "g"} {
		if _, ok := parseReversed(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
	ip := netip.MustParseAddr("2001:db8::abcd")
	rel := strings.TrimSuffix(QueryName(ip, "z.test"), ".z.test.")
	if got, ok := parseReversed(rel); !ok || got != ip {
		t.Errorf("%s: %v %v", rel, got, ok)
	}
}

// TestLocalCheck: a zone answered in process, through the Checker, with
// no resolver at all.
func TestLocalCheck(t *testing.T) {
	zones := compatZones(filepath.Join("testdata", "rbldnsd"))
	zones[0].Codes = map[string]string{"127.0.0.3": "RCVD_IN_BL_RELAY"}
	c, err := NewChecker(nil, zones, CheckerOptions{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Before the data is loaded the answer is unknown, not "not listed".
	if h := hitFor(c.Check(ctx, netip.MustParseAddr("192.0.2.2")), "bl"); h.Status != Failed {
		t.Errorf("unloaded: %+v", h)
	}
	if err := c.LoadLocal(ctx); err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string][]string{
		"192.0.2.2": {"RCVD_IN_BL_RELAY"}, "192.0.2.1": {"RCVD_IN_BL"}, "192.0.2.99": nil,
		"198.51.100.7": nil, "2001:db8:c000::1": {"RCVD_IN_BL"},
	} {
		h := hitFor(c.Check(ctx, netip.MustParseAddr(ip)), "bl")
		if !slices.Equal(h.Rules, want) {
			t.Errorf("%s: %v %v, want %v", ip, h.Status, h.Rules, want)
		}
	}
	hits, _ := c.CheckDomains(ctx, []string{"a.wild.example", "clean.example", "www.phish.example"})
	var listed []string
	for _, h := range hits {
		if h.Status == Listed {
			listed = append(listed, h.Query)
		}
	}
	// wild.example is registrable and only its subdomains are listed;
	// phish.example is listed itself.
	if !slices.Equal(listed, []string{"phish.example"}) {
		t.Errorf("listed domains: %v", listed)
	}
}

// TestLocalURL: a dataset fetched over HTTP with conditional requests; a
// failed fetch keeps the previous copy.
func TestLocalURL(t *testing.T) {
	var mu sync.Mutex
	body, status, conditional := "192.0.2.1\n", http.StatusOK, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("If-None-Match") == `"v1"` && body == "192.0.2.1\n" {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	z := Zone{Name: "u", Domain: "u.test", Rule: "RCVD_IN_U", Enabled: true,
		Local: []Dataset{{Format: "ip4set", URL: srv.URL + "/list", Refresh: time.Hour}}}
	l, err := NewLocal(z, srv.Client(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	listed := func(ip string) bool {
		a, err := l.LookupA(QueryName(netip.MustParseAddr(ip), "u.test"))
		return err == nil && len(a) > 0
	}
	if err := l.Load(ctx); err != nil || !listed("192.0.2.1") {
		t.Fatalf("first load: %v", err)
	}
	if err := l.Load(ctx); err != nil || conditional != 1 || !listed("192.0.2.1") {
		t.Fatalf("304: %v, %d conditional answers", err, conditional)
	}
	mu.Lock()
	body, status = "192.0.2.2\n", http.StatusInternalServerError
	mu.Unlock()
	if err := l.Load(ctx); err == nil || !listed("192.0.2.1") {
		t.Fatalf("failed fetch: err %v, previous copy kept %v", err, listed("192.0.2.1"))
	}
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	if err := l.Load(ctx); err != nil || listed("192.0.2.1") || !listed("192.0.2.2") {
		t.Fatalf("new copy: %v", err)
	}
}

func TestLocalFileReload(t *testing.T) {
	p := filepath.Join(t.TempDir(), "set")
	if err := writeFile(p, "192.0.2.1\n"); err != nil {
		t.Fatal(err)
	}
	z := Zone{Name: "f", Domain: "f.test", Rule: "RCVD_IN_F", Local: []Dataset{{Format: "ip4set", File: p}}}
	l, err := NewLocal(z, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(p, "192.0.2.9\n"); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	if err := chtimes(p, future); err != nil {
		t.Fatal(err)
	}
	if err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if recs, _ := l.Lookup(QueryName(netip.MustParseAddr("192.0.2.9"), "f.test")); len(recs) != 1 {
		t.Error("file change not picked up")
	}
	if err := removeFile(p); err != nil {
		t.Fatal(err)
	}
	if err := l.Load(ctx); err == nil {
		t.Error("missing file: no error")
	}
	if recs, _ := l.Lookup(QueryName(netip.MustParseAddr("192.0.2.9"), "f.test")); len(recs) != 1 {
		t.Error("previous copy dropped")
	}
}

func TestServe(t *testing.T) {
	addr := startServe(t, compatZones(filepath.Join("testdata", "rbldnsd")))
	c := &dns.Client{Timeout: 2 * time.Second}
	ask := func(name string, qt uint16, tcp bool) *dns.Msg {
		t.Helper()
		c.Net = "udp"
		if tcp {
			c.Net = "tcp"
		}
		m := new(dns.Msg)
		m.SetQuestion(name, qt)
		r, _, err := c.Exchange(m, addr)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := ask("2.2.0.192.bl.test.", dns.TypeA, true); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || !r.Authoritative {
		t.Errorf("listed over TCP: %v", r)
	}
	if r := ask("99.2.0.192.bl.test.", dns.TypeA, false); r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 {
		t.Errorf("unlisted: %v", r)
	}
	if r := ask("example.com.", dns.TypeA, false); r.Rcode != dns.RcodeRefused {
		t.Errorf("outside: %v", r)
	}
	if r := ask("bl.test.", dns.TypeSOA, false); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("apex SOA: %v", r)
	}
	if r := ask("2.2.0.192.bl.test.", dns.TypeMX, false); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("MX of a listed name: %v", r)
	}
}

func TestServeNotLoaded(t *testing.T) {
	z := Zone{Name: "f", Domain: "f.test", Rule: "RCVD_IN_F", Local: []Dataset{{Format: "ip4set", File: "missing"}}}
	l, err := NewLocal(z, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{zones: []*Local{l}}
	m := new(dns.Msg)
	m.SetQuestion("2.0.0.127.f.test.", dns.TypeA)
	if r := h.answer(m); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("unloaded zone answered %s", dns.RcodeToString[r.Rcode])
	}
}

// TestServeTruncation: a big TXT answer is truncated over UDP and our
// resolver gets it whole over TCP.
func TestServeTruncation(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big")
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString("192.0.2.1 :2:entry " + strings.Repeat("x", 100) + string(rune('A'+i%26)) + string(rune('a'+i/26)) + "\n")
	}
	if err := writeFile(p, b.String()); err != nil {
		t.Fatal(err)
	}
	addr := startServe(t, []Zone{{Name: "big", Domain: "big.test", Rule: "RCVD_IN_BIG", Enabled: true,
		Local: []Dataset{{Format: "ip4set", File: p}}}})
	r := NewResolver(Options{Servers: []string{addr}, Timeout: 2 * time.Second})
	txt, err := r.LookupTXT(context.Background(), "1.2.0.192.big.test")
	if err != nil || len(txt) != 40 {
		t.Fatalf("%d TXT records, %v", len(txt), err)
	}
	if _, _, _, q := r.Stats(); q != 2 {
		t.Errorf("%d queries sent, want 2 (UDP truncated, then TCP)", q)
	}
}
