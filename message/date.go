package message

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// zoneOffsets are the named zones seen in real Date fields, in seconds east
// of UTC (RFC 5322 section 4.3 obs-zone plus common non-standard names).
var zoneOffsets = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"AST": -4 * 3600, "ADT": -3 * 3600, "HST": -10 * 3600, "AKST": -9 * 3600, "AKDT": -8 * 3600,
	"BST": 3600, "IST": 3600, "CET": 3600, "MET": 3600, "CEST": 2 * 3600, "MEST": 2 * 3600,
	"WEST": 3600, "EET": 2 * 3600, "EEST": 3 * 3600, "MSK": 3 * 3600, "JST": 9 * 3600,
	"KST": 9 * 3600, "HKT": 8 * 3600, "SGT": 8 * 3600, "AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
}

// parseDate parses a Date field value: net/mail first, then a token-based
// fallback for the broken forms real mail uses (no weekday, two-digit
// years, named zones, comments, missing seconds, bare numeric zones).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(s); err == nil {
		name, off := t.Zone()
		if zo, ok := zoneOffsets[strings.ToUpper(name)]; ok && off == 0 && zo != 0 {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0,
				time.FixedZone(name, zo))
		}
		return t, true
	}
	return parseDateTokens(s)
}

// dateParts collects the pieces of a date while scanning its tokens.
type dateParts struct {
	day, month, year  int
	hour, min, sec    int
	zone              int
	hasTime, hasZone  bool
	dayOK, yearOK     bool
	zoneName          string
	numbers, tokCount int
}

func parseDateTokens(s string) (time.Time, bool) {
	s = stripComments(s)
	toks := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	var p dateParts
	for _, t := range toks {
		p.token(t)
	}
	if !p.dayOK || p.month == 0 || !p.yearOK {
		return time.Time{}, false
	}
	loc := time.UTC
	if p.hasZone {
		loc = time.FixedZone(p.zoneName, p.zone)
	}
	t := time.Date(p.year, time.Month(p.month), p.day, p.hour, p.min, p.sec, 0, loc)
	if t.Day() != p.day { // 31 Feb and the like
		return time.Time{}, false
	}
	return t, true
}

func (p *dateParts) token(t string) {
	switch {
	case strings.Count(t, ":") >= 1 && t[0] >= '0' && t[0] <= '9' && !p.hasTime:
		p.clock(t)
	case (t[0] == '+' || t[0] == '-') && len(t) >= 3 && allDigits(t[1:]):
		p.numericZone(t)
	case allDigits(t):
		p.number(t)
	case len(t) >= 3 && monthIndex(t) > 0 && p.month == 0:
		p.month = monthIndex(t)
	case strings.Count(t, "-") == 2 && !p.dayOK: // 23-Aug-2002 or 2002-08-23
		p.dashed(strings.Split(t, "-"))
	case strings.Count(t, "/") == 2 && !p.dayOK: // 2002/09/14 or 09/14/2002
		p.dashed(strings.Split(t, "/"))
	default:
		up := strings.ToUpper(strings.Trim(t, "."))
		if off, ok := zoneOffsets[up]; ok && !p.hasZone {
			p.zone, p.zoneName, p.hasZone = off, up, true
		}
	}
}

func (p *dateParts) clock(t string) {
	parts := strings.Split(t, ":")
	if len(parts) > 3 {
		return
	}
	v := [3]int{}
	for i, x := range parts {
		x, _, _ = strings.Cut(x, ".")
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 || n > 60 && i > 0 || n > 24 && i == 0 {
			return
		}
		v[i] = n
	}
	p.hour, p.min, p.sec, p.hasTime = v[0], v[1], v[2], true
}

func (p *dateParts) numericZone(t string) {
	if p.hasZone {
		return
	}
	n, err := strconv.Atoi(t[1:])
	if err != nil || len(t) > 5 {
		return
	}
	if len(t) <= 3 { // "+2" hours
		n *= 100
	}
	off := (n/100)*3600 + (n%100)*60
	if t[0] == '-' {
		off = -off
	}
	p.zone, p.zoneName, p.hasZone = off, "", true
}

func (p *dateParts) number(t string) {
	n, err := strconv.Atoi(t)
	if err != nil {
		return
	}
	switch {
	case len(t) == 4 && p.hasTime && !p.hasZone && p.yearOK:
		// QUIRK: a zone written without its sign ("23:37:59 0530").
		p.numericZone("+" + t)
	case !p.dayOK && len(t) <= 2 && n >= 1 && n <= 31:
		p.day, p.dayOK = n, true
	case !p.yearOK && (len(t) == 4 || len(t) == 2):
		p.year, p.yearOK = fullYear(n, len(t)), true
	}
}

func (p *dateParts) dashed(a []string) {
	if allDigits(a[0]) && allDigits(a[1]) && allDigits(a[2]) {
		n := [3]int{}
		for i := range a {
			n[i], _ = strconv.Atoi(a[i])
		}
		y, m, d := n[2], n[0], n[1] // US order
		switch {
		case len(a[0]) == 4:
			y, m, d = n[0], n[1], n[2]
		case n[0] > 12:
			m, d = n[1], n[0]
		}
		if m >= 1 && m <= 12 && d >= 1 && d <= 31 && (len(a[2]) == 2 || len(a[2]) == 4 || len(a[0]) == 4) {
			if len(a[0]) != 4 {
				y = fullYear(y, len(a[2]))
			}
			p.year, p.month, p.day, p.yearOK, p.dayOK = y, m, d, true, true
		}
		return
	}
	p.number(a[0])
	if m := monthIndex(a[1]); m > 0 {
		p.month = m
	}
	p.number(a[2])
}

// fullYear applies RFC 5322 section 4.3: two-digit years below 50 are 20xx.
func fullYear(n, digits int) int {
	if digits == 2 {
		if n < 50 {
			return 2000 + n
		}
		return 1900 + n
	}
	return n
}

func monthIndex(t string) int {
	if len(t) < 3 {
		return 0
	}
	switch strings.ToLower(t[:3]) {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	case "dec":
		return 12
	}
	return 0
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// stripComments removes parenthesised comments (not nested beyond depth 1).
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
