package milter_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/testutil/miltertest"
	"github.com/mailsift/mailsift/milter"
)

// The DNS checks of the envelope are asked while the client is still in
// the envelope (CONNECT, HELO, MAIL), before any header arrives, and their
// answers reach the verdict without being asked again.
func TestDNSChecksStartBeforeData(t *testing.T) {
	srv := dnsbltest.Start(t,
		"7.2.0.192.bl.test. 300 IN A 127.0.0.2",
		"7.2.0.192.in-addr.arpa. 300 IN PTR mx.example.net.",
		"mx.example.net. 300 IN A 192.0.2.7",
		"example.net. 300 IN MX 10 mx.example.net.",
		`example.net. 300 IN TXT "v=spf1 ip4:192.0.2.7 -all"`,
	)
	zf := filepath.Join(t.TempDir(), "zones.toml")
	zones := "[[zone]]\nname = \"t\"\ndomain = \"bl.test\"\nrule = \"RCVD_IN_T\"\nenabled = true\n"
	if err := os.WriteFile(zf, []byte(zones), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DNS.Servers, cfg.DNS.ZonesFile, cfg.DNS.CacheSize = []string{srv.Addr}, zf, 0
	rt := netRuntime(t, cfg)
	h := start(t, rt, 0)

	s := miltertest.Open(t, h.addr, miltertest.Envelope{})
	questions := [][2]string{
		{"7.2.0.192.bl.test", "A"}, {"7.2.0.192.in-addr.arpa", "PTR"}, {"mx.example.net", "A"},
		{"example.net", "MX"}, {"example.net", "TXT"},
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, q := range questions {
		for srv.Queries(q[0], q[1]) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s/%s not asked before DATA", q[0], q[1])
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(50 * time.Millisecond) // let the early checks finish their follow-up questions
	before := make([]int, len(questions))
	for i, q := range questions {
		before[i] = srv.Queries(q[0], q[1])
	}
	mods, _ := miltertest.Finish(t, s, pairs(hamHeaders()), "hello\r\n")
	report := strings.Join(headersOf(mods)["X-Spam-Report"], "")
	for _, r := range []string{"RCVD_IN_T", "SPF_PASS"} {
		if !strings.Contains(report, r) {
			t.Errorf("no %s in X-Spam-Report %q", r, report)
		}
	}
	for i, q := range questions {
		if n := srv.Queries(q[0], q[1]); n != before[i] {
			t.Errorf("%s/%s asked again at end of message (%d → %d)", q[0], q[1], before[i], n)
		}
	}
}

// A flood of connections announcing distinct clients while the resolver
// is dead: the early checks of closed connections end, nothing piles up,
// and a message sent afterwards still gets its verdict in time.
func TestEarlyChecksFloodDeadResolver(t *testing.T) {
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	cfg := config.Default()
	cfg.DNS.Servers = []string{hole.LocalAddr().String()}
	cfg.DNS.Timeout = config.Duration{Duration: 200 * time.Millisecond}
	cfg.Limits.Deadline = config.Duration{Duration: time.Second}
	rt := netRuntime(t, cfg)
	h := start(t, rt, 0)
	base := runtime.NumGoroutine()
	c := gomilter.NewClient("tcp", h.addr, gomilter.WithActions(milter.Actions|gomilter.OptSetMacros))
	for i := range 300 {
		s, err := c.Session(gomilter.NewMacroBag())
		if err != nil {
			t.Fatal(err)
		}
		ip := fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)
		if _, err := s.Conn("x", gomilter.FamilyInet, 25, ip); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Helo("host" + ip); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Mail("a@flood"+fmt.Sprint(i)+".example", ""); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	t0 := time.Now()
	mods, act := h.send(t, hamHeaders(), "hello\r\n")
	if act == nil || act.Type != gomilter.ActionAccept && act.Type != gomilter.ActionContinue {
		t.Fatalf("after the flood: %+v", act)
	}
	if el := time.Since(t0); el > 2*time.Second {
		t.Errorf("verdict after the flood took %v (deadline 1s)", el)
	}
	if len(headersOf(mods)["X-Spam-Status"]) == 0 {
		t.Errorf("no verdict headers after the flood")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+20 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d before the flood, %d 5s after it", base, runtime.NumGoroutine())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Header fields beyond limits.header_bytes never reach the parser; the
// message is marked header_too_big, so DKIM is not verified over an
// incomplete header (it would call a good signature invalid).
func TestHeaderCutSkipsDKIM(t *testing.T) {
	srv := dnsbltest.Start(t)
	cfg := config.Default()
	cfg.DNS.Servers = []string{srv.Addr}
	cfg.Limits.HeaderBytes = 8 << 10
	cfg.Auth.AuthservID = "mx.test"
	rt := netRuntime(t, cfg)
	h := start(t, rt, 0)
	signed := append(hamHeaders(), field{"DKIM-Signature", "v=1; a=rsa-sha256; d=example.net; s=s1; h=from:subject; bh=AAAA; b=AAAA"})
	authRes := func(hdrs []field) string {
		mods, _ := h.send(t, hdrs, "hello\r\n")
		return strings.Join(headersOf(mods)["Authentication-Results"], " ")
	}
	if ar := authRes(signed); !strings.Contains(ar, "dkim=") {
		t.Fatalf("a signed message within the limit was not verified: %q", ar)
	}
	big := append([]field(nil), signed...)
	for i := range 12 {
		big = append(big, field{fmt.Sprintf("X-Filler-%d", i), strings.Repeat("f", 1000)})
	}
	if ar := authRes(big); strings.Contains(ar, "dkim=") {
		t.Errorf("DKIM verified over a header cut at header_bytes: %q", ar)
	}
}

// netRuntime builds a runtime with cfg's resolver and lists.
func netRuntime(t *testing.T, cfg *config.Config) *filter.Runtime {
	t.Helper()
	n, err := filter.NewNet(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	rt, err := filter.New(cfg, filter.Deps{Net: n})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}
