package uri

import (
	"context"
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// firstWeb calls test on every web URI (http, https, ftp) until it reports
// a hit, and returns that hit.
func firstWeb(m *message.Message, test func(u *message.URI, p parts) (string, bool)) (float64, string, bool) {
	for i := range m.URIs {
		u := &m.URIs[i]
		if !webScheme(u.Scheme) {
			continue
		}
		if d, ok := test(u, split(u.Raw)); ok {
			return 1, d, true
		}
	}
	return 0, "", false
}

// host returns the URI's lower-case host, from the parser when it has one.
func host(u *message.URI, p parts) string {
	if u.Host != "" {
		return cleanHost(u.Host)
	}
	return cleanHost(p.host)
}

// ipHost fires on a link to a public IP address instead of a name.
func ipHost(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		h := host(u, p)
		a, ok := parseIP(h)
		if !ok || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsLinkLocalUnicast() {
			return "", false
		}
		return h, true
	})
}

// numericHost fires on an IPv4 address written as one decimal or hex
// number, or with hex or octal parts: "http://3232235777/",
// "http://0xc0.0xa8.1.1/", "http://0300.0250.1.1/".
func numericHost(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		h := cleanHost(p.host)
		if h == "" || isIPLiteral(h) {
			return "", false
		}
		if isEncodedIPv4(h) {
			return h, true
		}
		return "", false
	})
}

// isEncodedIPv4 reports a host of one to four numeric parts where some part
// is hex (0x..) or octal (leading 0) or the whole is a bare number above
// 16 bits (a dword address).
func isEncodedIPv4(h string) bool {
	labels := strings.Split(h, ".")
	if len(labels) > 4 {
		return false
	}
	odd := false
	for _, l := range labels {
		switch {
		case len(l) > 2 && l[0] == '0' && l[1] == 'x':
			if !isHex(l[2:]) {
				return false
			}
			odd = true
		case l != "" && isDigits(l):
			if len(l) > 1 && l[0] == '0' {
				odd = true
			}
		default:
			return false
		}
	}
	if len(labels) == 1 && len(h) >= 6 && isDigits(h) {
		odd = true
	}
	return odd
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// encodedHost fires on %-escapes in the host name, which no honest link
// needs.
func encodedHost(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		if strings.IndexByte(p.host, '%') >= 0 {
			return p.host, true
		}
		return "", false
	})
}

// Userinfo names.
const (
	nameUserinfo       = "URI_USERINFO"
	nameUserinfoDomain = "URI_USERINFO_DOMAIN"
)

// userinfoRule reports a user name in a web link ("http://x@host/"), and
// more strongly one that looks like a domain ("http://www.bank.com@evil/").
type userinfoRule struct{}

// Info implements scoring.Rule.
func (userinfoRule) Info() []scoring.Info {
	return []scoring.Info{
		{Name: nameUserinfo, Family: "uri", Score: 1.5,
			Desc: "A web link carries a user name before '@'"},
		{Name: nameUserinfoDomain, Family: "uri", Score: 3.0,
			Desc: "A web link hides its real host behind a domain-like user name (bank.com@evil)"},
	}
}

// Eval implements scoring.Rule.
func (userinfoRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	plain := ""
	for i := range in.Msg.URIs {
		u := &in.Msg.URIs[i]
		if u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		ui := u.UserInfo
		if ui == "" {
			ui = split(u.Raw).userinfo
		}
		if ui == "" {
			continue
		}
		if looksLikeDomain(ui) {
			out.Hit(nameUserinfoDomain, 1, ui)
			return
		}
		if plain == "" {
			plain = ui
		}
	}
	if plain != "" {
		out.Hit(nameUserinfo, 1, plain)
	}
}

// looksLikeDomain reports a name with a dot and an alphabetic last label.
func looksLikeDomain(s string) bool {
	s = strings.ToLower(s)
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 || dot == len(s)-1 || strings.ContainsAny(s, ":/ ") {
		return false
	}
	tld := s[dot+1:]
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return len(tld) >= 2 && len(tld) <= 6
}

// oddPort fires on a web link to a public host on a port other than the
// scheme's standard one.
func oddPort(in *scoring.Input) (float64, string, bool) {
	return firstWeb(in.Msg, func(u *message.URI, p parts) (string, bool) {
		switch p.port {
		case "", "80", "443", "21":
			return "", false
		}
		h := host(u, p)
		if a, ok := parseIP(h); ok && (a.IsPrivate() || a.IsLoopback()) || h == "localhost" || !strings.Contains(h, ".") {
			return "", false
		}
		return h + ":" + p.port, true
	})
}
