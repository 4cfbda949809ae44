package dnsbl

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	// TTL of positive answers and of the SOA. Default 5m.
	TTL time.Duration
	// NegativeTTL is the SOA minimum, how long resolvers cache NXDOMAIN.
	// Default 1m.
	NegativeTTL time.Duration
	Logger      zerolog.Logger
}

// Serve answers zones over DNS on addr ("127.0.0.1:5353"), UDP and TCP,
// until ctx is done: A and TXT records for listed names, NXDOMAIN for the
// others, REFUSED for names outside the zones.
func Serve(ctx context.Context, addr string, zones []*Local, o ServeOptions) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Join(err, pc.Close())
	}
	return ServeOn(ctx, pc, ln, zones, o)
}

// ServeOn is Serve on sockets the caller opened; it closes them.
func ServeOn(ctx context.Context, pc net.PacketConn, ln net.Listener, zones []*Local, o ServeOptions) error {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = time.Minute
	}
	h := &handler{zones: zones, o: o}
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h, ReadTimeout: 5 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- udp.ActivateAndServe() }()
	go func() { errc <- tcp.ActivateAndServe() }()
	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err1 := udp.ShutdownContext(sctx)
	err2 := tcp.ShutdownContext(sctx)
	if first != nil {
		return first
	}
	return ignoreNotStarted(errors.Join(err1, err2))
}

func ignoreNotStarted(err error) error {
	if err != nil && strings.Contains(err.Error(), "server not started") {
		return nil
	}
	return err
}

type handler struct {
	zones []*Local
	o     ServeOptions
}

// zoneFor returns the zone holding qname, the most specific one.
func (h *handler) zoneFor(qname string) *Local {
	var best *Local
	for _, l := range h.zones {
		if _, ok := relative(qname, l.zone.domain()); ok {
			if best == nil || len(l.zone.domain()) > len(best.zone.domain()) {
				best = l
			}
		}
	}
	return best
}

func (h *handler) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := h.answer(r)
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if o := r.IsEdns0(); o != nil && o.UDPSize() > dns.MinMsgSize {
			size = int(o.UDPSize())
			m.SetEdns0(o.UDPSize(), false)
		}
		m.Truncate(size) // sets TC: the client asks again over TCP
	}
	if err := w.WriteMsg(m); err != nil {
		h.o.Logger.Debug().Err(err).Msg("dnsbl serve: write failed")
	}
}

// answer builds the response to r.
func (h *handler) answer(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	if r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 {
		return m.SetRcode(r, dns.RcodeNotImplemented)
	}
	m.SetReply(r)
	q := r.Question[0]
	l := h.zoneFor(q.Name)
	if l == nil || q.Qclass != dns.ClassINET {
		return m.SetRcode(r, dns.RcodeRefused)
	}
	m.Authoritative = true
	ttl := uint32(h.o.TTL / time.Second)
	if rel, _ := relative(q.Name, l.zone.domain()); rel == "" {
		if q.Qtype == dns.TypeSOA {
			m.Answer = append(m.Answer, h.soa(l))
		}
		return m
	}
	if !l.Loaded() {
		return m.SetRcode(r, dns.RcodeServerFailure)
	}
	recs, _ := l.Lookup(q.Name)
	if len(recs) == 0 {
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, h.soa(l))
		return m
	}
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: ttl}
	for _, rec := range recs {
		switch q.Qtype {
		case dns.TypeA, dns.TypeANY:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: rec.A.AsSlice()})
		case dns.TypeTXT:
			if rec.TXT != "" {
				hdr.Rrtype = dns.TypeTXT
				m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: splitTXT(rec.TXT)})
			}
		}
	}
	return m
}

// splitTXT cuts s into the 255-byte strings of a TXT record.
func splitTXT(s string) []string {
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

func (h *handler) soa(l *Local) dns.RR {
	d := l.zone.domain()
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: d, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: uint32(h.o.TTL / time.Second)},
		Ns:      d,
		Mbox:    "hostmaster." + d,
		Serial:  uint32(time.Now().Unix()),
		Refresh: 3600, Retry: 600, Expire: 86400,
		Minttl: uint32(h.o.NegativeTTL / time.Second),
	}
}
