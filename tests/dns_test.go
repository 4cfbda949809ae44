package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/internal/testutil/postfixtest"
)

const (
	dnsSMTPPort   = "17886"
	dnsMilterPort = "17887"
	authservID    = "mx.e2e.test"
)

// e2eZones lists 127.0.0.1, the address swaks connects from. The health
// probe's "must not be listed" point moves to 127.0.0.9 for that reason.
const e2eZones = `[[zone]]
name = "e2e"
domain = "bl.e2e.test"
rule = "RCVD_IN_E2E"
codes = { "127.0.0.2" = "RCVD_IN_E2E_SPAM" }
test_unlisted = "127.0.0.9"
enabled = true
`

// TestDNSChecks: through the real Postfix, with a loopback DNS server as
// the resolver, a message from a listed client gets the list's rule in
// X-Spam-Report and an Authentication-Results header with our
// authserv-id; a forged Authentication-Results claiming our id is
// removed, another host's is kept.
func TestDNSChecks(t *testing.T) {
	t.Parallel()
	postfixtest.Require(t)
	srv := dnsbltest.Start(t,
		"1.0.0.127.bl.e2e.test. 300 IN A 127.0.0.2",
		"2.0.0.127.bl.e2e.test. 300 IN A 127.0.0.2",
		`e2e-sender.test. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"`)
	pf := startDNSPair(t, srv, "check_private = true\n", dnsMilterPort, dnsSMTPPort)
	data := "Authentication-Results: " + authservID + "; spf=pass smtp.mailfrom=forged@e2e.test\n" +
		"Authentication-Results: other.example; spf=fail smtp.mailfrom=x@e2e.test\n" +
		"From: Dana <dana@e2e-sender.test>\nTo: user@e2e.test\nSubject: quarterly figures\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <dns-1@e2e-sender.test>\n\n" +
		"Hello, the figures are in the shared folder.\n"
	got, report := sendReport(t, pf, postfixtest.Mail{ID: "dns-listed", From: "sender@e2e-sender.test", Data: []byte(data)})
	if !strings.Contains(report, " RCVD_IN_E2E_SPAM ") || !strings.Contains(report, " SPF_PASS ") {
		t.Errorf("X-Spam-Report lacks RCVD_IN_E2E_SPAM or SPF_PASS:\n%s", report)
	}
	var ours, others int
	for _, l := range got.Lines("Authentication-Results") {
		switch {
		case strings.Contains(l, "forged@"):
			t.Errorf("forged field kept: %s", l)
		case strings.HasPrefix(l, "Authentication-Results: "+authservID+";"):
			ours++
			if !strings.Contains(l, "spf=pass") {
				t.Errorf("our field lacks spf=pass: %s", l)
			}
		case strings.Contains(l, "other.example;"):
			others++
		}
	}
	if ours != 1 || others != 1 {
		t.Errorf("Authentication-Results: %d ours, %d of other.example; want 1 and 1:\n%s",
			ours, others, strings.Join(got.Lines("Authentication-Results"), "\n"))
	}
}

const (
	relaySMTPPort   = "17884"
	relayMilterPort = "17885"
)

// TestTrustedRelayChecks: through the real Postfix, mail submitted from
// loopback (a trusted relay: check_private is off) is judged by the first
// untrusted hop of its Received chain: that address gets the list's rule
// and the SPF check.
func TestTrustedRelayChecks(t *testing.T) {
	t.Parallel()
	postfixtest.Require(t)
	srv := dnsbltest.Start(t,
		"2.0.0.127.bl.e2e.test. 300 IN A 127.0.0.2",
		"1.2.0.192.bl.e2e.test. 300 IN A 127.0.0.2",
		`e2e-relay.test. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"`)
	pf := startDNSPair(t, srv, "trusted_networks = [\"10.20.0.0/16\"]\n", relayMilterPort, relaySMTPPort)
	data := "Received: from relay.e2e.test (relay.e2e.test [10.20.0.5]) by gw.e2e.test; Mon, 23 Nov 2026 10:00:02 +0000\n" +
		"Received: from client.e2e-relay.test (client.e2e-relay.test [192.0.2.1]) by relay.e2e.test; Mon, 23 Nov 2026 10:00:01 +0000\n" +
		"Received: from forged.example ([198.51.100.9]) by client.e2e-relay.test; Mon, 23 Nov 2026 10:00:00 +0000\n" +
		"From: Dana <dana@e2e-relay.test>\nTo: user@e2e.test\nSubject: minutes\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <relay-1@e2e-relay.test>\n\n" +
		"Hello, the minutes are attached.\n"
	_, report := sendReport(t, pf, postfixtest.Mail{ID: "relay", From: "dana@e2e-relay.test", Data: []byte(data)})
	if !strings.Contains(report, " RCVD_IN_E2E_SPAM (192.0.2.1 ") || !strings.Contains(report, " SPF_PASS ") {
		t.Errorf("X-Spam-Report lacks the relay's RCVD_IN_E2E_SPAM or SPF_PASS:\n%s", report)
	}
	if strings.Contains(report, "127.0.0.1 in") || strings.Contains(report, "198.51.100.9") {
		t.Errorf("a trusted client or a hop below the first untrusted one was asked:\n%s", report)
	}
}

// startDNSPair starts mailsift with srv as its resolver, the e2e zone,
// reject off and dnsExtra added to [dns], and a Postfix in front of it.
func startDNSPair(t *testing.T, srv *dnsbltest.Server, dnsExtra, milterPort, smtpPort string) *postfixtest.Instance {
	t.Helper()
	cfg := "[actions]\nreject_threshold = 0.0\n\n[dns]\nservers = [\"" + srv.Addr + "\"]\n" +
		"timeout = \"500ms\"\nzones_file = \"zones.toml\"\n" + dnsExtra + "\n" +
		"[auth]\nauthserv_id = \"" + authservID + "\"\n"
	startMailsiftWith(t, milterPort, cfg, func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, "zones.toml"), []byte(e2eZones), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	return postfixtest.Start(t, postfixtest.Options{
		SMTPPort: smtpPort, MilterAddr: "inet:127.0.0.1:" + milterPort, MilterDefaultAction: "tempfail",
	})
}
