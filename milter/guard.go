package milter

// The connection guard.
//
// go-milter v0.10.0 reads a frame by trusting its length header, allocates that many bytes and then indexes the
// payload without bounds checks in several commands (see session.go of the library: a zero-length frame, CONNECT
// without NUL or address family, MAIL/RCPT without NUL). Every one of those panics in a goroutine the library does
// not recover, so the whole process dies. It also waits forever for the next byte. The guard sits between the
// listener and the library: it reads each frame itself under a deadline, checks it against what the library's
// parser indexes, and hands the bytes on only once the complete frame is known to be safe. A bad frame closes that
// one connection and nothing else.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/d--j/go-milter/milterutil"
	"github.com/rs/zerolog"
)

// Defaults for GuardOptions fields left zero.
const (
	DefaultMaxFrame     = 1 << 20
	DefaultIdleTimeout  = 300 * time.Second
	DefaultMaxSessions  = 256
	DefaultTempfailText = "4.7.1 Try again later"
)

const (
	frameHeaderLen = 4
	// keepBufferCap is the largest frame buffer a connection keeps between frames; larger ones (1 MiB body chunks)
	// are released once handed out so that idle sessions do not pin them.
	keepBufferCap = frameHeaderLen + 64<<10
	// overflowDeadline bounds the whole exchange with a connection refused over MaxSessions.
	overflowDeadline = 10 * time.Second
	// protocol version of the negotiation reply sent to refused connections (milter v6, the highest go-milter has).
	overflowVersion = 6
)

// Milter command bytes (SMFIC_*) as the MTA sends them.
const (
	cmdOptNeg      = 'O'
	cmdMacro       = 'D'
	cmdConnect     = 'C'
	cmdQuit        = 'Q'
	cmdHelo        = 'H'
	cmdMail        = 'M'
	cmdRcpt        = 'R'
	cmdHeader      = 'L'
	cmdEOH         = 'N'
	cmdBody        = 'B'
	cmdEOB         = 'E'
	cmdAbort       = 'A'
	cmdData        = 'T'
	cmdQuitNewConn = 'K'
	cmdUnknown     = 'U'
)

// errTruncated reports a connection that ended inside a frame.
var errTruncated = errors.New("connection ended inside a frame")

// GuardOptions bound what one milter connection may do. Zero fields take the Default* values.
type GuardOptions struct {
	MaxFrame     int           // largest frame payload accepted (default 1 MiB); larger closes the connection
	IdleTimeout  time.Duration // max time waiting for the next byte of a frame or the next frame (default 300s)
	MaxSessions  int           // concurrent connections (default 256); past it: tempfail at once
	TempfailText string        // reply text after the code for refused connections, e.g. "4.7.1 Try again later"
	Log          zerolog.Logger
}

func (o GuardOptions) withDefaults() GuardOptions {
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.TempfailText == "" {
		o.TempfailText = DefaultTempfailText
	}
	return o
}

// GuardListener is a net.Listener whose connections validate milter frames before the library reads them. It
// answers connections past MaxSessions itself with a temporary failure.
type GuardListener struct {
	net.Listener
	opt      GuardOptions
	tempfail []byte // the complete reply frame sent to refused connections

	active     atomic.Int64
	overflow   atomic.Int64
	rejected   atomic.Uint64
	tempfailed atomic.Uint64
	lastWarn   atomic.Int64 // unix nanoseconds of the last refusal warning (one per second under a flood)
}

// Guard wraps ln: every accepted connection validates milter frames before the library reads them.
func Guard(ln net.Listener, opt GuardOptions) *GuardListener {
	opt = opt.withDefaults()
	return &GuardListener{Listener: ln, opt: opt, tempfail: tempfailFrame(opt.TempfailText)}
}

// tempfailFrame builds the SMFIR_REPLYCODE frame "451 <text>"; if text cannot be formatted it falls back to a bare
// SMFIR_TEMPFAIL, which MTAs also turn into a 4xx reply.
func tempfailFrame(text string) []byte {
	reply, err := milterutil.FormatResponse(451, text)
	if err != nil || len(reply)+2 > 64<<10 {
		return appendFrame(nil, 't', nil)
	}
	return appendFrame(nil, 'y', append([]byte(reply), 0))
}

func appendFrame(dst []byte, code byte, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)+1))
	dst = append(dst, code)
	return append(dst, data...)
}

// ActiveSessions reports the connections currently handed to the library.
func (l *GuardListener) ActiveSessions() int { return int(l.active.Load()) }

