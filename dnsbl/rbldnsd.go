package dnsbl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// This file reads rbldnsd's data formats (rbldnsd(8), "DATASET TYPES AND
// FORMATS"): ip4set, ip6trie and dnset. Lines rbldnsd accepts and we do not
// understand ($SOA, $NS, $TTL, $n substitutions) are skipped; lines nobody
// can read are counted and reported, and the rest of the file is used.

// Record is one answer of a local zone: an A value and a TXT template.
type Record struct {
	A   netip.Addr
	TXT string // template: "$" stands for the queried IP or domain
}

// Text expands the TXT template for query ("$" → query, "$$" → "$").
func (r Record) Text(query string) string {
	if !strings.Contains(r.TXT, "$") {
		return r.TXT
	}
	var b strings.Builder
	for i := 0; i < len(r.TXT); i++ {
		ch := r.TXT[i]
		if ch != '$' {
			b.WriteByte(ch)
			continue
		}
		if i+1 < len(r.TXT) && r.TXT[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		b.WriteString(query)
	}
	return b.String()
}

// entry is one line's value, or an exclusion.
type entry struct {
	rec     Record
	exclude bool
}

// defaultA is rbldnsd's A value when none is given.
var defaultA = netip.AddrFrom4([4]byte{127, 0, 0, 2})

// ParseError reports the lines of a data file that could not be read.
type ParseError struct {
	Lines []int // line numbers (1-based), the first 20
	Count int
	First string // the first reason
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%d unreadable lines (first at line %d: %s)", e.Count, e.Lines[0], e.First)
}

// lineParser walks a data file, tracking the current default value.
type lineParser struct {
	def  Record
	perr *ParseError
}

func (p *lineParser) bad(n int, reason string) {
	if p.perr == nil {
		p.perr = &ParseError{First: reason}
	}
	p.perr.Count++
	if len(p.perr.Lines) < 20 {
		p.perr.Lines = append(p.perr.Lines, n)
	}
}

// each calls fn with every data line's key, its value and whether it is an
// exclusion. Default lines (":A:TXT") and special lines are handled here.
func (p *lineParser) each(r io.Reader, fn func(key string, e entry) error) error {
	p.def = Record{A: defaultA}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '$' {
			continue
		}
		if line[0] == ':' && !strings.HasPrefix(line, "::") { // "::1" is an IPv6 entry
			rec, err := p.value(line)
			if err != nil {
				p.bad(n, err.Error())
				continue
			}
			p.def = rec
			continue
		}
		e := entry{}
		if line[0] == '!' {
			e.exclude = true
			line = strings.TrimSpace(line[1:])
		}
		key, rest, _ := strings.Cut(strings.ReplaceAll(line, "\t", " "), " ")
		rec, err := p.value(strings.TrimSpace(rest))
		if err != nil {
			p.bad(n, err.Error())
			continue
		}
		e.rec = rec
		if err := fn(key, e); err != nil {
			p.bad(n, err.Error())
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if p.perr != nil {
		return p.perr
	}
	return nil
}

// value reads ":A:TXT", ":A", "TXT" or nothing (a comment) after an entry.
func (p *lineParser) value(s string) (Record, error) {
	if s == "" || s[0] == '#' || s[0] == ';' {
		return p.def, nil
	}
	if s[0] != ':' {
		return Record{A: p.def.A, TXT: s}, nil
	}
	aPart, txt, hasTXT := strings.Cut(s[1:], ":")
	rec := Record{A: p.def.A, TXT: p.def.TXT}
	if hasTXT {
		rec.TXT = strings.TrimSpace(txt)
	}
	if aPart = strings.TrimSpace(aPart); aPart != "" {
		a, err := parseAValue(aPart)
		if err != nil {
			return Record{}, err
		}
		rec.A = a
	}
	return rec, nil
}

// parseAValue reads an A value; "2" is short for 127.0.0.2.
func parseAValue(s string) (netip.Addr, error) {
	if !strings.Contains(s, ".") {
		s = "127.0.0." + s
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("bad A value %q", s)
	}
	return a, nil
}

// IPSet is an in-memory ip4set or ip6trie dataset: prefixes with values,
// answered by longest match; an exclusion as longest match means "not
// listed".
type IPSet struct {
	entries map[netip.Prefix][]entry
	lens    []int // prefix lengths present, longest first
}

func newIPSet() *IPSet { return &IPSet{entries: map[netip.Prefix][]entry{}} }

func (s *IPSet) add(p netip.Prefix, e entry) {
	p = p.Masked()
	if _, ok := s.entries[p]; !ok && !slices.Contains(s.lens, p.Bits()) {
		s.lens = append(s.lens, p.Bits())
		slices.SortFunc(s.lens, func(a, b int) int { return b - a })
	}
	s.entries[p] = append(s.entries[p], e)
}

// Len returns the number of distinct prefixes.
func (s *IPSet) Len() int { return len(s.entries) }

// Lookup returns the records listing ip, nil when it is not listed.
func (s *IPSet) Lookup(ip netip.Addr) []Record {
	ip = ip.Unmap()
	for _, l := range s.lens {
		if l > ip.BitLen() {
			continue
		}
		p, err := ip.Prefix(l)
		if err != nil {
			continue
		}
		es, ok := s.entries[p]
		if !ok {
			continue
		}
		var out []Record
		for _, e := range es {
			if e.exclude {
				return nil
			}
			if !slices.Contains(out, e.rec) {
				out = append(out, e.rec)
			}
		}
		return out
	}
	return nil
}

// ParseIP4Set reads an rbldnsd ip4set file: addresses, prefixes ("10.1"),
// CIDRs, ranges ("10.0.0.1-10.0.0.9", "10.0.0.1-9", "10.16-31"), with
// values, defaults and "!" exclusions. It returns what it could read and a
// *ParseError for the lines it could not.
func ParseIP4Set(r io.Reader) (*IPSet, error) {
	s := newIPSet()
	p := &lineParser{}
	err := p.each(r, func(key string, e entry) error {
		ps, err := parseIP4Key(key)
		if err != nil {
			return err
		}
		for _, pf := range ps {
			s.add(pf, e)
		}
		return nil
	})
	return s, err
}

// parseIP4Key turns one ip4set key into prefixes.
func parseIP4Key(key string) ([]netip.Prefix, error) {
	if lo, hi, ok := strings.Cut(key, "-"); ok {
		start, n, err := octets(lo)
		if err != nil {
			return nil, err
		}
		endOct := strings.Split(hi, ".")
		if len(endOct) == 1 && n > 1 {
			// "127.16-31": the end replaces the last given octet.
			endOct = append(strings.Split(lo, ".")[:n-1], endOct[0])
		}
		end, _, err := octets(strings.Join(endOct, "."))
		if err != nil {
			return nil, err
		}
		end |= 1<<(8*(4-len(endOct))) - 1
		if end < start {
			return nil, fmt.Errorf("range %q ends before it starts", key)
		}
		return rangePrefixes(start, end), nil
	}
	addr, bitsStr, hasBits := strings.Cut(key, "/")
	v, n, err := octets(addr)
	if err != nil {
		return nil, err
	}
	l := 8 * n
	if hasBits {
		if l, err = strconv.Atoi(bitsStr); err != nil || l < 0 || l > 32 {
			return nil, fmt.Errorf("bad prefix length in %q", key)
		}
		if v&^mask4(l) != 0 {
			return nil, fmt.Errorf("%q has host bits set", key)
		}
	}
	return []netip.Prefix{netip.PrefixFrom(addr4(v), l)}, nil
}

// octets parses 1 to 4 dotted decimal octets, left-aligned.
func octets(s string) (v uint32, n int, err error) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return 0, 0, fmt.Errorf("bad IPv4 prefix %q", s)
	}
	for i, part := range parts {
		o, err := strconv.ParseUint(part, 10, 8)
		if err != nil {
			return 0, 0, fmt.Errorf("bad IPv4 prefix %q", s)
		}
		v |= uint32(o) << (24 - 8*i)
	}
	return v, len(parts), nil
}

