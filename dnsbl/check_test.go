package dnsbl

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// testZones are lists on the loopback test server.
func testZones() []Zone {
	return []Zone{
		{Name: "bl", Domain: "bl.test", Rule: "RCVD_IN_BL", Enabled: true, IPv6: true,
			Codes: map[string]string{"127.0.0.2": "RCVD_IN_BL_SPAM", "127.0.0.3": "RCVD_IN_BL_CSS", "127.0.0.4": "RCVD_IN_BL_XBL"}},
		{Name: "wl", Domain: "wl.test", Kind: Allow, Rule: "RCVD_IN_WL", Enabled: true, Match: MatchLastOctet,
			Codes: map[string]string{"3": "RCVD_IN_WL_HI"}},
		{Name: "all", Domain: "all.test", Rule: "RCVD_IN_ALL", Enabled: true},
		{Name: "sf", Domain: "servfail.test", Rule: "RCVD_IN_SF", Enabled: true},
		{Name: "none", Domain: "none.test", Rule: "RCVD_IN_NONE", Enabled: true},
		{Name: "off", Domain: "off.test", Rule: "RCVD_IN_OFF"},
		{Name: "uri", Domain: "uri.test", Target: Domains, Rule: "URIBL_URI", Enabled: true, Match: MatchBits,
			URIIPs: true, Codes: map[string]string{"2": "URIBL_URI_BLACK", "4": "URIBL_URI_GREY", "8": "URIBL_URI_RED"}},
	}
}

