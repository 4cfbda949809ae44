package auth

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

func dmarcZone(t testing.TB) *testDNS {
	d := dkimZone(t)
	d.TXT("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:dmarc@example.test")
	d.TXT("_dmarc.reject.test", "v=DMARC1; p=reject")
	d.TXT("_dmarc.sp.test", "v=DMARC1; p=reject; sp=quarantine")
	d.TXT("_dmarc.quar.test", "v=DMARC1;p=quarantine;pct=20")
	d.TXT("_dmarc.mon.test", "v=DMARC1; p=none")
	d.TXT("_dmarc.case.test", "v=DMARC1; p=Reject; aspf=S")
	d.TXT("_dmarc.strict.test", "v=DMARC1; p=reject; adkim=s; aspf=s")
	d.TXT("_dmarc.bad.test", "v=DMARC1; p=bogus")
	d.TXT("_dmarc.badpct.test", "v=DMARC1; p=reject; pct=500")
	d.TXT("_dmarc.nop.test", "v=DMARC1; rua=mailto:x@nop.test")
	d.TXT("_dmarc.junk.test", "v=DMARC1; ;;=;=== ;p")
	d.TXT("_dmarc.multi.test", "v=DMARC1; p=reject", "v=DMARC1; p=none")
	d.TXT("_dmarc.other.test", "v=spf1 -all", "hello")
	d.TXT("_dmarc.lower.test", "v=dmarc1; p=reject")
	d.TXT("_dmarc.long.test", "v=DMARC1; p=reject; rua="+strings.Repeat("mailto:a@long.test,", 3000))
	d.Fail("_dmarc.tf.test", dns.RcodeServerFailure)
	d.Drop("_dmarc.slow.test")
	return d
}

func spfPass(domain string) SPFResult {
	return SPFResult{Status: SPFPass, Identity: IdentityMailFrom, Sender: "b@" + domain, Domain: domain}
}

func dkimValid(domain string) []DKIMResult {
	return []DKIMResult{{Status: DKIMValid, Domain: domain, Selector: "s"}}
}

func TestEvaluateDMARC(t *testing.T) {
	d := dmarcZone(t)
	r := d.Resolver()
	noSPF := SPFResult{Status: SPFNone}
	cases := []struct {
		name, from string
		spf        SPFResult
		mailFrom   string
		dkim       []DKIMResult
		status     DMARCStatus
		policy     DMARCPolicy
		rule       string
	}{
		{"spf aligned exact", "reject.test", spfPass("reject.test"), "reject.test", nil, DMARCPass, PolicyReject, "DMARC_PASS"},
		{"spf aligned relaxed", "reject.test", spfPass("bounces.reject.test"), "bounces.reject.test", nil, DMARCPass, PolicyReject, "DMARC_PASS"},
		{"spf domain from result", "reject.test", spfPass("reject.test"), "", nil, DMARCPass, PolicyReject, "DMARC_PASS"},
		{"spf pass unaligned", "reject.test", spfPass("evil.test"), "evil.test", nil, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"spf softfail aligned", "reject.test", SPFResult{Status: SPFSoftFail, Domain: "reject.test"}, "reject.test", nil, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"dkim aligned via org domain", "example.test", noSPF, "", dkimValid("mail.example.test"), DMARCPass, PolicyReject, "DMARC_PASS"},
		{"dkim unaligned", "example.test", noSPF, "", dkimValid("other.test"), DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"dkim aligned but invalid", "example.test", noSPF, "", []DKIMResult{{Status: DKIMInvalid, Domain: "example.test"}}, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"subdomain uses org p", "news.reject.test", noSPF, "", nil, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"subdomain uses org sp", "a.b.sp.test", noSPF, "", nil, DMARCFail, PolicyQuarantine, "DMARC_QUARANTINE"},
		{"org domain uses p not sp", "sp.test", noSPF, "", nil, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"quarantine", "quar.test", noSPF, "", nil, DMARCFail, PolicyQuarantine, "DMARC_QUARANTINE"},
		{"p=none", "mon.test", noSPF, "", nil, DMARCFail, PolicyNone, "DMARC_NONE_POLICY"},
		{"p=none pass", "mon.test", noSPF, "", dkimValid("mon.test"), DMARCPass, PolicyNone, "DMARC_PASS"},
		{"case-insensitive values", "case.test", spfPass("mail.case.test"), "", nil, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"strict dkim subdomain", "strict.test", noSPF, "", dkimValid("mail.strict.test"), DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"strict spf subdomain", "strict.test", spfPass("mail.strict.test"), "mail.strict.test", nil, DMARCFail, PolicyReject, "DMARC_REJECT"},
		{"strict exact", "strict.test", spfPass("strict.test"), "strict.test", nil, DMARCPass, PolicyReject, "DMARC_PASS"},
		{"missing", "nodmarc.test", spfPass("nodmarc.test"), "", nil, DMARCNone, "", "DMARC_MISSING"},
		{"not a dmarc record", "other.test", noSPF, "", nil, DMARCNone, "", "DMARC_MISSING"},
		{"lower-case version is not DMARC", "lower.test", noSPF, "", nil, DMARCNone, "", "DMARC_MISSING"},
		{"multiple records", "multi.test", noSPF, "", nil, DMARCNone, "", "DMARC_MISSING"},
		{"malformed policy", "bad.test", noSPF, "", nil, DMARCPermError, "", "DMARC_PERMERROR"},
		{"pct out of range", "badpct.test", noSPF, "", nil, DMARCPermError, "", "DMARC_PERMERROR"},
		{"no p tag", "nop.test", noSPF, "", nil, DMARCPermError, "", "DMARC_PERMERROR"},
		{"junk", "junk.test", noSPF, "", nil, DMARCPermError, "", "DMARC_PERMERROR"},
		{"huge record", "long.test", noSPF, "", nil, DMARCPermError, "", "DMARC_PERMERROR"},
		{"servfail", "tf.test", noSPF, "", nil, DMARCTempError, "", "DMARC_TEMPERROR"},
		{"servfail at org domain", "sub.tf.test", noSPF, "", nil, DMARCTempError, "", "DMARC_TEMPERROR"},
		{"empty from", "", noSPF, "", nil, DMARCNone, "", "DMARC_MISSING"},
		{"junk from", "a b;c", noSPF, "", nil, DMARCNone, "", "DMARC_MISSING"},
		{"upper-case from", "REJECT.Test.", spfPass("reject.test"), "reject.test", nil, DMARCPass, PolicyReject, "DMARC_PASS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := EvaluateDMARC(testCtx(t), r, c.from, c.spf, c.mailFrom, c.dkim)
			if got.Status != c.status || got.Policy != c.policy || DMARCRule(got) != c.rule {
				t.Fatalf("got %+v (%s), want %s/%s/%s", got, DMARCRule(got), c.status, c.policy, c.rule)
			}
		})
	}
}

