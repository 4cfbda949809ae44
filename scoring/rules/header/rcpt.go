package header

import (
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// manyRcpts is the number of visible To and Cc addresses from which a
// message counts as sent to a harvested list.
const manyRcpts = 15

// toUndisclosed: the To field is an "undisclosed recipients" placeholder.
func toUndisclosed(in *scoring.Input) (float64, string, bool) {
	for _, f := range in.Msg.All("To") {
		low := strings.ToLower(f.Decoded)
		if strings.Contains(low, "undisclosed") && strings.Contains(low, "recipient") {
			return 1, "", true
		}
	}
	return 0, "", false
}

// toNoAddr: a To field that is present but names no address at all.
func toNoAddr(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	fs := m.All("To")
	if len(fs) == 0 || countAddrs(m.To) > 0 {
		return 0, "", false
	}
	for _, f := range fs {
		low := strings.ToLower(f.Decoded)
		if strings.Contains(low, "@") || strings.Contains(low, "undisclosed") {
			return 0, "", false
		}
	}
	return 1, "", true
}

// manyRecipients: a long visible list of To and Cc addresses.
func manyRecipients(in *scoring.Input) (float64, string, bool) {
	n := countAddrs(in.Msg.To) + countAddrs(in.Msg.Cc)
	if n < manyRcpts {
		return 0, "", false
	}
	return 1, strconv.Itoa(n), true
}

// toEqFrom: the only recipient is the sender itself, the usual cover for a
// Bcc blast.
func toEqFrom(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if len(m.From) != 1 || len(m.To) != 1 || len(m.Cc) > 0 || m.From[0].Addr == "" || IsListMail(m) {
		return 0, "", false
	}
	if strings.EqualFold(m.From[0].Addr, m.To[0].Addr) {
		return 1, "", true
	}
	return 0, "", false
}

// fromNameOtherAddr: the From display name shows an address that is not
// the one the message is really from.
func fromNameOtherAddr(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if len(m.From) == 0 {
		return 0, "", false
	}
	f := m.From[0]
	shown := addrIn(f.Name)
	if shown == "" || f.Addr == "" || strings.EqualFold(shown, f.Addr) {
		return 0, "", false
	}
	return 1, shown, true
}

// addrIn returns the first local@domain.tld token of s, "" when none.
func addrIn(s string) string {
	at := strings.IndexByte(s, '@')
	if at <= 0 {
		return ""
	}
	isAtom := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte(".-_+=", c) >= 0
	}
	i, j := at, at+1
	for i > 0 && isAtom(s[i-1]) {
		i--
	}
	for j < len(s) && isAtom(s[j]) {
		j++
	}
	local, domain := s[i:at], strings.TrimRight(s[at+1:j], ".")
	if local == "" || !strings.Contains(domain, ".") {
		return ""
	}
	return local + "@" + domain
}

// addrs is To and Cc together.
func addrs(m *message.Message) []message.Address {
	return append(append([]message.Address(nil), m.To...), m.Cc...)
}

// rcptsSorted: five or more visible recipients in alphabetical order, as a
// list run straight from a sorted harvest file.
func rcptsSorted(in *scoring.Input) (float64, string, bool) {
	as := addrs(in.Msg)
	if len(as) < 5 {
		return 0, "", false
	}
	for i := 1; i < len(as); i++ {
		if strings.ToLower(as[i-1].Addr) > strings.ToLower(as[i].Addr) {
			return 0, "", false
		}
	}
	return 1, strconv.Itoa(len(as)), true
}

// countAddrs counts the entries of as that hold an address.
func countAddrs(as []message.Address) int {
	n := 0
	for _, a := range as {
		if strings.Contains(a.Addr, "@") {
			n++
		}
	}
	return n
}
