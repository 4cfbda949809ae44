// Package dom holds the domain-name helpers the rule families share.
package dom

import (
	"net/netip"
	"strings"
)

// twoLevel are public suffixes of two labels under which names are
// registered at the third level, beyond the generic pattern in genericSecond.
// A small list, not the Public Suffix List: good enough to tell "a.co.uk"
// from "b.co.uk" and "paypal.co.uk" from "evil.co.uk".
var twoLevel = map[string]bool{
	"ltd.uk": true, "plc.uk": true, "me.uk": true, "ne.jp": true, "or.jp": true, "go.jp": true,
	"or.kr": true, "co.id": true, "or.id": true,
}

// genericSecond are the second-level labels that country registries sell
// names under (example.co.uk, example.com.au, example.gob.mx).
var genericSecond = map[string]bool{
	"co": true, "com": true, "net": true, "org": true, "ac": true, "gov": true,
	"edu": true, "ne": true, "or": true, "gob": true, "gv": true,
}

// Registrable returns the registrable part of a lower-case host name: its
// last two labels, or three under a two-level public suffix (co.uk, com.au).
// IP literals and single labels are returned unchanged. It does not allocate.
func Registrable(host string) string {
	host = strings.TrimSuffix(host, ".")
	if isIP(host) {
		return host
	}
	last := strings.LastIndexByte(host, '.')
	if last <= 0 {
		return host
	}
	second := strings.LastIndexByte(host[:last], '.')
	if second < 0 {
		return host
	}
	suffix := host[second+1:]
	if twoLevel[suffix] || (len(host)-last-1 == 2 && genericSecond[host[second+1:last]]) {
		if third := strings.LastIndexByte(host[:second], '.'); third >= 0 {
			return host[third+1:]
		}
		return host
	}
	return suffix
}

// Under reports whether host is d or a subdomain of d. It does not allocate.
func Under(host, d string) bool {
	return host == d || (len(host) > len(d) && strings.HasSuffix(host, d) && host[len(host)-len(d)-1] == '.')
}

func isIP(host string) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if h == "" || (h[0] < '0' || h[0] > '9') && !strings.Contains(h, ":") {
		return false
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}
