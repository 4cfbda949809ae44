package postfixtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Mail is one message to send in one SMTP session.
type Mail struct {
	// ID is put into an "X-E2E-Id: ID" header (added as the first header)
	// so that Delivered can find the message; required.
	ID string
	// From is the envelope sender; empty means "sender@example.com".
	From string
	// To are the envelope recipients; empty means "user@" + the domain.
	To []string
	// Helo is the EHLO name; empty means "client.e2e.test".
	Helo string
	// Data is the whole message (header and body, LF or CRLF line ends).
	Data []byte
}

// Result is what the SMTP client saw.
type Result struct {
	// Code is swaks's exit code: 0 accepted, 23 MAIL refused, 24 no RCPT
	// accepted, 25 DATA refused, 26 message refused after the final dot.
	Code int
	// Transcript is swaks's output: "<-" lines are server replies, "<**"
	// lines the server's error replies.
	Transcript string
}

// ErrorReply returns the server's first error reply without swaks's "<** "
// marker ("550 5.7.1 Message rejected as spam"), or "" when there was none.
func (r Result) ErrorReply() string {
	for _, line := range strings.Split(r.Transcript, "\n") {
		if rest, ok := strings.CutPrefix(line, "<** "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

var queuedAs = regexp.MustCompile(`(?m)^<-\s+250 .*queued as ([0-9A-Za-z]+)`)

// QueueID returns the queue id from Postfix's "queued as" reply, or "".
func (r Result) QueueID() string {
	if m := queuedAs.FindStringSubmatch(r.Transcript); m != nil {
		return m[1]
	}
	return ""
}

// Send sends m with swaks in one SMTP session and returns the outcome; a
// refusal is a Result, not a test failure. The transcript is also saved as
// DIR/swaks-ID.out.
func (p *Instance) Send(tb testing.TB, m Mail) Result {
	tb.Helper()
	if m.ID == "" {
		tb.Fatal("postfixtest: Mail.ID is required")
	}
	file := filepath.Join(p.Dir, "swaks-"+safeName(m.ID))
	data := append([]byte("X-E2E-Id: "+m.ID+"\n"), m.Data...)
	if err := os.WriteFile(file+".eml", data, 0o644); err != nil {
		tb.Fatalf("postfixtest: %v", err)
	}
	args := p.swaksArgs(m, file+".eml")
	ctx, cancel := context.WithTimeout(context.Background(), 2*p.opts.Timeout)
	defer cancel()
	bin, err := lookPath("swaks")
	if err != nil {
		tb.Fatalf("postfixtest: %v", err)
	}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	res := Result{Transcript: string(out)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	case err != nil:
		tb.Fatalf("postfixtest: swaks: %v\n%s", err, out)
	}
	if err := os.WriteFile(file+".out", out, 0o644); err != nil {
		tb.Errorf("postfixtest: %v", err)
	}
	return res
}

// swaksArgs builds the swaks command line for m, whose data is in file.
func (p *Instance) swaksArgs(m Mail, file string) []string {
	from, helo := m.From, m.Helo
	if from == "" {
		from = "sender@example.com"
	}
	if helo == "" {
		helo = "client.e2e.test"
	}
	to := m.To
	if len(to) == 0 {
		to = []string{"user@" + p.opts.Domain}
	}
	timeout := strconv.Itoa(int(p.opts.Timeout.Seconds()))
	return []string{
		"--server", "127.0.0.1", "--port", p.opts.SMTPPort,
		"--helo", helo, "--from", from, "--to", strings.Join(to, ","),
		"--data", file, "--timeout", timeout,
	}
}

// safeName maps an id to a file-name-safe string.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == 0 || r == ' ' {
			return '_'
		}
		return r
	}, id)
}

// String returns a short form for failure messages.
func (r Result) String() string {
	var last []string
	for _, line := range strings.Split(r.Transcript, "\n") {
		if strings.HasPrefix(line, "<") {
			last = append(last, line)
		}
	}
	if len(last) > 3 {
		last = last[len(last)-3:]
	}
	return fmt.Sprintf("swaks exit %d; last replies: %s", r.Code, bytes.TrimSpace([]byte(strings.Join(last, " | "))))
}

// Sendmail submits data locally with Postfix's sendmail(1) (as root, through
// postdrop and pickup), the path non_smtpd_milters filters. Recipients come
// from the To/Cc/Bcc fields (-t); an X-E2E-Id field is added first.
func (p *Instance) Sendmail(tb testing.TB, id string, data []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*p.opts.Timeout)
	defer cancel()
	bin, err := lookPath("sendmail")
	if err != nil {
		tb.Fatalf("postfixtest: %v", err)
	}
	cmd := exec.CommandContext(ctx, bin, "-C", filepath.Join(p.Dir, "conf"), "-t", "-i")
	cmd.Stdin = bytes.NewReader(append([]byte("X-E2E-Id: "+id+"\n"), data...))
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("postfixtest: sendmail: %v\n%s", err, out)
	}
}
