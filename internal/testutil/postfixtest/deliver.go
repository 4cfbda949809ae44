package postfixtest

import (
	"bufio"
	"bytes"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Message is a delivered message as found in the Maildir.
type Message struct {
	// Path is the Maildir file.
	Path string
	// Raw is the file's content as Postfix wrote it (LF line ends).
	Raw []byte
	// Header is the unfolded header, keys in canonical form
	// ("X-Spam-Status"); repeated fields keep their order.
	Header textproto.MIMEHeader
}

// Delivered waits (up to the instance's timeout) for the message carrying
// "X-E2E-Id: id" in the Maildir and returns it; it fails tb when the message
// does not arrive.
func (p *Instance) Delivered(tb testing.TB, id string) *Message {
	tb.Helper()
	deadline := time.Now().Add(p.opts.Timeout)
	for {
		if m := p.find(tb, id); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			tb.Fatalf("postfixtest: message %q not delivered within %s; maillog:\n%s", id, p.opts.Timeout, p.Maillog())
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// IsDelivered reports whether the message with X-E2E-Id id is in the
// Maildir now, without waiting.
func (p *Instance) IsDelivered(tb testing.TB, id string) bool {
	tb.Helper()
	return p.find(tb, id) != nil
}

// find looks for the message once.
func (p *Instance) find(tb testing.TB, id string) *Message {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(p.Dir, "mail", "inbox", "new", "*")) // the pattern is valid
	want := []byte("\nX-E2E-Id: " + id + "\n")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // being renamed into new/ right now
		}
		head, _, _ := bytes.Cut(raw, []byte("\n\n"))
		head = append(head[:len(head):len(head)], "\n\n"...) // a copy, not into raw
		if !bytes.Contains(append([]byte("\n"), head...), want) {
			continue
		}
		h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(head))).ReadMIMEHeader()
		if err != nil {
			tb.Fatalf("postfixtest: %s: header: %v", f, err)
		}
		return &Message{Path: f, Raw: raw, Header: h}
	}
	return nil
}

// Subject returns the first Subject field.
func (m *Message) Subject() string { return m.Header.Get("Subject") }

// Lines returns the raw header lines named name (case-insensitive), each
// unfolded, as "Name: value".
func (m *Message) Lines(name string) []string {
	head, _, _ := bytes.Cut(m.Raw, []byte("\n\n"))
	unfolded := folding.ReplaceAllString(string(head), " ")
	var out []string
	for _, line := range strings.Split(unfolded, "\n") {
		k, _, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(k, name) {
			out = append(out, line)
		}
	}
	return out
}

var folding = regexp.MustCompile(`\n[ \t]`)

var cleanupID = regexp.MustCompile(`postfix/cleanup\[\d+\]: ([0-9A-Za-z]+): message-id=(\S*)`)

// QueueIDs maps each Message-ID that cleanup(8) logged (as logged, usually
// "<id@host>") to its queue id. Rejected messages get a queue id too: cleanup
// sees every message that reaches end of data.
func (p *Instance) QueueIDs() map[string]string {
	out := map[string]string{}
	for _, m := range cleanupID.FindAllStringSubmatch(p.Maillog(), -1) {
		out[m[2]] = m[1]
	}
	return out
}
