package header

import (
	"net/netip"
	"testing"
	"time"
)

func TestParseHop(t *testing.T) {
	cases := []struct {
		in         string
		helo, rdns string
		ip         string
		recorded   bool
	}{
		{"from mail.example.org (mail.example.org [203.0.113.5])\r\n\tby mx.example.net (Postfix) with ESMTP id 1; Thu, 15 Jan 2026 11:58:02 +0000",
			"mail.example.org", "mail.example.org", "203.0.113.5", true},
		{"from unknown (HELO box.example.com) (198.51.100.2) by mx with SMTP; 8 Oct 2002 20:22:57 -0000",
			"box.example.com", "", "198.51.100.2", true}, // qmail's unbracketed address, "unknown" is no name
		{"from host.example.com ([198.51.100.3] helo=pc1) by mx with esmtp; 8 Oct 2002 20:22:57 -0000",
			"pc1", "host.example.com", "198.51.100.3", true},
		{"from 216.30.74.2 by web.example.com with HTTP; Mon, 02 Sep 2002 06:44:25 GMT",
			"216.30.74.2", "", "", false},
	}
	for _, c := range cases {
		h := parseHop(c.in)
		var ip netip.Addr
		if c.ip != "" {
			ip = netip.MustParseAddr(c.ip)
		}
		if h.Helo != c.helo || h.RDNS != c.rdns || h.IP != ip || h.Recorded != c.recorded {
			t.Errorf("parseHop(%q) = %+v", c.in, h)
		}
		if h.date.IsZero() {
			t.Errorf("parseHop(%q): no date", c.in)
		}
	}
}

func TestParseDateZones(t *testing.T) {
	got, ok := ParseDate("Mon, 2 Sep 2002 01:02:03 PDT (comment)")
	want := time.Date(2002, 9, 2, 8, 2, 3, 0, time.UTC)
	if !ok || !got.Equal(want) {
		t.Fatalf("ParseDate = %v, %v; want %v", got, ok, want)
	}
	if _, ok := ParseDate("sometime next week"); ok {
		t.Fatal("ParseDate accepted garbage")
	}
}