// Rejected reports the connections closed because of a malformed frame, a truncated frame or the idle timeout.
func (l *GuardListener) Rejected() uint64 { return l.rejected.Load() }

// Tempfailed reports the connections refused over MaxSessions.
func (l *GuardListener) Tempfailed() uint64 { return l.tempfailed.Load() }

// Accept returns the next connection that fits under MaxSessions; connections past it are answered with a
// temporary failure in the background and never reach the caller. Transient accept errors (out of file
// descriptors, aborted handshakes) are retried with a short back-off, since go-milter's Serve stops on any error.
func (l *GuardListener) Accept() (net.Conn, error) {
	var backoff time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if !transientAcceptError(err) {
				return nil, err
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			l.opt.Log.Warn().Err(err).Dur("retry_in", backoff).Msg("milter accept failed")
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if l.active.Add(1) <= int64(l.opt.MaxSessions) {
			return newGuardConn(c, l), nil
		}
		l.active.Add(-1)
		l.refuse(c)
	}
}

func transientAcceptError(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// refuse answers c with a temporary failure without involving the library. The refusals in flight are bounded
// by MaxSessions as well; past that the connection is closed at once (the MTA applies its default action).
func (l *GuardListener) refuse(c net.Conn) {
	n := l.tempfailed.Add(1)
	if now, last := time.Now().UnixNano(), l.lastWarn.Load(); now-last >= int64(time.Second) &&
		l.lastWarn.CompareAndSwap(last, now) {
		l.opt.Log.Warn().Str("remote", remote(c)).Int("max_sessions", l.opt.MaxSessions).Uint64("refused_total", n).
			Msg("milter session limit reached; answering tempfail")
	}
	if l.overflow.Add(1) > int64(l.opt.MaxSessions) {
		l.overflow.Add(-1)
		closeLogged(c, l.opt.Log)
		return
	}
	go func() {
		defer l.overflow.Add(-1)
		defer closeLogged(c, l.opt.Log)
		if err := l.answerTempfail(c); err != nil {
			l.opt.Log.Debug().Str("remote", remote(c)).Err(err).Msg("milter tempfail answer incomplete")
		}
	}()
}

// answerTempfail negotiates with the MTA (no actions, no protocol options, so every event wants a reply) and
// answers the first event that expects a reply with the tempfail frame.
func (l *GuardListener) answerTempfail(c net.Conn) error {
	if err := c.SetDeadline(time.Now().Add(min(l.opt.IdleTimeout, overflowDeadline))); err != nil {
		return err
	}
	fr := newFrameReader(bufio.NewReader(c), l.opt.MaxFrame)
	frame, err := fr.next()
	if err != nil {
		return err
	}
	if reason := checkFrame(frame[frameHeaderLen], frame[frameHeaderLen+1:], true); reason != "" {
		return errors.New(reason)
	}
	version := binary.BigEndian.Uint32(frame[frameHeaderLen+1:])
	if version < 2 {
		return fmt.Errorf("unsupported milter version %d", version)
	}
	reply := binary.BigEndian.AppendUint32(nil, min(version, overflowVersion))
	reply = binary.BigEndian.AppendUint32(reply, 0) // actions
	reply = binary.BigEndian.AppendUint32(reply, 0) // protocol
	if _, err := c.Write(appendFrame(nil, cmdOptNeg, reply)); err != nil {
		return err
	}
	for {
		frame, err := fr.next()
		if err != nil {
			return err
		}
		switch frame[frameHeaderLen] {
		case cmdMacro, cmdAbort, cmdQuitNewConn:
			continue // no reply expected
		case cmdQuit:
			return nil
		}
		if _, err := c.Write(l.tempfail); err != nil {
			return err
		}
		return drain(c)
	}
}

// drain half-closes c and reads what the MTA still sends (its QUIT) so that closing does not reset the
// connection before the MTA has read the reply.
func drain(c net.Conn) error {
	if hc, ok := c.(interface{ CloseWrite() error }); ok {
		if err := hc.CloseWrite(); err != nil {
			return err
		}
	}
	_, err := io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	return err
}

func remote(c net.Conn) string {
	if a := c.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

func closeLogged(c net.Conn, log zerolog.Logger) {
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		log.Debug().Str("remote", remote(c)).Err(err).Msg("milter connection close")
	}
}

// guardConn is one accepted connection. Read hands out only bytes of complete, validated frames; writes go
// through a coalescer (coalesce.go).
type guardConn struct {
	net.Conn
	out      *coalescer
	l        *GuardListener
	fr       *frameReader
	pending  []byte // validated bytes not yet read by the library
	first    bool   // the next frame is the first one (must be the negotiation)
	err      error  // sticky: once a read failed the connection is finished
	deadline atomic.Int64
	// frameStart is when the first byte of the frame being read arrived (zero between frames): a frame must be
	// complete within IdleTimeout of it, so dribbling one byte at a time does not hold a session.
	frameStart time.Time
	idleHit    bool // the last socket read was bounded by the guard rather than the library's deadline

	closeOnce sync.Once
	closeErr  error
}

func newGuardConn(c net.Conn, l *GuardListener) *guardConn {
	g := &guardConn{Conn: c, l: l, first: true}
	g.out = &coalescer{w: c}
	g.fr = newFrameReader(bufio.NewReader(deadlineReader{g}), l.opt.MaxFrame)
	g.fr.started = func() { g.frameStart = time.Now() }
	return g
}

// Read implements net.Conn.
func (g *guardConn) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.fr.release()
		if err := g.fill(); err != nil {
			g.err = err
			return 0, err
		}
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

// fill reads and checks the next frame.
func (g *guardConn) fill() error {
	frame, err := g.fr.next()
	inFrame := !g.frameStart.IsZero()
	g.frameStart = time.Time{}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return io.EOF // the MTA closed between frames: the normal end
	case errors.Is(err, errTruncated):
		return g.violation(err.Error())
	case g.idleHit && isTimeout(err) && inFrame:
		return g.violation("frame incomplete at idle timeout")
	case g.idleHit && isTimeout(err):
		return g.violation("idle timeout")
	case errors.As(err, new(*frameError)):
		return g.violation(err.Error())
	default:
		return err // the library's own deadline, or the connection was closed under us
	}
	if reason := checkFrame(frame[frameHeaderLen], frame[frameHeaderLen+1:], g.first); reason != "" {
		return g.violation(reason)
	}
	g.first = false
	g.pending = frame
	return nil
}

