package milter_test

import (
	"strconv"
	"strings"
	"testing"

	gomilter "github.com/d--j/go-milter"

	"github.com/mailsift/mailsift/config"
)

// Incoming Authentication-Results fields claiming our authserv-id are
// removed, highest index first; other hosts' fields keep their place.
func TestForgedAuthResultsRemoved(t *testing.T) {
	h := start(t, runtimeWith(t, func(c *config.Config) { c.Auth.AuthservID = "mx.test" }), 0)
	hdrs := append(hamHeaders(),
		field{"Authentication-Results", "other.example; spf=fail"},
		field{"Authentication-Results", "mx.test; spf=pass smtp.mailfrom=a@example.com"},
		field{"authentication-results", "other.example; dkim=pass"},
		field{"Authentication-Results", "MX.TEST; dkim=pass header.d=example.com"},
	)
	mods, _ := h.send(t, hdrs, "hello\r\n")
	var dels []string
	for _, m := range mods {
		if m.Type == gomilter.ActionChangeHeader && m.HeaderValue == "" {
			dels = append(dels, m.HeaderName+"#"+strconv.Itoa(int(m.HeaderIndex)))
		}
	}
	if want := "Authentication-Results#4 Authentication-Results#2"; strings.Join(dels, " ") != want {
		t.Errorf("deletes %q, want %q", dels, want)
	}
}
