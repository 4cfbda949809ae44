package uri

import (
	"net/netip"
	"strings"

	"github.com/mailsift/mailsift/internal/dom"
)

// RegDomain returns the registrable part of a lower-case host name (see
// dom.Registrable).
func RegDomain(host string) string { return dom.Registrable(host) }

// isIPLiteral reports an IPv4 dotted quad or a bracketed or bare IPv6 address.
func isIPLiteral(host string) bool {
	_, ok := parseIP(host)
	return ok
}

func parseIP(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" || (host[0] < '0' || host[0] > '9') && !strings.Contains(host, ":") {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a, true
}

// parts is a URI split into the pieces these rules look at, all substrings
// of the raw URI (so no allocation).
type parts struct {
	userinfo string // before '@' in the authority
	host     string // as written (may hold %-escapes or upper case)
	port     string // after ':' in the authority, "" when none
	path     string // from the first '/' after the authority, before '?' or '#'
	query    string // after '?', before '#'
}

// split parses raw ("scheme://user@host:port/path?query#frag"). A raw URI
// without "//" (as "www.example.com/x" found in text) is read as authority
// first.
func split(raw string) parts {
	var p parts
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 && i < 12 {
		rest = rest[i+3:]
	} else if i := strings.IndexByte(rest, ':'); i >= 0 && i < 12 && !strings.Contains(rest[:i], ".") {
		return p // mailto:, javascript: and the like have no authority
	}
	end := strings.IndexAny(rest, "/?#\\")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	rest = rest[end:]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		p.userinfo, auth = auth[:at], auth[at+1:]
	}
	p.host = auth
	if strings.HasPrefix(auth, "[") {
		if rb := strings.IndexByte(auth, ']'); rb >= 0 {
			p.host = auth[:rb+1]
			p.port = strings.TrimPrefix(auth[rb+1:], ":")
		}
	} else if c := strings.LastIndexByte(auth, ':'); c >= 0 {
		p.host, p.port = auth[:c], auth[c+1:]
	}
	if h := strings.IndexByte(rest, '#'); h >= 0 {
		rest = rest[:h]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		p.path, p.query = rest[:q], rest[q+1:]
	} else {
		p.path = rest
	}
	return p
}

// webScheme reports the schemes whose links these rules judge.
func webScheme(s string) bool { return s == "http" || s == "https" || s == "ftp" }

// cleanHost returns the lower-case host without a trailing dot or port.
func cleanHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if !strings.HasPrefix(h, "[") {
		if c := strings.LastIndexByte(h, ':'); c >= 0 && strings.Count(h, ":") == 1 {
			h = h[:c]
		}
	}
	return h
}
