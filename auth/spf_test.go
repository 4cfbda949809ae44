package auth

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// spfZone publishes the SPF records the SPF tests use.
func spfZone(t *testing.T) *testDNS {
	d := newTestDNS(t)
	d.TXT("pass.test", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all")
	d.TXT("fail.test", "v=spf1 ip4:198.51.100.1 -all")
	d.TXT("soft.test", "v=spf1 ip4:198.51.100.1 ~all")
	d.TXT("neutral.test", "v=spf1 ?all")
	d.TXT("nospf.test", "hello world", "google-site-verification=abc")
	d.TXT("syntax.test", "v=spf1 ip4:192.0.2.0/24 frobnicate:x -all")
	d.TXT("a.test", "v=spf1 a mx -all")
	d.Addr("a.test", "203.0.113.5")
	d.MX("a.test", "mx.a.test")
	d.Addr("mx.a.test", "203.0.113.6")
	d.TXT("inc.test", "v=spf1 include:pass.test -all")
	d.TXT("helo.test", "v=spf1 ip4:192.0.2.77 -all")
	d.TXT("two.test", "v=spf1 -all", "v=spf1 +all")
	// Loops and lookup bombs.
	d.TXT("loop.test", "v=spf1 include:loop.test -all")
	d.TXT("redir1.test", "v=spf1 redirect=redir2.test")
	d.TXT("redir2.test", "v=spf1 redirect=redir1.test")
	var many []string
	for i := 0; i < 12; i++ {
		many = append(many, fmt.Sprintf("a:h%d.many.test", i))
		d.Addr(fmt.Sprintf("h%d.many.test", i), "203.0.113.99")
	}
	d.TXT("many.test", "v=spf1 "+strings.Join(many, " ")+" -all")
	d.TXT("void.test", "v=spf1 a:nx1.void.test a:nx2.void.test a:nx3.void.test ip4:192.0.2.1 -all")
	d.TXT("big.test", "v=spf1 "+strings.Repeat("ip4:203.0.113.1 ", 3700)+"-all")
	d.Fail("servfail.test", dns.RcodeServerFailure)
	d.Drop("slow.test")
	d.TXT("incfail.test", "v=spf1 include:servfail.test -all")
	return d
}

func TestCheckSPF(t *testing.T) {
	d := spfZone(t)
	r := d.Resolver()
	in := netip.MustParseAddr("192.0.2.10")
	out := netip.MustParseAddr("203.0.113.200")
	cases := []struct {
		name     string
		ip       netip.Addr
		helo     string
		from     string
		want     SPFStatus
		identity string
		domain   string
	}{
		{"pass", in, "mx.other.test", "alice@pass.test", SPFPass, IdentityMailFrom, "pass.test"},
		{"pass v6", netip.MustParseAddr("2001:db8::25"), "x.test", "a@pass.test", SPFPass, IdentityMailFrom, "pass.test"},
		{"pass v4-mapped", netip.MustParseAddr("::ffff:192.0.2.10"), "x.test", "a@pass.test", SPFPass, IdentityMailFrom, "pass.test"},
		{"fail", out, "x.test", "a@fail.test", SPFFail, IdentityMailFrom, "fail.test"},
		{"softfail", out, "x.test", "a@soft.test", SPFSoftFail, IdentityMailFrom, "soft.test"},
		{"neutral", out, "x.test", "a@neutral.test", SPFNeutral, IdentityMailFrom, "neutral.test"},
		{"none no spf txt", out, "x.test", "a@nospf.test", SPFNone, IdentityMailFrom, "nospf.test"},
		{"none nxdomain", out, "x.test", "a@nowhere.test", SPFNone, IdentityMailFrom, "nowhere.test"},
		{"a and mx pass", netip.MustParseAddr("203.0.113.6"), "x.test", "a@a.test", SPFPass, IdentityMailFrom, "a.test"},
		{"include pass", in, "x.test", "<b@INC.test>", SPFPass, IdentityMailFrom, "inc.test"},
		{"permerror syntax", out, "x.test", "a@syntax.test", SPFPermError, IdentityMailFrom, "syntax.test"},
		{"permerror two records", out, "x.test", "a@two.test", SPFPermError, IdentityMailFrom, "two.test"},
		{"permerror include loop", out, "x.test", "a@loop.test", SPFPermError, IdentityMailFrom, "loop.test"},
		{"permerror redirect loop", out, "x.test", "a@redir1.test", SPFPermError, IdentityMailFrom, "redir1.test"},
		{"permerror too many lookups", out, "x.test", "a@many.test", SPFPermError, IdentityMailFrom, "many.test"},
		{"permerror void lookups", out, "x.test", "a@void.test", SPFPermError, IdentityMailFrom, "void.test"},
		{"huge record over tcp", out, "x.test", "a@big.test", SPFFail, IdentityMailFrom, "big.test"},
		{"temperror servfail", out, "x.test", "a@servfail.test", SPFTempError, IdentityMailFrom, "servfail.test"},
		{"temperror in include", out, "x.test", "a@incfail.test", SPFTempError, IdentityMailFrom, "incfail.test"},
		{"null sender uses helo", netip.MustParseAddr("192.0.2.77"), "helo.test", "<>", SPFPass, IdentityHELO, "helo.test"},
		{"null sender helo fails", out, "helo.test", "", SPFFail, IdentityHELO, "helo.test"},
		{"null sender literal helo", out, "[203.0.113.200]", "", SPFNone, IdentityHELO, ""},
		{"sender without domain", out, "x.test", "postmaster", SPFNone, IdentityMailFrom, ""},
		{"no client ip", netip.Addr{}, "x.test", "a@pass.test", SPFNone, IdentityMailFrom, "pass.test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CheckSPF(testCtx(t), r, c.ip, c.helo, c.from)
			if got.Status != c.want || got.Identity != c.identity || got.Domain != c.domain {
				t.Fatalf("got %+v, want %s/%s/%s", got, c.want, c.identity, c.domain)
			}
			if want := spfReasons[c.name]; !strings.Contains(got.Reason, want) {
				t.Fatalf("reason %q, want it to contain %q", got.Reason, want)
			}
		})
	}
}

