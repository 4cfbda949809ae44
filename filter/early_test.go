package filter

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// earlyRecords: a listed, forward-confirmed client whose HELO resolves and
// whose sender domain has an MX and an SPF record authorising it.
var earlyRecords = []string{
	"1.2.0.192.bl.test. 300 IN A 127.0.0.2",
	"1.2.0.192.in-addr.arpa. 300 IN PTR client.example.com.",
	"client.example.com. 300 IN A 192.0.2.1",
	"example.com. 300 IN MX 10 mx.example.com.",
	`example.com. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"`,
}

// uncached builds a runtime without a DNS cache, so that every question
// the pipeline asks reaches the server and can be counted.
func uncached(t *testing.T, srv *dnsbltest.Server, mutate func(*config.Config)) *Runtime {
	return netRuntime(t, srv, func(c *config.Config) {
		c.DNS.CacheSize = 0
		c.DNS.CheckPrivate = false
		if mutate != nil {
			mutate(c)
		}
	})
}

// waitEarly waits until every check started in e has its answer and
// returns how many there were.
func waitEarly(t *testing.T, e *EarlyChecks) int {
	t.Helper()
	timeout := time.After(5 * time.Second)
	n := 0
	for _, done := range []chan struct{}{doneOf(e.client), doneOf(e.rdns), doneOf(e.heloChk), doneOf(e.sender), doneOf(e.spf)} {
		if done == nil {
			continue
		}
		n++
		select {
		case <-done:
		case <-timeout:
			t.Fatal("early checks did not finish")
		}
	}
	return n
}

func doneOf[T any](p *pending[T]) chan struct{} {
	if p == nil {
		return nil
	}
	return p.done
}

func envFor(ip, helo, from string) *message.Envelope {
	return &message.Envelope{ClientIP: netip.MustParseAddr(ip), Helo: helo, MailFrom: from}
}

