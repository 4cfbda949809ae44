package milter_test

// Hostile-client tests: the real mailsift milter (milter.New, Serve, the guard and the default runtime) driven by a
// raw net.Conn that speaks the milter wire format badly on purpose. The server runs in this process, so a panic
// in any session goroutine kills the test binary: "the process lives" is checked by every test that finishes.
// After each hostile case a normal go-milter client session must still be scored.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/milter"
)

// hangBound is how long a raw client waits for the server before the test fails. It guards against hangs; it
// is not a timing assertion.
const hangBound = 30 * time.Second

// startHostile serves rt with the real server behind a guard configured by g.
func startHostile(t testing.TB, rt *filter.Runtime, g milter.GuardOptions) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{addr: ln.Addr().String(), msgLog: &syncBuffer{}}
	h.srv = milter.New(milter.Options{
		Runtime: func() *filter.Runtime { return rt },
		Log:     zerolog.New(&syncBuffer{}),
		MsgLog:  zerolog.New(h.msgLog),
	})
	g.Log = zerolog.New(&syncBuffer{})
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve(ln, g) }()
	t.Cleanup(func() {
		if err := h.srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return h
}

func defaultRuntime(t testing.TB) *filter.Runtime {
	t.Helper()
	rt, err := filter.New(config.Default(), filter.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// assertHealthy sends a normal message through go-milter's client and checks that it was scored.
func assertHealthy(t *testing.T, h *harness) {
	t.Helper()
	mods, act := h.send(t, hamHeaders(), "Hi Bob,\r\nsee you at noon.\r\n")
	if act.Type != gomilter.ActionAccept {
		t.Fatalf("normal message after hostile case: action %v", act)
	}
	if hd := headersOf(mods); len(hd["X-Spam-Score"]) != 1 || len(hd["X-Spam-Status"]) != 1 {
		t.Fatalf("normal message after hostile case: headers %v", hd)
	}
}

// wireFrame encodes one milter frame: 4-byte big-endian length (command byte plus payload), command, payload.
func wireFrame(code byte, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 5+len(data)), uint32(len(data)+1))
	b = append(b, code)
	return append(b, data...)
}

// negotiation is the MTA's SMFIC_OPTNEG: milter v6, every action and every protocol option offered.
func negotiation() []byte {
	d := binary.BigEndian.AppendUint32(nil, 6)
	d = binary.BigEndian.AppendUint32(d, uint32(gomilter.AllClientSupportedActionMasks))
	d = binary.BigEndian.AppendUint32(d, 0x1fffff)
	return wireFrame('O', d)
}

// Frames of a well-formed transaction, in the shape Postfix sends them.
func connectFrame() []byte {
	return wireFrame('C', []byte("mx.example.net\x004\x00\x19192.0.2.7\x00"))
}
func heloFrame() []byte         { return wireFrame('H', []byte("mx.example.net\x00")) }
func mailFrame() []byte         { return wireFrame('M', []byte("<sender@example.net>\x00")) }
func rcptFrame() []byte         { return wireFrame('R', []byte("<user@example.com>\x00")) }
func eomFrame() []byte          { return wireFrame('E', nil) }
func abortFrame() []byte        { return wireFrame('A', nil) }
func bodyFrame(b string) []byte { return wireFrame('B', []byte(b)) }

func headerFrame(name, value string) []byte {
	return wireFrame('L', []byte(name+"\x00 "+value+"\x00"))
}

// hamFrames are the header frames of hamHeaders.
func hamFrames() []byte {
	var b []byte
	for _, f := range hamHeaders() {
		b = append(b, headerFrame(f.name, f.value)...)
	}
	return b
}

// validMessage is a whole transaction after the negotiation, up to and including end of message.
func validMessage(body string) []byte {
	return join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hamFrames(), bodyFrame(body), eomFrame())
}

