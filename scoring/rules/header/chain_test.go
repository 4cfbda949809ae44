package header

import "testing"

func TestProvider(t *testing.T) {
	for host, want := range map[string]int{
		"mx1.hotmail.com":       0,
		"hotmail.co.uk":         0,
		"web12.mail.yahoo.com":  1,
		"yahoo.co.uk":           1,
		"mail.yahoo.fr":         1,
		"aol.de":                2,
		"googlemail.com":        3,
		"yahoo-mail.example":    -1,
		"notyahoo.co.uk":        -1,
		"mail.example.org":      -1,
		"yahoo":                 -1,
		"hotmail.example.co.uk": -1,
	} {
		if got := provider(host); got != want {
			t.Errorf("provider(%q) = %d, want %d", host, got, want)
		}
	}
}
