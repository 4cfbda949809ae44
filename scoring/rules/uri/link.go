package uri

import (
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// textMismatch fires when an anchor's visible text is a web address on one
// domain and its href goes to another.
func textMismatch(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		if u.Source != message.URIFromHref || u.Text == "" {
			return "", false
		}
		shown := shownDomain(u.Text)
		if shown == "" {
			return "", false
		}
		real := RegDomain(host(u, p))
		if real == "" || RegDomain(shown) == real {
			return "", false
		}
		return shown + " -> " + real, true
	})
}

// shownDomain returns the host of anchor text that reads as one web address
// ("http://www.bank.com/login", "www.bank.com"), else "". A bare
// "bank.com" does not count: newsletters write their brand that way and
// link it through their click tracker.
func shownDomain(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	if strings.ContainsAny(t, " \t\n@") {
		return ""
	}
	schemed := false
	for _, s := range []string{"http://", "https://"} {
		if strings.HasPrefix(t, s) {
			t, schemed = t[len(s):], true
		}
	}
	if end := strings.IndexAny(t, "/?#:"); end >= 0 {
		t = t[:end]
	}
	t = strings.TrimSuffix(t, ".")
	if !schemed && !strings.HasPrefix(t, "www.") {
		return ""
	}
	if !looksLikeDomain(t) && !isIPLiteral(t) {
		return ""
	}
	return t
}

// shorteners are URL-shortening services: the link hides where it goes.
var shorteners = map[string]bool{
	"tinyurl.com": true, "makeashorterlink.com": true, "shorl.com": true, "snipurl.com": true,
	"snurl.com": true, "metamark.net": true, "xrl.us": true, "notlong.com": true, "bit.ly": true,
	"goo.gl": true, "t.co": true, "ow.ly": true, "is.gd": true, "v.gd": true, "buff.ly": true,
	"tiny.cc": true, "rebrand.ly": true, "cutt.ly": true, "shorturl.at": true, "rb.gy": true,
	"t.ly": true, "s.id": true, "bl.ink": true, "lnkd.in": true, "x.co": true, "adf.ly": true,
	"bc.vc": true, "shorte.st": true, "po.st": true, "clck.ru": true, "tr.im": true, "su.pr": true,
	"qr.net": true, "u.to": true, "urlz.fr": true, "soo.gd": true, "tinyurl.co": true, "shrtco.de": true,
}

// shortener fires on a link through a URL shortener.
func shortener(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		h := host(u, p)
		if shorteners[h] || shorteners[strings.TrimPrefix(h, "www.")] {
			return h, true
		}
		return "", false
	})
}

// manyDomainsAt is the number of distinct registrable domains linked (not
// counting images) at which URI_MANY_DOMAINS fires.
const manyDomainsAt = 15

// manyDomains fires when links go to many different registrable domains.
func manyDomains(in *scoring.Input) (float64, string, bool) {
	var seen []string
	for i := range in.Msg.URIs {
		u := &in.Msg.URIs[i]
		if !webScheme(u.Scheme) || u.Source == message.URIFromSrc {
			continue
		}
		d := RegDomain(host(u, split(u.Raw)))
		if d == "" || contains(seen, d) {
			continue
		}
		seen = append(seen, d)
		if len(seen) >= manyDomainsAt {
			return 1, strconv.Itoa(len(seen)) + "+ domains", true
		}
	}
	return 0, "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// redirector fires on a link whose query carries another web address on a
// different domain ("?url=http://elsewhere.example/").
func redirector(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		q := strings.ToLower(p.query)
		i := strings.Index(q, "=http")
		if i < 0 {
			return "", false
		}
		target := q[i+1:]
		target = strings.Replace(strings.Replace(target, "%3a", ":", 1), "%2f%2f", "//", 1)
		if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
			return "", false
		}
		th := cleanHost(split(target).host)
		if th == "" || RegDomain(th) == RegDomain(host(u, p)) {
			return "", false
		}
		return RegDomain(host(u, p)) + " -> " + th, true
	})
}

// exeSuffixes are file types that run when opened.
var exeSuffixes = []string{".exe", ".scr", ".pif", ".bat", ".cmd", ".vbs", ".vbe", ".msi", ".hta", ".cpl", ".lnk", ".wsf"}

// exeLink fires on a link to an executable download.
func exeLink(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		if u.Source == message.URIFromSrc {
			return "", false
		}
		path := strings.ToLower(p.path)
		for _, s := range exeSuffixes {
			if strings.HasSuffix(path, s) {
				return path[strings.LastIndexByte(path, '/')+1:], true
			}
		}
		return "", false
	})
}

// longTracking fires on a very long link carrying a long opaque id, the
// shape of per-recipient tracking links.
func longTracking(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		if len(u.Raw) < 150 || u.Source == message.URIFromSrc {
			return "", false
		}
		if n := longestToken(p.path + "?" + p.query); n >= 24 {
			return strconv.Itoa(len(u.Raw)) + " chars, id of " + strconv.Itoa(n), true
		}
		return "", false
	})
}

// longestToken returns the length of the longest run of letters and digits
// that holds both letters and digits.
func longestToken(s string) int {
	best, n, letters, digits := 0, 0, false, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			if c >= '0' && c <= '9' {
				n, digits = n+1, true
				continue
			}
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				n, letters = n+1, true
				continue
			}
		}
		if letters && digits && n > best {
			best = n
		}
		n, letters, digits = 0, false, false
	}
	return best
}

// javascriptHref fires on a link or form whose target is javascript: code.
func javascriptHref(in *scoring.Input) (float64, string, bool) {
	for i := range in.Msg.URIs {
		u := &in.Msg.URIs[i]
		if u.Scheme == "javascript" && (u.Source == message.URIFromHref || u.Source == message.URIFromForm) {
			return 1, "", true
		}
	}
	return 0, "", false
}

// mailtoRemove fires on a mailto: link asking for "remove" (the 2002 bulk
// mailer's opt-out), as opposed to a mailing list's unsubscribe address.
func mailtoRemove(in *scoring.Input) (float64, string, bool) {
	for i := range in.Msg.URIs {
		u := &in.Msg.URIs[i]
		if u.Scheme != "mailto" {
			continue
		}
		r := strings.ToLower(u.Raw)
		if strings.Contains(r, "remove") || strings.Contains(r, "takeoff") || strings.Contains(r, "take-off") {
			return 1, strings.TrimPrefix(r, "mailto:"), true
		}
	}
	return 0, "", false
}
