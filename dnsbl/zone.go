package dnsbl

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Kind says what a listing means.
type Kind int

const (
	// Block lists are evidence of spam (DNSBL, URIBL).
	Block Kind = iota
	// Allow lists are evidence of ham (DNSWL).
	Allow
)

func (k Kind) String() string {
	if k == Allow {
		return "allow"
	}
	return "block"
}

// Target says what a zone is queried with.
type Target int

const (
	// IPs zones are queried with reversed addresses (DNSBL, DNSWL).
	IPs Target = iota
	// Domains zones are queried with registrable domains of URIs (URIBL).
	Domains
)

// Match says how the answer address maps to rule names through Zone.Codes.
type Match int

const (
	// MatchExact keys Codes by the whole answer, "127.0.0.2".
	MatchExact Match = iota
	// MatchLastOctet keys Codes by the answer's last octet, "3" (DNSWL
	// trust levels, whatever the category in the third octet).
	MatchLastOctet
	// MatchBits keys Codes by bit values of the last octet, "2", "4",
	// "64" (SURBL, URIBL): every set bit with a name fires its rule.
	MatchBits
)

// Dataset is one source of a local mirror: a file, or a URL fetched on a
// schedule into memory, in one of rbldnsd's formats.
type Dataset struct {
	// Format is "ip4set", "ip6trie" (both for IP zones) or "dnset" (for
	// domain zones).
	Format string `toml:"format"`
	// File is a local path. Exactly one of File and URL is set.
	File string `toml:"file"`
	// URL is fetched every Refresh (default 1h) with conditional requests;
	// a failed fetch keeps the previous copy.
	URL     string        `toml:"url"`
	Refresh time.Duration `toml:"refresh"`
}

// Zone is one list. The zero values are safe; Validate says what is wrong.
type Zone struct {
	// Name is the list's short name, for logs and the CLI ("zen").
	Name string `toml:"name"`
	// Domain is the DNS zone queried ("zen.spamhaus.org").
	Domain string `toml:"domain"`
	Kind   Kind   `toml:"kind"`
	Target Target `toml:"target"`
	// Rule is the rule fired for a listing no Codes entry names, and the
	// prefix of Rule+"_FAIL" (lookup failed, unknown) and Rule+"_BLOCKED"
	// (the list operator refuses our resolver). UPPER_SNAKE.
	Rule string `toml:"rule"`
	// Match says how Codes is keyed; Codes maps answers to rule names.
	Match Match             `toml:"match"`
	Codes map[string]string `toml:"codes"`
	// IgnoreUnnamed drops answers no Codes entry names instead of firing
	// Rule (for lists whose other codes mean something else entirely).
	IgnoreUnnamed bool `toml:"ignore_unnamed"`
	// Blocked are answers, besides 127.255.255.0/24, that mean "query
	// refused" (DNSWL's 127.0.0.255).
	Blocked []string `toml:"blocked"`
	// IPv6 zones are also asked about IPv6 addresses (nibble format).
	IPv6 bool `toml:"ipv6"`
	// URIIPs zones are asked by CheckDomains about IP-literal URI hosts,
	// reversed: IPv4 in domain zones (SURBL), IPv4 and IPv6 in IP zones.
	// An IP zone with URIIPs fires its own rule names for URI hits too;
	// for distinct names configure the list twice, the second time with
	// URIOnly and its own rules.
	URIIPs bool `toml:"uri_ips"`
	// URIOnly IP zones are never asked about the client (Check), only
	// about URI IP literals (CheckDomains, with URIIPs).
	URIOnly bool `toml:"uri_only"`
	// Enabled zones are queried. Every built-in zone is off by default.
	Enabled bool `toml:"enabled"`
	// TestListed and TestUnlisted are the RFC 5782 §5 probe points.
	// Defaults: 127.0.0.2 and 127.0.0.1 for IP zones, "test" and
	// "invalid" for domain zones.
	TestListed   string `toml:"test_listed"`
	TestUnlisted string `toml:"test_unlisted"`
	// Local answers the zone in process from these datasets instead of
	// asking DNS.
	Local []Dataset `toml:"local"`
	// Terms is a note on the operator's usage terms (docs and CLI).
	Terms string `toml:"terms"`
}

var ruleName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// Validate checks z and fills nothing in: every mistake is an error.
func (z *Zone) Validate() error {
	if z.Name == "" {
		return fmt.Errorf("zone %q: empty name", z.Domain)
	}
	if _, ok := dns.IsDomainName(z.Domain); !ok || strings.Count(strings.Trim(z.Domain, "."), ".") < 1 {
		return fmt.Errorf("zone %s: bad domain %q", z.Name, z.Domain)
	}
	if !ruleName.MatchString(z.Rule) {
		return fmt.Errorf("zone %s: rule %q is not UPPER_SNAKE", z.Name, z.Rule)
	}
	if z.Kind < Block || z.Kind > Allow || z.Target < IPs || z.Target > Domains ||
		z.Match < MatchExact || z.Match > MatchBits {
		return fmt.Errorf("zone %s: kind, target or match out of range", z.Name)
	}
	for code, rule := range z.Codes {
		if !ruleName.MatchString(rule) {
			return fmt.Errorf("zone %s: rule %q is not UPPER_SNAKE", z.Name, rule)
		}
		if err := z.checkCode(code); err != nil {
			return fmt.Errorf("zone %s: code %q: %w", z.Name, code, err)
		}
	}
	for _, b := range z.Blocked {
		if _, err := netip.ParseAddr(b); err != nil {
			return fmt.Errorf("zone %s: blocked code %q: %w", z.Name, b, err)
		}
	}
	for _, d := range z.Local {
		if err := z.checkDataset(d); err != nil {
			return fmt.Errorf("zone %s: %w", z.Name, err)
		}
	}
	return nil
}

