package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// DNS configures the resolver and the DNS lists. The resolver and the lists
// are built once at start, so every key needs a restart.
type DNS struct {
	Enabled         bool     `toml:"enabled" doc:"Do DNS checks at all: lists, SPF, DKIM, DMARC and the sender checks (rDNS, HELO, sender domains). Off: no query is sent." default:"true" static:"true"`
	Servers         []string `toml:"servers" doc:"Recursive resolvers, host or host:port; empty uses the nameservers of /etc/resolv.conf. Public resolvers (8.8.8.8, 1.1.1.1) are refused by most lists." static:"true"`
	Timeout         Duration `toml:"timeout" doc:"Time one query may take at one server." default:"1s" static:"true"`
	Retries         int      `toml:"retries" doc:"Further rounds over the servers after the first one fails; 0 for none." default:"1" static:"true"`
	CacheSize       int      `toml:"cache_size" doc:"DNS answers kept in memory, each for its TTL; 0 disables the cache." default:"10000" static:"true"`
	MaxURILookups   int      `toml:"max_uri_lookups" doc:"Distinct URI domains and IPs asked of the URI lists per message." default:"20" static:"true"`
	ZonesFile       string   `toml:"zones_file" doc:"TOML file of [[zone]] tables, the DNS lists to ask (contrib/zones.toml, printed by mailsift dnsbl zones, has well-known lists, all disabled, with their usage terms); empty asks no list." static:"true"`
	CheckPrivate    bool     `toml:"check_private" doc:"Also ask the lists about loopback and private client addresses (tests and lab setups only)." default:"false" static:"true"`
	TrustedNetworks []string `toml:"trusted_networks" doc:"Relays in front of this MTA (addresses or CIDR prefixes, e.g. a backup MX or a content filter re-injecting mail) whose Received fields are believed. Loopback is always trusted. Mail from a trusted client is not judged by its address (lists, rDNS, HELO, SPF); see check_relay."`
	CheckRelay      bool     `toml:"check_relay" doc:"For mail from a trusted client, ask the IP lists about, and check SPF for, the first untrusted relay of the Received chain instead (the host that handed the message to the site)." default:"true"`
	Degraded        string   `toml:"degraded" doc:"When a DNS check fails and its answer could have changed the action, tempfail (4.7.1) instead of deciding: lists (only failed DNS lists count), all (every failed check, SPF/DKIM/DMARC and sender checks too: a dead resolver then tempfails most mail), or off (decide on the rest; X-Spam-Status says degraded=)." default:"lists"`
}

// Auth configures sender authentication.
type Auth struct {
	SPF        bool     `toml:"spf" doc:"Check SPF for the envelope sender (SPF_* rules)." default:"true"`
	DKIM       bool     `toml:"dkim" doc:"Verify DKIM signatures (DKIM_* rules); skipped for messages larger than limits.scan_bytes." default:"true"`
	DMARC      bool     `toml:"dmarc" doc:"Evaluate DMARC for the From domain (DMARC_* rules); needs spf and dkim." default:"true"`
	AuthservID string   `toml:"authserv_id" doc:"The authserv-id of the Authentication-Results header added, and of the incoming ones removed; empty uses this host's name." static:"true"`
	OurNames   []string `toml:"our_names" doc:"Host names and addresses of this site that a client may not claim in HELO (HELO_OURS); empty uses the authserv-id."`
}

// The values of dns.degraded.
const (
	DegradedLists = "lists"
	DegradedAll   = "all"
	DegradedOff   = "off"
)

func (d DNS) validate(v *validator) {
	switch d.Degraded {
	case DegradedLists, DegradedAll, DegradedOff:
	default:
		v.add("dns.degraded", "%q: want lists, all or off", d.Degraded)
	}
	for i, s := range d.Servers {
		host := s
		if h, _, err := net.SplitHostPort(s); err == nil {
			if err := checkHostPort(s); err != nil {
				v.add(fmt.Sprintf("dns.servers[%d]", i), "%q: %v", s, err)
				continue
			}
			host = h
		}
		if _, err := netip.ParseAddr(host); err != nil {
			v.add(fmt.Sprintf("dns.servers[%d]", i), "%q: want an IP address, optionally with :port", s)
		}
	}
	for i, n := range d.TrustedNetworks {
		if _, err := ParsePrefix(n); err != nil {
			v.add(fmt.Sprintf("dns.trusted_networks[%d]", i), "%q: want an IP address or a CIDR prefix", n)
		}
	}
	if t := d.Timeout.Duration; t < 10*time.Millisecond || t > 30*time.Second {
		v.add("dns.timeout", "%s is out of range [10ms, 30s]", t)
	}
	if d.Retries < 0 || d.Retries > 10 {
		v.add("dns.retries", "%d is out of range [0, 10]", d.Retries)
	}
	if d.CacheSize < 0 || d.CacheSize > 10000000 {
		v.add("dns.cache_size", "%d is out of range [0, 10000000]", d.CacheSize)
	}
	if d.MaxURILookups < 1 || d.MaxURILookups > 1000 {
		v.add("dns.max_uri_lookups", "%d is out of range [1, 1000]", d.MaxURILookups)
	}
	if d.ZonesFile != "" {
		// The zones themselves are checked where they are loaded (the
		// filter package builds the lists): config knows no zone type.
		if _, err := os.Stat(d.ZonesFile); err != nil {
			v.add("dns.zones_file", "%v", err)
		}
	}
}

func (a Auth) validate(v *validator) {
	if strings.ContainsAny(a.AuthservID, " \t\r\n;()\"\\") {
		v.add("auth.authserv_id", "%q: want a host name", a.AuthservID)
	}
}

// AuthservIDOrHost is the configured authserv-id, or the host name when
// none is set ("localhost" when the host name is unknown).
func (a Auth) AuthservIDOrHost() string {
	if a.AuthservID != "" {
		return a.AuthservID
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

// ParsePrefix reads an address ("192.0.2.1", a /32 or /128) or a CIDR
// prefix ("192.0.2.0/24"), masked.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err == nil && p.Addr().Is4In6() && p.Bits() >= 96 {
			// ::ffff:10.0.0.0/104 is 10.0.0.0/8: addresses are compared unmapped.
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// TrustedPrefixes returns trusted_networks parsed (entries that do not
// parse are left out; validation reports them).
func (d DNS) TrustedPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(d.TrustedNetworks))
	for _, n := range d.TrustedNetworks {
		if p, err := ParsePrefix(n); err == nil {
			out = append(out, p)
		}
	}
	return out
}
