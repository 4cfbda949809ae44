package tests

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/internal/testutil/postfixtest"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

const (
	bayesSMTPPort   = "17888"
	bayesMilterPort = "17889"
	bayesTraining   = 12
)

func spamText(i int) string {
	return fmt.Sprintf("From: Pharmacy Deals <deals%d@cheap-meds.example>\nTo: user@e2e.test\nSubject: Discount pills offer %d\n"+
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <pills-%d@cheap-meds.example>\n\n"+
		"Buy cheap pills online. Discount pharmacy, no prescription needed.\nGeneric pills shipped overnight, "+
		"lowest prices on meds, order %d today from our online pharmacy.\n", i, i, i, i)
}

func hamText(i int) string {
	return fmt.Sprintf("From: Carol <carol@partner.example>\nTo: user@e2e.test\nSubject: Project schedule %d\n"+
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <sched-%d@partner.example>\n\n"+
		"Hi, the project review moves to Thursday. I attached the schedule and the notes from the meeting.\n"+
		"Please check the milestones before the review, item %d. Thanks, Carol\n", i, i, i)
}

// trainStore learns bayesTraining spam and ham messages into dir's store,
// as `mailsift learn` would.
func trainStore(t testing.TB, dir string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "var", "mailsift.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := bayes.New(ctx, db, bayes.Options{MinHam: bayesTraining, MinSpam: bayesTraining})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < bayesTraining; i++ {
		for class, text := range map[store.Class]string{store.Spam: spamText(i), store.Ham: hamText(i)} {
			raw := []byte(text)
			if _, err := c.Learn(ctx, store.GlobalScope(), message.Parse(raw, message.Limits{}), raw, class); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestBayes: a message like the learned spam gets BAYES_99 in its
// X-Spam-Report through the real Postfix, and its sender (seen only in spam)
// BAYES_FROM_99 or BAYES_FROM_999; one like the learned ham BAYES_00 and
// BAYES_FROM_00; a clear spam (GTUBE) is autolearned off the SMTP path.
func TestBayes(t *testing.T) {
	t.Parallel()
	postfixtest.Require(t)
	cfg := fmt.Sprintf("[actions]\nreject_threshold = 0.0\n\n[bayes]\nmin_ham = %d\nmin_spam = %d\n", bayesTraining, bayesTraining)
	ms := startMailsiftWith(t, bayesMilterPort, cfg, func(dir string) { trainStore(t, dir) })
	pf := postfixtest.Start(t, postfixtest.Options{
		SMTPPort: bayesSMTPPort, MilterAddr: "inet:127.0.0.1:" + bayesMilterPort, MilterDefaultAction: "tempfail",
	})
	for _, c := range []struct{ id, text, rule, sender string }{
		{"bayes-spam", spamText(99), "BAYES_99", " BAYES_FROM_99"}, // BAYES_FROM_99 or BAYES_FROM_999
		{"bayes-ham", hamText(99), "BAYES_00", " BAYES_FROM_00 "},
	} {
		_, report := sendReport(t, pf, postfixtest.Mail{ID: c.id, From: "sender@e2e-sender.test", Data: []byte(c.text)})
		if !strings.Contains(report, " "+c.rule+" ") {
			t.Errorf("%s: no %s in X-Spam-Report:\n%s", c.id, c.rule, report)
		}
		if !strings.Contains(report, c.sender) {
			t.Errorf("%s: no%s in X-Spam-Report:\n%s", c.id, c.sender, report)
		}
	}
	accepted(t, pf.Send(t, postfixtest.Mail{ID: "bayes-gtube", From: "sender@e2e-sender.test",
		Data: loadCase(t, "gtube", "bayes-gtube")}))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ms.stdout(), `"autolearn":"spam"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the GTUBE message was not autolearned as spam:\n%s", ms.stdout())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
