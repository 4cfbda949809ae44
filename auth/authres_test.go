package auth

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/authres"
)

func TestAuthResultsHeaderRoundTrip(t *testing.T) {
	spf := SPFResult{Status: SPFPass, Identity: IdentityMailFrom, Sender: "list@bounce.test", Domain: "bounce.test"}
	helo := SPFResult{Status: SPFNone, Identity: IdentityHELO, Sender: "mx.bounce.test", Reason: "no DNS record found"}
	dk := []DKIMResult{
		{Status: DKIMValid, Domain: "example.test", Selector: "s1", Identifier: "@example.test", Algorithm: "rsa-sha256", BPrefix: "abcd1234"},
		{Status: DKIMInvalid, Domain: "other.test", Selector: "s2", Reason: `body hash "did" not verify\r\nX-Evil: 1`},
	}
	dm := DMARCResult{Status: DMARCPass, Domain: "example.test", Policy: PolicyReject, DKIMAligned: true}
	v := AuthResultsHeader("mx.mailsift.test", Results{SPF: &spf, HELO: &helo, DKIM: dk, DKIMChecked: true, DMARC: &dm})
	if strings.ContainsAny(v, "\r\n") || !regexp.MustCompile(`^[\x20-\x7e]+$`).MatchString(v) {
		t.Fatalf("not one printable line: %q", v)
	}
	id, res, err := authres.Parse(v)
	if err != nil || id != "mx.mailsift.test" || len(res) != 5 {
		t.Fatalf("parse %q: %q %d %v", v, id, len(res), err)
	}
	s, ok := res[0].(*authres.SPFResult)
	if !ok || s.Value != authres.ResultPass || s.From != "list@bounce.test" {
		t.Fatalf("spf: %#v", res[0])
	}
	if h, ok := res[1].(*authres.SPFResult); !ok || h.Value != authres.ResultNone || h.Helo != "mx.bounce.test" {
		t.Fatalf("helo: %#v", res[1])
	}
	if k, ok := res[2].(*authres.DKIMResult); !ok || k.Value != authres.ResultPass || k.Domain != "example.test" {
		t.Fatalf("dkim: %#v", res[2])
	}
	if k, ok := res[3].(*authres.DKIMResult); !ok || k.Value != authres.ResultFail || k.Domain != "other.test" {
		t.Fatalf("dkim 2: %#v", res[3])
	}
	if m, ok := res[4].(*authres.DMARCResult); !ok || m.Value != authres.ResultPass || m.From != "example.test" {
		t.Fatalf("dmarc: %#v", res[4])
	}
	for _, want := range []string{"header.s=s1", "header.b=abcd1234", "header.a=rsa-sha256", "policy.dmarc=reject"} {
		if !strings.Contains(v, want) {
			t.Fatalf("%q lacks %q", v, want)
		}
	}
	if !IsOurAuthResults(" "+v, "mx.mailsift.test") {
		t.Fatalf("our own header not recognised")
	}
}

func TestAuthResultsHeaderMinimal(t *testing.T) {
	if got := AuthResultsHeader("mx.test", Results{}); got != "mx.test; none" {
		t.Fatalf("nothing checked: %q", got)
	}
	got := AuthResultsHeader("mx.test", Results{DKIMChecked: true})
	if got != "mx.test; dkim=none" {
		t.Fatalf("unsigned: %q", got)
	}
	if got := AuthResultsHeader("bad id; spf=pass", Results{}); !strings.HasPrefix(got, "localhost;") {
		t.Fatalf("unsafe authserv-id kept: %q", got)
	}
}

func TestIsOurAuthResults(t *testing.T) {
	const us = "mx.mailsift.test"
	cases := []struct {
		value string
		want  bool
	}{
		{" mx.mailsift.test; spf=pass smtp.mailfrom=a@b.test", true},
		{"MX.Mailsift.Test; none", true},
		{" mx.mailsift.test 1; dkim=pass header.d=x.test", true},
		{" mx.mailsift.test.;\r\n\tdkim=pass", true},
		{" (forged by us) mx.mailsift.test (comment); spf=pass", true},
		{` "mx.mailsift.test"; spf=pass`, true},
		{" mx.mailsift.test; junk junk = = ;;; x", true},
		{" mx.mailsift.test", true},
		{" mx.mailsift.test 7; spf=pass", true},
		{" mx.other.test; spf=pass smtp.mailfrom=mx.mailsift.test", false},
		{" mx.mailsift.test.evil.test; spf=pass", false},
		{" evil-mx.mailsift.test; spf=pass", false},
		{"", false},
		{" ;;;", false},
		{" (unterminated mx.mailsift.test; spf=pass", false},
		{"\x00\xff", false},
	}
	for _, c := range cases {
		if got := IsOurAuthResults(c.value, us); got != c.want {
			t.Errorf("IsOurAuthResults(%q) = %v, want %v", c.value, got, c.want)
		}
	}
	if IsOurAuthResults(" mx.mailsift.test; none", "") {
		t.Errorf("empty authserv-id matched")
	}
}

