// Package auth authenticates the sender of a message: SPF (RFC 7208) for the
// envelope, DKIM (RFC 6376) for the content, DMARC (RFC 7489) to tie both to
// the author's From domain, and the Authentication-Results header (RFC 8601)
// that records the outcome for the recipient.
//
// The checks are thin, bounded wrappers around blitiri.com.ar/go/spf and
// github.com/emersion/go-msgauth. Every DNS query goes through the Resolver
// the caller passes in, so the daemon uses its own resolver and the tests a
// server on loopback. Every function returns a result value, never an error:
// a DNS failure is a temperror ("unknown", no points), a broken record or
// signature a permerror, and nothing in here panics on hostile input.
//
// Results become named rules through the pure functions in rules.go
// (SPFRule, DKIMRules, DMARCRule); the caller decides the points.
package auth

import (
	"context"
	"errors"
	"net"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Resolver is every DNS lookup the checks make. *net.Resolver satisfies it;
// the daemon adapts its own resolver.
//
// Errors: report "no such name" and "no records of this type" as a
// *net.DNSError with IsNotFound set (it may be wrapped with %w). Every other
// error, including a context deadline, is treated as temporary. The methods
// must honour ctx.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// normResolver wraps a Resolver so that its errors have the exact shape the
// libraries test with type assertions: an unwrapped *net.DNSError that is
// either IsNotFound or Temporary.
type normResolver struct{ r Resolver }

func (n normResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	v, err := n.r.LookupTXT(ctx, name)
	return v, normErr(name, err)
}

func (n normResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	v, err := n.r.LookupMX(ctx, name)
	return v, normErr(name, err)
}

func (n normResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	v, err := n.r.LookupIPAddr(ctx, host)
	return v, normErr(host, err)
}

func (n normResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	v, err := n.r.LookupAddr(ctx, addr)
	return v, normErr(addr, err)
}

// normErr maps any resolver error to a bare *net.DNSError: not-found stays
// not-found, everything else becomes temporary. The server address is
// dropped: the text ends up in Authentication-Results.
func normErr(name string, err error) error {
	if err == nil {
		return nil
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		if de.IsNotFound {
			return &net.DNSError{Err: de.Err, Name: de.Name, IsNotFound: true}
		}
		return &net.DNSError{Err: de.Err, Name: de.Name, IsTimeout: de.IsTimeout, IsTemporary: true}
	}
	return &net.DNSError{Err: err.Error(), Name: name, IsTemporary: true,
		IsTimeout: errors.Is(err, context.DeadlineExceeded)}
}

// isNotFound reports whether err is a not-found DNS answer.
func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// normDomain lower-cases a domain, drops a trailing dot and converts an
// internationalised name to its A-label form. It returns "" for something that
// is not a plausible domain name.
func normDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if d == "" || len(d) > 253 || strings.ContainsAny(d, " \t\r\n@[]()<>;,\"\\") {
		return ""
	}
	if !isASCII(d) {
		a, err := idna.Lookup.ToASCII(d)
		if err != nil {
			return ""
		}
		d = a
	}
	return d
}

// orgDomain is the organizational domain of RFC 7489 §3.2: the registrable
// domain per the public suffix list, or the name itself when it is a public
// suffix or has no registrable part.
func orgDomain(d string) string {
	o, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return o
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxReason bounds explanation strings put into results and headers.
const maxReason = 120

// clean makes a string safe for a header parameter or a log field: printable
// ASCII only (others become '?'), no quotes or backslashes, bounded length.
func clean(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			break
		}
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\'')
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r >= utf8.RuneSelf:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}