func join(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// rawClient is a hand-written milter client on a plain connection.
type rawClient struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

// dialRaw connects and completes the negotiation.
func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	rc := &rawClient{t: t, c: c, r: bufio.NewReader(c)}
	rc.write(negotiation())
	code, _, err := rc.readFrame()
	if err != nil || code != 'O' {
		t.Fatalf("negotiation reply: code %q, %v", code, err)
	}
	return rc
}

func (rc *rawClient) write(b []byte) {
	rc.t.Helper()
	if err := rc.c.SetWriteDeadline(time.Now().Add(hangBound)); err != nil {
		rc.t.Fatal(err)
	}
	if _, err := rc.c.Write(b); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// writeBytewise writes b one byte per call.
func (rc *rawClient) writeBytewise(b []byte) {
	rc.t.Helper()
	for i := range b {
		rc.write(b[i : i+1])
	}
}

func (rc *rawClient) readFrame() (byte, []byte, error) {
	if err := rc.c.SetReadDeadline(time.Now().Add(hangBound)); err != nil {
		return 0, nil, err
	}
	var hdr [4]byte
	if _, err := io.ReadFull(rc.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > 1<<20 {
		return 0, nil, fmt.Errorf("reply frame of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc.r, buf); err != nil {
		return 0, nil, err
	}
	return buf[0], buf[1:], nil
}

// modification is a header action the server sent before its reply.
type modification struct {
	code  byte // 'h' add, 'm' change (empty value deletes), 'i' insert, 'q' quarantine
	index uint32
	name  string
	value string
}

// reply is the server's answer to end of message.
type reply struct {
	code byte   // 'a' accept, 'y' reply code, 't' tempfail, 'r' reject, 'd' discard, 'c' continue
	text string // for 'y'
	mods []modification
}

// answer reads frames up to the final reply of one message; progress frames are skipped.
func (rc *rawClient) answer() reply {
	rc.t.Helper()
	r, err := rc.readAnswer()
	if err != nil {
		rc.t.Fatal(err)
	}
	return r
}

func (rc *rawClient) readAnswer() (reply, error) {
	var r reply
	for {
		code, data, err := rc.readFrame()
		if err != nil {
			return r, fmt.Errorf("no answer from the server: %w", err)
		}
		switch code {
		case 'p':
		case 'a', 't', 'r', 'd', 'c':
			r.code = code
			return r, nil
		case 'y':
			r.code, r.text = code, strings.TrimRight(string(data), "\x00")
			return r, nil
		case 'h', 'm', 'i', 'q':
			m, err := parseModification(code, data)
			if err != nil {
				return r, err
			}
			r.mods = append(r.mods, m)
		default:
			return r, fmt.Errorf("unexpected reply frame %q %q", code, data)
		}
	}
}

func parseModification(code byte, data []byte) (modification, error) {
	m := modification{code: code}
	if code == 'm' || code == 'i' {
		if len(data) < 4 {
			return m, fmt.Errorf("short %q frame", code)
		}
		m.index, data = binary.BigEndian.Uint32(data), data[4:]
	}
	parts := strings.SplitN(strings.TrimSuffix(string(data), "\x00"), "\x00", 2)
	m.name = parts[0]
	if len(parts) == 2 {
		m.value = parts[1]
	}
	return m, nil
}

// awaitClose reads until the server closes the connection, discarding what it sends.
func (rc *rawClient) awaitClose() {
	rc.t.Helper()
	if err := rc.c.SetReadDeadline(time.Now().Add(hangBound)); err != nil {
		rc.t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc.r); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		rc.t.Fatalf("server did not close the connection: %v", err)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// added returns the values of the header fields the server added.
func (r reply) added() map[string][]string {
	out := map[string][]string{}
	for _, m := range r.mods {
		if m.code == 'h' || m.code == 'i' {
			out[m.name] = append(out[m.name], m.value)
		}
	}
	return out
}

// deletions returns the header fields the server deleted, as "Name#index".
func (r reply) deletions() []string {
	var out []string
	for _, m := range r.mods {
		if m.code == 'm' && m.value == "" {
			out = append(out, fmt.Sprintf("%s#%d", m.name, m.index))
		}
	}
	return out
}

// answered checks that r is a verdict or the fail-safe: accept, or a 4xx/5xx reply code.
func answered(t testing.TB, r reply) {
	t.Helper()
	switch {
	case r.code == 'a':
	case r.code == 'y' && (strings.HasPrefix(r.text, "451 ") || strings.HasPrefix(r.text, "550 ")):
	case r.code == 't':
	default:
		t.Fatalf("answer %q %q, want accept or the fail-safe", r.code, r.text)
	}
}

// scored checks that r is an accept carrying our three X-Spam-* fields.
func scored(t testing.TB, r reply) map[string][]string {
	t.Helper()
	hd, err := checkScored(r)
	if err != nil {
		t.Fatal(err)
	}
	return hd
}

func checkScored(r reply) (map[string][]string, error) {
	if r.code != 'a' {
		return nil, fmt.Errorf("answer %q %q, want accept", r.code, r.text)
	}
	hd := r.added()
	for _, n := range []string{"X-Spam-Score", "X-Spam-Status", "X-Spam-Report"} {
		if len(hd[n]) != 1 {
			return nil, fmt.Errorf("added %s = %q, want one; all added: %v", n, hd[n], hd)
		}
	}
	return hd, nil
}

func TestHostileOrdering(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	hdrs, body := hamFrames(), bodyFrame("hello\r\n")
	cases := []struct {
		name string
		data []byte
	}{
		{"eom right after negotiation", eomFrame()},
		{"headers only", join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hdrs, eomFrame())},
		{"zero-byte message", join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), eomFrame())},
		{"mail and rcpt without connect or helo", join(mailFrame(), rcptFrame(), hdrs, body, eomFrame())},
		{"rcpt before mail", join(connectFrame(), heloFrame(), rcptFrame(), mailFrame(), hdrs, body, eomFrame())},
		{"rcpt without mail", join(connectFrame(), heloFrame(), rcptFrame(), hdrs, body, eomFrame())},
		{"body before headers", join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), body, hdrs, eomFrame())},
		{"two mails without eom", join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hdrs, body,
			mailFrame(), rcptFrame(), hdrs, body, eomFrame())},
		{"eoh and data frames not negotiated", join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(),
			wireFrame('T', nil), hdrs, wireFrame('N', nil), body, eomFrame())},
		{"macros for every stage", join(wireFrame('D', []byte("Cj\x00mx.example.com\x00{client_ptr}\x00\x00")),
			connectFrame(), wireFrame('D', []byte("M{auth_authen}\x00\xff\xfe\x00i\x00")), mailFrame(),
			wireFrame('D', []byte("E")), rcptFrame(), hdrs, body, eomFrame())},
		{"eom twice", join(validMessage("hello\r\n"), eomFrame())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, h.addr)
			rc.write(tc.data)
			answered(t, rc.answer())
			if tc.name == "eom twice" {
				answered(t, rc.answer())
			}
			rc.write(wireFrame('Q', nil))
			rc.awaitClose()
			assertHealthy(t, h)
		})
	}
}

