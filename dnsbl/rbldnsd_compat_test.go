package dnsbl

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
)

// compatZones are the zones of testdata/rbldnsd, as rbldnsd serves them.
func compatZones(dir string) []Zone {
	return []Zone{
		{Name: "bl", Domain: "bl.test", Rule: "RCVD_IN_BL", Enabled: true, IPv6: true, Local: []Dataset{
			{Format: "ip4set", File: filepath.Join(dir, "ip4set")},
			{Format: "ip6trie", File: filepath.Join(dir, "ip6trie")},
		}},
		{Name: "dbl", Domain: "dbl.test", Target: Domains, Rule: "URIBL_DBL", Enabled: true, Local: []Dataset{
			{Format: "dnset", File: filepath.Join(dir, "dnset")},
		}},
	}
}

// compatQueries are asked of both servers, as A and as TXT.
var compatQueries = []string{
	"2.0.0.127.bl.test", "1.0.0.127.bl.test",
	"1.2.0.192.bl.test", "2.2.0.192.bl.test", "3.2.0.192.bl.test", "4.2.0.192.bl.test",
	"5.2.0.192.bl.test", "6.2.0.192.bl.test", "200.2.0.192.bl.test",
	"0.100.51.198.bl.test", "1.100.51.198.bl.test", "7.100.51.198.bl.test", "255.100.51.198.bl.test",
	"9.113.0.203.bl.test", "10.113.0.203.bl.test", "15.113.0.203.bl.test", "20.113.0.203.bl.test",
	"21.113.0.203.bl.test", "99.113.0.203.bl.test", "100.113.0.203.bl.test", "129.113.0.203.bl.test",
	"130.113.0.203.bl.test", "131.113.0.203.bl.test",
	"1.1.20.10.bl.test", "255.255.20.10.bl.test", "1.1.21.10.bl.test",
	"9.5.16.172.bl.test", "9.6.16.172.bl.test", "9.9.9.9.bl.test",
	"1.0.30.10.bl.test", "1.1.30.10.bl.test", "5.1.30.10.bl.test", "1.2.30.10.bl.test",
	"7.2.0.192.bl.test", "1.0.40.10.bl.test", "255.3.40.10.bl.test", "0.4.40.10.bl.test",
	"9.9.50.10.bl.test", "9.9.51.10.bl.test", "9.9.52.10.bl.test", "1.1.61.10.bl.test", "1.1.62.10.bl.test",
	"249.0.70.10.bl.test", "250.0.70.10.bl.test", "5.1.70.10.bl.test", "6.1.70.10.bl.test",
	QueryName(mustAddr("2001:db8:c000::1"), "bl.test"),
	QueryName(mustAddr("2001:db8:cfff:ffff::1"), "bl.test"),
	QueryName(mustAddr("2001:db8:d000::1"), "bl.test"),
	QueryName(mustAddr("2001:db8:def7:4242::99"), "bl.test"),
	QueryName(mustAddr("2001:db8:def7:4243::1"), "bl.test"),
	QueryName(mustAddr("2001:db8:42::1"), "bl.test"),
	QueryName(mustAddr("2001:db8:42::bead"), "bl.test"),
	QueryName(mustAddr("2001:db8:42:1000::1"), "bl.test"),
	QueryName(mustAddr("::1"), "bl.test"),
	QueryName(mustAddr("::2"), "bl.test"),
	"spam.example.dbl.test", "www.spam.example.dbl.test",
	"wild.example.dbl.test", "a.wild.example.dbl.test", "b.a.wild.example.dbl.test",
	"both.example.dbl.test", "x.both.example.dbl.test", "ok.both.example.dbl.test",
	"phish.example.dbl.test", "PHISH.Example.dbl.test", "clean.example.dbl.test",
	"1.2.0.192.dbl.test",
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// rbldnsdPath finds Debian's rbldnsd; the test skips without it unless CI
// is set.
func rbldnsdPath(t *testing.T) string {
	for _, p := range []string{"rbldnsd", "/usr/sbin/rbldnsd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("rbldnsd not installed (apt-get install rbldnsd)")
	}
	t.Skip("rbldnsd not installed (apt-get install rbldnsd)")
	return ""
}

// startRbldnsd serves the test data with rbldnsd on a loopback port.
func startRbldnsd(t *testing.T, bin, dir string) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	args := []string{"-n", "-q", "-b", fmt.Sprintf("127.0.0.1/%d", port), "-w", dir, "-t", "60",
		"bl.test:ip4set:ip4set", "bl.test:ip6trie:ip6trie", "dbl.test:dnset:dnset"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...) // rbldnsd refuses to run as root
	}
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("2.0.0.127.bl.test.", dns.TypeA)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if r, _, err := c.Exchange(m, addr); err == nil && len(r.Answer) > 0 {
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("rbldnsd did not answer: %s", out.String())
	return ""
}

// answerKey summarises a response: rcode and the sorted A and TXT data.
func answerKey(r *dns.Msg) string {
	var data []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			data = append(data, "A "+v.A.String())
		case *dns.TXT:
			data = append(data, "TXT "+strings.Join(v.Txt, ""))
		}
	}
	slices.Sort(data)
	return dns.RcodeToString[r.Rcode] + " " + strings.Join(data, "; ")
}

func TestRbldnsdCompat(t *testing.T) {
	bin := rbldnsdPath(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ip4set", "ip6trie", "dnset"} {
		data, err := os.ReadFile(filepath.Join("testdata", "rbldnsd", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	theirs := startRbldnsd(t, bin, dir)
	ours := startServe(t, compatZones(dir))

	c := &dns.Client{Timeout: 2 * time.Second}
	for _, name := range compatQueries {
		for _, qt := range []uint16{dns.TypeA, dns.TypeTXT} {
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(name), qt)
			want, _, err := c.Exchange(m, theirs)
			if err != nil {
				t.Fatalf("rbldnsd %s: %v", name, err)
			}
			got, _, err := c.Exchange(m, ours)
			if err != nil {
				t.Fatalf("ours %s: %v", name, err)
			}
			if answerKey(got) != answerKey(want) {
				t.Errorf("%s %s:\n ours    %s\n rbldnsd %s", name, dns.TypeToString[qt], answerKey(got), answerKey(want))
			}
		}
	}
}

// startServe loads zones and serves them on a loopback port.
func startServe(t *testing.T, zones []Zone) string {
	t.Helper()
	c, err := NewChecker(nil, zones, CheckerOptions{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadLocal(context.Background()); err != nil {
		t.Fatal(err)
	}
	pc, ln := dnsbltest.Listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeOn(ctx, pc, ln, c.Locals(), ServeOptions{}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeOn: %v", err)
		}
	})
	return pc.LocalAddr().String()
}
