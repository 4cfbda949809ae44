package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailsift/mailsift/internal/testutil/postfixtest"
)

// Ports of this package (17890-17899; other packages use other ranges).
const (
	mainSMTPPort       = "17890"
	mainMilterPort     = "17891"
	deadlineSMTPPort   = "17892"
	deadlineMilterPort = "17893"
)

// gtubeRule is the name of the GTUBE test-string rule.
const gtubeRule = "GTUBE"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailsift-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// sent is a message that reached mailsift's end of message, for the message
// log check.
type sent struct {
	id, messageID, from, action string
	rule                        string // a rule that must be in the log line, or ""
	hdrScore                    string // X-Spam-Score as delivered, or ""
}

// env is one mailsift + Postfix pair under test.
type env struct {
	ms      *daemon
	pf      *postfixtest.Instance
	reached []sent
}

// newEnv starts mailsift (config extra, environment vars) and a Postfix
// that uses it as its milter.
func newEnv(t *testing.T, smtpPort, milterPort, extra string, environ ...string) *env {
	t.Helper()
	postfixtest.Require(t)
	start := time.Now()
	ms := startMailsift(t, milterPort, extra, environ...)
	t.Logf("mailsift listening on %s after %s", milterPort, time.Since(start).Round(time.Millisecond))
	pf := postfixtest.Start(t, postfixtest.Options{
		SMTPPort:            smtpPort,
		MilterAddr:          "inet:127.0.0.1:" + milterPort,
		MilterDefaultAction: "tempfail",
	})
	t.Logf("postfix listening on %s after %s", smtpPort, time.Since(start).Round(time.Millisecond))
	return &env{ms: ms, pf: pf}
}

// loadCase reads cases/NAME.eml and fills in {{ID}} and {{DATE}}.
func loadCase(t testing.TB, name, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("cases", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "{{ID}}", id)
	s = strings.ReplaceAll(s, "{{DATE}}", time.Now().Format(time.RFC1123Z))
	return []byte(s)
}

// send sends case NAME with X-E2E-Id and Message-ID local part id, from the
// envelope sender from.
func (e *env) send(t testing.TB, name, id, from string) postfixtest.Result {
	t.Helper()
	return e.pf.Send(t, postfixtest.Mail{ID: id, From: from, Data: loadCase(t, name, id)})
}

// reach records that a message reached end of message.
func (e *env) reach(id, domain, from, action, rule string) {
	e.reached = append(e.reached, sent{id: id, messageID: id + "@" + domain, from: from, action: action, rule: rule})
}

// delivered waits for message id and records its X-Spam-Score for the
// message-log check.
func (e *env) delivered(t testing.TB, id string) *postfixtest.Message {
	t.Helper()
	m := e.pf.Delivered(t, id)
	for i := range e.reached {
		if e.reached[i].id == id {
			e.reached[i].hdrScore = m.Header.Get("X-Spam-Score")
		}
	}
	return m
}

// accepted fails t unless swaks's session ended with the message accepted.
func accepted(t testing.TB, res postfixtest.Result) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("message not accepted: %s", res)
	}
}

// sendReport sends mail through pf, fails t unless it was accepted, and
// returns the delivered message with its X-Spam-Report lines joined.
func sendReport(t testing.TB, pf *postfixtest.Instance, mail postfixtest.Mail) (*postfixtest.Message, string) {
	t.Helper()
	accepted(t, pf.Send(t, mail))
	m := pf.Delivered(t, mail.ID)
	return m, strings.Join(m.Lines("X-Spam-Report"), "\n")
}

// oneLine returns the value of the only header field name, failing t when
// there is not exactly one.
func oneLine(t testing.TB, m *postfixtest.Message, name string) string {
	t.Helper()
	lines := m.Lines(name)
	if len(lines) != 1 {
		t.Fatalf("%d %s fields, want 1: %q", len(lines), name, lines)
	}
	_, v, _ := strings.Cut(lines[0], ":")
	return strings.TrimSpace(v)
}

