package phish

import (
	"context"
	"testing"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

func TestSite(t *testing.T) {
	for host, want := range map[string]string{
		"email.paypal.co.uk":   "paypal.co.uk",
		"paypal.com.evil.ru":   "evil.ru",
		"www.example.com":      "example.com",
		"example.com":          "example.com",
		"localhost":            "localhost",
		"shop.amazon.com.au":   "amazon.com.au",
		"a.b.example.co.jp.":   "example.co.jp",
		"foo.github.io":        "github.io",
		"sub.example.fr":       "example.fr",
		"mail.google.com.":     "google.com",
		"groups.msn.com":       "msn.com",
		"x.y.z.example.com.br": "example.com.br",
	} {
		if got := site(host); got != want {
			t.Errorf("site(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestIsFreemail(t *testing.T) {
	for d, want := range map[string]bool{
		"gmail.com": true, "yahoo.co.uk": true, "hotmail.fr": true, "gmx.de": true,
		"groups.msn.com": false, "example.com": false, "": false, "mail.yahoo.com": false,
	} {
		if got := isFreemail(d); got != want {
			t.Errorf("isFreemail(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestFindBrand(t *testing.T) {
	cases := []struct {
		s      string
		weakOK bool
		want   string
	}{
		{"paypal service", true, "PayPal"},
		{"apple support", true, "Apple"},
		{"apple valley news", true, ""},
		{"chase miller", true, ""},
		{"chase", true, "Chase"},
		{"ups", false, ""},
		{"ups my choice", false, "UPS"},
		{"startups weekly", true, ""},
		{"microsoft outlook", true, "Microsoft"},
		{"kim from the office", true, ""},
		{"netflix: your account", false, "Netflix"},
	}
	for _, c := range cases {
		got := ""
		if b := findBrand(c.s, c.weakOK); b != nil {
			got = b.name
		}
		if got != c.want {
			t.Errorf("findBrand(%q, %v) = %q, want %q", c.s, c.weakOK, got, c.want)
		}
	}
}

func TestBrandLegit(t *testing.T) {
	pp := findBrand("paypal", false)
	for d, want := range map[string]bool{
		"paypal.com": true, "e.paypal.de": true, "paypal.co.uk": true,
		"paypal.com.evil.ru": false, "paypal-secure.com": false, "example.com": false,
	} {
		if got := pp.legit(d); got != want {
			t.Errorf("PayPal legit(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestPunyBrand(t *testing.T) {
	for host, want := range map[string]string{
		"xn--pypal-4ve.com":     "paypal", // Cyrillic а
		"xn--80ak6aa92e.com":    "apple",  // аррӏе
		"xn--mnchen-3ya.de":     "",       // münchen
		"www.xn--mnchen-3ya.de": "",
	} {
		if got, _ := punyBrand(host); got != want {
			t.Errorf("punyBrand(%q) = %q, want %q", host, got, want)
		}
	}
	if !hasPunycode("xn--mnchen-3ya.de") || !hasPunycode("münchen.de") || hasPunycode("muenchen.de") {
		t.Error("hasPunycode wrong")
	}
}

func TestIsIPFS(t *testing.T) {
	cid := "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	v0 := "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
	cases := []struct {
		host, rest string
		want       bool
	}{
		{"ipfs.io", "/ipfs/" + cid + "/x.html", true},
		{"cloudflare-ipfs.com", "/ipns/example", true},
		{cid + ".ipfs.dweb.link", "/", true},
		{cid + ".ipfs.some-gateway.example", "/", true},
		{"gw.example", "/ipfs/" + v0, true},
		{"docs.ipfs.tech", "/concepts/", false},
		{"gw.example", "/ipfs/readme", false},
		{"example.com", "/", false},
	}
	for _, c := range cases {
		if got := isIPFS(c.host, c.rest); got != c.want {
			t.Errorf("isIPFS(%q, %q) = %v, want %v", c.host, c.rest, got, c.want)
		}
	}
}

func TestFreeHost(t *testing.T) {
	cases := []struct {
		host, rest string
		want       bool
	}{
		{"login-7781.web.app", "/", true},
		{"web.app", "/", false},
		{"sites.google.com", "/view/x", true},
		{"docs.google.com", "/forms/d/e/1/viewform", true},
		{"docs.google.com", "/document/d/1", false},
		{"firebase.google.com", "/docs/hosting", false},
		{"myweb.app.example.com", "/", false},
	}
	for _, c := range cases {
		if _, got := freeHost(c.host, c.rest); got != c.want {
			t.Errorf("freeHost(%q, %q) = %v, want %v", c.host, c.rest, got, c.want)
		}
	}
}

func TestLureText(t *testing.T) {
	m := &message.Message{Subject: "Action REQUIRED", TextLower: "your  mailbox\n  is   full.\ndon’t wait"}
	if got, want := lureText(m), "action required your mailbox is full. don't wait"; got != want {
		t.Errorf("lureText = %q, want %q", got, want)
	}
}

func TestAddrDomainIn(t *testing.T) {
	for s, want := range map[string]string{
		"support@Microsoft.com":               "microsoft.com",
		"John (john@example.org)":             "example.org",
		"AuthorTracker@harpercollins.com [x]": "harpercollins.com",
		"John Smith":                          "",
		"@handle":                             "",
	} {
		if got := addrDomainIn(s); got != want {
			t.Errorf("addrDomainIn(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestExchangeBounceNotBrand(t *testing.T) {
	m := &message.Message{From: []message.Address{{Name: "Microsoft Outlook",
		Addr: "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example", Domain: "corp.example"}}}
	out := &scoring.Hits{}
	brandFromName.Eval(context.Background(), &scoring.Input{Msg: m}, out)
	if out.Has("PHISH_BRAND_FROM_NAME") {
		t.Error("Exchange bounce counted as brand impersonation")
	}
}

func TestMatchLures(t *testing.T) {
	found := matchLures("hello. your parcel is on hold, a re-delivery fee applies. mailbox  is full")
	if found[4] != "parcel is on hold" { // PHISH_PARCEL_LURE
		t.Errorf("parcel lure = %q", found[4])
	}
	if found[0] != "" {
		t.Errorf("mailbox lure fired on unfolded text: %q", found[0])
	}
	m := &message.Message{Subject: "Notice", TextLower: "your\nmailbox   is\u00a0full"}
	out := &scoring.Hits{}
	lureRule{}.Eval(context.Background(), &scoring.Input{Msg: m}, out)
	if !out.Has("PHISH_MAILBOX_LURE") || !out.Has("__PHISH_LURE") {
		t.Errorf("folded text not matched: %+v", out.List())
	}
}