// The checks started at CONNECT, HELO and MAIL are collected at end of
// message: none of their questions is asked a second time.
func TestEarlyChecksAreCollected(t *testing.T) {
	srv := dnsbltest.Start(t, earlyRecords...)
	rt := uncached(t, srv, nil)
	var e Early
	defer e.Close()
	ip := netip.MustParseAddr("192.0.2.1")
	e.Connect(rt, ip)
	e.Helo(rt, ip, "client.example.com")
	e.Mail(rt, ip, "client.example.com", "a@example.com")
	snap := e.Snapshot()
	if n := waitEarly(t, snap); n != 5 {
		t.Fatalf("%d early checks started, want 5 (lists, rDNS, HELO, sender domain, SPF)", n)
	}

	questions := [][2]string{
		{"1.2.0.192.bl.test", "A"},
		{"1.2.0.192.in-addr.arpa", "PTR"},
		{"client.example.com", "A"},
		{"example.com", "MX"},
		{"example.com", "TXT"},
	}
	before := make([]int, len(questions))
	for i, q := range questions {
		if before[i] = srv.Queries(q[0], q[1]); before[i] == 0 {
			t.Errorf("%s/%s was not asked early", q[0], q[1])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := rt.EvaluateEarly(ctx, envFor("192.0.2.1", "client.example.com", "a@example.com"), []byte(ham), snap)
	for _, r := range []string{"RCVD_IN_T_SPAM", "SPF_PASS"} {
		if !res.Verdict.Has(r) {
			t.Errorf("early answers lost: no %s in %+v", r, res.Verdict.Hits)
		}
	}
	for _, r := range []string{"RDNS_NONE", "RDNS_NOT_FCRDNS", "HELO_NO_RESOLVE", "SENDER_NO_MX"} {
		if res.Verdict.Has(r) {
			t.Errorf("%s fired for a client whose DNS is in order", r)
		}
	}
	for i, q := range questions {
		if n := srv.Queries(q[0], q[1]); n != before[i] {
			t.Errorf("%s/%s asked again at end of message (%d → %d)", q[0], q[1], before[i], n)
		}
	}

	// Without the early checks the same message asks again (the cache is off).
	rt.Evaluate(ctx, envFor("192.0.2.1", "client.example.com", "a@example.com"), []byte(ham))
	if n := srv.Queries("1.2.0.192.bl.test", "A"); n == before[0] {
		t.Errorf("Evaluate without early checks did not ask the list")
	}
}

// An early answer is used only for the question it was asked for.
func TestEarlyChecksOtherClient(t *testing.T) {
	srv := dnsbltest.Start(t, earlyRecords...)
	rt := uncached(t, srv, nil)
	var e Early
	defer e.Close()
	e.Connect(rt, netip.MustParseAddr("192.0.2.1"))
	snap := e.Snapshot()
	waitEarly(t, snap)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := rt.EvaluateEarly(ctx, envFor("192.0.2.2", "client.example.com", "a@example.com"), []byte(ham), snap)
	if res.Verdict.Has("RCVD_IN_T_SPAM") {
		t.Errorf("the listing of 192.0.2.1 was applied to 192.0.2.2")
	}
	if srv.Queries("2.2.0.192.bl.test", "A") != 1 {
		t.Errorf("192.0.2.2 was not asked of the list")
	}
}

// A dead resolver: the early checks are still waiting at end of message;
// they are cancelled when the message's DNS share of the deadline ends and
// yield their failures, and Close ends them on a closed connection.
func TestEarlyChecksDeadResolver(t *testing.T) {
	srv := dnsbltest.Start(t)
	for _, z := range []string{"bl.test", "in-addr.arpa", "example.com", "example.net"} {
		srv.Drop(z)
	}
	rt := uncached(t, srv, func(c *config.Config) { c.DNS.Timeout = config.Duration{Duration: 5 * time.Second} })
	rt.DegradedTempfail = false
	var e Early
	ip := netip.MustParseAddr("192.0.2.1")
	e.Connect(rt, ip)
	e.Helo(rt, ip, "client.example.com")
	e.Mail(rt, ip, "client.example.com", "a@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	res := rt.EvaluateEarly(ctx, envFor("192.0.2.1", "client.example.com", "a@example.com"), []byte(ham), e.Snapshot())
	if el := time.Since(t0); el > time.Second {
		t.Errorf("verdict took %v with a 400ms deadline", el)
	}
	if res.Reason != "" || res.Verdict.Incomplete {
		t.Fatalf("reason %q incomplete %v: want a verdict", res.Reason, res.Verdict.Incomplete)
	}
	for _, r := range []string{"RCVD_IN_T_FAIL", "RDNS_TEMPERROR", "HELO_TEMPERROR", "SENDER_TEMPERROR", "SPF_TEMPERROR"} {
		if !res.Verdict.Has(r) {
			t.Errorf("no %s in %+v", r, res.Verdict.Hits)
		}
	}

	// A new connection's checks, abandoned by Close, end at once.
	e.Connect(rt, ip)
	snap := e.Snapshot()
	e.Close()
	if n := waitEarly(t, snap); n != 2 {
		t.Errorf("%d checks at CONNECT, want 2 (lists, rDNS)", n)
	}
}

// relayMsg came through a trusted relay (10.9.0.5) from 192.0.2.1.
const relayMsg = "Received: from relay.site.test (relay.site.test [10.9.0.5]) by mx.site.test (Postfix) with ESMTP id A1; Thu, 15 Jan 2026 11:00:02 +0000\r\n" +
	"Received: from client.example.com (client.example.com [192.0.2.1]) by relay.site.test with ESMTP id B2; Thu, 15 Jan 2026 11:00:01 +0000\r\n" +
	"Received: from forged.example (forged.example [192.0.2.9]) by client.example.com; Thu, 15 Jan 2026 11:00:00 +0000\r\n" +
	ham

func TestTrustedRelay(t *testing.T) {
	srv := dnsbltest.Start(t, earlyRecords...)
	trusted := func(c *config.Config) { c.DNS.TrustedNetworks = []string{"10.9.0.0/16"} }
	rt := uncached(t, srv, trusted)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	env := envFor("10.9.0.5", "relay.site.test", "a@example.com")

	// The early checks skip the trusted client.
	var e Early
	defer e.Close()
	e.Connect(rt, env.ClientIP)
	e.Helo(rt, env.ClientIP, env.Helo)
	e.Mail(rt, env.ClientIP, env.Helo, env.MailFrom)
	snap := e.Snapshot()
	if snap.client != nil || snap.rdns != nil || snap.heloChk != nil || snap.spf != nil {
		t.Errorf("a trusted client was checked early: %+v", snap)
	}

	res := rt.EvaluateEarly(ctx, env, []byte(relayMsg), snap)
	var listed *scoring.Hit
	for i, h := range res.Verdict.Hits {
		if h.Rule == "RCVD_IN_T_SPAM" {
			listed = &res.Verdict.Hits[i]
		}
	}
	if listed == nil || !strings.HasPrefix(listed.Detail, "192.0.2.1 ") {
		t.Errorf("the untrusted relay 192.0.2.1 was not asked of the list: %+v", res.Verdict.Hits)
	}
	if !res.Verdict.Has("SPF_PASS") || !strings.Contains(res.AuthResults, "spf=pass") {
		t.Errorf("SPF not checked for the relay 192.0.2.1: hits %+v, A-R %q", res.Verdict.Hits, res.AuthResults)
	}
	if srv.Queries("9.2.0.192.bl.test", "A") != 0 {
		t.Errorf("a hop below the first untrusted relay was asked of the list")
	}
	if srv.Queries("5.0.9.10.bl.test", "A") != 0 || srv.Queries("5.0.9.10.in-addr.arpa", "PTR") != 0 {
		t.Errorf("the trusted client itself was checked")
	}

	// check_relay off: a trusted client's mail is not judged by address.
	off := uncached(t, srv, func(c *config.Config) { trusted(c); c.DNS.CheckRelay = false })
	res = off.Evaluate(ctx, env, []byte(relayMsg))
	for _, h := range res.Verdict.Hits {
		if strings.HasPrefix(h.Rule, "RCVD_IN_T") || strings.HasPrefix(h.Rule, "SPF_") {
			t.Errorf("check_relay = false, yet %s fired", h.Rule)
		}
	}

	// An untrusted client is judged itself, whatever its Received fields say.
	res = rt.Evaluate(ctx, envFor("192.0.2.7", "client.example.com", "a@example.com"), []byte(relayMsg))
	if res.Verdict.Has("RCVD_IN_T_SPAM") {
		t.Errorf("an untrusted client's Received chain was believed")
	}
	if srv.Queries("7.2.0.192.bl.test", "A") == 0 {
		t.Errorf("the untrusted client was not asked of the list")
	}
}

// untrustedRelay stops at a Received field it cannot read: the chain below
// it cannot be believed.
func TestUntrustedRelayWalk(t *testing.T) {
	rt := &Runtime{Config: config.Default(), trustedNets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		name, hdr, want string
	}{
		{"second hop", "Received: from a (a [10.1.1.1]) by mx\r\nReceived: from b (b [198.51.100.4]) by a\r\n", "198.51.100.4"},
		{"IPv6 mapped", "Received: from a ([10.1.1.1]) by mx\r\nReceived: from b ([IPv6:::ffff:198.51.100.4]) by a\r\n", "198.51.100.4"},
		{"IPv6", "Received: from b (b [IPv6:2001:db8::7]) by mx\r\n", "2001:db8::7"},
		{"HELO literal of a trusted address", "Received: from relay (relay [10.1.1.1]) by mx\r\nReceived: from [10.0.0.1] (unknown [198.51.100.7]) by relay\r\nReceived: from clean.example (clean.example [192.0.2.55]) by forged\r\n", "198.51.100.7"},
		{"HELO literal of a private address", "Received: from relay (relay [10.1.1.1]) by mx\r\nReceived: from [192.168.1.5] (unknown [198.51.100.7]) by relay\r\n", "198.51.100.7"},
		{"unreadable hop", "Received: from a (a [10.1.1.1]) by mx\r\nReceived: by a (Postfix, from userid 0)\r\nReceived: from b (b [198.51.100.4]) by a\r\n", ""},
		{"all trusted", "Received: from a (a [10.1.1.1]) by mx\r\nReceived: from b (b [127.0.0.1]) by a\r\n", ""},
		{"none", "", ""},
	}
	for _, c := range cases {
		msg := message.Parse([]byte(c.hdr+"Subject: x\r\n\r\nx\r\n"), message.Limits{}.WithDefaults())
		ip, _, ok := rt.untrustedRelay(msg)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != c.want {
			t.Errorf("%s: relay %q, want %q", c.name, got, c.want)
		}
	}
}

// A slow resolver: the first message runs out of time before the early
// checks answer and scores them as failures; the next message on the same
// connection gets the answers (the early checks were not cancelled, and a
// failure is never reused).
func TestEarlyChecksSlowResolverNextMessage(t *testing.T) {
	srv := dnsbltest.Start(t, earlyRecords...)
	srv.Delay(300 * time.Millisecond)
	rt := uncached(t, srv, func(c *config.Config) { c.DNS.Timeout = config.Duration{Duration: 2 * time.Second} })
	rt.DegradedTempfail = false
	var e Early
	defer e.Close()
	ip := netip.MustParseAddr("192.0.2.1")
	env := envFor("192.0.2.1", "client.example.com", "a@example.com")
	e.Connect(rt, ip)
	e.Helo(rt, ip, env.Helo)
	e.Mail(rt, ip, env.Helo, env.MailFrom)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	res := rt.EvaluateEarly(ctx, env, []byte(ham), e.Snapshot())
	cancel()
	if !res.Verdict.Has("RCVD_IN_T_FAIL") {
		t.Fatalf("first message: no RCVD_IN_T_FAIL in %+v", res.Verdict.Hits)
	}
	time.Sleep(time.Second) // the early checks answer meanwhile
	e.Mail(rt, ip, env.Helo, env.MailFrom)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res = rt.EvaluateEarly(ctx, env, []byte(ham), e.Snapshot())
	for _, r := range []string{"RCVD_IN_T_SPAM", "SPF_PASS"} {
		if !res.Verdict.Has(r) {
			t.Errorf("second message: no %s in %+v", r, res.Verdict.Hits)
		}
	}
	for _, h := range res.Verdict.Hits {
		if strings.HasSuffix(h.Rule, "_FAIL") || strings.HasSuffix(h.Rule, "_TEMPERROR") {
			t.Errorf("second message: %s (%s): the first message's failure was reused", h.Rule, h.Detail)
		}
	}
}