func newTestChecker(t *testing.T, s *testDNS, zones []Zone) *Checker {
	t.Helper()
	r := newTestResolver(t, s, Options{Timeout: 100 * time.Millisecond, Retries: -1})
	c, err := NewChecker(r, zones, CheckerOptions{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hitFor(hits []ListHit, zone string) ListHit {
	for _, h := range hits {
		if h.Zone == zone {
			return h
		}
	}
	return ListHit{Zone: "missing " + zone}
}

func TestCheck(t *testing.T) {
	s := startDNS(t, zoneHandler)
	c := newTestChecker(t, s, testZones())
	ctx := context.Background()
	cases := []struct {
		ip, zone string
		status   Status
		rules    []string
	}{
		{"192.0.2.2", "bl", Listed, []string{"RCVD_IN_BL_SPAM"}},
		{"192.0.2.3", "bl", Listed, []string{"RCVD_IN_BL_CSS", "RCVD_IN_BL_XBL"}},
		{"192.0.2.9", "bl", Listed, []string{"RCVD_IN_BL"}}, // unnamed code: the zone's rule
		{"192.0.2.10", "bl", Blocked, []string{"RCVD_IN_BL_BLOCKED"}},
		{"192.0.2.11", "bl", Failed, []string{"RCVD_IN_BL_FAIL"}}, // outside 127/8
		{"192.0.2.99", "bl", NotListed, nil},
		{"2001:db8::1", "bl", Listed, []string{"RCVD_IN_BL_SPAM"}},
		{"::ffff:192.0.2.2", "bl", Listed, []string{"RCVD_IN_BL_SPAM"}},
		{"192.0.2.5", "wl", Listed, []string{"RCVD_IN_WL_HI"}},
		{"192.0.2.5", "all", Listed, []string{"RCVD_IN_ALL"}},
		{"192.0.2.5", "sf", Failed, []string{"RCVD_IN_SF_FAIL"}},
	}
	for _, tc := range cases {
		hits := c.Check(ctx, netip.MustParseAddr(tc.ip))
		h := hitFor(hits, tc.zone)
		if h.Status != tc.status || !slices.Equal(h.Rules, tc.rules) {
			t.Errorf("%s in %s: %v %v (%v), want %v %v", tc.ip, tc.zone, h.Status, h.Rules, h.Err, tc.status, tc.rules)
		}
		if h.Status == Failed && !errors.Is(h.Err, ErrTemp) {
			t.Errorf("%s in %s: failure %v is not ErrTemp", tc.ip, tc.zone, h.Err)
		}
	}
	hits := c.Check(ctx, netip.MustParseAddr("2001:db8::1"))
	if h := hitFor(hits, "wl"); h.Zone == "wl" {
		t.Error("IPv6 address sent to a zone without IPv6")
	}
	if h := hitFor(c.Check(ctx, netip.MustParseAddr("192.0.2.2")), "off"); h.Zone == "off" {
		t.Error("disabled zone asked")
	}
	for _, ip := range []string{"10.1.2.3", "127.0.0.1", "192.168.1.1", "fe80::1"} {
		if hits := c.Check(ctx, netip.MustParseAddr(ip)); hits != nil {
			t.Errorf("%s sent to lists: %v", ip, hits)
		}
	}
}

func TestCheckDomains(t *testing.T) {
	s := startDNS(t, zoneHandler)
	c := newTestChecker(t, s, testZones())
	ctx := context.Background()
	hits, skipped := c.CheckDomains(ctx, []string{"WWW.Spam.Example.", "a.spam.example", "[192.0.2.7]", "10.0.0.1", "ok.example", "bad host", "[2001:db8::1]"})
	if skipped != 0 {
		t.Errorf("skipped %d", skipped)
	}
	got := map[string]ListHit{}
	for _, h := range hits {
		got[h.Query] = h
	}
	if h := got["spam.example"]; h.Status != Listed || !slices.Equal(h.Rules, []string{"URIBL_URI_BLACK", "URIBL_URI_RED"}) {
		t.Errorf("spam.example: %+v", h)
	}
	if h := got["192.0.2.7"]; h.Status != Listed || !slices.Equal(h.Rules, []string{"URIBL_URI_BLACK"}) {
		t.Errorf("IP literal: %+v", h)
	}
	if h := got["ok.example"]; h.Status != NotListed {
		t.Errorf("ok.example: %+v", h)
	}
	if len(hits) != 3 {
		t.Errorf("%d hits, want 3 (spam.example once, the IP, ok.example): %+v", len(hits), hits)
	}

	// An IP zone with URIIPs is asked about IP literals, IPv6 included.
	zones := testZones()
	zones[0].URIIPs = true
	c = newTestChecker(t, s, zones)
	hits, _ = c.CheckDomains(ctx, []string{"[2001:db8::1]", "192.0.2.2", "spam.example"})
	var blHits []string
	for _, h := range hits {
		if h.Zone == "bl" {
			blHits = append(blHits, h.Query+" "+h.Status.String())
		}
	}
	if !slices.Equal(blHits, []string{"2001:db8::1 listed", "192.0.2.2 listed"}) {
		t.Errorf("IP zone URI hits: %v", blHits)
	}
	zones[0].URIOnly = true
	c = newTestChecker(t, s, zones)
	if h := hitFor(c.Check(ctx, netip.MustParseAddr("192.0.2.2")), "bl"); h.Zone == "bl" {
		t.Error("a URI-only zone was asked about the client")
	}

	var many []string
	for i := 0; i < 25; i++ {
		many = append(many, "d"+string(rune('a'+i))+".example")
	}
	hits, skipped = c.CheckDomains(ctx, many)
	if len(hits) != 20 || skipped != 5 {
		t.Errorf("bound: %d hits, %d skipped; want 20 and 5", len(hits), skipped)
	}
	if s.count("dz.example.uri.test", "A") != 0 {
		t.Error("a domain past the bound was asked")
	}
}

func TestHealth(t *testing.T) {
	s := startDNS(t, zoneHandler)
	zones := testZones()
	zones = append(zones, Zone{Name: "dead", Domain: "x.drop.test", Rule: "RCVD_IN_DEAD", Enabled: true})
	var logBuf safeBuffer
	r := newTestResolver(t, s, Options{Timeout: 100 * time.Millisecond, Retries: -1})
	c, err := NewChecker(r, zones, CheckerOptions{Logger: zerolog.New(&logBuf)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.Probe(ctx)
	want := map[string]HealthState{"bl": Healthy, "wl": Healthy, "all": Down, "none": Down,
		"sf": Unprobed, "dead": Unprobed, "off": Unprobed, "uri": Healthy}
	check := func() {
		t.Helper()
		for _, h := range c.Health() {
			if h.State != want[h.Zone] {
				t.Errorf("zone %s: %v (%s), want %v", h.Zone, h.State, h.Reason, want[h.Zone])
			}
		}
	}
	check()
	// Zones that answer nothing go down after probeFailLimit probes.
	for i := 1; i < probeFailLimit; i++ {
		c.Probe(ctx)
	}
	want["sf"], want["dead"] = Down, Down
	check()
	for _, h := range c.Health() {
		wantDisabled := uint64(0)
		if want[h.Zone] == Down {
			wantDisabled = 1
		}
		if h.Disabled != wantDisabled || h.Enabled != (h.Zone != "off") {
			t.Errorf("zone %s: disabled %d times, enabled %v", h.Zone, h.Disabled, h.Enabled)
		}
	}
	h := hitFor(c.Check(ctx, netip.MustParseAddr("192.0.2.2")), "all")
	if h.Status != Disabled || h.Rules != nil {
		t.Errorf("down zone: %+v", h)
	}
	if s.count("2.2.0.192.all.test", "A") != 0 {
		t.Error("down zone asked")
	}
	if log := logBuf.String(); !strings.Contains(log, `"zone":"all"`) || !strings.Contains(log, "lists everything") {
		t.Errorf("no log line for the zone that lists everything: %s", log)
	}
}

func TestZoneValidate(t *testing.T) {
	for _, z := range DefaultZones() {
		if err := z.Validate(); err != nil {
			t.Errorf("default zone %s: %v", z.Name, err)
		}
		if z.Enabled {
			t.Errorf("default zone %s is enabled", z.Name)
		}
		if z.Terms == "" {
			t.Errorf("default zone %s has no usage terms", z.Name)
		}
	}
	if _, err := NewChecker(nil, DefaultZones(), CheckerOptions{}); err != nil {
		t.Errorf("default set: %v", err)
	}
	bad := []Zone{
		{Name: "a", Domain: "bl.test", Rule: "lower"},
		{Name: "a", Domain: "nodot", Rule: "R"},
		{Name: "a", Domain: "bl.test", Rule: "R", Codes: map[string]string{"300": "R"}},
		{Name: "a", Domain: "bl.test", Rule: "R", Match: MatchBits, Codes: map[string]string{"3": "R"}},
		{Name: "a", Domain: "bl.test", Rule: "R", Local: []Dataset{{Format: "dnset", File: "x"}}},
		{Name: "a", Domain: "bl.test", Rule: "R", Local: []Dataset{{Format: "ip4set"}}},
	}
	for i, z := range bad {
		if err := z.Validate(); err == nil {
			t.Errorf("bad zone %d accepted", i)
		}
	}
}

func TestQueryName(t *testing.T) {
	if got := QueryName(netip.MustParseAddr("192.0.2.99"), "bl.example"); got != "99.2.0.192.bl.example." {
		t.Error(got)
	}
	want := "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.bl.example."
	if got := QueryName(netip.MustParseAddr("4321:0:1:2:3:4:567:89ab"), "bl.example."); got != want {
		t.Error(got) // RFC 5782 §2.4's example
	}
}

func TestCheckPrivateOption(t *testing.T) {
	zones := []Zone{{Name: "t", Domain: "bl.test", Rule: "RCVD_IN_T", Enabled: true,
		Local: []Dataset{{Format: "ip4set", File: "testdata/none.ip4set"}}}}
	c, err := NewChecker(nil, zones, CheckerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Check(context.Background(), netip.MustParseAddr("127.0.0.1")); got != nil {
		t.Errorf("loopback asked without CheckPrivate: %v", got)
	}
	c, err = NewChecker(nil, zones, CheckerOptions{CheckPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"127.0.0.1", "10.1.2.3"} {
		if got := c.Check(context.Background(), netip.MustParseAddr(ip)); len(got) != 1 {
			t.Errorf("%s with CheckPrivate: %v, want one answer", ip, got)
		}
	}
}
