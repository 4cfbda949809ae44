package header

import (
	"net/mail"
	"net/netip"
	"strings"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// hop is what one Received field says about the connection it records.
type hop struct {
	helo string     // the name the client gave, lower-cased ("" when unknown)
	rdns string     // the reverse-DNS name the receiver recorded, lower-cased
	ip   netip.Addr // the client address, invalid when none was recorded
	date time.Time  // the stamp after the last ';', zero when unparsable
	// recorded says the receiver wrote a "(...)" comment about the client
	// after the first word, as MTAs do for an SMTP connection (web mail's
	// "from IP by host with HTTP" and scanners' "from IP by host" do not).
	recorded bool
}

// parseHop reads the common Received shapes of Postfix, Sendmail, qmail,
// Exim and Exchange: "from HELO (RDNS [IP])", "from RDNS (HELO x) (IP)",
// "from RDNS ([IP] helo=x)" and "from HELO ([IP])".
func parseHop(v string) hop {
	var h hop
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		h.date, _ = ParseDate(v[i+1:])
		v = v[:i]
	}
	low := strings.ToLower(v)
	if !strings.HasPrefix(low, "from ") {
		return h
	}
	rest := strings.TrimLeft(low[5:], " \t")
	first, rest := cutWord(rest)
	h.helo = first
	comment := ""
	if strings.HasPrefix(rest, "(") {
		if j := strings.IndexByte(rest, ')'); j > 0 {
			comment = rest[1:j]
			h.recorded = true
		}
	}
	if x, ok := afterWord(comment, "helo "); ok {
		h.helo = x // qmail: "from rdns (HELO helo)"
		h.rdns = first
	} else if x, ok := afterWord(comment, "helo="); ok {
		h.helo = x // Exim
		h.rdns = first
	} else if w, _ := cutWord(comment); w != "" && !strings.HasPrefix(w, "[") {
		h.rdns = strings.TrimSuffix(w, ".")
		if at := strings.LastIndexByte(h.rdns, '@'); at >= 0 {
			h.rdns = h.rdns[at+1:]
		}
	}
	h.ip = firstBracketIP(low)
	return h
}

func cutWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t\r\n")
	i := strings.IndexAny(s, " \t\r\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t\r\n")
}

func afterWord(s, key string) (string, bool) {
	i := strings.Index(s, key)
	if i < 0 {
		return "", false
	}
	w, _ := cutWord(s[i+len(key):])
	return strings.Trim(w, "()"), w != ""
}

func firstBracketIP(s string) netip.Addr {
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			return netip.Addr{}
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			return netip.Addr{}
		}
		lit := strings.TrimPrefix(s[i+1:i+j], "ipv6:")
		if a, err := netip.ParseAddr(lit); err == nil {
			return a
		}
		s = s[i+j:]
	}
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
		if h.ip.IsValid() && !internal(h.ip) {
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
