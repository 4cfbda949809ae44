package milter

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
)

// session is one milter connection. The library calls it from one
// goroutine, so it needs no locking.
type session struct {
	s *Server

	// connection state, reset at NewConnection and CONNECT
	clientIP   netip.Addr
	clientName string
	helo       string
	// early runs the DNS checks of the envelope while the client talks.
	early filter.Early

	// transaction state, reset at MAIL, Abort and after end of message
	env message.Envelope
	// raw holds the message as the rules will see it: the header fields
	// (bounded by limHeader), the blank line once the body starts, and the
	// body (bounded by limBody). Incoming X-Spam-* fields are left out.
	raw       bytes.Buffer
	bodyStart int  // offset of the body in raw; -1 until the first body byte
	headerCut bool // header bytes beyond the limit were dropped
	spamHdrs  []spamField
	spamBytes int     // bytes of the X-Spam-* names tracked
	arCount   int     // incoming Authentication-Results fields
	arOurs    []int   // indexes (1-based) of those claiming our authserv-id
	subject   *string // the first raw Subject value; nil when none
	faulty    bool    // a Subject carries the fault-injection marker
	msgID     string  // the first Message-ID, for the log when scoring fails
	size      int     // bytes received: header fields as sent, separator, body
	broken    string  // why this transaction can only get the fail-safe
	malformed string  // why this transaction is refused outright
	limHeader int
	limBody   int
}

// spamField counts the incoming X-Spam-* fields of one canonical name.
type spamField struct {
	name  string
	count int
}

// maxSpamNameBytes bounds the X-Spam-* names tracked per message. A message
// with more distinct names than fit cannot have them all removed, so it is
// refused as malformed: no legitimate mail carries thousands of them.
const maxSpamNameBytes = 64 << 10

// keepBuffer is the largest buffer a session keeps between messages.
const keepBuffer = 256 << 10

func newSession(s *Server) *session {
	s.active.Add(1)
	ss := &session{s: s}
	ss.reset()
	return ss
}

// guard recovers a panic in a callback: the transaction gets the fail-safe
// at end of message, and the panic is logged once.
func (ss *session) guard(stage string) {
	if p := recover(); p != nil {
		ss.broken = fmt.Sprintf("panic in %s: %v", stage, p)
		ss.s.opt.Log.Error().Str("stage", stage).Str("panic", fmt.Sprint(p)).
			Str("stack", string(debug.Stack())).Msg("session panic recovered")
	}
}

// NewConnection is called when the MTA starts a new SMTP connection on this
// milter connection (also after SMFIC_QUIT_NC): nothing of the previous
// client may leak into the next.
func (ss *session) NewConnection(m gomilter.Modifier) error {
	ss.clientIP, ss.clientName, ss.helo = netip.Addr{}, "", ""
	ss.early.Close()
	ss.reset()
	return nil
}

func (ss *session) Connect(host, family string, port uint16, addr string, m gomilter.Modifier) (*gomilter.Response, error) {
	defer ss.guard("connect")
	ss.clientIP, ss.clientName, ss.helo = netip.Addr{}, host, ""
	if ptr := m.Get(gomilter.MacroClientPTR); ptr != "" {
		ss.clientName = ptr
	}
	if ip, err := netip.ParseAddr(addr); err == nil {
		ss.clientIP = ip.Unmap()
	}
	ss.early.Connect(ss.s.opt.Runtime(), ss.clientIP)
	return nil, nil
}

func (ss *session) Helo(name string, m gomilter.Modifier) (*gomilter.Response, error) {
	defer ss.guard("helo")
	ss.helo = name
	ss.early.Helo(ss.s.opt.Runtime(), ss.clientIP, name)
	return nil, nil
}

func (ss *session) MailFrom(from, esmtpArgs string, m gomilter.Modifier) (*gomilter.Response, error) {
	defer ss.guard("mail")
	ss.reset()
	ss.env.MailFrom = from
	ss.env.AuthUser = m.Get(gomilter.MacroAuthAuthen)
	ss.env.QueueID = m.Get(gomilter.MacroQueueId)
	ss.early.Mail(ss.s.opt.Runtime(), ss.clientIP, ss.helo, from)
	return nil, nil
}

func (ss *session) RcptTo(rcpt, esmtpArgs string, m gomilter.Modifier) (*gomilter.Response, error) {
	defer ss.guard("rcpt")
	if len(ss.env.Rcpts) < maxRcpts {
		ss.env.Rcpts = append(ss.env.Rcpts, rcpt)
	}
	if q := m.Get(gomilter.MacroQueueId); q != "" {
		ss.env.QueueID = q
	}
	return nil, nil
}

// maxRcpts bounds the recipients kept per message (the MTA enforces its own
// limit; this only bounds our memory).
const maxRcpts = 10000

func (ss *session) Data(m gomilter.Modifier) (*gomilter.Response, error) { return nil, nil }

