package subject

import (
	"strings"

	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules/header"
)

// trackingSuffix: the Subject's last word, after a blank or a separator, is
// a number of five or more digits, or a mixed token of letters and digits
// such as "Q7Z3K9". Years and version-like tokens with dots do not count.
func trackingSuffix(in *scoring.Input) (float64, string, bool) {
	s := strings.TrimRight(in.Msg.Subject, " \t.!")
	i := strings.LastIndexAny(s, " \t-_#:([")
	if i < 0 {
		return 0, "", false
	}
	tok := strings.TrimRight(s[i+1:], ")]")
	if len(tok) < 5 || len(tok) > 20 || namedReference(s[:i+1]) {
		return 0, "", false
	}
	digits, letters := 0, 0
	for k := 0; k < len(tok); k++ {
		c := tok[k]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		default:
			return 0, "", false
		}
	}
	switch {
	case letters == 0 && digits >= 5:
		return 1, tok, true
	case digits >= 2 && letters >= 2 && transitions(tok) >= 3:
		return 1, tok, true
	}
	return 0, "", false
}

// referenceWords name the identifiers legitimate mail puts at the end of a
// Subject: "Your order #112-4567890", "Invoice 2026-1187", "Ticket 48213".
var referenceWords = []string{
	"order", "invoice", "ticket", "case", "ref", "reference", "booking", "receipt", "no", "nr", "number",
	"account", "confirmation", "reservation", "shipment", "tracking", "request", "issue", "pr", "bug", "id",
	"statement", "payment", "transaction", "claim", "policy", "application", "item",
}

// namedReference reports whether head (the Subject up to the last token)
// ends in a structured identifier or a word naming one: "order #", "ref:",
// "112-4567890-" (a digit right before the separator).
func namedReference(head string) bool {
	n := len(head)
	if n >= 2 && (head[n-1] == '-' || head[n-1] == '_' || head[n-1] == '/') && isDigit(head[n-2]) {
		return true
	}
	words := strings.FieldsFunc(strings.ToLower(head), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	for _, w := range referenceWords {
		if last == w {
			return true
		}
	}
	return false
}

// transitions counts switches between digits and letters in tok.
func transitions(tok string) int {
	n := 0
	for k := 1; k < len(tok); k++ {
		if isDigit(tok[k]) != isDigit(tok[k-1]) {
			n++
		}
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// hasRcptLocal: the Subject contains the local part (four letters or more)
// of the single To address, as in "jsmith, your offer".
func hasRcptLocal(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if len(m.To) != 1 || header.IsListMail(m) {
		return 0, "", false
	}
	at := strings.LastIndexByte(m.To[0].Addr, '@')
	if at < 4 {
		return 0, "", false
	}
	local := strings.ToLower(m.To[0].Addr[:at])
	subj := strings.ToLower(m.Subject)
	i := strings.Index(subj, local)
	if i < 0 || (i > 0 && subj[i-1] == '[') {
		return 0, "", false // absent, or a list tag such as "[ilug]"
	}
	return 1, local, true
}
