package milter_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/filter"
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
	n, err := filter.NewNet(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	rt, err := filter.New(cfg, filter.Deps{Net: n})
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, rt, 0)

	c := gomilter.NewClient("tcp", h.addr, gomilter.WithActions(milter.Actions|gomilter.OptSetMacros))
	s, err := c.Session(gomilter.NewMacroBag())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, step := range []func() (*gomilter.Action, error){
		func() (*gomilter.Action, error) {
			return s.Conn("mx.example.net", gomilter.FamilyInet, 25, "192.0.2.7")
		},
		func() (*gomilter.Action, error) { return s.Helo("mx.example.net") },
		func() (*gomilter.Action, error) { return s.Mail("sender@example.net", "") },
		func() (*gomilter.Action, error) { return s.Rcpt("user@example.com", "") },
	} {
		if act, err := step(); err != nil || act != nil && act.StopProcessing() {
			t.Fatalf("envelope step: %v %+v", err, act)
		}
	}
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
	if _, err := s.DataStart(); err != nil {
		t.Fatal(err)
	}
	for _, hf := range hamHeaders() {
		if _, err := s.HeaderField(hf.name, " "+hf.value, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.HeaderEnd(); err != nil {
		t.Fatal(err)
	}
	mods, _, err := s.BodyReadFrom(strings.NewReader("hello\r\n"))
	if err != nil {
		t.Fatal(err)
	}
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