func mask4(l int) uint32 {
	if l == 0 {
		return 0
	}
	return ^uint32(0) << (32 - l)
}

func addr4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// rangePrefixes covers [start, end] with the fewest CIDR blocks.
func rangePrefixes(start, end uint32) []netip.Prefix {
	var out []netip.Prefix
	for cur := uint64(start); cur <= uint64(end); {
		size := bits.TrailingZeros32(uint32(cur))
		if cur == 0 {
			size = 32
		}
		for size > 0 && cur+(1<<size)-1 > uint64(end) {
			size--
		}
		out = append(out, netip.PrefixFrom(addr4(uint32(cur)), 32-size))
		cur += 1 << size
	}
	return out
}

// ParseIP6Trie reads an rbldnsd ip6trie file: IPv6 CIDRs, addresses with
// trailing zero groups left out ("2001:db8:1" is 2001:db8:1::/48), "::"
// notation (a full /128 unless a length is given), values, defaults and
// "!" exclusions.
func ParseIP6Trie(r io.Reader) (*IPSet, error) {
	s := newIPSet()
	p := &lineParser{}
	err := p.each(r, func(key string, e entry) error {
		pf, err := parseIP6Key(key)
		if err != nil {
			return err
		}
		s.add(pf, e)
		return nil
	})
	return s, err
}