// After an ABORT in the middle of a message, the next message on the same connection is scored normally.
func TestHostileAbortThenValid(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	rc.write(join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(),
		headerFrame("X-Spam-Status", "No, forged"), headerFrame("Subject", "first"), bodyFrame("half a bo"),
		abortFrame(), abortFrame()))
	rc.write(join(mailFrame(), rcptFrame(), hamFrames(), bodyFrame("Hi Bob,\r\nnoon.\r\n"), eomFrame()))
	r := rc.answer()
	scored(t, r)
	if d := r.deletions(); len(d) != 0 {
		t.Errorf("deletions %q leaked from the aborted message", d)
	}
	assertHealthy(t, h)
}

// Fifty messages on one connection: state is reset between them, so a forged X-Spam-Status in one message does
// not cause deletions in the next.
func TestHostileManyMessagesOneConnection(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	rc.write(join(connectFrame(), heloFrame()))
	for i := 0; i < 50; i++ {
		forged := i%2 == 0
		msg := join(mailFrame(), rcptFrame(), hamFrames())
		if forged {
			msg = append(msg, headerFrame("X-Spam-Status", "No, score=-100 forged")...)
			msg = append(msg, headerFrame("X-Spam-Score", "-100")...)
		}
		msg = append(msg, join(bodyFrame(fmt.Sprintf("message %d\r\n%s\r\n", i, strings.Repeat("x", i*100))),
			eomFrame())...)
		if i%5 == 4 {
			msg = append(msg, abortFrame()...) // Postfix sends ABORT between some messages
		}
		rc.write(msg)
		r := rc.answer()
		scored(t, r)
		want := map[string]int{}
		if forged {
			want = map[string]int{"X-Spam-Status": 1, "X-Spam-Score": 1}
		}
		if err := checkDeletions(r.deletions(), want); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	rc.write(wireFrame('Q', nil))
	rc.awaitClose()
	if n := len(h.msgLog.Lines()); n != 50 {
		t.Errorf("%d message log lines, want 50", n)
	}
	assertHealthy(t, h)
}

// SMFIC_QUIT_NC ('K') starts a new SMTP connection on the same milter connection: nothing of the previous SMTP
// client (address, HELO name) may show up in the next one's envelope, even when that client sends no HELO and
// its address family is unknown.
func TestHostileNewSMTPConnectionResetsState(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	rc.write(join(connectFrame(), wireFrame('H', []byte("first.example\x00")), mailFrame(), rcptFrame(),
		hamFrames(), bodyFrame("one\r\n"), eomFrame()))
	scored(t, rc.answer())
	rc.write(join(wireFrame('K', nil), wireFrame('C', []byte("localhost\x00U")), mailFrame(), rcptFrame(),
		hamFrames(), bodyFrame("two\r\n"), eomFrame()))
	scored(t, rc.answer())
	lines := h.msgLog.Lines()
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2: %q", len(lines), lines)
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first["helo"] != "first.example" || first["client_ip"] != "192.0.2.7" {
		t.Errorf("first message: helo %q client_ip %q", first["helo"], first["client_ip"])
	}
	assertHealthy(t, h)
	if second["helo"] != "" || second["client_ip"] != "" || second["client_name"] != "localhost" {
		t.Errorf("second SMTP connection inherited state: helo %q client_ip %q client_name %q",
			second["helo"], second["client_ip"], second["client_name"])
	}
}

// A body three times limits.scan_bytes is answered and scored on its first part.
func TestHostileBodyOverScanLimit(t *testing.T) {
	rt := runtimeWith(t, func(c *config.Config) { c.Limits.ScanBytes = 1 << 20 })
	h := startHostile(t, rt, milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	rc.write(join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hamFrames()))
	chunk := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTU\r\n"), 64<<10/80)
	for sent := 0; sent < 3<<20; sent += len(chunk) {
		rc.write(wireFrame('B', chunk))
	}
	rc.write(eomFrame())
	hd := scored(t, rc.answer())
	if !strings.Contains(hd["X-Spam-Report"][0], "MIME_SCAN_TRUNCATED") {
		t.Errorf("X-Spam-Report %q lacks MIME_SCAN_TRUNCATED", hd["X-Spam-Report"][0])
	}
	assertHealthy(t, h)
}

func TestHostileHeaderShapes(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	env := join(connectFrame(), heloFrame(), mailFrame(), rcptFrame())
	many := make([]byte, 0, 10000*40)
	for i := 0; i < 10000; i++ {
		many = append(many, headerFrame(fmt.Sprintf("X-Filler-%d", i), "some value here")...)
	}
	// The largest header frame the guard accepts: payload = name NUL value NUL = MaxFrame bytes.
	bigValue := strings.Repeat("A", milter.DefaultMaxFrame-len("Subject\x00 \x00"))
	cases := []struct {
		name string
		data []byte
	}{
		{"ten thousand fields", join(env, hamFrames(), many, bodyFrame("hello\r\n"), eomFrame())},
		{"one MiB header value", join(env, hamFrames(), headerFrame("X-Big", bigValue[:len(bigValue)-4]),
			bodyFrame("hello\r\n"), eomFrame())},
		{"one MiB subject", join(env, headerFrame("Subject", bigValue), bodyFrame("hello\r\n"), eomFrame())},
		{"NUL bytes in the body", join(env, hamFrames(), bodyFrame("a\x00b\x00\x00c\r\n\x00"), eomFrame())},
		{"8-bit and invalid UTF-8 header values", join(env,
			headerFrame("From", "\xc3\xa9l\xc3\xa8ve <eleve@example.net>"),
			headerFrame("Subject", "\xff\xfe caf\xe9 \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80"),
			headerFrame("To", "=?utf-8?B?/w==?= <user@example.com>"),
			headerFrame("X-\xe9\xe8", "\x80\x81\x82"), headerFrame("Date", "\xff"),
			bodyFrame("caf\xe9\r\n"), eomFrame())},
		{"empty and blank values", join(env, wireFrame('L', []byte("Subject\x00\x00")),
			headerFrame("From", ""), headerFrame("To", "   "), bodyFrame(""), eomFrame())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, h.addr)
			rc.write(tc.data)
			answered(t, rc.answer())
			assertHealthy(t, h)
		})
	}
}

