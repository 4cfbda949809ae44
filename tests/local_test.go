package tests

import (
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/internal/testutil/postfixtest"
)

const (
	localSMTPPort   = "17898"
	localMilterPort = "17899"
)

// TestLocalSubmission: mail submitted with sendmail(1) goes through
// non_smtpd_milters (pickup → cleanup → milter) and is filtered like SMTP
// mail: the GTUBE message at 9 points is delivered tagged.
func TestLocalSubmission(t *testing.T) {
	t.Parallel()
	postfixtest.Require(t)
	ms := startMailsift(t, localMilterPort, "[scores]\n"+gtubeRule+" = 9.0\n")
	milter := "inet:127.0.0.1:" + localMilterPort
	pf := postfixtest.Start(t, postfixtest.Options{
		SMTPPort: localSMTPPort, MilterAddr: milter, MilterDefaultAction: "tempfail",
		ExtraMainCF: []string{"non_smtpd_milters = " + milter},
	})
	pf.Sendmail(t, "local-1", loadCase(t, "gtube", "local-1"))
	m := pf.Delivered(t, "local-1")
	if got := m.Header.Get("Subject"); got != "[SPAM] Checking the filter" {
		t.Errorf("Subject = %q", got)
	}
	if st := m.Header.Get("X-Spam-Status"); !strings.HasPrefix(st, "Yes, ") {
		t.Errorf("X-Spam-Status = %q", st)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ms.stdout(), `"action":"tag"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no message-log line for the local submission:\n%s", ms.stdout())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
