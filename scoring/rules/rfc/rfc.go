// Package rfc holds the built-in format-sanity rules: the fields RFC 5322
// requires or limits to one instance, their syntax, and dates that cannot be
// right. Real mail software gets these right; bulk tools often do not.
package rfc

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules/header"
)

const family = "rfc"

func rule(name string, score float64, desc string, f func(*scoring.Input) (float64, string, bool)) scoring.Rule {
	return scoring.RuleFunc{I: scoring.Info{Name: name, Family: family, Score: score, Desc: desc}, F: f}
}

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		rule("RFC_MISSING_DATE", 1.0, "No Date field", missing("Date")),
		rule("RFC_DATE_MALFORMED", 1.0, "Date field cannot be parsed", dateMalformed),
		rule("RFC_DATE_FUTURE", 1.5, "Date more than 12 hours after the message was received", dateFuture),
		rule("RFC_DATE_PAST", 0.7, "Date more than 96 hours before the message was received", datePast),
		rule("RFC_DATE_NO_ZONE", 1.0, "Date has no time zone", dateNoZone),
		rule("RFC_DATE_WRONG_WEEKDAY", 1.0, "Date names the wrong day of the week", dateWrongWeekday),
		rule("RFC_MISSING_MSGID", 1.0, "No Message-ID field", missing("Message-ID")),
		rule("RFC_MSGID_MALFORMED", 1.5, "Message-ID is not <local@domain>", msgidMalformed),
		rule("RFC_MISSING_FROM", 1.5, "No From field", missing("From")),
		rule("RFC_FROM_MALFORMED", 1.5, "From field holds no parsable address", fromMalformed),
		rule("RFC_MISSING_TO", 0.2, "No To or Cc field on mail that is not from a list", missingTo),
		rule("RFC_DUP_HEADER", 1.0, "A single-instance field (From, To, Subject, Date) appears twice", dupHeader),
		rule("RFC_HEADER_SYNTAX", 1.0, "A header line without a colon or with a bad field name", flaw(message.FlawHeaderSyntax)),
		rule("RFC_8BIT_HEADER", 0.5, "Raw 8-bit bytes in a header field", flaw(message.Flaw8BitHeader)),
		rule("RFC_MIME_VERSION_MISSING", 1.0, "Multipart Content-Type without MIME-Version", mimeVersionMissing),
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return nil
}

func missing(name string) func(*scoring.Input) (float64, string, bool) {
	return func(in *scoring.Input) (float64, string, bool) {
		return 1, "", in.Msg.Count(name) == 0
	}
}

func flaw(f message.Flaw) func(*scoring.Input) (float64, string, bool) {
	return func(in *scoring.Input) (float64, string, bool) {
		return 1, "", in.Msg.HasFlaw(f)
	}
}

// missingTo: neither To nor Cc; lists often deliver posts whose recipients
// were all Bcc, so list mail is exempt.
func missingTo(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	return 1, "", m.Count("To") == 0 && m.Count("Cc") == 0 && !header.IsListMail(m)
}

// dateMalformed: a Date field is present but cannot be read as a date.
func dateMalformed(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if m.DateOK || m.Count("Date") == 0 {
		return 0, "", false
	}
	return 1, m.DateRaw, true
}

const (
	futureSlack = 12 * time.Hour
	pastSlack   = 96 * time.Hour
)

// dateSkew returns Date minus the time the message was received (the
// topmost Received stamp, else in.Now).
func dateSkew(in *scoring.Input) (time.Duration, bool) {
	if !in.Msg.DateOK {
		return 0, false
	}
	return in.Msg.Date.Sub(header.TopReceivedTime(in)), true
}

func dateFuture(in *scoring.Input) (float64, string, bool) {
	d, ok := dateSkew(in)
	if !ok || d <= futureSlack {
		return 0, "", false
	}
	return 1, fmt.Sprintf("+%.0fh", d.Hours()), true
}

// datePast is judged only against a Received date: a message checked long
// after it arrived (a saved file, an archive) is old, not forged.
func datePast(in *scoring.Input) (float64, string, bool) {
	if _, rcvd := header.ReceivedAt(in); !rcvd {
		return 0, "", false
	}
	d, ok := dateSkew(in)
	if !ok || -d <= pastSlack {
		return 0, "", false
	}
	return 1, fmt.Sprintf("-%.0fh", -d.Hours()), true
}

// msgidMalformed: the Message-ID lacks its angle brackets or its '@'.
func msgidMalformed(in *scoring.Input) (float64, string, bool) {
	if in.Msg.Count("Message-ID") == 0 {
		return 0, "", false
	}
	id := in.Msg.MsgID
	lt, gt := strings.IndexByte(id, '<'), strings.LastIndexByte(id, '>')
	if lt < 0 || gt < lt {
		return 1, id, true
	}
	inner := id[lt+1 : gt]
	at := strings.LastIndexByte(inner, '@')
	if at <= 0 || at == len(inner)-1 {
		return 1, id, true
	}
	return 0, "", false
}

// fromMalformed: a From field exists but no address in it has an '@'.
func fromMalformed(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if m.Count("From") == 0 {
		return 0, "", false
	}
	for _, a := range m.From {
		if i := strings.LastIndexByte(a.Addr, '@'); i > 0 && i < len(a.Addr)-1 {
			return 0, "", false
		}
	}
	v, _ := m.Get("From")
	return 1, v, true
}

// singleFields may appear at most once (RFC 5322 section 3.6).
var singleFields = []string{"From", "To", "Subject", "Date"}

func dupHeader(in *scoring.Input) (float64, string, bool) {
	for _, n := range singleFields {
		if in.Msg.Count(n) > 1 {
			return 1, n, true
		}
	}
	return 0, "", false
}

// mimeVersionMissing: the top-level Content-Type is multipart, yet no
// MIME-Version field says the message is MIME at all.
func mimeVersionMissing(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if m.Count("MIME-Version") > 0 {
		return 0, "", false
	}
	ct, ok := m.Get("Content-Type")
	if !ok || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") {
		return 0, "", false
	}
	return 1, "", true
}

// dateNoZone: a Date that ends in its time or year, with no zone after it
// ("Thu, 12 Sep 2002 10:32:03"): mail software always writes the zone.
func dateNoZone(in *scoring.Input) (float64, string, bool) {
	d := in.Msg.DateRaw
	if i := strings.IndexByte(d, '('); i >= 0 {
		d = d[:i]
	}
	f := strings.Fields(d)
	if len(f) < 3 {
		return 0, "", false
	}
	last := f[len(f)-1]
	for i := 0; i < len(last); i++ {
		if c := last[i]; (c < '0' || c > '9') && c != ':' {
			return 0, "", false
		}
	}
	return 1, in.Msg.DateRaw, true
}

// dateWrongWeekday: a parsable Date whose day name does not match its
// date, as templates that paste a fixed day name produce.
func dateWrongWeekday(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	d := strings.TrimSpace(m.DateRaw)
	if !m.DateOK || len(d) < 4 || d[3] != ',' {
		return 0, "", false
	}
	want := m.Date.Weekday().String()[:3]
	if strings.EqualFold(d[:3], want) {
		return 0, "", false
	}
	return 1, d[:3] + " is a " + want, true
}
