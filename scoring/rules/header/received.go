package header

import (
	"net/mail"
	"net/netip"
	"strings"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// hop is one parsed Received field: what message.ParseHop reads, and the
// date stamp.
type hop struct {
	message.Hop
	date time.Time // the stamp after the last ';', zero when unparsable
}

func parseHop(v string) hop {
	h := hop{Hop: message.ParseHop(v)}
	if h.Stamp != "" {
		h.date, _ = ParseDate(h.Stamp)
	}
	return h
}

// zones maps the obsolete zone names of RFC 5322 section 4.3 (and a few
// common others) to offsets; time.Parse would silently read them as UTC.
var zones = map[string]string{
	"UT": "+0000", "GMT": "+0000", "Z": "+0000", "UTC": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
}

// ParseDate parses an RFC 5322 date as found in Date and Received fields,
// leniently: trailing comments are dropped and US zone names are honoured.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	if t, ok := fastDate(s); ok {
		return t, true
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if off, ok := zones[strings.ToUpper(s[i+1:])]; ok {
			s = s[:i+1] + off
		}
	}
	t, err := mail.ParseDate(s)
	return t, err == nil
}

// ReceivedAt returns when the message entered the receiving site: the date
// of the topmost Received field recording a public client (hops from
// loopback and private addresses are the site's own plumbing, such as a
// local fetch), else of the topmost dated Received field. ok is false when
// no Received field carries a date.
func ReceivedAt(in *scoring.Input) (t time.Time, ok bool) {
	var first time.Time
	for _, h := range hops(in) {
		if h.date.IsZero() {
			continue
		}
		if h.IP.IsValid() && !internal(h.IP) {
			return h.date, true
		}
		if first.IsZero() {
			first = h.date
		}
	}
	return first, !first.IsZero()
}

// TopReceivedTime is ReceivedAt, else in.Now: the moment a message's own
// dates are judged against.
func TopReceivedTime(in *scoring.Input) time.Time {
	if t, ok := ReceivedAt(in); ok {
		return t
	}
	return in.Now
}

type hopsKey struct{}

// hops returns the parsed Received chain, top first, parsed once per message.
func hops(in *scoring.Input) []hop {
	return in.Memo(hopsKey{}, func() any {
		fs := in.Msg.All("Received")
		out := make([]hop, len(fs))
		for i := range fs {
			out[i] = parseHop(fs[i].Raw)
		}
		return out
	}).([]hop)
}

// IsListMail reports whether m carries the fields mailing-list software
// adds. Several rules do not apply to list traffic, whose headers are
// rewritten by the list.
func IsListMail(m *message.Message) bool {
	for _, n := range []string{"List-Id", "List-Post", "Mailing-List", "X-Mailman-Version", "X-BeenThere", "X-Egroups-Return"} {
		if m.Count(n) > 0 {
			return true
		}
	}
	return false
}

func internal(a netip.Addr) bool {
	return !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast()
}