// violation logs reason, closes the connection and returns the error the library gets. It wraps net.ErrClosed
// so that the library ends the session quietly: the guard has already said why.
func (g *guardConn) violation(reason string) error {
	g.l.rejected.Add(1)
	g.l.opt.Log.Warn().Str("remote", remote(g)).Str("reason", reason).Msg("milter connection closed by guard")
	closeLogged(g, g.l.opt.Log)
	return fmt.Errorf("milter guard: %s: %w", reason, net.ErrClosed)
}

// Write implements net.Conn.
func (g *guardConn) Write(p []byte) (int, error) { return g.out.Write(p) }

// Close implements net.Conn; it is idempotent and releases the session slot once.
func (g *guardConn) Close() error {
	g.closeOnce.Do(func() {
		// Held modifications are dropped: without their final response
		// the MTA has no use for them, and flushing could block behind a
		// stuck write.
		g.closeErr = g.Conn.Close()
		g.l.active.Add(-1)
	})
	return g.closeErr
}

// SetReadDeadline records the library's own read deadline; the guard combines it with IdleTimeout on every
// socket read.
func (g *guardConn) SetReadDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	g.deadline.Store(ns)
	return nil
}

// SetDeadline implements net.Conn (see SetReadDeadline).
func (g *guardConn) SetDeadline(t time.Time) error {
	if err := g.SetReadDeadline(t); err != nil {
		return err
	}
	return g.Conn.SetWriteDeadline(t)
}

// deadlineReader reads from the socket with a fresh deadline per read: the earliest of now+IdleTimeout, the
// start of the current frame plus IdleTimeout, and the library's deadline.
type deadlineReader struct{ g *guardConn }