// spfReasons pins why the error cases failed, so a permerror for the wrong
// reason does not pass.
var spfReasons = map[string]string{
	"permerror syntax":           "unknown field",
	"permerror two records":      "multiple",
	"permerror include loop":     "lookup limit reached",
	"permerror redirect loop":    "lookup limit reached",
	"permerror too many lookups": "lookup limit reached",
	"permerror void lookups":     "void lookup limit reached",
	"temperror servfail":         "server misbehaving",
	"null sender literal helo":   "not a domain",
	"no client ip":               "no client address",
	"huge record over tcp":       "matched all",
	"temperror in include":       "servfail.test",
}

func TestCheckSPFTimeoutBoundedByContext(t *testing.T) {
	d := spfZone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	got := CheckSPF(ctx, d.Resolver(), netip.MustParseAddr("192.0.2.1"), "x.test", "a@slow.test")
	if got.Status != SPFTempError {
		t.Fatalf("got %+v, want temperror", got)
	}
}

func TestCheckHELO(t *testing.T) {
	d := spfZone(t)
	got := CheckHELO(testCtx(t), d.Resolver(), netip.MustParseAddr("192.0.2.77"), "helo.test")
	if got.Status != SPFPass || got.Identity != IdentityHELO || got.Sender != "helo.test" {
		t.Fatalf("got %+v", got)
	}
	if got := CheckHELO(testCtx(t), d.Resolver(), netip.MustParseAddr("192.0.2.77"), "localhost"); got.Status != SPFNone {
		t.Fatalf("bare word HELO: got %+v", got)
	}
}

// wrappingResolver wraps every error the way an adapter might (%w), to show
// the classification survives it.
type wrappingResolver struct{ *net.Resolver }

func (w wrappingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	v, err := w.Resolver.LookupTXT(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("dns adapter: %w", err)
	}
	return v, nil
}

func TestCheckSPFWrappedErrors(t *testing.T) {
	d := spfZone(t)
	r := wrappingResolver{d.Resolver()}
	ip := netip.MustParseAddr("203.0.113.200")
	if got := CheckSPF(testCtx(t), r, ip, "x.test", "a@nowhere.test"); got.Status != SPFNone {
		t.Fatalf("nxdomain through a wrapping adapter: %+v", got)
	}
	if got := CheckSPF(testCtx(t), r, ip, "x.test", "a@servfail.test"); got.Status != SPFTempError {
		t.Fatalf("servfail through a wrapping adapter: %+v", got)
	}
}

func TestCheckSPFTrace(t *testing.T) {
	d := spfZone(t)
	var lines int
	o := SPFOptions{Trace: func(string, ...any) { lines++ }}
	got := CheckSPFWithOptions(testCtx(t), d.Resolver(), netip.MustParseAddr("192.0.2.10"), "x.test", "a@pass.test", o)
	if got.Status != SPFPass || lines == 0 {
		t.Fatalf("got %+v with %d trace lines", got, lines)
	}
}