func (ss *session) Header(name, value string, m gomilter.Modifier) (*gomilter.Response, error) {
	defer ss.guard("header")
	ss.limits()
	ss.size += len(name) + len(value) + 3
	if isSpamHeader(name) {
		// Forged scores never reach the rules; they are deleted at the end.
		ss.noteSpamHeader(canonical(name))
		return nil, nil
	}
	if strings.EqualFold(name, filter.AuthResultsName) {
		ss.noteAuthResults(value)
	}
	if strings.EqualFold(name, "Subject") {
		if ss.subject == nil {
			v := value
			ss.subject = &v
		}
		if ss.s.opt.FaultDelay > 0 && strings.Contains(value, faultSubject) {
			ss.faulty = true
		}
	} else if ss.msgID == "" && strings.EqualFold(name, "Message-ID") {
		ss.msgID = strings.TrimSpace(value)
	}
	if ss.bodyStart >= 0 || ss.raw.Len()+len(name)+len(value)+3 > ss.limHeader {
		ss.headerCut = true // (a header after body bytes is a protocol violation; drop it)
		return nil, nil
	}
	ss.raw.WriteString(name)
	ss.raw.WriteByte(':')
	ss.raw.WriteString(value)
	ss.raw.WriteString("\r\n")
	return nil, nil
}

func (ss *session) Headers(m gomilter.Modifier) (*gomilter.Response, error) { return nil, nil }

func (ss *session) BodyChunk(chunk []byte, m gomilter.Modifier) (*gomilter.Response, error) {
	defer ss.guard("body")
	ss.limits()
	ss.startBody()
	ss.size += len(chunk)
	// Keep one byte past the scan limit so the parser knows it was cut.
	if room := ss.limBody + 1 - (ss.raw.Len() - ss.bodyStart); room > 0 {
		if len(chunk) > room {
			chunk = chunk[:room]
		}
		ss.raw.Write(chunk)
	}
	return nil, nil
}

// startBody ends the header section in raw, once.
func (ss *session) startBody() {
	if ss.bodyStart < 0 {
		ss.raw.WriteString("\r\n")
		ss.size += 2
		ss.bodyStart = ss.raw.Len()
	}
}

func (ss *session) Abort(m gomilter.Modifier) error {
	ss.reset()
	return nil
}

func (ss *session) Unknown(cmd string, m gomilter.Modifier) (*gomilter.Response, error) {
	return nil, nil
}

func (ss *session) Cleanup(m gomilter.Modifier) {
	ss.early.Close()
	ss.s.active.Add(-1)
}

// limits loads the size limits from the current runtime once per message.
func (ss *session) limits() {
	if ss.limHeader == 0 {
		rt := ss.s.opt.Runtime()
		ss.limHeader = rt.Limits.HeaderBytes
		ss.limBody = rt.Limits.ScanBytes
	}
}

func (ss *session) reset() {
	ss.env = message.Envelope{}
	ss.raw.Reset()
	if ss.raw.Cap() > keepBuffer {
		ss.raw = bytes.Buffer{} // do not hold a big buffer while the connection idles
	}
	ss.bodyStart = -1
	ss.headerCut = false
	ss.spamHdrs = ss.spamHdrs[:0]
	ss.spamBytes = 0
	ss.arCount, ss.arOurs = 0, ss.arOurs[:0]
	ss.subject = nil
	ss.faulty = false
	ss.msgID = ""
	ss.size = 0
	ss.broken, ss.malformed = "", ""
	ss.limHeader, ss.limBody = 0, 0
}

// noteSpamHeader counts one incoming X-Spam-* field.
func (ss *session) noteSpamHeader(canon string) {
	for i := range ss.spamHdrs {
		if ss.spamHdrs[i].name == canon {
			ss.spamHdrs[i].count++
			return
		}
	}
	if ss.spamBytes+len(canon) > maxSpamNameBytes {
		ss.malformed = "too many distinct X-Spam-* header fields"
		return
	}
	ss.spamBytes += len(canon)
	ss.spamHdrs = append(ss.spamHdrs, spamField{canon, 1})
}

// maxOurAuthResults bounds the forged Authentication-Results fields
// removed per message; a message with more is refused as malformed.
const maxOurAuthResults = 1000

// noteAuthResults counts one incoming Authentication-Results field and
// remembers its index when it claims our authserv-id: it is forged (or a
// loop) and is removed at the end. Fields of other hosts stay.
func (ss *session) noteAuthResults(value string) {
	ss.arCount++
	if !ss.s.opt.Runtime().IsOurAuthResults(value) {
		return
	}
	if len(ss.arOurs) >= maxOurAuthResults {
		ss.malformed = "too many Authentication-Results header fields"
		return
	}
	ss.arOurs = append(ss.arOurs, ss.arCount)
}

func isSpamHeader(name string) bool {
	return len(name) > 7 && strings.EqualFold(name[:7], "X-Spam-")
}

// canonical returns the MIME-canonical form of a header name, the form
// go-milter and Postfix index header changes by.
func canonical(name string) string {
	b := []byte(strings.ToLower(name))
	upper := true
	for i, c := range b {
		if upper && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		upper = c == '-'
	}
	return string(b)
}

// Outcome is what happened to one message, for the log and metrics.
type Outcome struct {
	Env     *message.Envelope
	Result  *filter.Result // nil when the pipeline did not finish
	Action  policy.Action  // what the MTA was told
	Reason  string         // why the fail-safe applied, if it did
	Size    int
	Elapsed time.Duration
}

var _ gomilter.Milter = (*session)(nil)

// deadlineCtx returns the context of one verdict.
func deadlineCtx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
