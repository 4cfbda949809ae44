// Package uri holds the built-in rules about the links in a message: how a
// host is written (IP literals, numeric or %-encoded hosts, user names,
// odd ports), where a link really goes (anchor text naming another domain,
// shorteners, redirectors, executable downloads) and how many places a
// message links to. Free hosting, IPFS gateways and look-alike domains are
// the phish family's.
package uri

import "github.com/mailsift/mailsift/scoring"

func rule(name string, score float64, desc string, f func(*scoring.Input) (float64, string, bool)) scoring.Rule {
	return scoring.RuleFunc{I: scoring.Info{Name: name, Family: "uri", Score: score, Desc: desc}, F: f}
}

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		rule("URI_IP_HOST", 2.0, "Links to a public IP address instead of a host name", ipHost),
		rule("URI_NUMERIC_HOST", 3.0, "Links to an IP address written as a decimal, hex or octal number", numericHost),
		rule("URI_ENCODED_HOST", 2.0, "Link host name written with %-escapes", encodedHost),
		userinfoRule{},
		rule("URI_ODD_PORT", 1.0, "Links to a public host on a non-standard port", oddPort),
		rule("URI_TEXT_MISMATCH", 1.0, "Anchor text shows one domain, the link goes to another", textMismatch),
		rule("URI_SHORTENER", 0.3, "Links through a URL shortener", shortener),
		rule("URI_MANY_DOMAINS", 0.1, "Links to 15 or more different domains", manyDomains),
		rule("URI_REDIRECTOR", 0.2, "Link passes another site's address in its query (?url=http...)", redirector),
		rule("URI_EXE_LINK", 2.0, "Links to an executable download (.exe, .scr, ...)", exeLink),
		rule("URI_LONG_TRACKING", 0.3, "Very long link carrying a long opaque id", longTracking),
		rule("URI_JAVASCRIPT", 0.5, "A link or form target is javascript: code", javascriptHref),
		rule("URI_MAILTO_REMOVE", 1.5, "mailto: link asking to be sent \"remove\"", mailtoRemove),
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return []*scoring.Meta{
		scoring.MustMeta(scoring.Info{Name: "URI_HOST_TRICKS", Family: "uri", Score: 1.0,
			Desc: "Two or more ways of disguising where links go"},
			"(URI_IP_HOST + URI_NUMERIC_HOST + URI_ENCODED_HOST + URI_USERINFO_DOMAIN + URI_TEXT_MISMATCH + URI_ODD_PORT) >= 2"),
	}
}
