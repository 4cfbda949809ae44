// Package subject holds the built-in Subject rules: shouting, symbol noise,
// look-alike letters, hidden tracking codes and encodings used to hide
// plain text from filters.
package subject

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules/header"
)

const family = "subject"

func rule(name string, score float64, desc string, f func(*scoring.Input) (float64, string, bool)) scoring.Rule {
	return scoring.RuleFunc{I: scoring.Info{Name: name, Family: family, Score: score, Desc: desc}, F: f}
}

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		rule("SUBJ_ALL_CAPS", 1.0, "Subject is all capitals (at least 10 letters)", allCaps),
		rule("SUBJ_MANY_EXCLAIM", 0.5, "Subject has three or more exclamation marks", many('!', 3)),
		rule("SUBJ_MANY_DOLLAR", 0.7, "Subject has two or more dollar signs", many('$', 2)),
		rule("SUBJ_MIXED_SCRIPT", 2.5, "A Subject word mixes Latin with Cyrillic or Greek look-alikes", mixedScript),
		rule("SUBJ_INVISIBLE", 1.5, "Subject hides invisible characters or trailing blanks", invisible),
		rule("SUBJ_SPACES_CODE", 2.0, "Subject pads with a run of blanks before a tracking code", spacesCode),
		rule("SUBJ_MOSTLY_SYMBOLS", 1.0, "Subject is mostly symbols rather than letters", mostlySymbols),
		rule("SUBJ_RE_NO_REFS", 0.8, "Re: Subject without In-Reply-To or References", reNoRefs),
		rule("SUBJ_ENCODED_ASCII", 0.3, "Subject RFC 2047-encodes plain ASCII text", encodedASCII),
		rule("SUBJ_TRACKING_SUFFIX", 1.0, "Subject ends in a numeric or random tracking code", trackingSuffix),
		rule("SUBJ_HAS_RCPT_LOCALPART", 0.7, "Subject contains the recipient's mailbox name", hasRcptLocal),
		rule("SUBJ_MONEY_OFFER", 0.5, "Subject offers money, savings, credit or something free", moneyOffer),
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return nil
}

// allCaps: ten or more letters and no lower-case letter among them.
func allCaps(in *scoring.Input) (float64, string, bool) {
	return 1, "", header.AllCaps(in.Msg.Subject, 10)
}

func many(c byte, n int) func(*scoring.Input) (float64, string, bool) {
	return func(in *scoring.Input) (float64, string, bool) {
		return 1, "", strings.Count(in.Msg.Subject, string(c)) >= n
	}
}

// mixedScript: one word holds Latin letters and Cyrillic or Greek letters,
// as in "PаyPal" spelled with a Cyrillic а.
func mixedScript(in *scoring.Input) (float64, string, bool) {
	var latin, other bool
	start := 0
	s := in.Msg.Subject
	for i, r := range s + " " {
		if unicode.IsLetter(r) {
			switch {
			case unicode.Is(unicode.Latin, r):
				latin = true
			case unicode.Is(unicode.Cyrillic, r), unicode.Is(unicode.Greek, r):
				other = true
			}
			continue
		}
		if latin && other {
			return 1, s[start:i], true
		}
		latin, other, start = false, false, i+1
	}
	return 0, "", false
}

// invisible: zero-width or soft-hyphen characters in the decoded Subject,
// or two or more trailing blanks in the raw one.
func invisible(in *scoring.Input) (float64, string, bool) {
	if strings.ContainsAny(in.Msg.Subject, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u034f") {
		return 1, "zero-width", true
	}
	for _, f := range in.Msg.All("Subject") {
		raw := strings.TrimRight(f.Raw, "\r\n")
		if strings.HasSuffix(raw, "  ") || strings.HasSuffix(raw, "\t") {
			return 1, "trailing blanks", true
		}
	}
	return 0, "", false
}

// spacesCode: six or more blanks, then one final token, as used to push a
// tracking code out of sight of the subject column.
func spacesCode(in *scoring.Input) (float64, string, bool) {
	s := in.Msg.Subject
	i := strings.LastIndexAny(s, " \t")
	if i < 0 || i == len(s)-1 {
		return 0, "", false
	}
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if i-j+1 < 6 || j == 0 {
		return 0, "", false
	}
	return 1, s[i+1:], true
}

// mostlySymbols: eight or more visible characters of which more than half
// are neither letters nor digits. Undecoded ISO-2022-JP ("$B...(B") is a
// charset problem, not noise, and is left alone.
func mostlySymbols(in *scoring.Input) (float64, string, bool) {
	s := in.Msg.Subject
	if strings.Contains(s, "$B") && strings.Contains(s, "(B") {
		return 0, "", false
	}
	symbols, visible := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case unicode.IsLetter(r), unicode.IsDigit(r):
			visible++
		default:
			symbols++
			visible++
		}
	}
	return 1, "", visible >= 8 && symbols*2 > visible
}

// reNoRefs: a reply-looking Subject on a message that refers to nothing.
func reNoRefs(in *scoring.Input) (float64, string, bool) {
	s := strings.ToLower(in.Msg.Subject)
	if !strings.HasPrefix(s, "re:") && !strings.HasPrefix(s, "re ") {
		return 0, "", false
	}
	m := in.Msg
	return 1, "", m.Count("In-Reply-To") == 0 && m.Count("References") == 0 && !header.IsListMail(m)
}

// encodedASCII: the raw Subject uses encoded words, but what they decode
// to is plain printable ASCII that needed no encoding.
func encodedASCII(in *scoring.Input) (float64, string, bool) {
	fs := in.Msg.All("Subject")
	if len(fs) == 0 || !strings.Contains(fs[0].Raw, "=?") || fs[0].Decoded == "" {
		return 0, "", false
	}
	d := fs[0].Decoded
	if strings.Contains(d, "=?") {
		return 0, "", false // not decoded: a flaw, not a disguise
	}
	for i := 0; i < len(d); i++ {
		if d[i] < 0x20 || d[i] > 0x7e {
			return 0, "", false
		}
	}
	return 1, "", true
}

// moneyWords is what a Subject selling money or savings says: a dollar
// amount, a percentage, free, cash, loans, mortgages, credit, debt,
// income, saving, a guarantee.
var moneyWords = regexp.MustCompile(
	`\bfree\b|\$\s?\d|\d\s?%|\bcash\b|\bloans?\b|\bmortgages?\b|\bsave\b|\bincome\b|\bcredit\b|\bdebts?\b|\bguarantee`)

// moneyOffer: the lower-cased Subject (its first 1000 bytes) matches
// moneyWords.
func moneyOffer(in *scoring.Input) (float64, string, bool) {
	s := strings.ToLower(in.Msg.Subject)
	if len(s) > 1000 {
		s = s[:1000]
	}
	if m := moneyWords.FindString(s); m != "" {
		return 1, m, true
	}
	return 0, "", false
}