// Thousands of forged X-Spam-* fields in mixed case are all deleted, last first, each by its index among the
// fields of its canonical name. Many distinct X-Spam-* names get the fail-safe instead of unbounded state.
func TestHostileSpamFieldFlood(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	msg := join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hamFrames())
	const n = 3000
	for i := 0; i < n; i++ {
		name := [...]string{"X-Spam-Flag", "x-spam-flag", "X-SPAM-Level"}[i%3]
		msg = append(msg, headerFrame(name, strconv.Itoa(i))...)
	}
	rc.write(join(msg, bodyFrame("x\r\n"), eomFrame()))
	r := rc.answer()
	scored(t, r)
	if err := checkDeletions(r.deletions(), map[string]int{"X-Spam-Flag": 2000, "X-Spam-Level": 1000}); err != nil {
		t.Error(err)
	}

	rc = dialRaw(t, h.addr)
	msg = join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hamFrames())
	for i := 0; i < 1000; i++ {
		msg = append(msg, headerFrame(fmt.Sprintf("X-Spam-Name-%d", i), "x")...)
	}
	rc.write(join(msg, bodyFrame("x\r\n"), eomFrame()))
	answered(t, rc.answer())
	assertHealthy(t, h)
}

// checkDeletions checks that dels ("Name#index") delete exactly want[name] fields of each name, and that the
// fields of one name go last first: the MTA renumbers the fields of a name after each delete.
func checkDeletions(dels []string, want map[string]int) error {
	next := map[string]int{}
	for k, v := range want {
		next[k] = v
	}
	for _, d := range dels {
		name, idx, _ := strings.Cut(d, "#")
		if i, err := strconv.Atoi(idx); err != nil || i != next[name] || i < 1 {
			return fmt.Errorf("deletion %s out of order or unexpected; all: %q", d, dels)
		}
		next[name]--
	}
	for name, left := range next {
		if left != 0 {
			return fmt.Errorf("%d %s fields not deleted; all: %q", left, name, dels)
		}
	}
	return nil
}

