package dnsbl

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Lookuper is what the rest of mailsift asks of DNS. *Resolver implements
// it; tests may pass their own. Errors are classified: errors.Is(err,
// ErrTemp), ErrNotFound or ErrPerm.
type Lookuper interface {
	LookupA(ctx context.Context, name string) ([]netip.Addr, error)
	LookupAAAA(ctx context.Context, name string) ([]netip.Addr, error)
	// LookupIP returns the A and AAAA addresses of name.
	LookupIP(ctx context.Context, name string) ([]netip.Addr, error)
	// LookupTXT returns one string per TXT record, its strings joined.
	LookupTXT(ctx context.Context, name string) ([]string, error)
	// LookupMX returns the MX records sorted by preference; see IsNullMX.
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	// LookupPTR returns the names of ip, fully qualified.
	LookupPTR(ctx context.Context, ip netip.Addr) ([]string, error)
}

var _ Lookuper = (*Resolver)(nil)

// LookupA returns the IPv4 addresses of name.
func (r *Resolver) LookupA(ctx context.Context, name string) ([]netip.Addr, error) {
	rrs, err := r.resolve(ctx, name, dns.TypeA)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(rrs))
	for _, rr := range rrs {
		if a, ok := netip.AddrFromSlice(rr.(*dns.A).A.To4()); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// LookupAAAA returns the IPv6 addresses of name.
func (r *Resolver) LookupAAAA(ctx context.Context, name string) ([]netip.Addr, error) {
	rrs, err := r.resolve(ctx, name, dns.TypeAAAA)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(rrs))
	for _, rr := range rrs {
		if a, ok := netip.AddrFromSlice(rr.(*dns.AAAA).AAAA.To16()); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// LookupIP returns the A and AAAA addresses of name, asked concurrently.
// It fails only when neither family gave an address: with ErrNotFound when
// both said so, else with the more serious error.
func (r *Resolver) LookupIP(ctx context.Context, name string) ([]netip.Addr, error) {
	type res struct {
		a   []netip.Addr
		err error
	}
	ch := make(chan res, 1)
	go func() {
		a, err := r.LookupAAAA(ctx, name)
		ch <- res{a, err}
	}()
	v4, err4 := r.LookupA(ctx, name)
	v6 := <-ch
	out := append(v4, v6.a...)
	if len(out) > 0 {
		return out, nil
	}
	switch {
	case err4 == nil && v6.err == nil:
		return nil, newErr(ErrNotFound, name, dns.TypeA, "no address")
	case err4 == nil || IsNotFound(err4) && v6.err != nil:
		return nil, v6.err
	}
	return nil, err4
}

// LookupTXT returns the TXT records of name, each record's strings joined.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.resolve(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, nil
}

// LookupMX returns the MX records of name sorted by preference. A null MX
// (RFC 7505) comes back as itself; test it with IsNullMX.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	rrs, err := r.resolve(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	out := make([]*net.MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*dns.MX)
		out = append(out, &net.MX{Host: mx.Mx, Pref: mx.Preference})
	}
	slices.SortStableFunc(out, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
	return out, nil
}

// IsNullMX reports whether mxs is a null MX (RFC 7505 §3): a single record
// with the root as host, meaning the domain accepts no mail.
func IsNullMX(mxs []*net.MX) bool {
	return len(mxs) == 1 && (mxs[0].Host == "." || mxs[0].Host == "")
}

// LookupPTR returns the PTR names of ip.
func (r *Resolver) LookupPTR(ctx context.Context, ip netip.Addr) ([]string, error) {
	rev, err := dns.ReverseAddr(ip.Unmap().String())
	if err != nil {
		return nil, &Error{Class: ErrPerm, Name: ip.String(), Type: "PTR", Reason: "bad address"}
	}
	rrs, err := r.resolve(ctx, rev, dns.TypePTR)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.(*dns.PTR).Ptr)
	}
	return out, nil
}

// NetResolver adapts a Lookuper to the method set of *net.Resolver that
// SPF libraries take (blitiri.com.ar/go/spf's DNSResolver). Its errors are
// *net.DNSError with IsNotFound, IsTemporary and IsTimeout set from the
// class, and the original error kept in UnwrapErr.
type NetResolver struct{ L Lookuper }

// LookupTXT implements the net.Resolver method.
func (n NetResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	txt, err := n.L.LookupTXT(ctx, name)
	return txt, netErr(err, name)
}

// LookupMX implements the net.Resolver method.
func (n NetResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	mx, err := n.L.LookupMX(ctx, name)
	return mx, netErr(err, name)
}

// LookupIPAddr implements the net.Resolver method.
func (n NetResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ips, err := n.L.LookupIP(ctx, host)
	if err != nil {
		return nil, netErr(err, host)
	}
	out := make([]net.IPAddr, 0, len(ips))
	for _, ip := range ips {
		out = append(out, net.IPAddr{IP: net.IP(ip.AsSlice())})
	}
	return out, nil
}

// LookupAddr implements the net.Resolver method.
func (n NetResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &net.DNSError{Err: "bad address", Name: addr, UnwrapErr: ErrPerm}
	}
	names, err := n.L.LookupPTR(ctx, ip)
	return names, netErr(err, addr)
}

// netErr converts a classified error to a *net.DNSError (nil stays nil).
func netErr(err error, name string) error {
	if err == nil {
		return nil
	}
	de := &net.DNSError{Err: err.Error(), Name: name, UnwrapErr: err}
	switch {
	case errors.Is(err, ErrNotFound):
		de.IsNotFound = true
	case errors.Is(err, ErrTemp):
		de.IsTemporary = true
		de.IsTimeout = strings.Contains(err.Error(), "timeout") ||
			strings.Contains(err.Error(), "deadline")
	}
	return de
}
