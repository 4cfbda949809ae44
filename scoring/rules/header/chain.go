package header

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailsift/mailsift/internal/dom"
	"github.com/mailsift/mailsift/scoring"
)

// bigProviders groups the domains each large mail provider sends from. A
// host name under one of them is only believable when the receiving side's
// reverse DNS agrees.
var bigProviders = [][]string{
	{"hotmail.com", "msn.com", "outlook.com", "live.com"},
	{"yahoo.com", "yahoo.net", "yahoodns.net", "yahoogroups.com", "egroups.com"},
	{"aol.com", "aol.net", "aim.com"},
	{"gmail.com", "google.com", "googlemail.com"},
}

func under(host, domain string) bool { return dom.Under(host, domain) }

// listedProvider returns the bigProviders group listing host's domain, or -1.
func listedProvider(host string) int {
	for i, ds := range bigProviders {
		for _, d := range ds {
			if under(host, d) {
				return i
			}
		}
	}
	return -1
}

// providerBrands maps the names the big providers also use under country
// suffixes (yahoo.co.uk, hotmail.fr, aol.de) to the bigProviders group of
// their .com domain.
var providerBrands = func() map[string]int {
	out := map[string]int{}
	for _, b := range []string{"hotmail", "yahoo", "aol", "gmail", "googlemail"} {
		out[b] = listedProvider(b + ".com")
	}
	return out
}()

// provider returns the index of the provider group host belongs to, or -1.
func provider(host string) int {
	if p := listedProvider(host); p >= 0 {
		return p
	}
	r := dom.Registrable(host)
	if i := strings.IndexByte(r, '.'); i > 0 {
		if p, ok := providerBrands[r[:i]]; ok {
			return p
		}
	}
	return -1
}

// forgedBigISP: a hop whose HELO names a big provider while the receiver
// resolved the client to something else (or to nothing).
func forgedBigISP(in *scoring.Input) (float64, string, bool) {
	for _, h := range hops(in) {
		p := provider(h.Helo)
		if p < 0 || !h.Recorded || internal(h.IP) {
			continue
		}
		if provider(h.RDNS) != p {
			return 1, h.Helo + " from " + cmp.Or(h.RDNS, "no name"), true
		}
	}
	return 0, "", false
}

// fromBigISPNoRcvd: From is an address at a big provider's own domain, yet
// no Received field mentions that provider at all.
func fromBigISPNoRcvd(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if len(m.From) == 0 {
		return 0, "", false
	}
	p := provider(m.From[0].Domain)
	fs := m.All("Received")
	if p < 0 || len(fs) == 0 || IsListMail(m) {
		return 0, "", false
	}
	own := dom.Registrable(m.From[0].Domain)
	for _, f := range fs {
		low := strings.ToLower(f.Raw)
		if strings.Contains(low, own) {
			return 0, "", false
		}
		for _, d := range bigProviders[p] {
			if strings.Contains(low, d) {
				return 0, "", false
			}
		}
	}
	return 1, m.From[0].Domain, true
}

// heloBareIP: a HELO that is a dotted IP address without the brackets an
// address literal needs, as bulk tools write it.
func heloBareIP(in *scoring.Input) (float64, string, bool) {
	for _, h := range hops(in) {
		if !h.Recorded || (h.IP.IsValid() && internal(h.IP)) {
			continue
		}
		if a, err := netip.ParseAddr(h.Helo); err == nil && a.Is4() && !internal(a) {
			return 1, h.Helo, true
		}
	}
	return 0, "", false
}

// heloNoDot: a public client that greeted with a single word, neither a
// domain name nor an address literal.
func heloNoDot(in *scoring.Input) (float64, string, bool) {
	for _, h := range hops(in) {
		if h.Helo == "" || internal(h.IP) || h.Helo == "localhost" || h.Helo == "unknown" {
			continue
		}
		if !strings.ContainsAny(h.Helo, ".[:") {
			return 1, h.Helo, true
		}
	}
	return 0, "", false
}

// noReceived: mail from an unauthenticated outside client that carries no
// Received field beyond, at most, our own MTA's.
func noReceived(in *scoring.Input) (float64, string, bool) {
	env := in.Env
	if env != nil && (env.AuthUser != "" || (env.ClientIP.IsValid() && internal(env.ClientIP))) {
		return 0, "", false
	}
	fs := in.Msg.All("Received")
	switch {
	case len(fs) == 0:
		return 1, "", true
	case len(fs) == 1 && env != nil && env.ClientIP.IsValid():
		if parseHop(fs[0].Raw).IP == env.ClientIP {
			return 1, "only our own", true
		}
	}
	return 0, "", false
}

// backwardsSlack is how far an older hop's clock may run ahead of the next
// hop's before the chain counts as inconsistent.
const backwardsSlack = 6 * time.Hour

// rcvdBackwards: a hop stamped hours later than the hop that received the
// message after it, as in a forged chain pasted below real ones.
func rcvdBackwards(in *scoring.Input) (float64, string, bool) {
	var newer time.Time
	for _, h := range hops(in) {
		t := h.date
		if t.IsZero() || (h.IP.IsValid() && internal(h.IP)) {
			continue // an internal hop's clock is the sender's own business
		}
		if !newer.IsZero() && t.Sub(newer) > backwardsSlack {
			return 1, fmt.Sprintf("%.0fh", t.Sub(newer).Hours()), true
		}
		newer = t
	}
	return 0, "", false
}