func TestEvaluateDMARCDetails(t *testing.T) {
	d := dmarcZone(t)
	r := d.Resolver()
	got := EvaluateDMARC(testCtx(t), r, "quar.test", SPFResult{}, "", nil)
	if got.Percent != 20 || got.RecordDomain != "quar.test" {
		t.Fatalf("pct: %+v", got)
	}
	got = EvaluateDMARC(testCtx(t), r, "x.y.sp.test", SPFResult{}, "", nil)
	if got.Percent != 100 || got.RecordDomain != "sp.test" || got.Domain != "x.y.sp.test" {
		t.Fatalf("org record: %+v", got)
	}
	got = EvaluateDMARC(testCtx(t), r, "example.test", spfPass("example.test"), "", dkimValid("example.test"))
	if !got.SPFAligned || !got.DKIMAligned {
		t.Fatalf("both aligned: %+v", got)
	}
}

func TestEvaluateDMARCTimeoutBoundedByContext(t *testing.T) {
	d := dmarcZone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	got := EvaluateDMARC(ctx, d.Resolver(), "slow.test", SPFResult{}, "", nil)
	if got.Status != DMARCTempError {
		t.Fatalf("got %+v", got)
	}
}

// TestDMARCEndToEnd runs the real checks on a signed message: the signature
// of mail.example.test aligns with From example.test (relaxed); tampering
// turns the p=reject domain's pass into DMARC_REJECT.
func TestDMARCEndToEnd(t *testing.T) {
	rk, _ := testKeys(t)
	d := dmarcZone(t)
	d.TXT("bounce.test", "v=spf1 ip4:192.0.2.0/24 -all")
	r := d.Resolver()
	signed := signMsg(t, wireMessage, "mail.example.test", "rsa", rk, dkim.CanonicalizationRelaxed)
	ip := netip.MustParseAddr("192.0.2.9")
	for _, c := range []struct {
		name, msg string
		rule      string
		dkimRules string
	}{
		{"signed", signed, "DMARC_PASS", "DKIM_VALID DKIM_VALID_AU"},
		{"tampered", strings.Replace(signed, "Bob", "Eve", 1), "DMARC_REJECT", "DKIM_INVALID"},
		{"unsigned", wireMessage, "DMARC_REJECT", "DKIM_NONE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := testCtx(t)
			spf := CheckSPF(ctx, r, ip, "mx.bounce.test", "list@bounce.test")
			dk := VerifyDKIM(ctx, r, milterRebuild(c.msg, "\n"))
			dm := EvaluateDMARC(ctx, r, "example.test", spf, "bounce.test", dk)
			if SPFRule(spf) != "SPF_PASS" || DMARCRule(dm) != c.rule ||
				strings.Join(DKIMRules(dk, "example.test"), " ") != c.dkimRules {
				t.Fatalf("spf %+v\ndkim %+v\ndmarc %+v", spf, dk, dm)
			}
		})
	}
}
