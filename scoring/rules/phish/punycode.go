package phish

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// confusables maps letters of other scripts that look like ASCII letters to
// those letters. Accents are stripped separately by decomposition.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i',
	'ј': 'j', 'к': 'k', 'ӏ': 'l', 'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'г': 'r',
	'ѕ': 's', 'т': 't', 'у': 'y', 'х': 'x', 'ԝ': 'w', 'ү': 'y', 'ɡ': 'g',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w',
	// Armenian
	'ո': 'n', 'ս': 'u', 'օ': 'o', 'հ': 'h', 'զ': 'q',
	// Latin look-alikes without a decomposition
	'ı': 'i', 'ł': 'l', 'ɩ': 'i', 'ǀ': 'l', 'ø': 'o', 'đ': 'd', 'ħ': 'h', 'ƅ': 'b', 'ɑ': 'a',
}

// skeleton folds s to the ASCII it looks like: compatibility decomposition,
// marks dropped, confusable letters mapped, lower case.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if m, ok := confusables[r]; ok {
			r = m
		}
		b.WriteRune(r)
	}
	return b.String()
}

// punyTargets are the brand names looked for in decoded IDN hosts.
var punyTargets = func() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.NewReplacer(" ", "", ".", "").Replace(s)
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, b := range brands {
		for _, p := range b.strong {
			add(p)
		}
	}
	for _, s := range []string{"apple", "chase", "outlook", "yahoo", "whatsapp", "office"} {
		add(s)
	}
	return out
}()

// hasPunycode reports whether host is an internationalised name: an IDNA
// A-label (xn--) or raw non-ASCII letters.
func hasPunycode(host string) bool {
	return hasACE(host) || hasNonASCII(host)
}

// hasACE reports whether host has an IDNA A-label (xn--).
func hasACE(host string) bool {
	return strings.HasPrefix(host, "xn--") || strings.Contains(host, ".xn--")
}

// hasNonASCII reports whether host holds raw non-ASCII bytes.
func hasNonASCII(host string) bool {
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return true
		}
	}
	return false
}

// punyBrand decodes an IDN host and returns the brand name its look-alike
// ASCII skeleton contains, if any, and the decoded host.
func punyBrand(host string) (string, string) {
	u, err := idna.Punycode.ToUnicode(host)
	if err != nil {
		return "", host
	}
	sk := skeleton(u)
	for _, t := range punyTargets {
		if strings.Contains(sk, t) {
			return t, u
		}
	}
	return "", u
}