// BenchmarkHostileSpamFieldFlood measures one message carrying many forged X-Spam-* fields. A message of a few
// MB, well under Postfix's default message_size_limit, can carry 100 000 of them: time per op should grow
// linearly with the count.
func BenchmarkHostileSpamFieldFlood(b *testing.B) {
	h := startHostile(b, defaultRuntime(b), milter.GuardOptions{})
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			msg := join(mailFrame(), rcptFrame(), hamFrames())
			for i := 0; i < n; i++ {
				msg = append(msg, headerFrame("X-Spam-Flood", strconv.Itoa(i))...)
			}
			msg = join(msg, bodyFrame("x\r\n"), eomFrame())
			rc := dialRaw(b, h.addr)
			rc.write(connectFrame())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rc.write(msg)
				if r := rc.answer(); len(r.deletions()) != n {
					b.Fatalf("%d deletions, want %d", len(r.deletions()), n)
				}
			}
		})
	}
}

// Header fields beyond limits.header_bytes are dropped, and whatever a message held is released once it has
// been answered, even while the connection stays open: forty-eight 1 MiB Subject fields must not stay in memory.
func TestHostileSubjectFloodReleased(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	before := heapInUse()
	subject := headerFrame("Subject", strings.Repeat("S", milter.DefaultMaxFrame-len("Subject\x00 \x00")))
	rc.write(join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hamFrames()))
	for i := 0; i < 48; i++ {
		rc.write(subject)
	}
	rc.write(join(bodyFrame("x\r\n"), eomFrame()))
	answered(t, rc.answer())
	// The connection is still open; the message is done.
	if grew := int64(heapInUse()) - int64(before); grew > 16<<20 {
		t.Errorf("heap grew by %d MiB after the message was answered, want under 16", grew>>20)
	}
	assertHealthy(t, h)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Bodies built to make a parser work hard arrive through the milter and are answered.
