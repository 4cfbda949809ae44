package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// The DNS runs: mailsift with every DNS check on (two lists, SPF, DKIM,
// DMARC, the sender checks) against a DNS server on loopback. The load
// client connects as 192.0.2.10 with HELO mail.client.test; no query ever
// leaves the machine.

// DNSRecords are what the answering server serves: the client's forward-
// confirmed PTR and the lists' RFC 5782 test points (so their health probe
// passes). Every other name is NXDOMAIN.
var DNSRecords = []string{
	"10.2.0.192.in-addr.arpa. 300 IN PTR mail.client.test.",
	"mail.client.test. 300 IN A 192.0.2.10",
	"2.0.0.127.bl.bench.test. 300 IN A 127.0.0.2",
	"test.uri.bench.test. 300 IN A 127.0.0.2",
}

// dnsZones are the lists the DNS runs enable: one IP list, one URI list.
const dnsZones = `[[zone]]
name = "benchbl"
domain = "bl.bench.test"
rule = "RCVD_IN_BENCH"
enabled = true

[[zone]]
name = "benchuri"
domain = "uri.bench.test"
rule = "URIBL_BENCH"
target = "domains"
enabled = true
`

// DNSConfig writes the zones file into dir and returns the configuration
// text for a mailsift whose resolver is server, with every DNS check on,
// check_private set, and the given deadline and per-query timeout.
func DNSConfig(dir, server, deadline, timeout string) (string, error) {
	zf := filepath.Join(dir, "zones.toml")
	if err := os.WriteFile(zf, []byte(dnsZones), 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("[limits]\ndeadline = %q\n\n[dns]\nservers = [%q]\ntimeout = %q\nzones_file = %q\n"+
		"check_private = true\n\n[auth]\nspf = true\ndkim = true\ndmarc = true\n", deadline, server, timeout, zf), nil
}

// BlackHole is a UDP socket on loopback that reads every packet and never
// answers: a dead resolver.
type BlackHole struct {
	Addr string
	pc   net.PacketConn
	done chan struct{}
	n    int
}

// StartBlackHole opens the socket and starts draining it.
func StartBlackHole() (*BlackHole, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &BlackHole{Addr: pc.LocalAddr().String(), pc: pc, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		buf := make([]byte, 65536)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			h.n++
		}
	}()
	return h, nil
}

// Close stops the socket and returns how many packets it swallowed.
func (h *BlackHole) Close() (int, error) {
	err := h.pc.Close()
	<-h.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return h.n, err
}
