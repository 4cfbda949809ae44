package body

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FoldStats counts the words Fold changed, by kind of obfuscation.
type FoldStats struct {
	Confusable int // Latin words that contained Cyrillic or Greek look-alike letters
	Fullwidth  int // words written with fullwidth Latin letters or digits
	ZeroWidth  int // words with a zero-width character or soft hyphen between letters
	Spaced     int // runs like "v.i.a.g.r.a" or "m-o-r-t-g-a-g-e" joined into one word
	CJK        int // words holding Han, kana or Hangul (context for Fullwidth)
}

// Obfuscated is the number of words changed by a trick that normal writing
// does not use: look-alike letters, zero-width characters and spaced-out
// letters. Fullwidth letters are left out: CJK text uses them honestly.
func (s FoldStats) Obfuscated() int { return s.Confusable + s.ZeroWidth + s.Spaced }

// confusables maps lower-case Cyrillic and Greek letters that look like
// Latin letters to those letters. They are folded only inside words that
// also hold ASCII letters, so real Russian or Greek words stay as written.
var confusables = map[rune]byte{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o',
	'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j',
	'ѕ': 's', 'ԁ': 'd', 'ӏ': 'l', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ь': 'b', 'ɡ': 'g',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'γ': 'y', 'ω': 'w', 'η': 'n', 'μ': 'u',
}

// isZeroWidth reports characters that render as nothing.
func isZeroWidth(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\ufeff', '\u00ad', '\u2060':
		return true
	}
	return false
}

// fullwidth maps a fullwidth ASCII variant (U+FF01..U+FF5E) to ASCII,
// lower-cased.
func fullwidth(r rune) (byte, bool) {
	if r < 0xFF01 || r > 0xFF5E {
		return 0, false
	}
	b := byte(r - 0xFEE0)
	if b >= 'A' && b <= 'Z' {
		b += 'a' - 'A'
	}
	return b, true
}

// Fold normalises lower-cased text for phrase matching: look-alike letters
// inside Latin words become ASCII, fullwidth characters become ASCII,
// zero-width characters and soft hyphens disappear, runs of single letters
// separated by one repeated punctuation or space ("v.i.a.g.r.a") are joined,
// and every run of white space becomes one space. Pass it Message.TextLower.
func Fold(s string) (string, FoldStats) {
	var st FoldStats
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading white space
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && !isWordByte(c) {
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
				if !space {
					b.WriteByte(' ')
					space = true
				}
			} else {
				b.WriteByte(c)
				space = false
			}
			i++
			continue
		}
		j := wordEnd(s, i)
		if j == i { // a non-ASCII rune that is not part of a word
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				if !space {
					b.WriteByte(' ')
					space = true
				}
			} else if f, ok := fullwidth(r); ok {
				b.WriteByte(f)
				space = false
			} else if !isZeroWidth(r) {
				b.WriteString(s[i : i+n])
				space = false
			}
			i += n
			continue
		}
		foldWord(&b, s[i:j], &st)
		space = false
		i = j
	}
	out := strings.TrimRight(b.String(), " ")
	return joinSpaced(out, &st), st
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// wordEnd returns the end of the word starting at i: letters, digits and
// zero-width characters.
func wordEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isWordByte(c) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !isZeroWidth(r) {
			return i
		}
		i += n
	}
	return i
}

// foldWord writes one word, folded, and counts what it changed.
func foldWord(b *strings.Builder, w string, st *FoldStats) {
	if isASCII(w) {
		b.WriteString(w)
		return
	}
	ascii, conf, full, zw, cjk := 0, 0, 0, 0, 0
	for _, r := range w {
		switch {
		case r < utf8.RuneSelf:
			ascii++
		case isZeroWidth(r):
			zw++
		default:
			if _, ok := fullwidth(r); ok {
				full++
			} else if _, ok := confusables[r]; ok {
				conf++
			} else if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
				cjk++
			}
		}
	}
	if cjk > 0 {
		st.CJK++
	}
	mixed := conf > 0 && ascii+full > 0
	for _, r := range w {
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
		} else if isZeroWidth(r) {
			continue
		} else if f, ok := fullwidth(r); ok {
			b.WriteByte(f)
		} else if c, ok := confusables[r]; ok && mixed {
			b.WriteByte(c)
		} else {
			b.WriteRune(r)
		}
	}
	if mixed {
		st.Confusable++
	}
	if full > 0 {
		st.Fullwidth++
	}
	if zw > 0 && zeroWidthInside(w) {
		st.ZeroWidth++
	}
}

// zeroWidthInside reports a zero-width character with letters on both sides.
func zeroWidthInside(w string) bool {
	seenLetter, pending := false, false
	for _, r := range w {
		if isZeroWidth(r) {
			pending = seenLetter
			continue
		}
		if pending {
			return true
		}
		seenLetter = true
	}
	return false
}

// spacedSeps are the characters spammers put between letters.
const spacedSeps = " .-_*|/+~:,'"

// joinSpaced joins runs of at least four single ASCII letters separated by
// the same single separator ("v.i.a.g.r.a", "f r e e") into one word.
func joinSpaced(s string, st *FoldStats) string {
	if !strings.ContainsAny(s, spacedSeps) {
		return s
	}
	var b *strings.Builder
	last := 0
	for i := 0; i+2 < len(s); i++ {
		// Cheapest test first: inside ordinary words the next byte is a letter.
		if isWordByte(s[i+1]) || s[i] < 'a' || s[i] > 'z' {
			continue
		}
		if !isSingleLetterAt(s, i) || strings.IndexByte(spacedSeps, s[i+1]) < 0 {
			continue
		}
		sep := s[i+1]
		n, j := 1, i
		for j+3 <= len(s) && s[j+1] == sep && isSingleLetterAt(s, j+2) {
			j += 2
			n++
		}
		if n < 4 {
			i = j
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		for k := i; k <= j; k += 2 {
			b.WriteByte(s[k])
		}
		last = j + 1
		st.Spaced++
		i = j
	}
	if b == nil {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isSingleLetterAt reports an ASCII letter at i not preceded by a word byte.
// The letter after it is checked by the caller through the separator.
func isSingleLetterAt(s string, i int) bool {
	c := s[i]
	if c < 'a' || c > 'z' {
		return false
	}
	if i > 0 && isWordByte(s[i-1]) {
		return false
	}
	return i+1 >= len(s) || !isWordByte(s[i+1])
}
