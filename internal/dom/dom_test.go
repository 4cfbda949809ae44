package dom

import "testing"

func TestRegistrable(t *testing.T) {
	for host, want := range map[string]string{
		"www.example.com": "example.com", "example.com.": "example.com", "a.b.example.co.uk": "example.co.uk",
		"email.paypal.co.uk": "paypal.co.uk", "shop.example.com.au": "example.com.au", "x.com.de": "x.com.de",
		"foo.ltd.uk": "foo.ltd.uk", "localhost": "localhost", "192.0.2.1": "192.0.2.1", "[2001:db8::1]": "[2001:db8::1]",
		"co.uk": "co.uk", "a.gob.mx": "a.gob.mx",
	} {
		if got := Registrable(host); got != want {
			t.Errorf("Registrable(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestUnder(t *testing.T) {
	yes := [][2]string{{"paypal.com", "paypal.com"}, {"mail.paypal.com", "paypal.com"}}
	no := [][2]string{{"evilpaypal.com", "paypal.com"}, {"paypal.com.evil.ru", "paypal.com"}, {"com", "paypal.com"}}
	for _, c := range yes {
		if !Under(c[0], c[1]) {
			t.Errorf("Under(%q, %q) = false", c[0], c[1])
		}
	}
	for _, c := range no {
		if Under(c[0], c[1]) {
			t.Errorf("Under(%q, %q) = true", c[0], c[1])
		}
	}
}
