package message

import "testing"

// ParseHop takes the client address the receiver recorded, never one the
// client wrote in its HELO.
func TestParseHopAddress(t *testing.T) {
	cases := []struct{ name, v, ip, helo string }{
		{"postfix", "from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.org (Postfix) with ESMTP id X; Mon, 1 Jan 2024 00:00:00 +0000", "192.0.2.1", "mail.example.com"},
		{"postfix, HELO literal", "from [10.0.0.1] (unknown [198.51.100.7]) by relay", "198.51.100.7", "[10.0.0.1]"},
		{"private HELO literal", "from [192.168.1.5] (unknown [198.51.100.7]) by relay", "198.51.100.7", "[192.168.1.5]"},
		{"sendmail", "from helo.example (rdns.example [192.0.2.2] (may be forged)) by mx", "192.0.2.2", "helo.example"},
		{"no comment", "from [192.0.2.9] by mx", "", "[192.0.2.9]"},
		{"literal after by", "from a.example (a.example) by mx ([192.0.2.3])", "", "a.example"},
		{"exim", "from rdns.example ([192.0.2.4] helo=h.example) by mx", "192.0.2.4", "h.example"},
		{"exim without rDNS", "from [192.0.2.5] (helo=h.example) by mx", "192.0.2.5", "h.example"},
		{"IPv6", "from h.example (h.example [IPv6:2001:db8::7]) by mx", "2001:db8::7", "h.example"},
		{"qmail", "from rdns.example (HELO h.example) (192.0.2.6) by mx with SMTP", "192.0.2.6", "h.example"},
		{"qmail, bracketed", "from unknown (HELO h.example) ([192.0.2.10]) by mx", "192.0.2.10", "h.example"},
		{"qmail without rDNS", "from 192.0.2.7 (HELO localhost) by mx (192.0.2.99) with SMTP", "192.0.2.7", "localhost"},
		{"qmail HELO is an address", "from rdns.example (HELO 10.0.0.1) by mx", "", "10.0.0.1"},
		{"qmail HELO literal", "from rdns.example (HELO [10.0.0.1]) by mx", "", "[10.0.0.1]"},
		{"local", "by mx.example.org (Postfix, from userid 0)", "", ""},
	}
	for _, c := range cases {
		h := ParseHop(c.v)
		ip := ""
		if h.IP.IsValid() {
			ip = h.IP.String()
		}
		if ip != c.ip || h.Helo != c.helo {
			t.Errorf("%s: IP %q HELO %q, want %q %q", c.name, ip, h.Helo, c.ip, c.helo)
		}
	}
}

// RDNS is the name the receiver recorded for the client, "" when it recorded
// none, whatever the form says instead ("unknown", an address, a literal).
func TestParseHopName(t *testing.T) {
	for v, want := range map[string]string{
		"from h (mail.example.com. [192.0.2.1]) by mx":         "mail.example.com",
		"from h (unknown [192.0.2.1]) by mx":                   "",
		"from h ([192.0.2.1]) by mx":                           "",
		"from h (ident@host.example.net [192.0.2.1]) by mx":    "host.example.net",
		"from host.example.com ([192.0.2.3] helo=pc1) by mx":   "host.example.com",
		"from [192.0.2.5] (helo=h.example) by mx":              "",
		"from rdns.example (HELO h.example) (192.0.2.6) by mx": "rdns.example",
		"from 192.0.2.7 (HELO localhost) by mx":                "",
		"from unknown (HELO h.example) (192.0.2.8) by mx":      "",
	} {
		if got := ParseHop(v).RDNS; got != want {
			t.Errorf("ParseHop(%q).RDNS = %q, want %q", v, got, want)
		}
	}
}
