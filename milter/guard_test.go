package milter

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"
)

// guardBound is the generous limit for "the server closed the connection"; it is a hang guard, not a timing
// assertion.
const guardBound = 5 * time.Second

// guardRecorder collects the bodies of the messages the test milter saw to the end.
type guardRecorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *guardRecorder) add(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, b)
}

func (r *guardRecorder) last() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) == 0 {
		return nil
	}
	return r.bodies[len(r.bodies)-1]
}

// guardTestMilter records the body and accepts every message.
type guardTestMilter struct {
	gomilter.NoOpMilter
	rec  *guardRecorder
	body []byte
}

func (m *guardTestMilter) BodyChunk(chunk []byte, _ gomilter.Modifier) (*gomilter.Response, error) {
	m.body = append(m.body, chunk...)
	return gomilter.RespContinue, nil
}

func (m *guardTestMilter) EndOfMessage(_ gomilter.Modifier) (*gomilter.Response, error) {
	m.rec.add(m.body)
	m.body = nil
	return gomilter.RespAccept, nil
}

func (m *guardTestMilter) Abort(_ gomilter.Modifier) error {
	m.body = nil
	return nil
}

// syncBuffer is a log sink safe for the server's goroutines; it keeps the first MiB (fuzzing logs a lot).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type guardServer struct {
	addr string
	gl   *GuardListener
	rec  *guardRecorder
	log  *syncBuffer
}

// startGuardServer runs a real go-milter server on loopback behind Guard.
func startGuardServer(tb testing.TB, opt GuardOptions) *guardServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	gs := &guardServer{addr: ln.Addr().String(), rec: &guardRecorder{}, log: &syncBuffer{}}
	opt.Log = zerolog.New(gs.log)
	gs.gl = Guard(ln, opt)
	srv := gomilter.NewServer(
		gomilter.WithMilter(func() gomilter.Milter { return &guardTestMilter{rec: gs.rec} }),
		gomilter.WithProtocols(gomilter.OptHeaderLeadingSpace),
		gomilter.WithActions(gomilter.OptAddHeader|gomilter.OptChangeHeader),
	)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(gs.gl) }()
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("server close: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("serve: %v", err)
		}
	})
	return gs
}

// guardClient is go-milter's MTA side, as Postfix would drive it (macros included).
func guardClient(addr string, maxData gomilter.DataSize) *gomilter.Client {
	return gomilter.NewClient("tcp", addr,
		gomilter.WithReadTimeout(guardBound), gomilter.WithWriteTimeout(guardBound),
		gomilter.WithOfferedMaxData(maxData), gomilter.WithUsedMaxData(maxData))
}

func guardMacros() *gomilter.MacroBag {
	m := gomilter.NewMacroBag()
	m.Set(gomilter.MacroMTAFQDN, "mx.example.net")
	m.Set(gomilter.MacroDaemonName, "smtpd")
	m.Set(gomilter.MacroQueueId, "4ABC123")
	m.Set(gomilter.MacroMailAddr, "alice@example.org")
	return m
}

