package header

import (
	"testing"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

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

// A big provider's HELO is forged when the receiver recorded another name or
// none at all, in any MTA's form.
func TestForgedBigISP(t *testing.T) {
	for rcvd, want := range map[string]bool{
		"from mail.yahoo.com (dsl-1.example.net [198.51.100.7]) by mx":       true,
		"from mail.yahoo.com (unknown [198.51.100.7]) by mx":                 true,
		"from mail.yahoo.com ([198.51.100.7]) by mx":                         true,
		"from [198.51.100.7] (helo=mail.yahoo.com) by mx":                    true,
		"from 198.51.100.7 (HELO mail.yahoo.com) by mx":                      true,
		"from mail.yahoo.com (web1.mail.yahoo.com [198.51.100.7]) by mx":     false,
		"from web1.mail.yahoo.com (HELO mail.yahoo.com) (198.51.100.7) by x": false,
		"from mail.yahoo.com (unknown [10.0.0.7]) by mx":                     false,
		"from mail.yahoo.com by mx":                                          false,
	} {
		m := message.Parse([]byte("Received: "+rcvd+"\nFrom: a@example.org\n\nx\n"), message.Limits{}.WithDefaults())
		if _, _, got := forgedBigISP(&scoring.Input{Msg: m}); got != want {
			t.Errorf("Received %q: forged %v, want %v", rcvd, got, want)
		}
	}
}