func TestRuleNames(t *testing.T) {
	if SPFRule(SPFResult{Status: SPFSoftFail}) != "SPF_SOFTFAIL" ||
		HELORule(SPFResult{Status: SPFTempError}) != "SPF_HELO_TEMPERROR" || SPFRule(SPFResult{}) != "" {
		t.Fatal("spf rule names")
	}
	ex := func(s DKIMStatus, d string) DKIMResult { return DKIMResult{Status: s, Domain: d} }
	for _, c := range []struct {
		res  []DKIMResult
		want string
	}{
		{nil, "DKIM_NONE"},
		{[]DKIMResult{ex(DKIMValid, "mail.example.test")}, "DKIM_VALID DKIM_VALID_AU"},
		{[]DKIMResult{ex(DKIMValid, "esp.test")}, "DKIM_VALID"},
		{[]DKIMResult{ex(DKIMInvalid, "example.test"), ex(DKIMValid, "esp.test")}, "DKIM_VALID"},
		{[]DKIMResult{ex(DKIMPermError, "example.test")}, "DKIM_INVALID"},
		{[]DKIMResult{ex(DKIMTempError, "example.test")}, "DKIM_TEMPERROR"},
		{[]DKIMResult{ex(DKIMInvalid, "a.test"), ex(DKIMTempError, "b.test")}, "DKIM_INVALID DKIM_TEMPERROR"},
	} {
		if got := strings.Join(DKIMRules(c.res, "Example.Test"), " "); got != c.want {
			t.Errorf("DKIMRules(%+v) = %q, want %q", c.res, got, c.want)
		}
	}
	if DMARCRule(DMARCResult{Status: DMARCFail}) != "DMARC_NONE_POLICY" || DMARCRule(DMARCResult{}) != "" {
		t.Fatal("dmarc rule names")
	}
}

// TestRulesTable checks that every name the functions can return is in the
// table exactly once, with a description and sane points.
func TestRulesTable(t *testing.T) {
	seen := map[string]bool{}
	name := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	for _, r := range Rules {
		if seen[r.Name] || !name.MatchString(r.Name) || r.Desc == "" ||
			math.IsNaN(r.Points) || math.IsInf(r.Points, 0) {
			t.Errorf("bad or duplicate rule %+v", r)
		}
		seen[r.Name] = true
		if strings.HasSuffix(r.Name, "TEMPERROR") && r.Points != 0 {
			t.Errorf("%s: unknown results score 0", r.Name)
		}
	}
	var emitted []string
	for _, s := range []SPFStatus{SPFPass, SPFFail, SPFSoftFail, SPFNeutral, SPFNone, SPFTempError, SPFPermError} {
		emitted = append(emitted, SPFRule(SPFResult{Status: s}), HELORule(SPFResult{Status: s}))
	}
	for _, s := range []DKIMStatus{DKIMValid, DKIMInvalid, DKIMTempError} {
		emitted = append(emitted, DKIMRules([]DKIMResult{{Status: s, Domain: "a.test"}}, "a.test")...)
	}
	emitted = append(emitted, DKIMRules(nil, "")...)
	for _, s := range []DMARCStatus{DMARCPass, DMARCNone, DMARCTempError, DMARCPermError} {
		emitted = append(emitted, DMARCRule(DMARCResult{Status: s}))
	}
	for _, p := range []DMARCPolicy{PolicyNone, PolicyQuarantine, PolicyReject} {
		emitted = append(emitted, DMARCRule(DMARCResult{Status: DMARCFail, Policy: p}))
	}
	for _, n := range emitted {
		if !seen[n] {
			t.Errorf("%s is emitted but not in Rules", n)
		}
		delete(seen, n)
	}
	for n := range seen {
		t.Errorf("%s is in Rules but never emitted", n)
	}
}