// fullSession runs one complete message through the server and returns the final action.
func fullSession(tb testing.TB, addr string, maxData gomilter.DataSize, body []byte) *gomilter.Action {
	tb.Helper()
	s, err := guardClient(addr, maxData).Session(guardMacros())
	if err != nil {
		tb.Fatalf("session: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	}()
	steps := []func() (*gomilter.Action, error){
		func() (*gomilter.Action, error) {
			return s.Conn("client.example.org", gomilter.FamilyInet, 40000, "192.0.2.7")
		},
		func() (*gomilter.Action, error) { return s.Helo("client.example.org") },
		func() (*gomilter.Action, error) { return s.Mail("<alice@example.org>", "SIZE=100") },
		func() (*gomilter.Action, error) { return s.Rcpt("<bob@example.net>", "") },
		func() (*gomilter.Action, error) { return s.DataStart() },
		func() (*gomilter.Action, error) { return s.HeaderField("Subject", " hello", nil) },
		func() (*gomilter.Action, error) { return s.HeaderField("From", " <alice@example.org>", nil) },
		func() (*gomilter.Action, error) { return s.HeaderEnd() },
	}
	for i, step := range steps {
		act, err := step()
		if err != nil {
			tb.Fatalf("step %d: %v", i, err)
		}
		if act.Type != gomilter.ActionContinue {
			tb.Fatalf("step %d: action %v, want continue", i, act)
		}
	}
	_, act, err := s.BodyReadFrom(bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("body/end: %v", err)
	}
	return act
}

// assertServes checks that the server still completes a normal session.
func assertServes(tb testing.TB, gs *guardServer) {
	tb.Helper()
	body := []byte("Hello Bob,\r\nthis is a test.\r\n")
	if act := fullSession(tb, gs.addr, gomilter.DataSize64K, body); act.Type != gomilter.ActionAccept {
		tb.Fatalf("end action %v, want accept", act)
	}
	if got := gs.rec.last(); !bytes.Equal(got, body) {
		tb.Fatalf("body %q, want %q", got, body)
	}
}

func frame(code byte, data []byte) []byte { return appendFrame(nil, code, data) }

func optneg(version uint32) []byte {
	d := binary.BigEndian.AppendUint32(nil, version)
	d = binary.BigEndian.AppendUint32(d, uint32(gomilter.AllClientSupportedActionMasks))
	d = binary.BigEndian.AppendUint32(d, 0x1fffff) // every protocol option an MTA may offer
	return frame('O', d)
}

// dialNegotiated opens a raw connection and completes the negotiation.
func dialNegotiated(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Write(optneg(6)); err != nil {
		tb.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(guardBound)); err != nil {
		tb.Fatal(err)
	}
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		tb.Fatalf("negotiation reply: %v", err)
	}
	if hdr[4] != 'O' {
		tb.Fatalf("negotiation reply code %q", hdr[4])
	}
	rest := make([]byte, binary.BigEndian.Uint32(hdr[:4])-1)
	if _, err := io.ReadFull(c, rest); err != nil {
		tb.Fatalf("negotiation reply: %v", err)
	}
	return c
}

// awaitClosed reads until the server closes c; a timeout means the server held the connection.
func awaitClosed(tb testing.TB, c net.Conn) {
	tb.Helper()
	if err := c.SetReadDeadline(time.Now().Add(guardBound)); err != nil {
		tb.Fatal(err)
	}
	_, err := io.Copy(io.Discard, c)
	if isTimeout(err) {
		tb.Fatalf("server did not close the connection within %v", guardBound)
	}
}

// sendAndAwaitClose writes data, half-closes c and waits until the server closes it. Write errors are ignored:
// they only mean the server closed first (for example after reading an oversized header).
func sendAndAwaitClose(tb testing.TB, c net.Conn, data []byte) {
	tb.Helper()
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		if _, err := c.Write(data); err == nil {
			_ = c.(*net.TCPConn).CloseWrite()
		}
	}()
	awaitClosed(tb, c)
	<-wrote
}

