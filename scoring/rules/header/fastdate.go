package header

import (
	"strings"
	"time"
)

var months = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// fastDate parses the canonical RFC 5322 form "[Wkd, ]D Mon YYYY HH:MM[:SS]
// +ZZZZ" without allocating; anything else is left to the lenient path.
// Most Received and Date fields have this form, and time.Parse's error
// values for the layouts that do not match were a third of a message's
// rule time.
func fastDate(s string) (time.Time, bool) {
	if i := strings.IndexByte(s, ','); i >= 0 && i <= 4 {
		s = strings.TrimLeft(s[i+1:], " ")
	}
	day, s, ok := num(s, 1, 2)
	if !ok || !skip(&s) || len(s) < 4 {
		return time.Time{}, false
	}
	mon := -1
	for i, m := range months {
		if strings.EqualFold(s[:3], m) {
			mon = i
		}
	}
	s = s[3:]
	if mon < 0 || !skip(&s) {
		return time.Time{}, false
	}
	year, s, ok := num(s, 4, 4)
	if !ok || !skip(&s) {
		return time.Time{}, false
	}
	hh, s, ok1 := num(s, 2, 2)
	mm, s, ok2 := colonNum(s)
	if !ok1 || !ok2 {
		return time.Time{}, false
	}
	ss := 0
	if strings.HasPrefix(s, ":") {
		if ss, s, ok = colonNum(s); !ok {
			return time.Time{}, false
		}
	}
	if !skip(&s) || len(s) < 5 || (s[0] != '+' && s[0] != '-') {
		return time.Time{}, false
	}
	zh, _, ok1 := num(s[1:3], 2, 2)
	zm, rest, ok2 := num(s[3:5], 2, 2)
	if !ok1 || !ok2 || rest != "" || strings.TrimSpace(s[5:]) != "" || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	off := zh*3600 + zm*60
	if s[0] == '-' {
		off = -off
	}
	return time.Date(year, time.Month(mon+1), day, hh, mm, ss, 0, time.FixedZone("", off)), true
}

// num reads min to max ASCII digits.
func num(s string, min, max int) (int, string, bool) {
	n, i := 0, 0
	for i < len(s) && i < max && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, s[i:], i >= min
}

func colonNum(s string) (int, string, bool) {
	if !strings.HasPrefix(s, ":") {
		return 0, s, false
	}
	return num(s[1:], 2, 2)
}

// skip consumes at least one blank.
func skip(s *string) bool {
	t := strings.TrimLeft(*s, " \t")
	ok := len(t) < len(*s)
	*s = t
	return ok
}