func TestHostileBodyShapes(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	var deep, parts strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&deep, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&parts, "--p\r\nContent-Type: text/html\r\n\r\n<a href=http://x%d.example/>y</a>\r\n", i)
	}
	cases := []struct {
		name, contentType, body string
	}{
		{"nesting 3000 deep", `multipart/mixed; boundary="b0"`, deep.String()},
		{"20000 parts", `multipart/alternative; boundary="p"`, parts.String()},
		{"one line of 900 KiB", "text/plain", strings.Repeat("z", 900<<10)},
		{"URIs everywhere", "text/plain", strings.Repeat("http://a.example/?q=1 www.b.example ", 20000)},
		{"broken base64", "application/octet-stream", "=====@@@@\r\n" + strings.Repeat("QUJD\x00\xff", 5000)},
		{"HTML tag soup", "text/html", strings.Repeat("<div><table><a href='", 30000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, h.addr)
			msg := join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(), hamFrames(),
				headerFrame("MIME-Version", "1.0"), headerFrame("Content-Type", tc.contentType))
			for b := tc.body; b != ""; {
				n := min(len(b), 64<<10)
				msg = append(msg, bodyFrame(b[:n])...)
				b = b[n:]
			}
			rc.write(append(msg, eomFrame()...))
			answered(t, rc.answer())
			assertHealthy(t, h)
		})
	}
}

// A header value with a NUL inside cannot be told apart from a malformed frame: the guard closes the connection
// (the MTA applies its default action) and the server goes on.
func TestHostileNULInHeaderValue(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	rc := dialRaw(t, h.addr)
	rc.write(join(connectFrame(), heloFrame(), mailFrame(), rcptFrame(),
		wireFrame('L', []byte("Subject\x00 a\x00b\x00")), bodyFrame("x"), eomFrame()))
	rc.awaitClose()
	assertHealthy(t, h)
}

// A connection closed inside a frame ends that session only.
func TestHostileTruncatedFrame(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	for _, cut := range []int{1, 3, 4, 5, 20} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			rc := dialRaw(t, h.addr)
			msg := validMessage("hello world\r\n")
			body := bodyFrame(strings.Repeat("y", 100))
			rc.write(append(msg[:len(msg)-len(eomFrame())], body[:cut]...))
			if err := rc.c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			rc.awaitClose()
			assertHealthy(t, h)
		})
	}
}

