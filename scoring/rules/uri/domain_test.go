package uri

import "testing"

func TestRegDomain(t *testing.T) {
	for in, want := range map[string]string{
		"www.example.com":     "example.com",
		"a.b.example.co.uk":   "example.co.uk",
		"example.co.uk":       "example.co.uk",
		"co.uk":               "co.uk",
		"localhost":           "localhost",
		"192.0.2.1":           "192.0.2.1",
		"mail.example.com.":   "example.com",
		"shop.example.com.au": "example.com.au",
	} {
		if got := RegDomain(in); got != want {
			t.Errorf("RegDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplit(t *testing.T) {
	p := split("http://www.bank.com@evil.example:8080/a/b.exe?url=http://x.example/#frag")
	if p.userinfo != "www.bank.com" || p.host != "evil.example" || p.port != "8080" ||
		p.path != "/a/b.exe" || p.query != "url=http://x.example/" {
		t.Errorf("split = %+v", p)
	}
	if p := split("mailto:remove@example.com"); p.host != "" {
		t.Errorf("mailto split = %+v", p)
	}
	if p := split("www.example.com/x"); p.host != "www.example.com" || p.path != "/x" {
		t.Errorf("bare split = %+v", p)
	}
}

func TestEncodedIPv4(t *testing.T) {
	for h, want := range map[string]bool{
		"3232235777":    true,
		"0xc0a80101":    true,
		"0xc0.0xa8.1.1": true,
		"0300.0250.1.1": true,
		"192.168.1.1":   false,
		"example.com":   false,
		"1234":          false,
		"0x1g.1.1.1":    false,
		"10.0.0.1.2":    false,
	} {
		if got := isEncodedIPv4(h); got != want {
			t.Errorf("isEncodedIPv4(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestShownDomain(t *testing.T) {
	for text, want := range map[string]string{
		"http://www.bank.com/login": "www.bank.com",
		"www.bank.com":              "www.bank.com",
		"bank.com":                  "",
		"Click here":                "",
		"me@example.com":            "",
		"v1.2":                      "",
	} {
		if got := shownDomain(text); got != want {
			t.Errorf("shownDomain(%q) = %q, want %q", text, got, want)
		}
	}
}
