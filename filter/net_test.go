package filter

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
)

const testZones = `[[zone]]
name = "t"
domain = "bl.test"
rule = "RCVD_IN_T"
codes = { "127.0.0.2" = "RCVD_IN_T_SPAM" }
enabled = true
`

// netRuntime builds a Runtime whose DNS goes to srv, with the zone bl.test.
func netRuntime(t *testing.T, srv *dnsbltest.Server, mutate func(*config.Config)) *Runtime {
	t.Helper()
	zf := filepath.Join(t.TempDir(), "zones.toml")
	if err := os.WriteFile(zf, []byte(testZones), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DNS.Servers = []string{srv.Addr}
	cfg.DNS.Timeout = config.Duration{Duration: 200 * time.Millisecond}
	cfg.DNS.ZonesFile = zf
	cfg.Auth.AuthservID = "mx.test"
	if mutate != nil {
		mutate(cfg)
	}
	n, err := NewNet(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	rt, err := New(cfg, Deps{Net: n})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func evaluate(rt *Runtime, ip, from string, raw string, deadline time.Duration) *Result {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	env := &message.Envelope{ClientIP: netip.MustParseAddr(ip), Helo: "client.example.com", MailFrom: from}
	return rt.Evaluate(ctx, env, []byte(raw))
}

func TestListedClient(t *testing.T) {
	srv := dnsbltest.Start(t, "1.2.0.192.bl.test. 300 IN A 127.0.0.2")
	rt := netRuntime(t, srv, nil)
	res := evaluate(rt, "192.0.2.1", "a@example.net", ham, 5*time.Second)
	if !res.Verdict.Has("RCVD_IN_T_SPAM") {
		t.Fatalf("listed client: hits %+v", res.Verdict.Hits)
	}
	if p := rt.Engine.Points("RCVD_IN_T_SPAM"); p != 2 {
		t.Errorf("RCVD_IN_T_SPAM worth %v, want the default 2", p)
	}
	res = evaluate(rt, "192.0.2.2", "a@example.net", ham, 5*time.Second)
	for _, h := range res.Verdict.Hits {
		if strings.HasPrefix(h.Rule, "RCVD_IN_T") {
			t.Errorf("unlisted client fired %s", h.Rule)
		}
	}
}

// A SERVFAIL or a list that never answers is unknown: <RULE>_FAIL with no
// points, and the message is still scored before its deadline.
func TestListFailures(t *testing.T) {
	srv := dnsbltest.Start(t)
	srv.ServFail("1.2.0.192.bl.test")
	srv.Drop("3.2.0.192.bl.test")
	rt := netRuntime(t, srv, func(c *config.Config) { c.DNS.Timeout = config.Duration{Duration: 5 * time.Second} })
	rt.DegradedTempfail = false // here: the unknown itself; TestDegraded: the fail-safe
	for _, ip := range []string{"192.0.2.1", "192.0.2.3"} {
		res := evaluate(rt, ip, "a@example.net", ham, time.Second)
		if res.Reason != "" || res.Verdict.Incomplete {
			t.Fatalf("%s: reason %q, incomplete %v: want a verdict", ip, res.Reason, res.Verdict.Incomplete)
		}
		var fail bool
		for _, h := range res.Verdict.Hits {
			if h.Rule == "RCVD_IN_T_FAIL" {
				fail = true
				if h.Points != 0 {
					t.Errorf("%s: RCVD_IN_T_FAIL worth %v", ip, h.Points)
				}
			}
			if h.Rule == "RCVD_IN_T" || h.Rule == "RCVD_IN_T_SPAM" {
				t.Errorf("%s: failure read as a listing", ip)
			}
		}
		if !fail {
			t.Errorf("%s: no RCVD_IN_T_FAIL in %+v", ip, res.Verdict.Hits)
		}
	}
}

func TestSPFThroughPipeline(t *testing.T) {
	srv := dnsbltest.Start(t, `example.com. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"`)
	rt := netRuntime(t, srv, nil)
	pass := evaluate(rt, "192.0.2.1", "a@example.com", ham, 5*time.Second)
	if !pass.Verdict.Has("SPF_PASS") || pass.Verdict.Has("SPF_FAIL") {
		t.Errorf("authorised client: hits %+v", pass.Verdict.Hits)
	}
	if !strings.HasPrefix(pass.AuthResults, "mx.test;") || !strings.Contains(pass.AuthResults, "spf=pass") {
		t.Errorf("Authentication-Results %q", pass.AuthResults)
	}
	hs := rt.Headers(pass)
	if last := hs[len(hs)-1]; last.Name != AuthResultsName || last.Value != pass.AuthResults {
		t.Errorf("headers %+v: want Authentication-Results last", hs)
	}
	fail := evaluate(rt, "192.0.2.9", "a@example.com", ham, 5*time.Second)
	if !fail.Verdict.Has("SPF_FAIL") || !strings.Contains(fail.AuthResults, "spf=fail") {
		t.Errorf("unauthorised client: hits %+v, A-R %q", fail.Verdict.Hits, fail.AuthResults)
	}
	off := netRuntime(t, srv, func(c *config.Config) { c.Auth.SPF = false })
	if res := evaluate(off, "192.0.2.9", "a@example.com", ham, 5*time.Second); res.Verdict.Has("SPF_FAIL") {
		t.Error("spf = false still checks SPF")
	}
}

const signed = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; c=relaxed/relaxed;\r\n" +
	"\th=from:subject; bh=AAAA; b=BBBB\r\n" + ham

// A body cut at scan_bytes is never verified; a whole one is.
func TestDKIMSkippedWhenTruncated(t *testing.T) {
	srv := dnsbltest.Start(t)
	rt := netRuntime(t, srv, nil)
	whole := evaluate(rt, "192.0.2.1", "a@example.com", signed, 5*time.Second)
	if !whole.Verdict.Has("DKIM_INVALID") || !strings.Contains(whole.AuthResults, "dkim=") {
		t.Errorf("whole message: hits %+v, A-R %q", whole.Verdict.Hits, whole.AuthResults)
	}
	big := signed + strings.Repeat("x", rt.Limits.ScanBytes+10) + "\r\n"
	cut := evaluate(rt, "192.0.2.1", "a@example.com", big, 5*time.Second)
	if !cut.Msg.Truncated {
		t.Fatal("message not truncated")
	}
	for _, h := range cut.Verdict.Hits {
		if strings.HasPrefix(h.Rule, "DKIM_") || strings.HasPrefix(h.Rule, "DMARC_") {
			t.Errorf("truncated message fired %s", h.Rule)
		}
	}
	if strings.Contains(cut.AuthResults, "dkim=") {
		t.Errorf("truncated message: A-R %q", cut.AuthResults)
	}
}

func TestIsOurAuthResults(t *testing.T) {
	rt := netRuntime(t, dnsbltest.Start(t), nil)
	if !rt.IsOurAuthResults(" mx.test; spf=pass smtp.mailfrom=a@example.com") {
		t.Error("our authserv-id not recognised")
	}
	if rt.IsOurAuthResults(" other.example; spf=pass") {
		t.Error("another host's field taken for ours")
	}
}

func TestNoNetNoAuthResults(t *testing.T) {
	rt := newRuntime(t, nil)
	res := evaluate(rt, "192.0.2.1", "a@example.com", ham, 5*time.Second)
	if res.AuthResults != "" || len(rt.Headers(res)) != 3 {
		t.Errorf("without DNS: A-R %q, headers %+v", res.AuthResults, rt.Headers(res))
	}
}

// A failed list is degraded: the fail-safe applies when the 2 points a
// listing could have added would cross the tag or the reject threshold,
// and otherwise the verdict stands with degraded= in X-Spam-Status.
func TestDegraded(t *testing.T) {
	srv := dnsbltest.Start(t)
	srv.ServFail("1.2.0.192.bl.test")
	rt := netRuntime(t, srv, nil)
	rt.DegradedTempfail = false
	base := evaluate(rt, "192.0.2.1", "a@example.net", ham, 5*time.Second)
	s := base.Verdict.Score
	if !slices.Equal(base.Degraded, []string{"RCVD_IN_T_FAIL"}) || base.Reason != "" {
		t.Fatalf("degraded %v, reason %q", base.Degraded, base.Reason)
	}
	rt.DegradedTempfail = true
	cases := []struct {
		name     string
		tag, rej float64
		want     policy.Action
	}{
		{"far below tag", s + 2.5, s + 20, policy.Accept},
		{"could reach tag", s + 1.5, s + 20, policy.Tempfail},
		{"tagged, far below reject", s - 1, s + 2.5, policy.Tag},
		{"tagged, could reach reject", s - 1, s + 1.5, policy.Tempfail},
		{"already rejected", s - 5, s - 1, policy.Reject},
	}
	for _, c := range cases {
		rt.Thresholds = policy.Thresholds{Tag: c.tag, Reject: c.rej}
		res := evaluate(rt, "192.0.2.1", "a@example.net", ham, 5*time.Second)
		if res.Action != c.want {
			t.Errorf("%s: action %v (reason %q), want %v", c.name, res.Action, res.Reason, c.want)
		}
		if c.want == policy.Tempfail && res.Reason != "degraded:RCVD_IN_T_FAIL" {
			t.Errorf("%s: reason %q", c.name, res.Reason)
		}
		if c.want != policy.Tempfail {
			st := headerValue(rt.Headers(res), "X-Spam-Status")
			if res.Reason != "" || !strings.Contains(st, " degraded=RCVD_IN_T_FAIL") {
				t.Errorf("%s: reason %q, X-Spam-Status %q", c.name, res.Reason, st)
			}
		}
	}
	// A message with nothing unknown is never degraded.
	rt.Thresholds = policy.Thresholds{Tag: s + 1.5, Reject: s + 20}
	res := evaluate(rt, "192.0.2.2", "a@example.net", ham, 5*time.Second)
	if res.Action != policy.Accept || len(res.Degraded) > 0 {
		t.Errorf("clean lookup: action %v, degraded %v", res.Action, res.Degraded)
	}
}

func headerValue(hs []Header, name string) string {
	for _, h := range hs {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// TestDegradedModes: by default only a failed DNS list can tempfail a
// message; a failed SPF/DMARC lookup is marked degraded but decides nothing,
// unless dns.degraded = "all".
func TestDegradedModes(t *testing.T) {
	srv := dnsbltest.Start(t)
	srv.ServFail("example.net.")
	srv.ServFail("_dmarc.example.net.")
	for _, c := range []struct {
		mode string
		want policy.Action
	}{{config.DegradedLists, policy.Accept}, {config.DegradedAll, policy.Tempfail}, {config.DegradedOff, policy.Accept}} {
		rt := netRuntime(t, srv, func(cfg *config.Config) { cfg.DNS.Degraded = c.mode })
		base := evaluate(rt, "192.0.2.2", "a@example.net", ham, 5*time.Second)
		if !slices.Contains(base.Degraded, "SPF_TEMPERROR") {
			t.Fatalf("%s: no SPF_TEMPERROR in %v (hits %v)", c.mode, base.Degraded, base.Verdict.Hits)
		}
		rt.Thresholds = policy.Thresholds{Tag: base.Verdict.Score + 1.5, Reject: base.Verdict.Score + 20}
		res := evaluate(rt, "192.0.2.2", "a@example.net", ham, 5*time.Second)
		if res.Action != c.want {
			t.Errorf("%s: action %v (reason %q, degraded %v), want %v", c.mode, res.Action, res.Reason, res.Degraded, c.want)
		}
	}
}
