package phish

import (
	"context"
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

var (
	freeHostInfo = scoring.Info{Name: "PHISH_FREE_HOSTING_LINK", Family: "phish", Score: 0.5,
		Desc: "Links to a free hosting or site-builder page"}
	ipfsInfo = scoring.Info{Name: "PHISH_IPFS_LINK", Family: "phish", Score: 2.5,
		Desc: "Links to content on IPFS through a public gateway"}
	punyLinkInfo = scoring.Info{Name: "PHISH_PUNYCODE_LINK", Family: "phish", Score: 1.0,
		Desc: "Links to an internationalised (xn--) domain name"}
	punyFromInfo = scoring.Info{Name: "PHISH_PUNYCODE_FROM", Family: "phish", Score: 1.0,
		Desc: "From address on an internationalised (xn--) domain name"}
	punyBrandInfo = scoring.Info{Name: "PHISH_PUNYCODE_BRAND", Family: "phish", Score: 3.5,
		Desc: "Internationalised domain in a link or From that looks like a brand name"}
)

// ipfsGateways are public IPFS gateway sites.
var ipfsGateways = map[string]bool{
	"ipfs.io": true, "dweb.link": true, "cloudflare-ipfs.com": true, "pinata.cloud": true,
	"w3s.link": true, "nftstorage.link": true, "4everland.io": true, "infura-ipfs.io": true,
	"fleek.co": true, "storry.tv": true, "ipfs.fleek.co": true,
}

// linkRule looks at every link host once: free hosting, IPFS, IDN.
type linkRule struct{}

// Info implements scoring.Rule.
func (linkRule) Info() []scoring.Info {
	return []scoring.Info{freeHostInfo, ipfsInfo, punyLinkInfo, punyFromInfo, punyBrandInfo}
}

// Eval implements scoring.Rule.
func (linkRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	if f := from(in.Msg); f != nil && hasPunycode(f.Domain) {
		out.Hit(punyFromInfo.Name, 1, f.Domain)
		if t, u := punyBrand(f.Domain); t != "" {
			out.Hit(punyBrandInfo.Name, 1, u+" ~ "+t)
		}
	}
	for i := range in.Msg.URIs {
		u := &in.Msg.URIs[i]
		if u.Host == "" || u.Source == message.URIFromSrc {
			continue
		}
		rest := afterHost(u.Raw)
		if u.Scheme == "ipfs" || isIPFS(u.Host, rest) {
			out.Hit(ipfsInfo.Name, 1, u.Host)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		if m, ok := freeHost(u.Host, lowerASCII(rest)); ok {
			out.Hit(freeHostInfo.Name, 1, m)
		}
		// QUIRK: a bare URI in text may run on into the non-ASCII words
		// after it ("www.example.com。"); only markup links count raw
		// non-ASCII hosts as internationalised names.
		if hasACE(u.Host) || u.Source != message.URIFromText && hasNonASCII(u.Host) {
			out.Hit(punyLinkInfo.Name, 1, u.Host)
			if t, dec := punyBrand(u.Host); t != "" {
				out.Hit(punyBrandInfo.Name, 1, dec+" ~ "+t)
			}
		}
	}
}

// isIPFS reports whether a link of host and rest goes through an IPFS
// gateway: a path /ipfs/<cid> on a known gateway, a subdomain gateway
// (<cid>.ipfs.<gateway>) or any host or path with a v0 (Qm…) or v1 (bafy…)
// content id.
func isIPFS(host, rest string) bool {
	gw := ipfsGateways[site(host)]
	if gw && (strings.HasPrefix(rest, "/ipfs/") || strings.HasPrefix(rest, "/ipns/")) {
		return true
	}
	if i := strings.Index(host, ".ipfs."); i > 0 && (gw || isCID(host[:i])) {
		return true
	}
	if isCID(host) {
		return true
	}
	i := strings.Index(rest, "/ipfs/")
	return i >= 0 && isCID(rest[i+len("/ipfs/"):])
}

// isCID reports whether s starts with something shaped like an IPFS content
// id: base58 v0 "Qm" + 44 characters, or base32 v1 "bafy"/"bafk" + 50 more.
func isCID(s string) bool {
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	switch {
	case strings.HasPrefix(s, "Qm"):
		return n == 46
	case strings.HasPrefix(s, "bafy"), strings.HasPrefix(s, "bafk"):
		return n >= 50
	}
	return false
}

// lowerASCII lower-cases ASCII letters, allocating only when needed.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
