package auth

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"

	"blitiri.com.ar/go/spf"
)

// SPFStatus is an SPF result (RFC 7208 §2.6); the values are the words used in
// Authentication-Results.
type SPFStatus string

// SPF results.
const (
	SPFPass      SPFStatus = "pass"
	SPFFail      SPFStatus = "fail"
	SPFSoftFail  SPFStatus = "softfail"
	SPFNeutral   SPFStatus = "neutral"
	SPFNone      SPFStatus = "none"
	SPFTempError SPFStatus = "temperror"
	SPFPermError SPFStatus = "permerror"
)

// SPF identities (RFC 7208 §2.3, §2.4).
const (
	IdentityMailFrom = "mailfrom"
	IdentityHELO     = "helo"
)

// SPFResult is the outcome of one SPF check.
type SPFResult struct {
	Status SPFStatus
	// Identity is IdentityMailFrom, or IdentityHELO when the HELO name was
	// checked (CheckHELO, or CheckSPF with the null sender).
	Identity string
	// Sender is the checked identity as it goes into Authentication-Results:
	// the MAIL FROM address, or the HELO name.
	Sender string
	// Domain is the domain whose policy was evaluated (lower case); DMARC
	// aligns it with the From domain.
	Domain string
	// Reason is a short explanation ("matched all", "lookup limit reached").
	Reason string
}

// SPFOptions tune the SPF checks. The zero value is the RFC 7208 default.
type SPFOptions struct {
	// Trace, when set, receives the library's step-by-step trace (debug
	// logging only: it may contain DNS data).
	Trace func(format string, args ...any)
}

// RFC 7208 §4.6.4: at most 10 mechanisms or modifiers that query DNS, and at
// most 2 lookups that return nothing. Set explicitly rather than relying on
// the library's defaults.
const (
	spfMaxLookups     = 10
	spfMaxVoidLookups = 2
)

// CheckSPF evaluates the SPF policy for the MAIL FROM identity of a message
// from ip. With the null sender ("" or "<>") the HELO identity is checked, as
// RFC 7208 §2.4 says ("postmaster@" + helo). The time spent is bounded by ctx.
func CheckSPF(ctx context.Context, r Resolver, ip netip.Addr, helo, mailFrom string) SPFResult {
	return CheckSPFWithOptions(ctx, r, ip, helo, mailFrom, SPFOptions{})
}

// CheckHELO evaluates the SPF policy of the HELO name alone (RFC 7208 §2.3).
// A HELO that is not a domain (an address literal, a bare word) yields none.
func CheckHELO(ctx context.Context, r Resolver, ip netip.Addr, helo string) SPFResult {
	return CheckSPFWithOptions(ctx, r, ip, helo, "", SPFOptions{})
}

// CheckSPFWithOptions is CheckSPF with options.
func CheckSPFWithOptions(ctx context.Context, r Resolver, ip netip.Addr, helo, mailFrom string, o SPFOptions) SPFResult {
	res := spfIdentity(helo, mailFrom)
	if res.Status != "" {
		return res
	}
	if !ip.IsValid() {
		res.Status, res.Reason = SPFNone, "no client address"
		return res
	}
	opts := []spf.Option{
		spf.WithContext(ctx),
		spf.WithResolver(normResolver{r}),
		spf.OverrideLookupLimit(spfMaxLookups),
		spf.OverrideVoidLookupLimit(spfMaxVoidLookups),
	}
	if o.Trace != nil {
		opts = append(opts, spf.WithTraceFunc(o.Trace))
	}
	sender := res.Sender
	if res.Identity == IdentityHELO {
		sender = "postmaster@" + res.Domain
	}
	st, err := runSPF(net.IP(ip.Unmap().AsSlice()), res.Domain, sender, opts)
	res.Status = SPFStatus(st)
	res.Reason = spfReason(err)
	if ctx.Err() != nil && (res.Status == SPFPermError || res.Status == SPFNone) {
		// A cancelled lookup may surface as any error: it is unknown.
		res.Status, res.Reason = SPFTempError, "deadline: "+ctx.Err().Error()
	}
	return res
}

// runSPF calls the library with a panic guard: whatever the records say, the
// caller gets a result.
func runSPF(ip net.IP, helo, sender string, opts []spf.Option) (st spf.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			st, err = spf.PermError, errors.New("internal error evaluating the record")
		}
	}()
	return spf.CheckHostWithSender(ip, helo, sender, opts...)
}

// spfIdentity picks the identity to check. It returns a finished result
// (Status set) when there is nothing checkable.
func spfIdentity(helo, mailFrom string) SPFResult {
	from := strings.TrimSpace(mailFrom)
	from = strings.TrimSuffix(strings.TrimPrefix(from, "<"), ">")
	if from == "" {
		h := strings.TrimSpace(helo)
		res := SPFResult{Identity: IdentityHELO, Sender: clean(h, 255)}
		res.Domain = spfDomain(h)
		if res.Domain == "" {
			res.Status, res.Reason = SPFNone, "HELO is not a domain name"
		}
		return res
	}
	res := SPFResult{Identity: IdentityMailFrom, Sender: clean(from, 320)}
	at := strings.LastIndexByte(from, '@')
	if at >= 0 {
		res.Domain = spfDomain(from[at+1:])
	}
	if res.Domain == "" {
		res.Status, res.Reason = SPFNone, "MAIL FROM has no usable domain"
	}
	return res
}

// spfDomain returns the normalised domain, or "" when d is not a multi-label
// domain name (RFC 7208 §4.3: such identities yield none).
func spfDomain(d string) string {
	n := normDomain(d)
	if n == "" || !strings.Contains(n, ".") || strings.HasPrefix(n, ".") ||
		strings.Contains(n, "..") {
		return ""
	}
	if _, err := netip.ParseAddr(n); err == nil {
		return ""
	}
	for _, label := range strings.Split(n, ".") {
		if len(label) > 63 {
			return ""
		}
	}
	return n
}

// spfReason turns the library's diagnostic error into a short explanation.
func spfReason(err error) string {
	if err == nil {
		return ""
	}
	return clean(err.Error(), maxReason)
}
