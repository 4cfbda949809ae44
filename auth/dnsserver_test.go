package auth

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// testDNS is an authoritative DNS server on 127.0.0.1 (UDP and TCP) serving
// in-memory records, for the checks' resolver. Names are case-insensitive
// and given without the final dot.
type testDNS struct {
	mu    sync.Mutex
	txt   map[string][]string
	addr  map[string][]netip.Addr
	mx    map[string][]string
	rcode map[string]dnsmessage.RCode
	drop  map[string]bool

	udp net.PacketConn
	tcp net.Listener
}

func newTestDNS(t testing.TB) *testDNS {
	t.Helper()
	d := &testDNS{
		txt:   map[string][]string{},
		addr:  map[string][]netip.Addr{},
		mx:    map[string][]string{},
		rcode: map[string]dnsmessage.RCode{},
		drop:  map[string]bool{},
	}
	var err error
	if d.udp, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if d.tcp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.serveUDP() }()
	go func() { defer wg.Done(); d.serveTCP() }()
	t.Cleanup(func() {
		_ = d.udp.Close()
		_ = d.tcp.Close()
		wg.Wait()
	})
	return d
}

func key(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

// TXT publishes TXT records; each string is one record (split into
// 255-byte character-strings on the wire).
func (d *testDNS) TXT(name string, recs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[key(name)] = append(d.txt[key(name)], recs...)
}

// Addr publishes A/AAAA records.
func (d *testDNS) Addr(name string, addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range addrs {
		d.addr[key(name)] = append(d.addr[key(name)], netip.MustParseAddr(a))
	}
}

// MX publishes MX records (preference 10).
func (d *testDNS) MX(name string, hosts ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mx[key(name)] = append(d.mx[key(name)], hosts...)
}

// Fail makes every query for name answer rcode (e.g. SERVFAIL).
func (d *testDNS) Fail(name string, rc dnsmessage.RCode) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rcode[key(name)] = rc
}

// Drop makes queries for name go unanswered (a timeout for the client).
func (d *testDNS) Drop(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.drop[key(name)] = true
}

// Resolver returns a pure-Go resolver that only ever talks to this server.
func (d *testDNS) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo:     true,
		StrictErrors: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var nd net.Dialer
			if strings.HasPrefix(network, "tcp") {
				return nd.DialContext(ctx, "tcp", d.tcp.Addr().String())
			}
			return nd.DialContext(ctx, "udp", d.udp.LocalAddr().String())
		},
	}
}

func (d *testDNS) serveUDP() {
	buf := make([]byte, 65535)
	for {
		n, from, err := d.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := d.answer(buf[:n], true); out != nil {
			_, _ = d.udp.WriteTo(out, from)
		}
	}
}

func (d *testDNS) serveTCP() {
	for {
		c, err := d.tcp.Accept()
		if err != nil {
			return
		}
		go d.serveConn(c)
	}
}

func (d *testDNS) serveConn(c net.Conn) {
	defer func() { _ = c.Close() }()
	for {
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		out := d.answer(q, false)
		if out == nil {
			continue
		}
		msg := binary.BigEndian.AppendUint16(nil, uint16(len(out)))
		if _, err := c.Write(append(msg, out...)); err != nil {
			return
		}
	}
}

// answer builds the response to one query; nil means stay silent.
func (d *testDNS) answer(q []byte, udp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil {
		return nil
	}
	qs, err := p.Question()
	if err != nil {
		return nil
	}
	name := key(qs.Name.String())
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.drop[name] {
		return nil
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	rc, failing := d.rcode[name]
	exists := d.txt[name] != nil || d.addr[name] != nil || d.mx[name] != nil
	switch {
	case failing:
		rh.RCode = rc
	case !exists:
		rh.RCode = dnsmessage.RCodeNameError
	}
	out := d.build(rh, qs, name, rh.RCode == dnsmessage.RCodeSuccess)
	if udp && len(out) > 1232 {
		rh.Truncated = true
		out = d.build(rh, qs, name, false)
	}
	return out
}

func (d *testDNS) build(rh dnsmessage.Header, qs dnsmessage.Question, name string, withAnswers bool) []byte {
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	must(b.StartQuestions())
	must(b.Question(qs))
	must(b.StartAnswers())
	if withAnswers {
		d.answers(&b, qs, name)
	}
	out, err := b.Finish()
	must(err)
	return out
}

func (d *testDNS) answers(b *dnsmessage.Builder, qs dnsmessage.Question, name string) {
	rh := dnsmessage.ResourceHeader{Name: qs.Name, Class: dnsmessage.ClassINET, TTL: 60}
	switch qs.Type {
	case dnsmessage.TypeTXT:
		for _, t := range d.txt[name] {
			must(b.TXTResource(rh, dnsmessage.TXTResource{TXT: chunks(t)}))
		}
	case dnsmessage.TypeA, dnsmessage.TypeAAAA:
		for _, a := range d.addr[name] {
			switch {
			case a.Is4() && qs.Type == dnsmessage.TypeA:
				must(b.AResource(rh, dnsmessage.AResource{A: a.As4()}))
			case a.Is6() && qs.Type == dnsmessage.TypeAAAA:
				must(b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()}))
			}
		}
	case dnsmessage.TypeMX:
		for _, m := range d.mx[name] {
			mx := dnsmessage.MustNewName(strings.TrimSuffix(m, ".") + ".")
			must(b.MXResource(rh, dnsmessage.MXResource{Pref: 10, MX: mx}))
		}
	}
}

// chunks splits a record into DNS character-strings of at most 255 bytes.
func chunks(s string) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