// A valid session written one byte per write, negotiation included, is scored like any other.
func TestHostileBytewiseWrites(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{})
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	rc := &rawClient{t: t, c: c, r: bufio.NewReader(c)}
	rc.writeBytewise(negotiation())
	if code, _, err := rc.readFrame(); err != nil || code != 'O' {
		t.Fatalf("negotiation reply: code %q, %v", code, err)
	}
	rc.writeBytewise(validMessage("Hi Bob,\r\none byte at a time.\r\n"))
	scored(t, rc.answer())
	assertHealthy(t, h)
}

// Thirty-two honest clients and eight garbage senders at once: every honest client gets its verdict.
func TestHostileConcurrentClients(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{IdleTimeout: 5 * time.Second})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- honestClient(h.addr, i)
		}(i)
	}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			garbageClient(h.addr, i)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	assertHealthy(t, h)
}

// honestClient sends one valid message and checks that it is scored. It runs outside the test goroutine, so it
// returns errors instead of failing the test.
func honestClient(addr string, i int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(hangBound)); err != nil {
		return err
	}
	rc := &rawClient{c: c, r: bufio.NewReader(c)}
	if _, err := c.Write(negotiation()); err != nil {
		return err
	}
	if code, _, err := rc.readFrame(); err != nil || code != 'O' {
		return fmt.Errorf("client %d: negotiation reply: code %q, %v", i, code, err)
	}
	if _, err := c.Write(validMessage(fmt.Sprintf("client %d says hello\r\n", i))); err != nil {
		return err
	}
	r, err := rc.readAnswer()
	if err != nil {
		return fmt.Errorf("client %d: %w", i, err)
	}
	if _, err := checkScored(r); err != nil {
		return fmt.Errorf("client %d: %w", i, err)
	}
	return nil
}

// garbageClient sends a few kinds of nonsense; whatever the server does with it is fine as long as it lives.
func garbageClient(addr string, i int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(hangBound))
	var junk []byte
	switch i % 4 {
	case 0: // no negotiation at all
		junk = []byte("EHLO spammer.example\r\nMAIL FROM:<x@y>\r\n")
	case 1: // negotiation, then a frame claiming 500 MB
		junk = append(negotiation(), 0x1d, 0xcd, 0x65, 0x00, 'B', 'x')
	case 2: // negotiation, then a zero-length frame
		junk = append(negotiation(), 0, 0, 0, 0)
	default: // negotiation, then connect without its NUL terminators, repeated
		junk = append(negotiation(), bytes.Repeat(wireFrame('C', []byte("host4")), 100)...)
	}
	_, _ = c.Write(junk)
	_, _ = io.Copy(io.Discard, c)
}

// script is a hostile session from testdata/hostile: frames to send after the negotiation and what must happen.
type script struct {
	name   string
	data   []byte
	expect string // "answer": one reply to end of message; "close": the server closes the connection
}

// loadScripts reads testdata/hostile/*.frames. Each line is a command letter and an optional Go-quoted payload
// (`L "Subject\x00 hi\x00"`); a line `expect answer` or `expect close` says what must happen; # starts a comment.
func loadScripts(t testing.TB) []script {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.frames"))
	if err != nil {
		t.Fatal(err)
	}
	var out []script
	for _, f := range files {
		s, err := parseScript(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Fatal("no scripts in testdata/hostile")
	}
	return out
}

func parseScript(path string) (script, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return script{}, err
	}
	s := script{name: strings.TrimSuffix(filepath.Base(path), ".frames")}
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if v, ok := strings.CutPrefix(line, "expect "); ok {
			s.expect = v
			continue
		}
		cmd, arg, _ := strings.Cut(line, " ")
		if len(cmd) != 1 {
			return s, fmt.Errorf("line %d: command %q is not one letter", n+1, cmd)
		}
		var payload string
		if arg = strings.TrimSpace(arg); arg != "" {
			if payload, err = strconv.Unquote(arg); err != nil {
				return s, fmt.Errorf("line %d: %v", n+1, err)
			}
		}
		s.data = append(s.data, wireFrame(cmd[0], []byte(payload))...)
	}
	if s.expect != "answer" && s.expect != "close" {
		return s, fmt.Errorf("expect %q, want answer or close", s.expect)
	}
	return s, nil
}

