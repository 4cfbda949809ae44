package auth

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// fuzzResolver answers every TXT query with the same records, every address
// query with 192.0.2.1 and everything else with "not found": in memory, so
// the fuzzers reach the record parsers thousands of times a second.
type fuzzResolver struct{ txt []string }

func (f fuzzResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	if strings.HasPrefix(name, "nx.") {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return f.txt, nil
}

func (f fuzzResolver) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return []*net.MX{{Host: "mx." + name, Pref: 10}}, nil
}

func (f fuzzResolver) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	return []net.IPAddr{{IP: net.IPv4(192, 0, 2, 1)}}, nil
}

func (f fuzzResolver) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

// FuzzDMARCRecord feeds arbitrary TXT content to DMARC discovery and
// evaluation: every outcome must be one of the defined results.
func FuzzDMARCRecord(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject", "v=DMARC1; p=Reject; sp=none; adkim=s; aspf=r; pct=50",
		"v=DMARC1; p=bogus", "v=DMARC1;;;=;", "v=DMARC1; pct=-1; p=none", "v = DMARC1 ; p = quarantine",
		"v=DMARC1; p=none; fo=0:1:d:s; rf=afrf; ri=86400; rua=mailto:a@b.test,mailto:c@d.test",
		"v=spf1 -all", "", "v=DMARC1; ri=0; p=none", "v=DMARC1; p=reject; pct=99999999999999999999",
	} {
		f.Add(s, "example.test", true)
	}
	f.Fuzz(func(t *testing.T, rec, from string, spfPass bool) {
		r := fuzzResolver{txt: []string{rec}}
		spf := SPFResult{Status: SPFFail, Domain: from}
		if spfPass {
			spf.Status = SPFPass
		}
		dk := []DKIMResult{{Status: DKIMValid, Domain: from}}
		res := EvaluateDMARC(context.Background(), r, from, spf, "", dk)
		switch res.Status {
		case DMARCPass, DMARCFail, DMARCNone, DMARCPermError, DMARCTempError:
		default:
			t.Fatalf("status %q", res.Status)
		}
		if res.Status == DMARCFail && DMARCRule(res) == "" {
			t.Fatalf("fail without a rule: %+v", res)
		}
		if res.Percent < 0 || res.Percent > 100 {
			t.Fatalf("percent %d", res.Percent)
		}
	})
}

// FuzzSPFRecord serves one arbitrary record at every name: includes and
// redirects loop back to it, so limits and macros get exercised.
func FuzzSPFRecord(f *testing.F) {
	for _, s := range []string{
		"v=spf1 include:x.test -all", "v=spf1 redirect=%{d}", "v=spf1 a mx ptr exists:%{i}.%{h}.x.test ~all",
		"v=spf1 ip4:192.0.2.0/24 ip6:::1/0 -all", "v=spf1 a:nx.a a:nx.b a:nx.c", "v=spf1 exp=%{l} ?all",
		"v=spf1 %{ir.v.6}", "v=spf1 ip4:1.2.3.4/99", "v=spf1 a//200 mx:%{s}/24//64 -all",
	} {
		f.Add(s, "user@example.test", "192.0.2.1")
	}
	f.Fuzz(func(t *testing.T, rec, from, ip string) {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			addr = netip.MustParseAddr("192.0.2.1")
		}
		res := CheckSPF(context.Background(), fuzzResolver{txt: []string{rec}}, addr, "helo.test", from)
		if SPFRule(res) == "" {
			t.Fatalf("status %q", res.Status)
		}
	})
}

// FuzzDKIMHeader verifies a message with an arbitrary DKIM-Signature value
// against an arbitrary key record.
func FuzzDKIMHeader(f *testing.F) {
	f.Add("v=1; a=rsa-sha256; d=example.test; s=s; h=from; bh=AAAA; b=AAAA", "v=DKIM1; k=rsa; p=AAAA")
	f.Add("v=1; a=ed25519-sha256; c=relaxed/simple; d=example.test; s=s; h=From:To; bh=; b=; l=5",
		"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	f.Add("v=1; q=dns/txt:other; x=1; t=abc; i=@evil.test; d=example.test", "p=")
	f.Add(";;;", "v=DKIM1; h=sha1; s=email; t=y:s; k=unknown; p=AAAA")
	f.Fuzz(func(t *testing.T, sig, key string) {
		if strings.ContainsAny(sig, "\r\n") {
			sig = strings.NewReplacer("\r", " ", "\n", " ").Replace(sig)
		}
		raw := "DKIM-Signature: " + sig + "\r\nFrom: a@example.test\r\n\r\nbody\r\n"
		res := VerifyDKIM(context.Background(), fuzzResolver{txt: []string{key}}, []byte(raw))
		if len(res) != 1 {
			t.Fatalf("%d results for one signature", len(res))
		}
		switch res[0].Status {
		case DKIMValid, DKIMInvalid, DKIMPermError, DKIMTempError:
		default:
			t.Fatalf("status %q", res[0].Status)
		}
		v := AuthResultsHeader("mx.test", Results{DKIM: res, DKIMChecked: true})
		if strings.ContainsAny(v, "\r\n\x00") || !IsOurAuthResults(v, "mx.test") {
			t.Fatalf("unsafe or unrecognisable header %q", v)
		}
	})
}

// FuzzAuthResults checks IsOurAuthResults on arbitrary values, and that a
// header we format from arbitrary values is recognised as ours.
func FuzzAuthResults(f *testing.F) {
	f.Add(" mx.test; spf=pass smtp.mailfrom=a@b.test", "mx.test", "a@b.test")
	f.Add(" (c) mx.test 1; dkim=fail reason=\"x\"", "mx.test", "")
	f.Add("\"mx.test\"", "mx.test", "\x00;\"\\")
	f.Fuzz(func(t *testing.T, value, id, sender string) {
		_ = IsOurAuthResults(value, id)
		spf := SPFResult{Status: SPFFail, Identity: IdentityMailFrom, Sender: sender, Reason: value}
		dm := DMARCResult{Status: DMARCTempError, Domain: sender, Reason: value}
		v := AuthResultsHeader(id, Results{SPF: &spf, DMARC: &dm})
		if strings.ContainsAny(v, "\r\n\x00") {
			t.Fatalf("unsafe header %q", v)
		}
		used := strings.SplitN(v, ";", 2)[0]
		if !IsOurAuthResults(" "+v, used) {
			t.Fatalf("own header %q not recognised for %q", v, used)
		}
	})
}