func parseIP6Key(key string) (netip.Prefix, error) {
	addr, bitsStr, hasBits := strings.Cut(key, "/")
	l := 128
	if !strings.Contains(addr, "::") {
		groups := strings.Count(addr, ":") + 1
		if groups < 8 {
			l = 16 * groups
			addr += strings.Repeat(":0", 8-groups)
		}
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Is4In6() && !strings.Contains(addr, ":") {
		return netip.Prefix{}, fmt.Errorf("bad IPv6 address %q", key)
	}
	if hasBits {
		if l, err = strconv.Atoi(bitsStr); err != nil || l < 0 || l > 128 {
			return netip.Prefix{}, fmt.Errorf("bad prefix length in %q", key)
		}
	}
	p := netip.PrefixFrom(a, l)
	if p.Masked().Addr() != a {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set", key)
	}
	return p, nil
}

// DomainSet is an in-memory dnset dataset: exact names and wildcards,
// answered by the most specific match; an exclusion as most specific match
// means "not listed".
type DomainSet struct {
	exact map[string][]entry // "example.com"
	wild  map[string][]entry // "*.example.com" stored as "example.com"
}

// Len returns the number of entries.
func (s *DomainSet) Len() int { return len(s.exact) + len(s.wild) }

// ParseDNSet reads an rbldnsd dnset file: "example.com" (that name),
// "*.example.com" (its subdomains), ".example.com" (both), with values,
// defaults and "!" exclusions.
func ParseDNSet(r io.Reader) (*DomainSet, error) {
	s := &DomainSet{exact: map[string][]entry{}, wild: map[string][]entry{}}
	p := &lineParser{}
	err := p.each(r, func(key string, e entry) error {
		key = strings.ToLower(strings.TrimSuffix(key, "."))
		exact, wild := true, false
		switch {
		case strings.HasPrefix(key, "*."):
			key, exact, wild = key[2:], false, true
		case strings.HasPrefix(key, "."):
			key, wild = key[1:], true
		}
		if _, ok := dnsName(key); !ok && !singleLabel(key) {
			return fmt.Errorf("bad domain %q", key)
		}
		if exact {
			s.exact[key] = append(s.exact[key], e)
		}
		if wild {
			s.wild[key] = append(s.wild[key], e)
		}
		return nil
	})
	return s, err
}

func singleLabel(s string) bool {
	_, ok := dnsName(s + ".x")
	return ok && !strings.Contains(s, ".")
}

// Lookup returns the records listing name, nil when it is not listed,
// and the entry that matched (what "$" stands for in TXT templates, as in
// rbldnsd: the wildcard's domain, not the name asked).
func (s *DomainSet) Lookup(name string) ([]Record, string) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if es, ok := s.exact[name]; ok {
		return records(es), name
	}
	for rest := name; ; {
		_, parent, ok := strings.Cut(rest, ".")
		if !ok {
			return nil, ""
		}
		if es, ok := s.wild[parent]; ok {
			return records(es), parent
		}
		rest = parent
	}
}

func records(es []entry) []Record {
	var out []Record
	for _, e := range es {
		if e.exclude {
			return nil
		}
		if !slices.Contains(out, e.rec) {
			out = append(out, e.rec)
		}
	}
	return out
}

// isParseError reports whether err only says some lines were unreadable.
func isParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}
