package header

import (
	"strings"
	"unicode"

	"github.com/mailsift/mailsift/scoring"
)

// rcvdDateBad: a Received field with a date stamp that is not a date in the
// RFC 5322 form MTAs write ("Jul, 28 2002 2:23:00 AM +1100"): bulk tools
// that forge a chain below their own hop format it by hand.
func rcvdDateBad(in *scoring.Input) (float64, string, bool) {
	for _, h := range hops(in) {
		if strings.TrimSpace(h.Stamp) != "" && h.date.IsZero() {
			return 1, strings.TrimSpace(h.Stamp), true
		}
	}
	return 0, "", false
}

// fromNameCaps: a From display name of at least four letters with none in
// lower case ("LINUS", "BEST DEALS"), as bulk tools fill it.
func fromNameCaps(in *scoring.Input) (float64, string, bool) {
	if len(in.Msg.From) == 0 || !AllCaps(in.Msg.From[0].Name, 4) {
		return 0, "", false
	}
	return 1, in.Msg.From[0].Name, true
}

// AllCaps reports whether s has at least min upper-case letters and no
// lower-case one.
func AllCaps(s string, min int) bool {
	upper := 0
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsUpper(r):
			upper++
		}
	}
	return upper >= min
}

// xMailer returns the X-Mailer value, trimmed.
func xMailer(in *scoring.Input) (string, bool) {
	v, ok := in.Msg.Get("X-Mailer")
	return strings.TrimSpace(v), ok
}

// oeNoMimeOLE: Outlook Express adds "X-MimeOLE: Produced By Microsoft
// MimeOLE" to every message; an X-Mailer naming it without that field was
// written by something else.
func oeNoMimeOLE(in *scoring.Input) (float64, string, bool) {
	v, ok := xMailer(in)
	if !ok || !strings.Contains(v, "Outlook Express") || in.Msg.Count("X-MimeOLE") > 0 {
		return 0, "", false
	}
	return 1, v, true
}

// xmailerOutlook: X-Mailer names Outlook or Outlook Express. Both send
// HTML as multipart/alternative with a text/plain part, so on a bare
// text/html message (HDR_XMAILER_OUTLOOK_BARE_HTML) the name is an
// imitation.
func xmailerOutlook(in *scoring.Input) (float64, string, bool) {
	v, ok := xMailer(in)
	return 1, "", ok && strings.Contains(v, "Outlook")
}

// outlookMsgIDNoMailer: a Message-ID in Outlook's form on a message that
// names no mailer at all; Outlook always writes X-Mailer.
func outlookMsgIDNoMailer(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if !outlookMsgID(m.MsgID) || m.Count("X-Mailer") > 0 || m.Count("User-Agent") > 0 {
		return 0, "", false
	}
	return 1, m.MsgID, true
}
