package postfixtest

import (
	"strings"
	"testing"
	"time"
)

// Ports of this package's own test (tests/ uses 17890-17893).
const (
	selfSMTPPort   = "17895"
	selfMilterPort = "17896" // nothing listens here: a dead milter
)

func message(subject string) []byte {
	return []byte("Date: " + time.Now().Format(time.RFC1123Z) + "\n" +
		"From: Sender <sender@example.com>\nTo: user@e2e.test\n" +
		"Message-ID: <" + subject + "@example.com>\nSubject: " + subject + "\n\nhello\n")
}

// TestDeliverWithoutMilter checks the harness itself: a message goes in over
// SMTP and comes out in the Maildir, and the maillog names its queue id.
func TestDeliverWithoutMilter(t *testing.T) {
	pf := Start(t, Options{SMTPPort: selfSMTPPort})
	res := pf.Send(t, Mail{ID: "plain", Data: message("plain-subject")})
	if res.Code != 0 {
		t.Fatalf("not accepted: %s", res)
	}
	m := pf.Delivered(t, "plain")
	if got := m.Subject(); got != "plain-subject" {
		t.Errorf("Subject = %q", got)
	}
	if n := len(m.Lines("x-e2e-id")); n != 1 {
		t.Errorf("%d X-E2E-Id lines", n)
	}
	qid := res.QueueID()
	if qid == "" || pf.QueueIDs()["<plain-subject@example.com>"] != qid {
		t.Errorf("queue id %q from swaks, maillog map %v", qid, pf.QueueIDs())
	}
}

// TestMilterDown checks milter_default_action = tempfail with a milter
// that is not there.
func TestMilterDown(t *testing.T) {
	LockPort(t, selfMilterPort, time.Minute) // nothing else may listen there
	pf := Start(t, Options{SMTPPort: selfSMTPPort, MilterAddr: "inet:127.0.0.1:" + selfMilterPort})
	res := pf.Send(t, Mail{ID: "down", Data: message("down-subject")})
	if got := res.ErrorReply(); !strings.HasPrefix(got, "451 4.7.1") {
		t.Fatalf("error reply %q, want 451 4.7.1 (%s)", got, res)
	}
	pf.Stop()
	if pf.IsDelivered(t, "down") {
		t.Error("tempfailed message was delivered")
	}
	if len(pf.pids()) != 0 {
		t.Errorf("processes left after Stop: %v", pf.pids())
	}
}