const (
	aliceAddr = "alice@example.com"
	mailDom   = "mail.example.com"
)

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	// The reject threshold is raised so that the realistic spam is tagged,
	// not rejected, whatever the rules add up to; GTUBE's 1000 points
	// still cross it.
	base := "[actions]\nreject_threshold = 500.0\n\n"
	e := newEnv(t, mainSMTPPort, mainMilterPort, base+"[scores]\n"+gtubeRule+" = 9.0\n")
	t.Run("ham", e.testHam)
	t.Run("tag", e.testTag)
	t.Run("forged", e.testForged)
	t.Run("spam", e.testSpam)
	t.Run("bad-reload", e.testBadReload)
	t.Run("reload-reject", func(t *testing.T) { e.testReloadReject(t, base) })
	t.Run("milter-down", e.testMilterDown)
	t.Run("message-log", e.testMessageLog)
}

func (e *env) testHam(t *testing.T) {
	res := e.send(t, "ham", "ham-1", aliceAddr)
	e.reach("ham-1", mailDom, aliceAddr, "accept", "")
	accepted(t, res)
	m := e.delivered(t, "ham-1")
	score := oneLine(t, m, "X-Spam-Score")
	if _, err := strconv.ParseFloat(score, 64); err != nil {
		t.Errorf("X-Spam-Score %q: %v", score, err)
	}
	status := oneLine(t, m, "X-Spam-Status")
	if !strings.HasPrefix(status, "No, score=") || !strings.Contains(status, "required=5.0") {
		t.Errorf("X-Spam-Status: %s", status)
	}
	oneLine(t, m, "X-Spam-Report")
	if got := oneLine(t, m, "Subject"); got != "Lunch on Thursday?" {
		t.Errorf("Subject changed to %q", got)
	}
}

func (e *env) testTag(t *testing.T) {
	res := e.send(t, "gtube", "tag-1", aliceAddr)
	e.reach("tag-1", mailDom, aliceAddr, "tag", gtubeRule)
	accepted(t, res)
	m := e.delivered(t, "tag-1")
	report := strings.Join(m.Lines("X-Spam-Report"), "\n")
	if got := oneLine(t, m, "Subject"); got != "[SPAM] Checking the filter" {
		t.Errorf("Subject = %q, want %q", got, "[SPAM] Checking the filter")
	}
	if status := oneLine(t, m, "X-Spam-Status"); !strings.HasPrefix(status, "Yes, ") {
		t.Errorf("X-Spam-Status: %s\n%s", status, report)
	}
	if !strings.Contains(report, gtubeRule) {
		t.Errorf("no %s in the report:\n%s", gtubeRule, report)
	}
}

func (e *env) testForged(t *testing.T) {
	res := e.send(t, "forged", "forged-1", aliceAddr)
	e.reach("forged-1", mailDom, aliceAddr, "accept", "")
	accepted(t, res)
	m := e.delivered(t, "forged-1")
	if status := oneLine(t, m, "X-Spam-Status"); !strings.HasPrefix(status, "No, score=") {
		t.Errorf("X-Spam-Status is not ours (forged one kept?): %s", status)
	}
	if score := oneLine(t, m, "X-Spam-Score"); score == "-100" {
		t.Errorf("the forged X-Spam-Score survived: %s", score)
	}
}

func (e *env) testSpam(t *testing.T) {
	from := "freedom4u@cash-now-offers.biz"
	res := e.send(t, "spam-2002", "spam-1", from)
	e.reach("spam-1", "cash-now-offers.biz", from, "tag", "")
	accepted(t, res)
	m := e.delivered(t, "spam-1")
	status := oneLine(t, m, "X-Spam-Status")
	if !strings.HasPrefix(status, "Yes") {
		t.Errorf("obvious spam not tagged:\nX-Spam-Status: %s\n%s", status, strings.Join(m.Lines("X-Spam-Report"), "\n"))
	}
}

