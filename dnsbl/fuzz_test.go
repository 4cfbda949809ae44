package dnsbl

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func seedFuzz(f *testing.F, name string) {
	data, err := os.ReadFile(filepath.Join("testdata", "rbldnsd", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(":\n!\n::\n:x:y\n1-\n/\n-1\n1.2.3.4/33\n*.\n.\n"))
}

func FuzzParseIP4Set(f *testing.F) {
	seedFuzz(f, "ip4set")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := ParseIP4Set(bytes.NewReader(data))
		s.Lookup(netip.MustParseAddr("192.0.2.1"))
	})
}

func FuzzParseIP6Trie(f *testing.F) {
	seedFuzz(f, "ip6trie")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := ParseIP6Trie(bytes.NewReader(data))
		s.Lookup(netip.MustParseAddr("2001:db8::1"))
	})
}

func FuzzParseDNSet(f *testing.F) {
	seedFuzz(f, "dnset")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := ParseDNSet(bytes.NewReader(data))
		s.Lookup("a.b.example")
	})
}

// TestResolverMalformed: a server answering garbage yields ErrTemp.
func TestResolverMalformed(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			// The query's ID, then a header claiming records that are
			// not there.
			junk := append([]byte{}, buf[:2]...)
			junk = append(junk, 0x81, 0x80, 0, 1, 0, 5, 0, 0, 0, 0, 0xff, 0xff)
			_ = n
			_, _ = pc.WriteTo(junk, addr)
		}
	}()
	r := NewResolver(Options{Servers: []string{pc.LocalAddr().String()}, Timeout: 200 * time.Millisecond, Retries: -1})
	if _, err := r.LookupA(t.Context(), "host.test"); !IsTemp(err) {
		t.Fatalf("garbage answer: %v, want ErrTemp", err)
	}
}
