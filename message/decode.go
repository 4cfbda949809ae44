package message

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// b64 maps a base64 alphabet byte to its value; 0xFF marks a byte outside
// the alphabet. Both the standard and the URL-safe alphabets are accepted.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBase64 decodes src leniently: white space is skipped, and other
// bytes outside the alphabet are skipped and reported (bad = true). "="
// ends a quantum; a quantum of one character is reported. QUIRK: data after
// the padding (base64 chunks glued together, each padded) is decoded too and
// reported. Partial output is always kept.
func decodeBase64(src []byte) (out []byte, bad bool) {
	out = make([]byte, 0, len(src)*3/4+3)
	var acc uint32
	n := 0
	padded := false
	for _, c := range src {
		v := b64[c]
		if v == 0xFF {
			switch c {
			case ' ', '\t', '\r', '\n', '\f', '\v':
				continue
			case '=':
				if n == 1 {
					bad = true
				}
				out = flushB64(out, acc, n)
				acc, n, padded = 0, 0, true
				continue
			}
			bad = true
			continue
		}
		if padded {
			bad, padded = true, false
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	if n == 1 {
		bad = true
	}
	return flushB64(out, acc, n), bad
}

func flushB64(out []byte, acc uint32, n int) []byte {
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeQP decodes quoted-printable leniently. Soft line breaks ("=" at the
// end of a line, CRLF or LF) are removed; an "=" not followed by two hex
// digits is kept literally and reported. With underscore set (RFC 2047 Q
// encoding) '_' stands for a space.
func decodeQP(src []byte, underscore bool) (out []byte, bad bool) {
	out = make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '_' && underscore:
			out = append(out, ' ')
		case c != '=':
			out = append(out, c)
		case i+1 < len(src) && src[i+1] == '\n':
			i++
		case i+2 < len(src) && src[i+1] == '\r' && src[i+2] == '\n':
			i += 2
		case i+2 < len(src):
			hi, ok1 := unhex(src[i+1])
			lo, ok2 := unhex(src[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
			if softBreakAfterBlanks(src[i+1:]) {
				i = skipToLineEnd(src, i)
				continue
			}
			out = append(out, c)
			bad = true
		default:
			// "=" at the very end (a soft break without a newline) is fine;
			// "=X" at the end is not.
			if i+1 < len(src) && src[i+1] != '\r' {
				bad = true
				out = append(out, c)
			}
		}
	}
	return out, bad
}

// softBreakAfterBlanks reports whether b is blanks then a line end.
// QUIRK: some senders leave trailing blanks after a soft-break "=".
func softBreakAfterBlanks(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t':
			continue
		case '\r', '\n':
			return true
		}
		return false
	}
	return false
}

func skipToLineEnd(src []byte, i int) int {
	for i < len(src) && src[i] != '\n' {
		i++
	}
	return i
}

// lookupCharset returns the decoder for a charset label, nil for UTF-8 and
// ASCII (no conversion needed), and ok=false for an unknown label.
func lookupCharset(label string) (enc encoding.Encoding, utf bool, ok bool) {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch l {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8", "x-unicode20utf8":
		return nil, true, true
	case "latin1", "iso-8859-1", "iso8859-1", "iso_8859-1", "windows-1252", "cp1252":
		return charmap.Windows1252, false, true
	}
	// The WHATWG "replacement" encoding (ISO-2022-KR, HZ) would turn the
	// whole text into U+FFFD: ask the IANA index instead.
	if e, err := htmlindex.Get(l); err == nil && e != encoding.Replacement {
		return e, false, true
	}
	if e, err := ianaindex.MIME.Encoding(l); err == nil && e != nil {
		return e, false, true
	}
	// QUIRK: labels like "iso8859_15" or "iso-8859-15 " with stray
	// punctuation are common in spam.
	// QUIRK: "chinesebig5" and "gb2312_charset" (Outlook Express era).
	alt := strings.NewReplacer("_", "-", " ", "").Replace(l)
	alt = strings.TrimSuffix(strings.TrimPrefix(alt, "chinese"), "-charset")
	if strings.HasPrefix(alt, "iso8859") {
		alt = "iso-8859" + alt[len("iso8859"):]
	}
	if alt != l {
		if e, err := htmlindex.Get(alt); err == nil && e != encoding.Replacement {
			return e, false, true
		}
	}
	return nil, false, false
}

// toUTF8 converts b from the declared charset to UTF-8. badCharset reports an
// unknown label or bytes the charset could not decode; the result then falls
// back to UTF-8 when valid, else Windows-1252.
func toUTF8(b []byte, label string) (s string, badCharset bool) {
	ascii := isASCII(b)
	if ascii && asciiCompatible(label) {
		return string(b), false
	}
	enc, utf, ok := lookupCharset(label)
	if ascii && (utf || !ok) {
		return string(b), false
	}
	switch {
	case utf:
		if utf8.Valid(b) {
			return string(b), false
		}
		return fallbackText(b), label != ""
	case !ok:
		return fallbackText(b), true
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return fallbackText(b), true
	}
	return string(out), false
}

// asciiCompatible reports whether ASCII bytes in this charset mean ASCII.
// ISO-2022 (Japanese mail is mostly ISO-2022-JP) and HZ encode text in
// 7-bit escape sequences.
func asciiCompatible(label string) bool {
	l := strings.ToLower(strings.TrimSpace(label))
	for _, p := range []string{"iso-2022", "iso2022", "csiso2022", "hz"} {
		if strings.HasPrefix(l, p) {
			return false
		}
	}
	return true
}

// fallbackText returns b as UTF-8 when it is valid, else decoded as
// Windows-1252 (a superset of Latin-1 for printable text).
func fallbackText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
