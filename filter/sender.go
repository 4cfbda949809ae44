package filter

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/internal/workers"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// senderChecks asks what the client's reverse DNS, its HELO name and the
// sender domains say, concurrently, and returns the names fired (the
// sender rules of scoring/rules/net); answers early already has are
// collected. A lookup that fails temporarily yields the check's
// *_TEMPERROR name, never the negative. Loopback and private clients are
// not judged unless check_private is set, nor trusted relays, nor
// authenticated (submission) clients on their rDNS and HELO.
func (rt *Runtime) senderChecks(ctx context.Context, env *message.Envelope, fromDom string, early *EarlyChecks) []scoring.NetHit {
	res := rt.Deps.Net.Resolver
	ip := env.ClientIP.Unmap()
	if !ip.IsValid() || !rt.judgesClient(ip) {
		return nil
	}
	var (
		mu  sync.Mutex
		out []scoring.NetHit
		wg  workers.Group
	)
	emit := func(hs ...scoring.NetHit) {
		mu.Lock()
		out = append(out, hs...)
		mu.Unlock()
	}
	if env.AuthUser == "" && !rt.trusted(ip) {
		wg.Go(func() {
			emit(collect(ctx, early.rdns, ip.String(), func(ctx context.Context) []scoring.NetHit {
				return checkRDNS(ctx, res, ip)
			})...)
		})
		wg.Go(func() {
			emit(collect(ctx, early.heloChk, heloKey(ip, env.Helo), func(ctx context.Context) []scoring.NetHit {
				return checkHELO(ctx, res, env.Helo, ip, rt.ourNames())
			})...)
		})
	}
	d := domainOf(env.MailFrom)
	if d != "" {
		wg.Go(func() {
			hs := collect(ctx, early.sender, d, func(ctx context.Context) []scoring.NetHit {
				return checkDomain(ctx, res, "SENDER_", d)
			})
			emit(hs...)
			if strings.EqualFold(fromDom, d) { // one question answers both
				for _, h := range hs {
					emit(scoring.NetHit{Rule: "FROM_" + strings.TrimPrefix(h.Rule, "SENDER_"), Detail: h.Detail})
				}
			}
		})
	}
	if fromDom != "" && !strings.EqualFold(fromDom, d) {
		wg.Go(func() { emit(checkDomain(ctx, res, "FROM_", fromDom)...) })
	}
	wg.Wait()
	return out
}

// ourNames are the names and addresses a client may not claim in HELO:
// OurNames when set, else the authserv-id.
func (rt *Runtime) ourNames() []string {
	if len(rt.OurNames) > 0 {
		return rt.OurNames
	}
	return []string{rt.AuthservID}
}

// maxPTR bounds the PTR names whose forward addresses are asked.
const maxPTR = 4

// checkRDNS fires RDNS_NONE, RDNS_NOT_FCRDNS and RDNS_DYNAMIC.
func checkRDNS(ctx context.Context, res dnsbl.Lookuper, ip netip.Addr) []scoring.NetHit {
	names, err := res.LookupPTR(ctx, ip)
	switch {
	case dnsbl.IsNotFound(err) || err == nil && len(names) == 0:
		return []scoring.NetHit{{Rule: "RDNS_NONE", Detail: ip.String()}}
	case err != nil:
		return []scoring.NetHit{{Rule: "RDNS_TEMPERROR", Detail: errReason(err)}}
	}
	if len(names) > maxPTR {
		names = names[:maxPTR]
	}
	var out []scoring.NetHit
	for _, n := range names {
		if looksDynamic(n, ip) {
			out = append(out, scoring.NetHit{Rule: "RDNS_DYNAMIC", Detail: n})
			break
		}
	}
	confirmed, temp := false, false
	for _, n := range names {
		addrs, err := res.LookupIP(ctx, n)
		if err != nil && !dnsbl.IsNotFound(err) {
			temp = true
		}
		for _, a := range addrs {
			if a.Unmap() == ip {
				confirmed = true
			}
		}
	}
	switch {
	case confirmed:
	case temp:
		out = append(out, scoring.NetHit{Rule: "RDNS_TEMPERROR", Detail: "forward lookup of " + names[0]})
	default:
		out = append(out, scoring.NetHit{Rule: "RDNS_NOT_FCRDNS", Detail: strings.Join(names, " ")})
	}
	return out
}

// dynamicWords are label fragments of the PTR names ISPs give consumer
// and dynamically assigned addresses.
var dynamicWords = []string{
	"dyn", "dynamic", "dhcp", "dsl", "adsl", "vdsl", "xdsl", "cable", "pool", "ppp", "pppoe",
	"client", "broadband", "dialup", "dial", "static-ip", "staticip", "customer", "cust",
	"host-", "ip-", "user", "res", "resident", "residential", "fibre", "fiber", "ftth", "cpe",
	"modem", "wireless", "mobile", "nat", "unassigned", "unknown",
}