func (d deadlineReader) Read(p []byte) (int, error) {
	g := d.g
	dl := time.Now().Add(g.l.opt.IdleTimeout)
	if !g.frameStart.IsZero() {
		dl = g.frameStart.Add(g.l.opt.IdleTimeout)
	}
	g.idleHit = true
	if ns := g.deadline.Load(); ns != 0 && ns < dl.UnixNano() {
		dl = time.Unix(0, ns)
		g.idleHit = false
	}
	if err := g.Conn.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	return g.Conn.Read(p)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// frameError is a frame header the guard refuses.
type frameError struct{ reason string }

func (e *frameError) Error() string { return e.reason }

// frameReader reads whole frames (header and payload in one buffer). Its buffer grows with the bytes that
// actually arrive, so a header that announces MaxFrame costs memory only once the peer sends that much.
type frameReader struct {
	src     *bufio.Reader
	max     int
	buf     []byte
	started func() // called when the first byte of a frame has arrived; may be nil
}

func newFrameReader(src *bufio.Reader, maxPayload int) *frameReader {
	return &frameReader{src: src, max: maxPayload}
}

// next returns the next frame: 4 length bytes, the command byte, the payload. The slice is valid until the next
// call. It returns io.EOF at a clean end between frames, errTruncated inside a frame, *frameError for a length
// of 0 or a payload over the limit.
func (f *frameReader) next() ([]byte, error) {
	var hdr [frameHeaderLen]byte
	b, err := f.src.ReadByte()
	if err != nil {
		return nil, err // io.EOF here is the clean end between frames
	}
	if f.started != nil {
		f.started()
	}
	hdr[0] = b
	if _, err := io.ReadFull(f.src, hdr[1:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errTruncated
		}
		return nil, err
	}
	length := binary.BigEndian.Uint32(hdr[:])
	if length == 0 {
		return nil, &frameError{"zero-length frame"}
	}
	if uint64(length)-1 > uint64(f.max) {
		return nil, &frameError{fmt.Sprintf("frame of %d bytes over the limit of %d", length, f.max+1)}
	}
	need := frameHeaderLen + int(length)
	buf := append(f.buf[:0], hdr[:]...)
	for len(buf) < need {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(need, max(2*cap(buf), 4<<10))-len(buf))
		}
		n, err := f.src.Read(buf[len(buf):min(cap(buf), need)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < need {
			f.buf = buf
			if errors.Is(err, io.EOF) {
				return nil, errTruncated
			}
			return nil, err
		}
	}
	f.buf = buf
	return buf, nil
}

// release drops a large buffer once its frame has been handed out.
func (f *frameReader) release() {
	if cap(f.buf) > keepBufferCap {
		f.buf = nil
	}
}

// checkFrame reports why a frame must not reach go-milter, or "" if it may. It checks what the library's parser
// (session.go, processMsg and negotiate) indexes without bounds checks, plus the plain shape of each command as
// Postfix and Sendmail send it. Ordering beyond "negotiation first and only once" is left to the Milter.
func checkFrame(cmd byte, data []byte, first bool) string {
	if first != (cmd == cmdOptNeg) {
		if first {
			return fmt.Sprintf("first command %q is not the negotiation", cmd)
		}
		return "repeated negotiation"
	}
	switch cmd {
	case cmdOptNeg:
		if len(data) < 12 { // version, actions, protocol; v6 MTAs may append more
			return fmt.Sprintf("negotiation of %d bytes, want at least 12", len(data))
		}
	case cmdConnect:
		return checkConnect(data)
	case cmdHelo, cmdUnknown:
		if !endsNUL(data) {
			return fmt.Sprintf("command %q without NUL terminator", cmd)
		}
	case cmdMail, cmdRcpt:
		if bytes.IndexByte(data, 0) < 0 { // the address; ESMTP arguments follow, NUL-separated
			return fmt.Sprintf("command %q without NUL-terminated address", cmd)
		}
	case cmdHeader:
		if !endsNUL(data) || bytes.Count(data, []byte{0}) != 2 || data[0] == 0 {
			return "header is not name NUL value NUL"
		}
	case cmdMacro:
		if len(data) == 0 || (len(data) > 1 && !endsNUL(data)) {
			return "macro is not command byte plus NUL-terminated names and values"
		}
	case cmdBody, cmdEOB, cmdAbort, cmdEOH, cmdData, cmdQuit, cmdQuitNewConn:
	default:
		return fmt.Sprintf("unknown command %q", cmd)
	}
	return ""
}

// checkConnect checks SMFIC_CONNECT: hostname NUL, family, and for L/4/6 a port and a NUL-terminated address.
func checkConnect(data []byte) string {
	i := bytes.IndexByte(data, 0)
	if i < 0 {
		return "connect without NUL-terminated hostname"
	}
	rest := data[i+1:]
	if len(rest) == 0 {
		return "connect without address family"
	}
	switch rest[0] {
	case 'U':
	case 'L', '4', '6':
		if len(rest) < 4 || !endsNUL(rest[3:]) {
			return "connect without port and NUL-terminated address"
		}
	default:
		return fmt.Sprintf("connect with unknown address family %q", rest[0])
	}
	return ""
}

func endsNUL(b []byte) bool { return len(b) > 0 && b[len(b)-1] == 0 }