// awaitIdle waits until every guarded session has ended (the slot count is the observable).
func awaitIdle(tb testing.TB, gs *guardServer) {
	tb.Helper()
	end := time.Now().Add(guardBound)
	for gs.gl.ActiveSessions() != 0 {
		if time.Now().After(end) {
			tb.Fatalf("%d sessions still active after %v", gs.gl.ActiveSessions(), guardBound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGuardHostileFrames(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{})
	huge := binary.BigEndian.AppendUint32(nil, 500<<20)
	cases := []struct {
		name      string
		negotiate bool   // complete the negotiation first
		send      []byte // then send this
		reason    string // expected in the guard's log line; "" when the library ends the session itself
	}{
		{"zero-length frame", true, []byte{0, 0, 0, 0}, "zero-length frame"},
		{"zero-length first frame", false, []byte{0, 0, 0, 0}, "zero-length frame"},
		{"500 MB frame", true, append(huge, 'B', 'x', 'x'), "over the limit"},
		{"frame one byte over MaxFrame", true, frame('B', make([]byte, DefaultMaxFrame+1)), "over the limit"},
		{"connect without NULs", true, frame('C', []byte("host.example4")), "hostname"},
		{"connect without family", true, frame('C', []byte("host.example\x00")), "address family"},
		{"connect unknown family", true, frame('C', []byte("host\x00X\x00\x19127.0.0.1\x00")), "unknown address family"},
		{"connect inet without port", true, frame('C', []byte("host\x004\x00")), "port"},
		{"connect address without NUL", true, frame('C', []byte("host\x004\x00\x19127.0.0.1")), "port and NUL"},
		{"mail without NUL", true, frame('M', []byte("<a@example.org>")), "'M'"},
		{"rcpt without NUL", true, frame('R', []byte("<b@example.org>")), "'R'"},
		{"empty mail", true, frame('M', nil), "'M'"},
		{"helo without NUL", true, frame('H', []byte("client")), "'H'"},
		{"header without NUL", true, frame('L', []byte("Subject: hi")), "header"},
		{"header with one NUL", true, frame('L', []byte("Subject\x00hi")), "header"},
		{"header with three strings", true, frame('L', []byte("a\x00b\x00c\x00")), "header"},
		{"macro without NUL", true, frame('D', []byte("Cj\x00mx")), "macro"},
		{"empty macro", true, frame('D', nil), "macro"},
		{"unknown command byte", true, frame('Z', []byte("x\x00")), "unknown command"},
		{"unknown without NUL", true, frame('U', []byte("XYZZY")), "'U'"},
		{"second negotiation", true, optneg(6), "repeated negotiation"},
		{"garbage before negotiation", false, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "over the limit"},
		{"connect before negotiation", false, frame('C', []byte("h\x004\x00\x19127.0.0.1\x00")), "not the negotiation"},
		{"short negotiation", false, frame('O', []byte{0, 0, 0, 6}), "at least 12"},
		{"truncated frame then close", true, frame('H', []byte("client.example\x00"))[:9], "inside a frame"},
		{"truncated header then close", true, []byte{0, 0}, "inside a frame"},
		{"end of message before connect", true, frame('E', nil), ""},
		{"negotiation version 1", false, optneg(1), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c net.Conn
			if tc.negotiate {
				c = dialNegotiated(t, gs.addr)
			} else {
				var err error
				if c, err = net.Dial("tcp", gs.addr); err != nil {
					t.Fatal(err)
				}
			}
			defer c.Close()
			before := gs.gl.Rejected()
			sendAndAwaitClose(t, c, tc.send)
			awaitIdle(t, gs)
			if tc.reason != "" {
				if gs.gl.Rejected() != before+1 {
					t.Errorf("rejected %d, want %d", gs.gl.Rejected(), before+1)
				}
				if !strings.Contains(gs.log.String(), tc.reason) {
					t.Errorf("log lacks %q:\n%s", tc.reason, gs.log.String())
				}
			}
			assertServes(t, gs)
		})
	}
}

func TestGuardLogLine(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{})
	c := dialNegotiated(t, gs.addr)
	defer c.Close()
	if _, err := c.Write([]byte{0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	awaitClosed(t, c)
	awaitIdle(t, gs)
	lines := strings.Split(strings.TrimSpace(gs.log.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %d:\n%s", len(lines), gs.log.String())
	}
	for _, want := range []string{`"level":"warn"`, `"remote":"` + c.LocalAddr().String() + `"`, `"reason":"zero-length frame"`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line lacks %s: %s", want, lines[0])
		}
	}
}

func TestGuardIdleTimeout(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{IdleTimeout: 300 * time.Millisecond})
	cases := []struct {
		name string
		send []byte
	}{
		{"idle after negotiation", nil},
		{"half-sent frame", frame('H', []byte("client.example\x00"))[:8]},
		{"header only", []byte{0, 0, 0, 50}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialNegotiated(t, gs.addr)
			defer c.Close()
			if _, err := c.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			awaitClosed(t, c)
			awaitIdle(t, gs)
			if !strings.Contains(gs.log.String(), "idle timeout") {
				t.Errorf("log lacks the idle timeout:\n%s", gs.log.String())
			}
			assertServes(t, gs)
		})
	}
	t.Run("dribbled frame", func(t *testing.T) {
		c := dialNegotiated(t, gs.addr)
		defer c.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() { // one byte per 100 ms: each byte comes well within IdleTimeout, the frame never completes
			for _, b := range frame('B', make([]byte, 200)) {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}()
		awaitClosed(t, c)
		awaitIdle(t, gs)
		if !strings.Contains(gs.log.String(), "frame incomplete at idle timeout") {
			t.Errorf("log lacks the frame timeout:\n%s", gs.log.String())
		}
		assertServes(t, gs)
	})
	t.Run("idle before negotiation", func(t *testing.T) {
		c, err := net.Dial("tcp", gs.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		awaitClosed(t, c)
		awaitIdle(t, gs)
		assertServes(t, gs)
	})
}

func TestGuardMaxSizeBodyChunks(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{})
	rnd := rand.New(rand.NewSource(1))
	for _, size := range []gomilter.DataSize{gomilter.DataSize64K, gomilter.DataSize1M} {
		body := make([]byte, 2*int(size)+int(size)/2)
		rnd.Read(body)
		if act := fullSession(t, gs.addr, size, body); act.Type != gomilter.ActionAccept {
			t.Fatalf("chunk size %d: end action %v, want accept", size, act)
		}
		if got := gs.rec.last(); !bytes.Equal(got, body) {
			t.Fatalf("chunk size %d: body of %d bytes differs from the %d bytes sent", size, len(got), len(body))
		}
	}
	if gs.gl.Rejected() != 0 {
		t.Errorf("rejected %d valid sessions:\n%s", gs.gl.Rejected(), gs.log.String())
	}
}

func TestGuardMaxSessions(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{MaxSessions: 1, TempfailText: "4.7.1 Busy, try again later"})
	held, err := guardClient(gs.addr, gomilter.DataSize64K).Session(guardMacros())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := held.Conn("a.example", gomilter.FamilyInet, 1, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if n := gs.gl.ActiveSessions(); n != 1 {
		t.Fatalf("active sessions %d, want 1", n)
	}

	// The second MTA connection is answered by the guard: negotiation succeeds, CONNECT gets 451.
	second, err := guardClient(gs.addr, gomilter.DataSize64K).Session(guardMacros())
	if err != nil {
		t.Fatalf("negotiation with the guard: %v", err)
	}
	act, err := second.Conn("b.example", gomilter.FamilyInet6, 2, "2001:db8::1")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if act.Type != gomilter.ActionRejectWithCode || act.SMTPCode != 451 || act.SMTPReply != "451 4.7.1 Busy, try again later" {
		t.Fatalf("action %v, want 451 4.7.1 Busy, try again later", act)
	}
	if !act.StopProcessing() {
		t.Errorf("tempfail does not stop processing")
	}
	_ = second.Close() // the guard has closed its side already
	if gs.gl.Tempfailed() != 1 {
		t.Errorf("tempfailed %d, want 1", gs.gl.Tempfailed())
	}

	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	awaitIdle(t, gs)
	assertServes(t, gs)
	awaitIdle(t, gs)
}

// A refused connection from an old MTA (version 2) gets a version it understands, and a plain 't' when no
// text is configured is still a tempfail for the client.
func TestGuardTempfailFrame(t *testing.T) {
	if f := tempfailFrame(strings.Repeat("x", 70<<10)); !bytes.Equal(f, []byte{0, 0, 0, 1, 't'}) {
		t.Errorf("over-long text: frame %q, want bare tempfail", f)
	}
	f := tempfailFrame("4.7.1 Try again later")
	if want := frame('y', []byte("451 4.7.1 Try again later\x00")); !bytes.Equal(f, want) {
		t.Errorf("frame %q, want %q", f, want)
	}

	gs := startGuardServer(t, GuardOptions{MaxSessions: 1})
	held := dialNegotiated(t, gs.addr)
	defer held.Close()
	c := gomilter.NewClient("tcp", gs.addr, gomilter.WithMaximumVersion(2), gomilter.WithProtocols(0),
		gomilter.WithReadTimeout(guardBound))
	s, err := c.Session(nil)
	if err != nil {
		t.Fatalf("v2 negotiation: %v", err)
	}
	act, err := s.Conn("b.example", gomilter.FamilyUnknown, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if act.SMTPCode != 451 {
		t.Errorf("action %v, want 451", act)
	}
	_ = s.Close()
}

func TestGuardCloseIdempotent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl := Guard(ln, GuardOptions{Log: zerolog.Nop()})
	defer gl.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := gl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if gl.ActiveSessions() != 1 {
		t.Fatalf("active %d, want 1", gl.ActiveSessions())
	}
	for i := 0; i < 3; i++ {
		if err := c.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
	if gl.ActiveSessions() != 0 {
		t.Fatalf("active %d after closing, want 0", gl.ActiveSessions())
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after close succeeded")
	}
}

// The library's own deadline (1 s for the negotiation) still applies through the guard.
func TestGuardLibraryDeadline(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{IdleTimeout: time.Hour})
	c, err := net.Dial("tcp", gs.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	awaitClosed(t, c)
	awaitIdle(t, gs)
	if gs.gl.Rejected() != 0 {
		t.Errorf("library timeout counted as a guard rejection")
	}
}

func TestCheckFrameAcceptsMTAShapes(t *testing.T) {
	valid := []struct {
		cmd  byte
		data string
	}{
		{'C', "mail.example.org\x004\x00\x19192.0.2.1\x00"},
		{'C', "[192.0.2.1]\x006\x01\xbb2001:db8::1\x00"},
		{'C', "localhost\x00L\x00\x00/var/run/sock\x00"},
		{'C', "unknown\x00U"},
		{'H', "\x00"},
		{'M', "<>\x00"},
		{'M', "<a@example.org>\x00SIZE=10\x00BODY=8BITMIME\x00"},
		{'R', "<b@example.net>\x00"},
		{'L', "Subject\x00 hi\x00"},
		{'L', "X-Empty\x00\x00"},
		{'D', "C"},
		{'D', "Cj\x00mx.example\x00{daemon_name}\x00smtpd\x00"},
		{'B', ""},
		{'E', ""},
		{'A', ""}, {'N', ""}, {'T', ""}, {'Q', ""}, {'K', ""},
		{'U', "XYZZY\x00"},
	}
	for _, v := range valid {
		if r := checkFrame(v.cmd, []byte(v.data), false); r != "" {
			t.Errorf("%c %q: rejected: %s", v.cmd, v.data, r)
		}
	}
}

// FuzzGuardFrames feeds arbitrary bytes after a valid negotiation into a guarded go-milter server. The server
// runs in this process, so a panic in any session fails the fuzz run; after each input the server must still
// complete a normal session.
func FuzzGuardFrames(f *testing.F) {
	seq := func(frames ...[]byte) []byte { return bytes.Join(frames, nil) }
	f.Add(seq(
		frame('D', []byte("Cj\x00mx.example\x00")),
		frame('C', []byte("host.example\x004\x00\x19192.0.2.1\x00")),
		frame('H', []byte("host.example\x00")),
		frame('M', []byte("<a@example.org>\x00SIZE=1\x00")),
		frame('R', []byte("<b@example.net>\x00")),
		frame('T', nil),
		frame('L', []byte("Subject\x00 hi\x00")),
		frame('N', nil),
		frame('B', []byte("body\r\n")),
		frame('E', nil),
		frame('Q', nil)))
	f.Add(frame('E', nil))
	f.Add(seq(frame('A', nil), frame('A', nil), frame('K', nil), frame('C', []byte("h\x00U"))))
	f.Add(seq(frame('U', []byte("XYZZY\x00")), frame('D', []byte("L{x}\x00y\x00"))))
	f.Add([]byte{0, 0, 0, 0})
	f.Add(frame('C', []byte("host")))
	f.Add(frame('M', []byte("<a@b>")))
	f.Add(append(binary.BigEndian.AppendUint32(nil, 500<<20), 'B'))
	f.Add(frame('C', []byte("h\x006\x00\x19[::1]\x00")))
	f.Add(frame('C', []byte("h\x004\x00\x19not-an-ip\x00")))

	gs := startGuardServer(f, GuardOptions{IdleTimeout: 2 * time.Second})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := dialNegotiated(t, gs.addr)
		defer c.Close()
		sendAndAwaitClose(t, c, data)
		assertServes(t, gs)
	})
}

// Postfix usually talks to the milter over a unix socket; the guard must work the same there.
func TestGuardUnixSocket(t *testing.T) {
	path := t.TempDir() + "/milter.sock"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	gl := Guard(ln, GuardOptions{MaxSessions: 1, Log: zerolog.Nop()})
	rec := &guardRecorder{}
	srv := gomilter.NewServer(gomilter.WithMilter(func() gomilter.Milter { return &guardTestMilter{rec: rec} }))
	go func() { _ = srv.Serve(gl) }()
	defer func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	}()
	raw, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Write([]byte{0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	awaitClosed(t, raw)
	_ = raw.Close()
	gs := &guardServer{gl: gl, rec: rec}
	awaitIdle(t, gs)
	if gl.Rejected() != 1 {
		t.Errorf("rejected %d, want 1", gl.Rejected())
	}

	client := gomilter.NewClient("unix", path, gomilter.WithReadTimeout(guardBound))
	held, err := client.Session(guardMacros())
	if err != nil {
		t.Fatal(err)
	}
	refused, err := client.Session(guardMacros())
	if err != nil {
		t.Fatal(err)
	}
	act, err := refused.Conn("h", gomilter.FamilyUnix, 0, "mailsift.sock")
	if err != nil || act.SMTPCode != 451 {
		t.Fatalf("refused connect: %v %v, want 451", act, err)
	}
	_ = refused.Close()
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
}

// flakyListener fails Accept with the given errors before passing through.
type flakyListener struct {
	net.Listener
	errs []error
}

func (f *flakyListener) Accept() (net.Conn, error) {
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	return f.Listener.Accept()
}

func TestGuardAcceptRetriesTransientErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	gl := Guard(&flakyListener{Listener: ln, errs: []error{emfile, emfile}}, GuardOptions{Log: zerolog.Nop()})
	defer gl.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := gl.Accept()
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	permanent := errors.New("listener broken")
	gl = Guard(&flakyListener{Listener: ln, errs: []error{permanent}}, GuardOptions{Log: zerolog.Nop()})
	if _, err := gl.Accept(); !errors.Is(err, permanent) {
		t.Fatalf("accept error %v, want %v", err, permanent)
	}
}

// Refusals in flight are bounded too: past MaxSessions pending refusals a connection is closed at once.
func TestGuardRefusalsBounded(t *testing.T) {
	gs := startGuardServer(t, GuardOptions{MaxSessions: 1})
	held := dialNegotiated(t, gs.addr)
	defer held.Close()
	pending, err := net.Dial("tcp", gs.addr) // refused, the guard waits for its negotiation
	if err != nil {
		t.Fatal(err)
	}
	defer pending.Close()
	third, err := net.Dial("tcp", gs.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, err := third.Write(optneg(6)); err != nil {
		t.Fatal(err)
	}
	if err := third.SetReadDeadline(time.Now().Add(guardBound)); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, third)
	if isTimeout(err) || n != 0 {
		t.Fatalf("third connection: read %d bytes, err %v; want closed without reply", n, err)
	}
	if gs.gl.Tempfailed() != 2 {
		t.Errorf("tempfailed %d, want 2", gs.gl.Tempfailed())
	}
}