// testBadReload: a broken file on SIGHUP is refused, the running
// configuration (GTUBE at 9 points: tag) stays in force.
func (e *env) testBadReload(t *testing.T) {
	before := e.ms.countEvents(reloadRefused)
	e.ms.writeConfig(t, "[actions]\ntag_threshold = \"high\"\n")
	e.ms.signal(t, syscall.SIGHUP)
	e.ms.waitEvent(t, reloadRefused, before+1)
	res := e.send(t, "gtube", "tag-2", aliceAddr)
	e.reach("tag-2", mailDom, aliceAddr, "tag", gtubeRule)
	accepted(t, res)
	if got := oneLine(t, e.delivered(t, "tag-2"), "Subject"); got != "[SPAM] Checking the filter" {
		t.Errorf("after a refused reload: Subject = %q", got)
	}
}

const reloadRefused = "reload refused; keeping the running configuration"

func (e *env) testReloadReject(t *testing.T, base string) {
	before := e.ms.countEvents("reloaded")
	e.ms.writeConfig(t, base+"[scores]\n"+gtubeRule+" = 1000.0\n")
	e.ms.signal(t, syscall.SIGHUP)
	e.ms.waitEvent(t, "reloaded", before+1)

	res := e.send(t, "gtube", "reject-1", aliceAddr)
	e.reach("reject-1", mailDom, aliceAddr, "reject", gtubeRule)
	if got := res.ErrorReply(); !strings.HasPrefix(got, "550 5.7.1") || res.Code != 26 {
		t.Errorf("want 550 5.7.1 after the final dot (swaks exit 26), got %q (%s)", got, res)
	}
	if e.pf.IsDelivered(t, "reject-1") {
		t.Error("rejected message was delivered")
	}
}

func (e *env) testMilterDown(t *testing.T) {
	if code := e.ms.stop(t, 5*time.Second); code != 0 {
		t.Errorf("mailsift exit code %d after SIGTERM, want 0", code)
	}
	res := e.send(t, "ham", "down-1", aliceAddr)
	got := res.ErrorReply()
	if !strings.HasPrefix(got, "451 4.7.1") || !strings.Contains(got, "Service unavailable - try again later") {
		t.Errorf("want Postfix's 451 4.7.1 Service unavailable, got %q (%s)", got, res)
	}
	if e.pf.IsDelivered(t, "down-1") {
		t.Error("message delivered with the milter down")
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, deadlineSMTPPort, deadlineMilterPort, "[limits]\ndeadline = \"1s\"\n",
		"MAILSIFT_FAULT_EOM_DELAY=3s")
	t.Run("slow-tempfail", func(t *testing.T) {
		res := e.send(t, "fault-delay", "slow-1", aliceAddr)
		if got := res.ErrorReply(); !strings.HasPrefix(got, "451 4.7.1") || res.Code != 26 {
			t.Errorf("want 451 4.7.1 after the final dot (swaks exit 26), got %q (%s)", got, res)
		}
		if e.pf.IsDelivered(t, "slow-1") {
			t.Error("tempfailed message was delivered")
		}
	})
	t.Run("normal-accepted", func(t *testing.T) {
		accepted(t, e.send(t, "ham", "normal-1", aliceAddr))
		oneLine(t, e.pf.Delivered(t, "normal-1"), "X-Spam-Status")
	})
	if code := e.ms.stop(t, 10*time.Second); code != 0 {
		t.Errorf("mailsift exit code %d after SIGTERM, want 0", code)
	}
	t.Run("message-log", func(t *testing.T) {
		byQueueID := map[string][]logLine{}
		for _, ls := range parseMessageLog(t, e.ms.stdout()) {
			for _, l := range ls {
				byQueueID[l.QueueID] = append(byQueueID[l.QueueID], l)
			}
		}
		qids := e.pf.QueueIDs()
		for id, action := range map[string]string{"slow-1": "tempfail", "normal-1": "accept"} {
			qid := qids["<"+id+"@"+mailDom+">"]
			ls := byQueueID[qid]
			if qid == "" || len(ls) != 1 || ls[0].Action != action {
				t.Errorf("%s (queue id %q): message-log lines %+v, want one with action %s", id, qid, ls, action)
			}
		}
	})
}
