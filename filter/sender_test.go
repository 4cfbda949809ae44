package filter

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/scoring"
)

// senderServer serves the names of the sender-check tests.
func senderServer(t *testing.T) (*dnsbltest.Server, dnsbl.Lookuper) {
	t.Helper()
	srv := dnsbltest.Start(t,
		// 192.0.2.1: forward-confirmed.
		"1.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com.",
		"mail.example.com. 300 IN A 192.0.2.1",
		// 192.0.2.2: PTR to a name with another address.
		"2.2.0.192.in-addr.arpa. 300 IN PTR other.example.com.",
		"other.example.com. 300 IN A 192.0.2.99",
		// 192.0.2.3: dynamic-looking, confirmed.
		"3.2.0.192.in-addr.arpa. 300 IN PTR 192-0-2-3.dyn.isp.example.",
		"192-0-2-3.dyn.isp.example. 300 IN A 192.0.2.3",
		"5.2.0.192.in-addr.arpa. 300 IN PTR mail.broken.example.",
		"nomx.example. 300 IN TXT \"x\"",
		"ahost.example. 300 IN A 192.0.2.50",
		"nullmx.example. 300 IN MX 0 .",
		"example.com. 300 IN MX 10 mail.example.com.",
	)
	srv.ServFail("4.2.0.192.in-addr.arpa")
	srv.ServFail("broken.example")
	srv.ServFail("fail.example")
	res := dnsbl.NewResolver(dnsbl.Options{Servers: []string{srv.Addr}, Timeout: time.Second, Retries: -1, CacheSize: -1})
	return srv, res
}

func ruleNames(hs []scoring.NetHit) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Rule)
	}
	slices.Sort(out)
	return out
}

func TestCheckRDNS(t *testing.T) {
	_, res := senderServer(t)
	for ip, want := range map[string][]string{
		"192.0.2.1": nil,
		"192.0.2.2": {"RDNS_NOT_FCRDNS"},
		"192.0.2.3": {"RDNS_DYNAMIC"},
		"192.0.2.4": {"RDNS_TEMPERROR"},
		"192.0.2.5": {"RDNS_TEMPERROR"}, // PTR answered, forward lookup SERVFAIL
		"192.0.2.6": {"RDNS_NONE"},
	} {
		got := ruleNames(checkRDNS(context.Background(), res, netip.MustParseAddr(ip)))
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", ip, got, want)
		}
	}
}

func TestLooksDynamic(t *testing.T) {
	ip := netip.MustParseAddr("203.0.113.45")
	for name, want := range map[string]bool{
		"203-0-113-45.example.net.":           true,
		"45.113.0.203.broadband.example.net.": true,
		"host45.dsl.example.net.":             true,
		"cpe-203-0-113-45.cable.example.net.": true,
		"cb00712d.example.net.":               true, // hex 203.0.113.45
		"pool-1-2.example.net.":               true,
		"static-ip-x.example.net.":            true,
		"mail.example.net.":                   false,
		"smtp2.mailout.example.org.":          false,
		"dynamic.example.":                    false, // only the registrable domain
		"mx1-203.example.com.":                false,
		"outbound45-113.mail.example.com.":    false,
	} {
		if got := looksDynamic(name, ip); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func TestCheckHELO(t *testing.T) {
	_, res := senderServer(t)
	ip := netip.MustParseAddr("192.0.2.1")
	ours := []string{"mx.test", "198.51.100.1"}
	for helo, want := range map[string][]string{
		"mail.example.com":    nil,
		"mail.example.com.":   nil,
		"[192.0.2.1]":         nil,
		"[192.0.2.9]":         {"HELO_IP_MISMATCH"},
		"[IPv6:2001:db8::1]":  {"HELO_IP_MISMATCH"},
		"localhost":           {"HELO_NOT_FQDN"},
		"192.0.2.1":           {"HELO_NOT_FQDN"},
		"bad_name!.example":   {"HELO_NOT_FQDN"},
		"MX.test":             {"HELO_OURS"},
		"[198.51.100.1]":      {"HELO_OURS"},
		"nothere.example.com": {"HELO_NO_RESOLVE"},
		"x.fail.example":      {"HELO_TEMPERROR"},
		"":                    nil,
	} {
		got := ruleNames(checkHELO(context.Background(), res, helo, ip, ours))
		if !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", helo, got, want)
		}
	}
}

func TestCheckDomain(t *testing.T) {
	_, res := senderServer(t)
	for dom, want := range map[string][]string{
		"example.com":        nil,
		"ahost.example":      nil, // no MX, but an address: mail goes there
		"nomx.example":       {"FROM_NO_MX"},
		"missing.example":    {"FROM_NO_MX"},
		"nullmx.example":     {"FROM_NULL_MX"},
		"fail.example":       {"FROM_TEMPERROR"},
		"sub.broken.example": {"FROM_TEMPERROR"},
	} {
		got := ruleNames(checkDomain(context.Background(), res, "FROM_", dom))
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", dom, got, want)
		}
	}
}

// Through the pipeline: the sender rules fire with their points for a
// public client; a loopback client is not judged unless check_private.
func TestSenderRulesThroughPipeline(t *testing.T) {
	srv, _ := senderServer(t)
	rt := netRuntime(t, srv, nil)
	res := evaluate(rt, "192.0.2.6", "a@nullmx.example", ham, 5*time.Second)
	for _, r := range []string{"RDNS_NONE", "SENDER_NULL_MX", "FROM_NO_MX"} {
		if !res.Verdict.Has(r) {
			t.Errorf("%s missing: %+v", r, res.Verdict.Hits)
		}
		if p := rt.Engine.Points(r); p < 0.5 || p > 1.5 {
			t.Errorf("%s worth %v, want 0.5..1.5", r, p)
		}
	}
	// From's domain is the envelope's: one question answers both.
	sameDom := strings.Replace(ham, "From: a@example.net", "From: a@nullmx.example", 1)
	res = evaluate(rt, "192.0.2.6", "b@NullMX.example", sameDom, 5*time.Second)
	if !res.Verdict.Has("SENDER_NULL_MX") || !res.Verdict.Has("FROM_NULL_MX") {
		t.Errorf("same domain: want SENDER_NULL_MX and FROM_NULL_MX: %+v", res.Verdict.Hits)
	}
	res = evaluate(rt, "127.0.0.1", "a@nullmx.example", ham, 5*time.Second)
	if res.Verdict.Has("RDNS_NONE") || res.Verdict.Has("SENDER_NULL_MX") {
		t.Errorf("loopback client judged: %+v", res.Verdict.Hits)
	}
	rt = netRuntime(t, srv, func(c *config.Config) { c.DNS.CheckPrivate = true })
	res = evaluate(rt, "127.0.0.1", "a@nullmx.example", ham, 5*time.Second)
	if !res.Verdict.Has("RDNS_NONE") || !res.Verdict.Has("SENDER_NULL_MX") {
		t.Errorf("check_private: loopback client not judged: %+v", res.Verdict.Hits)
	}
}