func TestHostileScripts(t *testing.T) {
	h := startHostile(t, defaultRuntime(t), milter.GuardOptions{IdleTimeout: 5 * time.Second})
	for _, s := range loadScripts(t) {
		t.Run(s.name, func(t *testing.T) {
			rc := dialRaw(t, h.addr)
			rc.write(s.data)
			if s.expect == "answer" {
				answered(t, rc.answer())
			}
			if err := rc.c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			rc.awaitClose()
			assertHealthy(t, h)
		})
	}
}

// FuzzSession feeds arbitrary bytes, after a valid negotiation and CONNECT, to the real server. A panic in any
// session kills the process and so fails the run; after each input a normal session must still be scored.
// With framed set, data is read as compact frames (see fuzzFrames) so that mutations explore command sequences
// with correct length fields; otherwise it goes to the socket as it is.
func FuzzSession(f *testing.F) {
	seeds := [][]byte{
		validMessage("hello\r\n"),
		eomFrame(),
		join(mailFrame(), rcptFrame(), eomFrame(), eomFrame()),
		join(bodyFrame("x"), hamFrames(), abortFrame(), eomFrame()),
		join(headerFrame("X-Spam-Status", "Yes"), eomFrame(), abortFrame(), mailFrame(), eomFrame()),
	}
	for _, s := range loadScripts(f) {
		seeds = append(seeds, s.data)
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(compactFrames(s), true)
	}
	f.Add([]byte{0, 0, 0, 0}, false)
	f.Add([]byte{0, 0, 0, 9, 'B', 'a'}, false)

	h := startHostile(f, defaultRuntime(f), milter.GuardOptions{IdleTimeout: 2 * time.Second})
	f.Fuzz(func(t *testing.T, data []byte, framed bool) {
		if framed {
			data = fuzzFrames(data)
		}
		rc := dialRaw(t, h.addr)
		rc.write(connectFrame())
		// The server may close before it has read everything: write errors are expected then.
		if err := rc.c.SetWriteDeadline(time.Now().Add(hangBound)); err != nil {
			t.Fatal(err)
		}
		if _, err := rc.c.Write(data); err == nil {
			if err := rc.c.(*net.TCPConn).CloseWrite(); err != nil && !isReset(err) {
				t.Fatal(err)
			}
		}
		rc.awaitClose()
		assertHealthy(t, h)
	})
}

// fuzzFrames reads data as compact frames, each a command byte, a payload length byte and that many payload
// bytes (fewer at the end of data), and returns them as milter frames.
func fuzzFrames(data []byte) []byte {
	var out []byte
	for len(data) >= 2 {
		cmd, n := data[0], int(data[1])
		data = data[2:]
		n = min(n, len(data))
		out = append(out, wireFrame(cmd, data[:n])...)
		data = data[n:]
	}
	return out
}

// compactFrames is the inverse of fuzzFrames for seeds; frames with payloads over 255 bytes are left out.
func compactFrames(stream []byte) []byte {
	var out []byte
	for len(stream) >= 5 {
		n := int(binary.BigEndian.Uint32(stream))
		if n == 0 || 4+n > len(stream) {
			break
		}
		if payload := stream[5 : 4+n]; len(payload) <= 255 {
			out = append(out, stream[4], byte(len(payload)))
			out = append(out, payload...)
		}
		stream = stream[4+n:]
	}
	return out
}

func TestCompactFramesRoundTrip(t *testing.T) {
	for _, s := range [][]byte{validMessage("hello\r\n"), eomFrame(), join(abortFrame(), wireFrame('B', nil))} {
		if got := fuzzFrames(compactFrames(s)); !bytes.Equal(got, s) {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}
