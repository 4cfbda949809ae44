package body

import (
	"context"
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// Shouting bands: the share of upper-case words in a long enough text.
const (
	nameShouting      = "BODY_SHOUTING"
	nameShoutingHeavy = "BODY_SHOUTING_HEAVY"
	minShoutWords     = 40
)

// shoutRule reports text written mostly in capitals.
type shoutRule struct{}

// Info implements scoring.Rule.
func (shoutRule) Info() []scoring.Info {
	return []scoring.Info{
		{Name: nameShouting, Family: "body", Score: 1.0, Needs: scoring.NeedBody,
			Desc: "30-60% of the words (of 3+ letters) are in capitals"},
		{Name: nameShoutingHeavy, Family: "body", Score: 2.0, Needs: scoring.NeedBody,
			Desc: "Over 60% of the words (of 3+ letters) are in capitals"},
	}
}

// Eval implements scoring.Rule.
func (shoutRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	upper, total := capsWords(in.Msg.Text)
	if total < minShoutWords {
		return
	}
	share := float64(upper) / float64(total)
	detail := strconv.Itoa(upper) + "/" + strconv.Itoa(total) + " words in capitals"
	switch {
	case share >= 0.6:
		out.Hit(nameShoutingHeavy, 1, detail)
	case share >= 0.3:
		out.Hit(nameShouting, 1, detail)
	}
}

// capsWords counts ASCII words of three or more letters and those written
// wholly in capitals, in the first 64 KiB.
func capsWords(s string) (upper, total int) {
	if len(s) > 64<<10 {
		s = s[:64<<10]
	}
	n, lower := 0, false
	flush := func() {
		if n >= 3 {
			total++
			if !lower {
				upper++
			}
		}
		n, lower = 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			n++
		case c >= 'a' && c <= 'z':
			n++
			lower = true
		case c >= 0x80 || c >= '0' && c <= '9':
			n, lower = -1000, true // mixed with digits or non-ASCII: not a plain word
		default:
			flush()
		}
	}
	flush()
	return upper, total
}

// bigMoney fires on amounts of at least a million dollars written out in
// digits ("$1,000,000", "$5000000"). News writes "$25 million"; the
// 419 and get-rich mail spells out every zero.
func bigMoney(in *scoring.Input) (float64, string, bool) {
	s := in.Msg.TextLower
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			return 0, "", false
		}
		i += j + 1
		if amt, ok := millionAt(s, i); ok {
			return 1, amt, true
		}
	}
	return 0, "", false
}

// millionAt reports whether the amount after a '$' at s[i:] is a million
// or more written in digits, with or without thousands separators.
func millionAt(s string, i int) (string, bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	start, digits, groups := i, 0, 0
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
		} else if (c == ',' || c == '.') && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			if c == ',' {
				groups++
			}
		} else {
			break
		}
		i++
	}
	if digits == 0 {
		return "", false
	}
	amt := s[start:i]
	if groups >= 2 && digits >= 7 || groups == 0 && digits >= 7 && !strings.Contains(amt, ".") {
		return "$" + amt, true
	}
	return "", false
}