func (z *Zone) checkCode(code string) error {
	switch z.Match {
	case MatchExact:
		a, err := netip.ParseAddr(code)
		if err != nil || !a.Is4() {
			return fmt.Errorf("want an IPv4 address")
		}
	case MatchLastOctet, MatchBits:
		n, err := strconv.Atoi(code)
		if err != nil || n < 0 || n > 255 || z.Match == MatchBits && n&(n-1) != 0 {
			return fmt.Errorf("want an octet value (a single bit for bit masks)")
		}
	}
	return nil
}

func (z *Zone) checkDataset(d Dataset) error {
	if (d.File == "") == (d.URL == "") {
		return fmt.Errorf("dataset: set exactly one of file and url")
	}
	switch d.Format {
	case "ip4set", "ip6trie":
		if z.Target != IPs {
			return fmt.Errorf("dataset %s: IP format in a domain zone", d.Format)
		}
	case "dnset":
		if z.Target != Domains {
			return fmt.Errorf("dataset dnset in an IP zone")
		}
	default:
		return fmt.Errorf("dataset: unknown format %q", d.Format)
	}
	return nil
}

// FailRule is the rule of a failed lookup (unknown, 0 points).
func (z *Zone) FailRule() string { return z.Rule + "_FAIL" }

// BlockedRule is the rule of a refused resolver (0 points, a warning).
func (z *Zone) BlockedRule() string { return z.Rule + "_BLOCKED" }

// domain is the zone's fully qualified lower-case name.
func (z *Zone) domain() string { return dns.CanonicalName(z.Domain) }

// QueryName is the name asked for ip in zone domain: reversed octets for
// IPv4, reversed nibbles for IPv6 (RFC 5782 §2.1, §2.4).
func QueryName(ip netip.Addr, domain string) string {
	ip = ip.Unmap()
	var b strings.Builder
	if ip.Is4() {
		a := ip.As4()
		for i := 3; i >= 0; i-- {
			b.WriteString(strconv.Itoa(int(a[i])))
			b.WriteByte('.')
		}
	} else {
		a := ip.As16()
		const hex = "0123456789abcdef"
		for i := 15; i >= 0; i-- {
			b.WriteByte(hex[a[i]&0xf])
			b.WriteByte('.')
			b.WriteByte(hex[a[i]>>4])
			b.WriteByte('.')
		}
	}
	b.WriteString(dns.Fqdn(domain))
	return strings.ToLower(b.String())
}

// rules maps the answers of a listing to rule names, deduplicated.
func (z *Zone) rules(answers []netip.Addr) []string {
	var out []string
	add := func(r string) {
		for _, have := range out {
			if have == r {
				return
			}
		}
		out = append(out, r)
	}
	for _, a := range answers {
		named := false
		b := a.As4()
		switch z.Match {
		case MatchExact:
			if r, ok := z.Codes[a.String()]; ok {
				add(r)
				named = true
			}
		case MatchLastOctet:
			if r, ok := z.Codes[strconv.Itoa(int(b[3]))]; ok {
				add(r)
				named = true
			}
		case MatchBits:
			for bit := 1; bit < 256; bit <<= 1 {
				if int(b[3])&bit == 0 {
					continue
				}
				if r, ok := z.Codes[strconv.Itoa(bit)]; ok {
					add(r)
					named = true
				}
			}
		}
		if !named && !z.IgnoreUnnamed {
			add(z.Rule)
		}
	}
	return out
}

var blockedNet = netip.MustParsePrefix("127.255.255.0/24")
var loopNet = netip.MustParsePrefix("127.0.0.0/8")

// isBlocked reports whether a is a "query refused" answer.
func (z *Zone) isBlocked(a netip.Addr) bool {
	if blockedNet.Contains(a) {
		return true
	}
	for _, b := range z.Blocked {
		if b == a.String() {
			return true
		}
	}
	return false
}

// RuleNames returns every rule name the zone may fire, sorted: its Rule,
// the names in Codes, FailRule and BlockedRule (for the rule registry).
func (z *Zone) RuleNames() []string {
	names := []string{z.Rule, z.FailRule(), z.BlockedRule()}
	for _, r := range z.Codes {
		names = append(names, r)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

var (
	kindNames   = []string{"block", "allow"}
	targetNames = []string{"ips", "domains"}
	matchNames  = []string{"exact", "last-octet", "bits"}
)

func parseEnum(names []string, what string, text []byte) (int, error) {
	for i, n := range names {
		if strings.EqualFold(n, string(text)) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q (want one of %s)", what, text, strings.Join(names, ", "))
}

// MarshalText implements encoding.TextMarshaler ("block", "allow").
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	i, err := parseEnum(kindNames, "kind", b)
	*k = Kind(i)
	return err
}

func (t Target) String() string { return targetNames[t] }

// MarshalText implements encoding.TextMarshaler ("ips", "domains").
func (t Target) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Target) UnmarshalText(b []byte) error {
	i, err := parseEnum(targetNames, "target", b)
	*t = Target(i)
	return err
}

func (m Match) String() string { return matchNames[m] }

// MarshalText implements encoding.TextMarshaler ("exact", "last-octet",
// "bits").
func (m Match) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Match) UnmarshalText(b []byte) error {
	i, err := parseEnum(matchNames, "match", b)
	*m = Match(i)
	return err
}
