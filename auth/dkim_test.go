package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	edKey    ed25519.PrivateKey
)

// testKeys generates the signing keys once per test binary.
func testKeys(t testing.TB) (*rsa.PrivateKey, ed25519.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, edKey
}

// dkimZone publishes the test keys: rsa._domainkey and ed._domainkey under
// example.test, plus broken key records.
func dkimZone(t testing.TB) *testDNS {
	rk, ek := testKeys(t)
	d := newTestDNS(t)
	der, err := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	d.TXT("rsa._domainkey.example.test", "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(der))
	d.TXT("ed._domainkey.example.test", "v=DKIM1; k=ed25519; p="+
		base64.StdEncoding.EncodeToString(ek.Public().(ed25519.PublicKey)))
	d.TXT("rsa._domainkey.mail.example.test", "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(der))
	d.TXT("rsa._domainkey.other.test", "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(der))
	d.TXT("garbage._domainkey.example.test", "v=DKIM1; k=rsa; p=!!!not base64!!!")
	d.TXT("revoked._domainkey.example.test", "v=DKIM1; k=rsa; p=")
	d.TXT("huge._domainkey.example.test", "v=DKIM1; k=rsa; p="+strings.Repeat("A", 40000))
	d.Fail("broken._domainkey.example.test", dns.RcodeServerFailure)
	d.Drop("slow._domainkey.example.test")
	return d
}

// wireMessage is a message as it travels, CRLF line ends, with a folded
// Subject, a field without a blank after the colon and one with two.
const wireMessage = "From: Alice <alice@example.test>\r\n" +
	"To: bob@dest.test\r\n" +
	"Subject: A folded\r\n\tsubject line\r\n" +
	"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n" +
	"Message-ID:<1@example.test>\r\n" +
	"X-Two:  two blanks\r\n" +
	"\r\n" +
	"Hello Bob,\r\n\r\nthe body  with  spaces.\r\n\r\n\r\n"

func signMsg(t testing.TB, msg, domain, selector string, key crypto.Signer, canon dkim.Canonicalization) string {
	t.Helper()
	var buf bytes.Buffer
	err := dkim.Sign(&buf, strings.NewReader(msg), &dkim.SignOptions{
		Domain: domain, Selector: selector, Signer: key,
		HeaderCanonicalization: canon, BodyCanonicalization: canon,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID", "X-Two"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// milterRebuild rebuilds a message the way milter/ does: each field as
// name + ":" + value + CRLF, the value exactly as the MTA passes it (leading
// blank kept) with its folding in lf ("\n" for Postfix), then CRLF and the
// body.
func milterRebuild(msg, lf string) []byte {
	head, body, _ := strings.Cut(msg, "\r\n\r\n")
	var fields []string
	for _, line := range strings.Split(head, "\r\n") {
		if line[0] == ' ' || line[0] == '\t' {
			fields[len(fields)-1] += lf + line
			continue
		}
		fields = append(fields, line)
	}
	var b strings.Builder
	for _, f := range fields {
		name, value, _ := strings.Cut(f, ":")
		b.WriteString(name + ":" + value + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}

func TestVerifyDKIMValid(t *testing.T) {
	rk, ek := testKeys(t)
	d := dkimZone(t)
	for _, c := range []struct {
		name, sel string
		key       crypto.Signer
		canon     dkim.Canonicalization
		algo      string
	}{
		{"rsa relaxed", "rsa", rk, dkim.CanonicalizationRelaxed, "rsa-sha256"},
		{"rsa simple", "rsa", rk, dkim.CanonicalizationSimple, "rsa-sha256"},
		{"ed25519 relaxed", "ed", ek, dkim.CanonicalizationRelaxed, "ed25519-sha256"},
		{"ed25519 simple", "ed", ek, dkim.CanonicalizationSimple, "ed25519-sha256"},
	} {
		signed := signMsg(t, wireMessage, "example.test", c.sel, c.key, c.canon)
		for _, form := range []struct {
			name string
			raw  []byte
		}{
			{"wire", []byte(signed)},
			{"milter CRLF folding", milterRebuild(signed, "\r\n")},
			{"milter LF folding", milterRebuild(signed, "\n")},
			{"LF line ends", []byte(strings.ReplaceAll(signed, "\r\n", "\n"))},
		} {
			t.Run(c.name+"/"+form.name, func(t *testing.T) {
				got := VerifyDKIM(testCtx(t), d.Resolver(), form.raw)
				if len(got) != 1 || got[0].Status != DKIMValid {
					t.Fatalf("got %+v", got)
				}
				g := got[0]
				if g.Domain != "example.test" || g.Selector != c.sel || g.Algorithm != c.algo ||
					g.Identifier != "@example.test" || len(g.BPrefix) != 8 {
					t.Fatalf("tags: %+v", g)
				}
			})
		}
	}
}

func TestVerifyDKIMTampered(t *testing.T) {
	rk, ek := testKeys(t)
	d := dkimZone(t)
	for sel, key := range map[string]crypto.Signer{"rsa": rk, "ed": ek} {
		signed := signMsg(t, wireMessage, "example.test", sel, key, dkim.CanonicalizationRelaxed)
		for name, tampered := range map[string]string{
			"body":    strings.Replace(signed, "Hello Bob", "Hello Eve", 1),
			"subject": strings.Replace(signed, "A folded", "A forged", 1),
			"from":    strings.Replace(signed, "alice@example.test", "mallory@example.test", 1),
		} {
			t.Run(sel+"/"+name, func(t *testing.T) {
				got := VerifyDKIM(testCtx(t), d.Resolver(), []byte(tampered))
				if len(got) != 1 || got[0].Status != DKIMInvalid || got[0].Reason == "" {
					t.Fatalf("got %+v", got)
				}
			})
		}
	}
}

// TestVerifyDKIMBroken edits a good signature field into broken ones.
func TestVerifyDKIMBroken(t *testing.T) {
	d := dkimZone(t)
	rk, _ := testKeys(t)
	good := signMsg(t, wireMessage, "example.test", "rsa", rk, dkim.CanonicalizationRelaxed)
	sig, _, _ := strings.Cut(good, "\r\nFrom:")
	with := func(old, new string) string {
		return strings.Replace(sig, old, new, 1) + "\r\nFrom:" + strings.SplitN(good, "\r\nFrom:", 2)[1]
	}
	bh := between(sig, "bh=", ";")
	cases := []struct {
		name string
		msg  string
		want DKIMStatus
	}{
		{"bad base64 b", with(" b=", " b=!!!@@@"), DKIMPermError},
		{"bad base64 bh", with("bh="+bh, "bh=%%%"), DKIMPermError},
		{"missing bh", with("bh="+bh+";", ""), DKIMPermError},
		{"unknown algorithm", with("a=rsa-sha256", "a=rsa-md5"), DKIMPermError},
		{"sha1", with("a=rsa-sha256", "a=rsa-sha1"), DKIMPermError},
		{"key algorithm mismatch", with("a=rsa-sha256", "a=ed25519-sha256"), DKIMPermError},
		{"bad version", with("v=1", "v=2"), DKIMPermError},
		{"huge l=", with("v=1;", "v=1; l=99999999999999999999999999;"), DKIMInvalid},
		{"no key record", with("s=rsa", "s=nokey"), DKIMPermError},
		{"garbage key", with("s=rsa", "s=garbage"), DKIMPermError},
		{"revoked key", with("s=rsa", "s=revoked"), DKIMPermError},
		{"key servfail", with("s=rsa", "s=broken"), DKIMTempError},
		{"huge key record", with("s=rsa", "s=huge"), DKIMPermError},
		{"expired", with("v=1;", "v=1; x=1000000000;"), DKIMPermError},
		{"junk tags", "DKIM-Signature: ;;; = ; v ; ===\r\n" + wireMessage, DKIMPermError},
		{"empty value", "DKIM-Signature:\r\n" + wireMessage, DKIMPermError},
		{"wrong domain key", with("d=example.test", "d=other.test"), DKIMInvalid},
		{"invalid domain", with("d=example.test", "d=exa mple..test"), DKIMPermError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := VerifyDKIM(testCtx(t), d.Resolver(), []byte(c.msg))
			if len(got) != 1 || got[0].Status != c.want {
				t.Fatalf("got %+v, want %s", got, c.want)
			}
		})
	}
}

func TestVerifyDKIMHugeKeyRefused(t *testing.T) {
	rk, _ := testKeys(t)
	d := dkimZone(t)
	msg := signMsg(t, wireMessage, "example.test", "huge", rk, dkim.CanonicalizationRelaxed)
	got := VerifyDKIM(testCtx(t), d.Resolver(), []byte(msg))
	if len(got) != 1 || got[0].Status != DKIMPermError || !strings.Contains(got[0].Reason, "too large") {
		t.Fatalf("got %+v", got)
	}
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, b)
	return v
}

func TestVerifyDKIMUnsignedAndOdd(t *testing.T) {
	d := dkimZone(t)
	r := d.Resolver()
	for name, raw := range map[string]string{
		"unsigned":       wireMessage,
		"empty":          "",
		"no header end":  "From: a@example.test\r\nSubject: x",
		"only blank":     "\r\n",
		"binary garbage": "\x00\xff\xfe:\r\n\r\n\x00",
	} {
		if got := VerifyDKIM(testCtx(t), r, []byte(name + raw)[len(name):]); len(got) != 0 {
			t.Fatalf("%s: got %+v", name, got)
		}
	}
	// A signed header without a body separator still verifies cleanly.
	got := VerifyDKIM(testCtx(t), r, []byte("DKIM-Signature: v=1; d=example.test\r\nFrom: a@b"))
	if len(got) != 1 || got[0].Status != DKIMPermError {
		t.Fatalf("unterminated header: %+v", got)
	}
}

func TestVerifyDKIMSeveralAndBounded(t *testing.T) {
	rk, ek := testKeys(t)
	d := dkimZone(t)
	msg := signMsg(t, wireMessage, "example.test", "rsa", rk, dkim.CanonicalizationRelaxed)
	msg = signMsg(t, msg, "example.test", "ed", ek, dkim.CanonicalizationSimple)
	got := VerifyDKIM(testCtx(t), d.Resolver(), []byte(msg))
	if len(got) != 2 || got[0].Selector != "ed" || got[1].Selector != "rsa" ||
		got[0].Status != DKIMValid || got[1].Status != DKIMValid {
		t.Fatalf("two signatures: %+v", got)
	}
	for i := 0; i < 6; i++ {
		msg = signMsg(t, msg, "example.test", "ed", ek, dkim.CanonicalizationRelaxed)
	}
	got = VerifyDKIM(testCtx(t), d.Resolver(), []byte(msg))
	if len(got) != DefaultMaxDKIMSignatures {
		t.Fatalf("8 signatures: got %d results, want %d", len(got), DefaultMaxDKIMSignatures)
	}
	got = VerifyDKIMWithOptions(testCtx(t), d.Resolver(), []byte(msg), DKIMOptions{MaxSignatures: 2})
	if len(got) != 2 || got[0].Status != DKIMValid {
		t.Fatalf("max 2: %+v", got)
	}
}

func TestVerifyDKIMTimeoutBoundedByContext(t *testing.T) {
	rk, _ := testKeys(t)
	d := dkimZone(t)
	msg := signMsg(t, wireMessage, "example.test", "slow", rk, dkim.CanonicalizationRelaxed)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	got := VerifyDKIM(ctx, d.Resolver(), []byte(msg))
	if len(got) != 1 || got[0].Status != DKIMTempError {
		t.Fatalf("got %+v", got)
	}
}
