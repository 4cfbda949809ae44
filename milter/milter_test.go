package milter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/testutil/miltertest"
	"github.com/mailsift/mailsift/milter"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules/gtube"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSpace(s.b.String()), "\n")
}

type harness struct {
	addr   string
	msgLog *syncBuffer
	dbgLog *syncBuffer
	srv    *milter.Server
}

// start serves rt on a loopback port with the real server and guard.
func start(t *testing.T, rt *filter.Runtime, fault time.Duration) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{addr: ln.Addr().String(), msgLog: &syncBuffer{}, dbgLog: &syncBuffer{}}
	h.srv = milter.New(milter.Options{
		Runtime: func() *filter.Runtime { return rt }, Log: zerolog.New(h.dbgLog),
		MsgLog: zerolog.New(h.msgLog), FaultDelay: fault,
	})
	go func() { _ = h.srv.Serve(ln, milter.GuardOptions{}) }()
	t.Cleanup(func() { _ = h.srv.Close() })
	return h
}

func runtimeWith(t *testing.T, mutate func(*config.Config)) *filter.Runtime {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(cfg)
	}
	rt, err := filter.New(cfg, filter.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

type field struct{ name, value string }

// send runs one message through a fresh milter session like Postfix does.
func (h *harness) send(t *testing.T, hdrs []field, body string) ([]gomilter.ModifyAction, *gomilter.Action) {
	t.Helper()
	return miltertest.Send(t, h.addr, pairs(hdrs), body)
}

func pairs(hdrs []field) [][2]string {
	out := make([][2]string, len(hdrs))
	for i, f := range hdrs {
		out[i] = [2]string{f.name, f.value}
	}
	return out
}

func hamHeaders() []field {
	return []field{
		{"From", "Alice Example <alice@example.net>"},
		{"To", "Bob <user@example.com>"},
		{"Subject", "lunch on friday"},
		{"Date", time.Now().UTC().Format(time.RFC1123Z)},
		{"Message-ID", "<abc.123@example.net>"},
	}
}

func headersOf(mods []gomilter.ModifyAction) map[string][]string {
	out := map[string][]string{}
	for _, m := range mods {
		if m.Type == gomilter.ActionAddHeader || m.Type == gomilter.ActionInsertHeader {
			out[m.HeaderName] = append(out[m.HeaderName], m.HeaderValue)
		}
	}
	return out
}

func TestHamGetsHeaders(t *testing.T) {
	h := start(t, runtimeWith(t, nil), 0)
	mods, act := h.send(t, hamHeaders(), "Hi Bob,\r\nsee you at noon.\r\nAlice\r\n")
	if act.Type != gomilter.ActionAccept {
		t.Fatalf("action %v, want accept", act)
	}
	hd := headersOf(mods)
	if st := hd["X-Spam-Status"]; len(st) != 1 || !strings.HasPrefix(st[0], " No, score=") || !strings.Contains(st[0], "required=5.0") {
		t.Errorf("X-Spam-Status = %q", st)
	}
	if len(hd["X-Spam-Score"]) != 1 || len(hd["X-Spam-Report"]) != 1 {
		t.Errorf("headers = %v", hd)
	}
	for _, m := range mods {
		if m.Type == gomilter.ActionChangeHeader {
			t.Errorf("unexpected header change %+v", m)
		}
	}
}

func TestSpamIsTaggedOnce(t *testing.T) {
	rt := runtimeWith(t, func(c *config.Config) { c.Scores["GTUBE"] = 9 })
	h := start(t, rt, 0)
	for _, subject := range []string{"hello", "[SPAM] hello"} {
		hdrs := hamHeaders()
		hdrs[2].value = subject
		mods, act := h.send(t, hdrs, "test "+gtube.String+"\r\n")
		if act.Type != gomilter.ActionAccept {
			t.Fatalf("action %v, want accept", act)
		}
		var changed []string
		for _, m := range mods {
			if m.Type == gomilter.ActionChangeHeader && m.HeaderName == "Subject" {
				changed = append(changed, m.HeaderValue)
			}
		}
		want := []string{" [SPAM] hello"}
		if strings.HasPrefix(subject, "[SPAM]") {
			want = nil
		}
		if strings.Join(changed, "|") != strings.Join(want, "|") {
			t.Errorf("subject %q: changes %q, want %q", subject, changed, want)
		}
		st := headersOf(mods)["X-Spam-Status"]
		if len(st) != 1 || !strings.HasPrefix(st[0], " Yes, score=") {
			t.Errorf("X-Spam-Status = %q", st)
		}
		if rep := headersOf(mods)["X-Spam-Report"]; len(rep) != 1 || !strings.Contains(rep[0], "GTUBE") {
			t.Errorf("X-Spam-Report = %q", rep)
		}
	}
}

func TestRejectAboveThreshold(t *testing.T) {
	h := start(t, runtimeWith(t, nil), 0)
	_, act := h.send(t, hamHeaders(), gtube.String+"\r\n")
	if act.Type != gomilter.ActionRejectWithCode || act.SMTPCode != 550 || !strings.Contains(act.SMTPReply, "5.7.1") {
		t.Fatalf("action %v, want 550 5.7.1", act)
	}
}

func TestForgedSpamHeadersRemoved(t *testing.T) {
	h := start(t, runtimeWith(t, nil), 0)
	hdrs := append(hamHeaders(), field{"X-Spam-Status", "No, forged"}, field{"X-Spam-Score", "-100"},
		field{"x-spam-status", "No, forged again"})
	mods, _ := h.send(t, hdrs, "hello\r\n")
	var dels []string
	for _, m := range mods {
		if m.Type == gomilter.ActionChangeHeader && m.HeaderValue == "" {
			dels = append(dels, m.HeaderName+"#"+string(rune('0'+m.HeaderIndex)))
		}
	}
	// per canonical name, last first
	want := "X-Spam-Status#2 X-Spam-Status#1 X-Spam-Score#1"
	if strings.Join(dels, " ") != want {
		t.Errorf("deletes %q, want %q", dels, want)
	}
}

func TestEmptyBody(t *testing.T) {
	h := start(t, runtimeWith(t, nil), 0)
	mods, act := h.send(t, hamHeaders(), "")
	if act.Type != gomilter.ActionAccept || len(headersOf(mods)["X-Spam-Score"]) != 1 {
		t.Fatalf("action %v mods %v", act, mods)
	}
}

func TestDeadlineGivesFailSafe(t *testing.T) {
	rt := runtimeWith(t, func(c *config.Config) { c.Limits.Deadline.Duration = 300 * time.Millisecond })
	h := start(t, rt, 5*time.Second)
	hdrs := hamHeaders()
	hdrs[2].value = "slow mailsift-fault-delay"
	_, act := h.send(t, hdrs, "hello\r\n")
	if act.Type != gomilter.ActionRejectWithCode || act.SMTPCode != 451 || !strings.Contains(act.SMTPReply, "4.7.1") {
		t.Fatalf("action %v, want 451 4.7.1", act)
	}
	// A normal message on the same server is unaffected.
	if _, act := h.send(t, hamHeaders(), "hello\r\n"); act.Type != gomilter.ActionAccept {
		t.Fatalf("normal message: %v", act)
	}
	lines := h.msgLog.Lines()
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["action"] != "tempfail" || first["reason"] != "deadline" {
		t.Errorf("log line %v", first)
	}
}

// An accepting fail-safe adds no verdict but still removes forged fields.
func TestFailSafeAccept(t *testing.T) {
	rt := runtimeWith(t, func(c *config.Config) {
		c.Limits.Deadline.Duration = 200 * time.Millisecond
		c.Actions.FailSafe = "accept"
	})
	h := start(t, rt, 2*time.Second)
	hdrs := append(hamHeaders(), field{"X-Spam-Status", "No, forged"})
	hdrs[2].value = "mailsift-fault-delay"
	mods, act := h.send(t, hdrs, "hello\r\n")
	if act.Type != gomilter.ActionAccept || len(mods) != 1 || mods[0].Type != gomilter.ActionChangeHeader ||
		mods[0].HeaderName != "X-Spam-Status" || mods[0].HeaderValue != "" {
		t.Fatalf("action %v mods %+v, want accept with only the forged field deleted", act, mods)
	}
}

// A Subject-less spam message gets a tagged Subject added; a message with
// two Subject fields has only the first tagged.
func TestTagWithoutOrWithTwoSubjects(t *testing.T) {
	h := start(t, runtimeWith(t, func(c *config.Config) { c.Scores["GTUBE"] = 9 }), 0)
	hdrs := append(hamHeaders()[:2], hamHeaders()[3:]...)
	mods, _ := h.send(t, hdrs, gtube.String+"\r\n")
	if subj := headersOf(mods)["Subject"]; len(subj) != 1 || subj[0] != " [SPAM]" {
		t.Errorf("added Subject %q", subj)
	}
	hdrs = append(hamHeaders(), field{"Subject", "second"})
	mods, _ = h.send(t, hdrs, gtube.String+"\r\n")
	var changes []string
	for _, m := range mods {
		if m.Type == gomilter.ActionChangeHeader && m.HeaderName == "Subject" {
			changes = append(changes, fmt.Sprintf("%d:%s", m.HeaderIndex, m.HeaderValue))
		}
	}
	if strings.Join(changes, "|") != "1: [SPAM] lunch on friday" {
		t.Errorf("subject changes %q", changes)
	}
}

// Forged fields are deleted before our fields are added on tagged mail too.
func TestDeletesPrecedeAdds(t *testing.T) {
	h := start(t, runtimeWith(t, func(c *config.Config) { c.Scores["GTUBE"] = 9 }), 0)
	mods, _ := h.send(t, append(hamHeaders(), field{"X-Spam-Flag", "NO"}), gtube.String+"\r\n")
	if len(mods) < 2 || mods[0].Type != gomilter.ActionChangeHeader || mods[0].HeaderName != "X-Spam-Flag" {
		t.Fatalf("mods %+v: the delete must come first", mods)
	}
}

// A message with absurdly many distinct X-Spam-* names cannot be cleaned:
// it is refused, never delivered with forged fields.
func TestSpamFieldFloodRefused(t *testing.T) {
	h := start(t, runtimeWith(t, nil), 0)
	hdrs := hamHeaders()
	for i := 0; i < 5000; i++ {
		hdrs = append(hdrs, field{fmt.Sprintf("X-Spam-Forged-%05d", i), "x"})
	}
	_, act := h.send(t, hdrs, "hello\r\n")
	if act.Type != gomilter.ActionRejectWithCode || act.SMTPCode != 550 {
		t.Fatalf("action %v, want 550", act)
	}
}

type panicRule struct{}

func (panicRule) Info() []scoring.Info {
	return []scoring.Info{{Name: "TEST_PANIC", Family: "test", Score: 50, Desc: "always panics"}}
}
func (panicRule) Eval(context.Context, *scoring.Input, *scoring.Hits) { panic("boom") }

func TestPanickingRuleIsSkipped(t *testing.T) {
	rt := runtimeWith(t, nil)
	reg, err := scoring.NewRegistry([]scoring.Rule{panicRule{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rt.Engine, err = scoring.NewEngine(reg, nil); err != nil {
		t.Fatal(err)
	}
	h := start(t, rt, 0)
	mods, act := h.send(t, hamHeaders(), "hello\r\n")
	if act.Type != gomilter.ActionAccept {
		t.Fatalf("action %v", act)
	}
	if st := headersOf(mods)["X-Spam-Status"]; len(st) != 1 || !strings.Contains(st[0], "degraded=TEST_PANIC") {
		t.Errorf("X-Spam-Status = %q", st)
	}
	logged := strings.Join(h.dbgLog.Lines(), "\n")
	if !strings.Contains(logged, `"event":"RULE_ERROR"`) || !strings.Contains(logged, `"rule":"TEST_PANIC"`) {
		t.Errorf("no RULE_ERROR line in the debug log:\n%s", logged)
	}
}

func TestMessageLogLine(t *testing.T) {
	h := start(t, runtimeWith(t, nil), 0)
	h.send(t, hamHeaders(), "hello\r\n")
	lines := h.msgLog.Lines()
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %d: %q", len(lines), lines)
	}
	var l map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"queue_id", "client_ip", "client_name", "helo", "from", "rcpts", "message_id", "size", "score", "action", "rules", "ms"} {
		if _, ok := l[k]; !ok {
			t.Errorf("log line lacks %q: %s", k, lines[0])
		}
	}
	if l["client_ip"] != "192.0.2.7" || l["helo"] != "mx.example.net" || l["from"] != "sender@example.net" ||
		l["message_id"] != "<abc.123@example.net>" || l["action"] != "accept" {
		t.Errorf("log line %s", lines[0])
	}
}
