package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// logLine is one message-log line, with the frozen fields checked here.
type logLine struct {
	Msg       string    `json:"msg"`
	Message   string    `json:"message"` // zerolog's default key for msg
	QueueID   string    `json:"queue_id"`
	Score     float64   `json:"score"`
	Action    string    `json:"action"`
	Rules     []ruleHit `json:"rules"`
	ClientIP  string    `json:"client_ip"`
	Helo      string    `json:"helo"`
	From      string    `json:"from"`
	Rcpts     []string  `json:"rcpts"`
	MessageID string    `json:"message_id"`
	Size      int64     `json:"size"`
	MS        float64   `json:"ms"`
}

type ruleHit struct {
	Rule   string  `json:"rule"`
	Points float64 `json:"points"`
}

// messageLogFields are the keys every message-log line must carry.
var messageLogFields = []string{"queue_id", "score", "action", "rules", "client_ip", "helo",
	"from", "rcpts", "message_id", "size", "ms"}

// parseMessageLog parses stdout: every line must be JSON; it returns the
// lines with "msg":"message", keyed by Message-ID without angle brackets.
func parseMessageLog(t *testing.T, stdout string) map[string][]logLine {
	t.Helper()
	out := map[string][]logLine{}
	for i, raw := range bytes.Split([]byte(stdout), []byte("\n")) {
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Errorf("stdout line %d is not JSON: %v: %s", i+1, err, raw)
			continue
		}
		var l logLine
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Errorf("stdout line %d: field types: %v: %s", i+1, err, raw)
			continue
		}
		if l.Msg != "message" && l.Message != "message" {
			continue
		}
		for _, f := range messageLogFields {
			if _, ok := fields[f]; !ok {
				t.Errorf("stdout line %d lacks %q: %s", i+1, f, raw)
			}
		}
		if r := bytes.TrimSpace(fields["rules"]); len(r) == 0 || r[0] != '[' {
			t.Errorf("stdout line %d: rules is %s, want an array (empty: [])", i+1, r)
		}
		id := strings.Trim(l.MessageID, "<>")
		out[id] = append(out[id], l)
	}
	return out
}

// testMessageLog runs after mailsift stopped: one line per message that
// reached end of message, with the envelope, verdict and Postfix's queue id.
func (e *env) testMessageLog(t *testing.T) {
	lines := parseMessageLog(t, e.ms.stdout())
	queueIDs := e.pf.QueueIDs()
	total := 0
	for _, ls := range lines {
		total += len(ls)
	}
	if total != len(e.reached) {
		t.Errorf("%d message-log lines, want %d (one per message that reached end of message)", total, len(e.reached))
	}
	for _, s := range e.reached {
		ls := lines[s.messageID]
		if len(ls) != 1 {
			t.Errorf("%s: %d message-log lines with message_id %s, want 1", s.id, len(ls), s.messageID)
			continue
		}
		checkLogLine(t, s, ls[0], queueIDs["<"+s.messageID+">"])
	}
}

// checkLogLine checks one line against what was sent; qid is the queue id
// from Postfix's maillog ("" when not found there).
func checkLogLine(t *testing.T, s sent, l logLine, qid string) {
	t.Helper()
	if l.QueueID == "" || (qid != "" && l.QueueID != qid) {
		t.Errorf("%s: queue_id %q, Postfix's maillog says %q", s.id, l.QueueID, qid)
	}
	if qid == "" {
		t.Logf("%s: queue id not found in maillog", s.id)
	}
	if l.Action != s.action {
		t.Errorf("%s: action %q, want %q (score %.1f)", s.id, l.Action, s.action, l.Score)
	}
	if s.rule != "" && !slices.ContainsFunc(l.Rules, func(r ruleHit) bool { return r.Rule == s.rule }) {
		t.Errorf("%s: rule %s not in rules %+v", s.id, s.rule, l.Rules)
	}
	for _, r := range l.Rules {
		if r.Rule == "" {
			t.Errorf("%s: rule without a name in %+v", s.id, l.Rules)
		}
	}
	if l.ClientIP != "127.0.0.1" || l.Helo != "client.e2e.test" {
		t.Errorf("%s: client_ip %q helo %q", s.id, l.ClientIP, l.Helo)
	}
	if strings.Trim(l.From, "<>") != s.from {
		t.Errorf("%s: from %q, want %q", s.id, l.From, s.from)
	}
	if len(l.Rcpts) != 1 || strings.Trim(l.Rcpts[0], "<>") != "user@e2e.test" {
		t.Errorf("%s: rcpts %q", s.id, l.Rcpts)
	}
	if got := fmt.Sprintf("%.1f", l.Score); s.hdrScore != "" && got != s.hdrScore {
		t.Errorf("%s: score %s in the log, X-Spam-Score: %s", s.id, got, s.hdrScore)
	}
	if l.Size <= 0 || l.MS < 0 {
		t.Errorf("%s: size %d ms %v", s.id, l.Size, l.MS)
	}
}
