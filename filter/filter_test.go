package filter

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring/rules/gtube"
)

func newRuntime(t *testing.T, mutate func(*config.Config)) *Runtime {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(cfg)
	}
	rt, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

const ham = "From: a@example.net\r\nTo: b@example.com\r\nSubject: hi\r\nDate: Thu, 15 Jan 2026 11:00:00 +0000\r\nMessage-ID: <x@example.net>\r\n\r\nhello\r\n"

func TestTagSubject(t *testing.T) {
	rt := newRuntime(t, nil)
	cases := []struct {
		in, decoded, want string
		changed           bool
	}{
		{" hello", "hello", "[SPAM] hello", true},
		{"hello", "hello", "[SPAM] hello", true},
		{" [SPAM] hello", "[SPAM] hello", " [SPAM] hello", false},
		{"\t[SPAM]hello", "[SPAM]hello", "\t[SPAM]hello", false},
		{" [spam] hello", "[spam] hello", " [spam] hello", false},
		{" =?utf-8?q?=5BSPAM=5D_hello?=", "[SPAM] hello", " =?utf-8?q?=5BSPAM=5D_hello?=", false},
		{"", "", "[SPAM] ", true},
		{" =?utf-8?q?caf=C3=A9?=", "café", "[SPAM] =?utf-8?q?caf=C3=A9?=", true},
	}
	for _, c := range cases {
		got, changed := rt.TagSubject(c.in, c.decoded)
		if got != c.want || changed != c.changed {
			t.Errorf("TagSubject(%q) = %q, %v; want %q, %v", c.in, got, changed, c.want, c.changed)
		}
	}
	off := newRuntime(t, func(c *config.Config) { c.Actions.SubjectTag = "" })
	if _, changed := off.TagSubject("x", "x"); changed {
		t.Error("empty subject_tag must disable tagging")
	}
}

func TestEvaluateAndHeaders(t *testing.T) {
	rt := newRuntime(t, func(c *config.Config) { c.Scores["GTUBE"] = 7 })
	res := rt.Evaluate(context.Background(), &message.Envelope{Received: time.Now()},
		[]byte(strings.Replace(ham, "hello", gtube.String, 1)))
	if res.Action != policy.Tag || !res.Verdict.Has("GTUBE") {
		t.Fatalf("action %s hits %v", res.Action, res.Verdict.Hits)
	}
	h := rt.Headers(res)
	if len(h) != 3 || h[0].Name != "X-Spam-Score" || h[1].Name != "X-Spam-Status" || h[2].Name != "X-Spam-Report" {
		t.Fatalf("headers %v", h)
	}
	if !strings.HasPrefix(h[1].Value, "Yes, score=") || !strings.Contains(h[1].Value, "required=5.0") {
		t.Errorf("status %q", h[1].Value)
	}
	if !strings.Contains(h[2].Value, "\n\t*   7.0 GTUBE") {
		t.Errorf("report %q", h[2].Value)
	}
	for _, line := range strings.Split(h[2].Value, "\n") {
		if len(line) > 200 || strings.ContainsAny(line, "\r\x00") {
			t.Errorf("bad report line %q", line)
		}
	}
}

func TestDeadlineIsFailSafe(t *testing.T) {
	rt := newRuntime(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := rt.Evaluate(ctx, &message.Envelope{}, []byte(ham))
	if res.Action != policy.Tempfail || res.Reason != "deadline" {
		t.Fatalf("action %s reason %q", res.Action, res.Reason)
	}
}

func TestLogLineSchema(t *testing.T) {
	rt := newRuntime(t, nil)
	env := &message.Envelope{QueueID: "Q1", Rcpts: []string{"b@example.com"}}
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	res := rt.Evaluate(context.Background(), env, []byte(ham))
	LogLine(log.Info(), Record{Env: env, Result: res, Action: res.Action, Size: len(ham), Elapsed: time.Millisecond})
	LogLine(log.Info(), Record{Env: env, Action: policy.Tempfail, Reason: "deadline", MessageID: "<x@example.net>", Size: 10, Elapsed: time.Second})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["rules"].([]any); !ok {
			t.Errorf("line %d: rules is not an array: %s", i, l)
		}
		if _, ok := m["score"]; !ok || m["queue_id"] != "Q1" || m["message"] != "message" || m["message_id"] != "<x@example.net>" {
			t.Errorf("line %d: %s", i, l)
		}
	}
	if !strings.Contains(lines[1], `"reason":"deadline"`) || !strings.Contains(lines[1], `"action":"tempfail"`) {
		t.Errorf("fail-safe line %s", lines[1])
	}
}

func TestStripSpamFields(t *testing.T) {
	in := "Received: x\r\nX-Spam-Status: Yes,\r\n\tscore=9\r\nSubject: hi\r\nx-spam-score: 9\r\n\r\nX-Spam-Status: in the body stays\r\n"
	want := "Received: x\r\nSubject: hi\r\n\r\nX-Spam-Status: in the body stays\r\n"
	if got := string(StripSpamFields([]byte(in))); got != want {
		t.Errorf("got %q", got)
	}
	plain := []byte(ham)
	if got := StripSpamFields(plain); &got[0] != &plain[0] {
		t.Error("a message without X-Spam-* fields must be returned as is")
	}
}