// looksDynamic reports whether a PTR name looks generic: the client's
// address embedded in its host part (as digits in order or reversed, in
// decimal or hex), or a dynamic-address word in a label left of the
// registrable domain.
func looksDynamic(name string, ip netip.Addr) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	labels := strings.Split(name, ".")
	if len(labels) < 3 {
		return false
	}
	left := strings.Join(labels[:len(labels)-2], ".")
	if ip.Is4() && embedsIPv4(left, ip) {
		return true
	}
	for _, l := range labels[:len(labels)-2] {
		for _, part := range strings.FieldsFunc(l, func(r rune) bool { return r == '-' || r >= '0' && r <= '9' }) {
			for _, w := range dynamicWords {
				if part == strings.Trim(w, "-") {
					return true
				}
			}
		}
		for _, w := range dynamicWords {
			if strings.Contains(w, "-") && strings.Contains(l, w) {
				return true
			}
		}
	}
	return false
}

// embedsIPv4 reports whether s holds the four octets of ip, in order or
// reversed, as decimal numbers or as eight hex digits.
func embedsIPv4(s string, ip netip.Addr) bool {
	b := ip.As4()
	var nums []string
	cur := ""
	for _, r := range s + "." {
		if r >= '0' && r <= '9' {
			cur += string(r)
			continue
		}
		if cur != "" {
			n, _ := strconv.Atoi(cur) // digits only; an absurd run just never matches
			nums = append(nums, strconv.Itoa(n))
			cur = ""
		}
	}
	oct := make([]string, 4)
	for i, x := range b {
		oct[i] = strconv.Itoa(int(x))
	}
	fwd := strings.Join(oct, ".")
	rev := oct[3] + "." + oct[2] + "." + oct[1] + "." + oct[0]
	for i := 0; i+4 <= len(nums); i++ {
		if w := strings.Join(nums[i:i+4], "."); w == fwd || w == rev {
			return true
		}
	}
	hex := strings.ToLower(hex8(b))
	return strings.Contains(strings.ReplaceAll(s, "-", ""), hex)
}

func hex8(b [4]byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 8)
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

// checkHELO fires HELO_NOT_FQDN, HELO_IP_MISMATCH, HELO_OURS and
// HELO_NO_RESOLVE.
func checkHELO(ctx context.Context, res dnsbl.Lookuper, helo string, ip netip.Addr, ours []string) []scoring.NetHit {
	h := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(helo), "."))
	if h == "" {
		return nil
	}
	for _, o := range ours {
		if o != "" && strings.EqualFold(h, strings.TrimSuffix(o, ".")) || o != "" && strings.Trim(h, "[]") == o {
			return []scoring.NetHit{{Rule: "HELO_OURS", Detail: helo}}
		}
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		lit := strings.TrimPrefix(h[1:len(h)-1], "ipv6:")
		a, err := netip.ParseAddr(lit)
		switch {
		case err != nil:
			return []scoring.NetHit{{Rule: "HELO_NOT_FQDN", Detail: helo}}
		case a.Unmap() != ip:
			return []scoring.NetHit{{Rule: "HELO_IP_MISMATCH", Detail: helo}}
		}
		return nil
	}
	if _, err := netip.ParseAddr(h); err == nil || !isFQDN(h) {
		// A bare address without brackets is not a valid HELO either.
		return []scoring.NetHit{{Rule: "HELO_NOT_FQDN", Detail: helo}}
	}
	_, err := res.LookupIP(ctx, h)
	switch {
	case err == nil:
		return nil
	case dnsbl.IsNotFound(err) || errorsIsPerm(err):
		return []scoring.NetHit{{Rule: "HELO_NO_RESOLVE", Detail: helo}}
	}
	return []scoring.NetHit{{Rule: "HELO_TEMPERROR", Detail: errReason(err)}}
}

// isFQDN reports whether h is a syntactically valid domain name with at
// least two labels and a non-numeric top-level label.
func isFQDN(h string) bool {
	labels := strings.Split(h, ".")
	if len(labels) < 2 || len(h) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.IndexFunc(tld, func(r rune) bool { return r < '0' || r > '9' }) >= 0
}

// checkDomain fires <prefix>NULL_MX when the domain publishes a null MX,
// <prefix>NO_MX when it has no MX and no address (RFC 5321 §5.1: mail goes
// to the A/AAAA then), <prefix>TEMPERROR when that could not be told.
func checkDomain(ctx context.Context, res dnsbl.Lookuper, prefix, domain string) []scoring.NetHit {
	mxs, err := res.LookupMX(ctx, domain)
	switch {
	case err == nil && dnsbl.IsNullMX(mxs):
		return []scoring.NetHit{{Rule: prefix + "NULL_MX", Detail: domain}}
	case err == nil && len(mxs) > 0:
		return nil
	case err != nil && !dnsbl.IsNotFound(err) && !errorsIsPerm(err):
		return []scoring.NetHit{{Rule: prefix + "TEMPERROR", Detail: errReason(err)}}
	}
	_, err = res.LookupIP(ctx, domain)
	switch {
	case err == nil:
		return nil
	case dnsbl.IsNotFound(err) || errorsIsPerm(err):
		return []scoring.NetHit{{Rule: prefix + "NO_MX", Detail: domain}}
	}
	return []scoring.NetHit{{Rule: prefix + "TEMPERROR", Detail: errReason(err)}}
}

func errorsIsPerm(err error) bool { return errors.Is(err, dnsbl.ErrPerm) }

// errReason is a lookup error's short reason, for the report.
func errReason(err error) string {
	var de *dnsbl.Error
	if errors.As(err, &de) {
		return de.Name + " " + de.Type + ": " + de.Reason
	}
	return err.Error()
}
