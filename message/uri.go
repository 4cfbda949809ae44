package message

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxURILen bounds URI.Raw; data: URIs in particular can be huge.
const maxURILen = 2048

// addURI records one URI found in the message, within Limits.MaxURIs.
func (p *parser) addURI(raw string, src URISource, text string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return
	}
	if len(p.m.URIs) >= p.lim.MaxURIs {
		p.flaw(FlawTooManyURIs)
		return
	}
	raw = cutUTF8(raw, maxURILen)
	u := parseURI(raw)
	u.Source, u.Text = src, text
	p.m.URIs = append(p.m.URIs, u)
}

// noHostSchemes are schemes whose URIs name no host.
func noHostScheme(s string) bool {
	switch s {
	case "mailto", "cid", "data", "javascript", "tel", "sms", "about", "callto", "mid", "news":
		return true
	}
	return false
}

// specialScheme: browsers ignore how many slashes (or backslashes) follow
// these schemes, so "http:\\evil.example" and "http:/evil.example" work.
func specialScheme(s string) bool {
	switch s {
	case "http", "https", "ftp", "ws", "wss":
		return true
	}
	return false
}

// parseURI splits a URI into scheme, user info and host, leniently.
func parseURI(raw string) URI {
	u := URI{Raw: raw}
	s := stripControls(raw)
	scheme, rest := splitScheme(s)
	u.Scheme = scheme
	switch {
	case noHostScheme(scheme):
		return u
	case specialScheme(scheme):
		rest = strings.TrimLeft(rest, `/\`)
	case scheme == "" && hasPrefixFold(s, "www."):
		u.Scheme = "http"
	case strings.HasPrefix(rest, "//"):
		rest = rest[2:]
	default:
		return u // relative, or a scheme without an authority
	}
	auth := rest
	if i := strings.IndexAny(auth, `/?#\`); i >= 0 {
		auth = auth[:i]
	}
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		u.UserInfo, auth = auth[:i], auth[i+1:]
	}
	u.Host = strings.ToLower(hostOf(auth))
	return u
}

// hostOf strips the port from host[:port] and the brackets of [v6]:port.
func hostOf(hp string) string {
	if strings.HasPrefix(hp, "[") {
		if i := strings.IndexByte(hp, ']'); i > 0 {
			return hp[1:i]
		}
		return hp[1:]
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i]
	}
	return hp
}

// splitScheme returns the lower-cased scheme and what follows its colon, or
// "" and s when s has no scheme.
func splitScheme(s string) (string, string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') && i > 0:
		case c == ':' && i > 0:
			return strings.ToLower(s[:i]), s[i+1:]
		default:
			return "", s
		}
	}
	return "", s
}

// stripControls removes tabs, line breaks and other controls, which
// browsers drop from URLs.
func stripControls(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7F {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= ' ' && s[i] != 0x7F {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// textURIs records the bare URIs (http://, https://, www.) in visible
// text. A URI already recorded from text is not recorded again.
func (p *parser) textURIs(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c != 'h' && c != 'w' {
			continue
		}
		if i > 0 && isWordByte(s[i-1]) {
			continue
		}
		rest := s[i:]
		if !hasPrefixFold(rest, "http://") && !hasPrefixFold(rest, "https://") && !hasPrefixFold(rest, "www.") {
			continue
		}
		n := uriEnd(rest, authStart(rest))
		raw := trimURITail(rest[:n])
		i += n - 1
		if len(raw) <= len("www.") || strings.HasSuffix(raw, "//") {
			continue
		}
		if _, dup := p.seenText[raw]; dup {
			continue
		}
		if p.seenText == nil {
			p.seenText = make(map[string]struct{})
		}
		p.seenText[raw] = struct{}{}
		p.addURI(raw, URIFromText, "")
		if len(p.m.URIs) >= p.lim.MaxURIs {
			return
		}
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '/' || c == '@'
}

// authStart returns where the authority begins in a bare URI that starts
// with http://, https:// or www.
func authStart(s string) int {
	if i := strings.Index(s, "//"); i >= 0 && i < len("https:") {
		return i + 2
	}
	return 0
}

// uriEnd returns the length of the URI at the start of s, whose authority
// starts at auth: up to white space or a character that cannot appear in a
// URI written in text. The host also ends at a byte that is not valid in a
// host name, and at Unicode spaces (U+00A0 included), punctuation and
// symbols, so that "www.example.com\u00a0uk" or "www.example.edu。" end at
// the host.
func uriEnd(s string, auth int) int {
	inAuth := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c <= ' ', c == '<', c == '>', c == '"', c == '`', c == 0x7F, c == '{', c == '}', c == '|', c == '^':
				return i
			case i < auth || !inAuth:
			case c == '/' || c == '?' || c == '#' || c == '\\':
				inAuth = false
			case !hostByte(c):
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			return i
		}
		// QUIRK: Chinese and Japanese text runs on after a URL without a
		// blank. A host that is already a whole ASCII domain name ends at
		// the first letter outside the Latin script.
		if inAuth && i >= auth && !unicode.Is(unicode.Latin, r) && wholeASCIIHost(s[auth:i]) {
			return i
		}
		i += size
	}
	return len(s)
}

// hostByte reports an ASCII byte that may appear in an authority written
// in text: host name, port, user info and IPv6 brackets.
func hostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-._~%:@[]", c) >= 0
}

// wholeASCIIHost reports whether the authority a (a trailing dot allowed)
// is an ASCII host name of two or more labels ending in a top-level domain
// of two or more letters.
func wholeASCIIHost(a string) bool {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		a = a[i+1:]
	}
	a = strings.TrimSuffix(a, ".")
	dot := strings.LastIndexByte(a, '.')
	if dot <= 0 || !isASCIIString(a) || len(a)-dot-1 < 2 {
		return false
	}
	for _, c := range []byte(a[dot+1:]) {
		if c|0x20 < 'a' || c|0x20 > 'z' {
			return false
		}
	}
	return true
}

// trimURITail drops punctuation that ends a sentence rather than the URI,
// and a closing bracket without its opening one.
func trimURITail(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'*", c) >= 0:
		case c == ')' && !strings.Contains(u, "("):
		case c == ']' && !strings.Contains(u, "["):
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}
