package message

import (
	"bytes"
	"strings"
)

// headerResult is what splitHeader found in one header section.
type headerResult struct {
	fields    []Field
	bodyStart int  // offset of the body in the input
	size      int  // bytes of the header section including the blank line
	noSep     bool // no blank line before the body (or the end)
	syntax    bool // lines that are not fields
	tooBig    bool // fields beyond maxBytes were dropped
	eightBit  bool // raw 8-bit bytes in a value
}

// splitHeader reads the header section at the start of b: fields up to the
// first empty line, CRLF or LF. A line that is neither a field nor a
// continuation is skipped when a field follows it; otherwise the body is
// taken to start there (no separator). Only the first maxBytes of the
// section are kept as fields.
func splitHeader(b []byte, maxBytes int) headerResult {
	var r headerResult
	pos := 0
	start, stop := -1, 0 // the current field: b[start:stop], folds included
	flush := func() {
		if start >= 0 {
			r.addField(trimEOL(b[start:stop]), stop <= maxBytes)
			start = -1
		}
	}
	// QUIRK: mbox files start with a "From " separator line.
	if bytes.HasPrefix(b, []byte("From ")) {
		pos = lineEnd(b, 0)
	}
	for pos < len(b) {
		end := lineEnd(b, pos)
		line := trimEOL(b[pos:end])
		switch {
		case len(line) == 0:
			flush()
			r.bodyStart, r.size = end, end
			return r
		case line[0] == ' ' || line[0] == '\t':
			if start >= 0 {
				stop = end
			} else {
				r.syntax = true
			}
		case isFieldLine(line):
			flush()
			start, stop = pos, end
		default:
			flush()
			r.syntax = true
			if !isFieldLine(nextLine(b, end)) {
				r.noSep = true
				r.bodyStart, r.size = pos, pos
				return r
			}
		}
		pos = end
	}
	flush()
	r.noSep = true
	r.bodyStart, r.size = len(b), len(b)
	return r
}

// lineEnd returns the offset just past the line starting at pos.
func lineEnd(b []byte, pos int) int {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return len(b)
	}
	return pos + i + 1
}

func trimEOL(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\n' {
		l = l[:n-1]
	}
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	return l
}

func nextLine(b []byte, pos int) []byte {
	if pos >= len(b) {
		return nil
	}
	return trimEOL(b[pos:lineEnd(b, pos)])
}

// isFieldLine reports whether l starts with a field name and a colon.
// QUIRK: blanks between the name and the colon ("Subject : x") are accepted.
func isFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(l[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7F {
			return false
		}
	}
	return true
}

// addField appends the field in raw (name, colon, value with folds).
func (r *headerResult) addField(raw []byte, keep bool) {
	if !keep {
		r.tooBig = true
		return
	}
	i := bytes.IndexByte(raw, ':')
	name := string(bytes.TrimRight(raw[:i], " \t"))
	if len(name) != i {
		r.syntax = true
	}
	val := unfold(raw[i+1:])
	if val != "" && (val[0] == ' ' || val[0] == '\t') {
		val = val[1:] // only the one blank after the colon: more is evidence
	}
	if !isASCIIString(val) {
		r.eightBit = true
	}
	r.fields = append(r.fields, Field{Name: name, Raw: val})
}

// unfold removes the line breaks of folded lines, keeping the blanks.
func unfold(v []byte) string {
	if bytes.IndexByte(v, '\n') < 0 {
		return string(v)
	}
	out := make([]byte, 0, len(v))
	for _, c := range v {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return string(out)
}

// decodeHeader returns the decoded form of a raw field value: 8-bit bytes
// converted to UTF-8, RFC 2047 encoded words decoded, trimmed. bad reports a
// malformed encoded word (kept as written).
func decodeHeader(raw string) (s string, bad bool) {
	if !isASCIIString(raw) {
		raw = fallbackText([]byte(raw))
	}
	if !strings.Contains(raw, "=?") {
		return strings.TrimSpace(raw), false
	}
	s, bad = decode2047(raw)
	return strings.TrimSpace(s), bad
}

// decode2047 decodes every encoded word in s (RFC 2047). Blanks between two
// adjacent encoded words are dropped. QUIRK: encoded words inside quoted
// strings and glued to other text are decoded too, as mail clients do.
func decode2047(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	bad := false
	pendingBlank := ""
	lastWasWord := false
	for len(s) > 0 {
		i := strings.Index(s, "=?")
		if i < 0 {
			b.WriteString(pendingBlank)
			b.WriteString(s)
			break
		}
		pre := s[:i]
		word, n, ok := parseEncodedWord(s[i:])
		if n == 0 {
			// not even the shape of an encoded word
			b.WriteString(pendingBlank)
			b.WriteString(s[:i+2])
			pendingBlank, lastWasWord = "", false
			s = s[i+2:]
			continue
		}
		if !ok {
			bad = true
		}
		if !(lastWasWord && strings.Trim(pre, " \t") == "") {
			b.WriteString(pendingBlank)
			b.WriteString(pre)
		}
		b.WriteString(word)
		pendingBlank, lastWasWord = "", true
		s = s[i+n:]
		if j := len(s) - len(strings.TrimLeft(s, " \t")); j > 0 && lastWasWord {
			pendingBlank = s[:j]
			s = s[j:]
		}
	}
	return b.String(), bad
}

// parseEncodedWord parses "=?charset?enc?text?=" at the start of s. It
// returns the decoded text, the bytes consumed (0 when s does not have the
// shape of an encoded word) and whether it decoded cleanly; a word that does
// not decode is returned as written.
func parseEncodedWord(s string) (string, int, bool) {
	rest := s[2:]
	q1 := strings.IndexByte(rest, '?')
	if q1 <= 0 || q1+2 >= len(rest) || rest[q1+2] != '?' {
		return "", 0, false
	}
	end := strings.Index(rest[q1+3:], "?=")
	if end < 0 {
		return s, len(s), false
	}
	n := 2 + q1 + 3 + end + 2
	raw := s[:n]
	cs := rest[:q1]
	if k := strings.IndexByte(cs, '*'); k >= 0 { // RFC 2231 language suffix
		cs = cs[:k]
	}
	text := rest[q1+3 : q1+3+end]
	if _, _, known := lookupCharset(cs); !known {
		return raw, n, false
	}
	var dec []byte
	var bad bool
	switch rest[q1+1] {
	case 'B', 'b':
		dec, bad = decodeBase64([]byte(text))
	case 'Q', 'q':
		dec, bad = decodeQP([]byte(text), true)
	default:
		return raw, n, false
	}
	out, badCS := toUTF8(dec, cs)
	if bad || badCS {
		if len(out) == 0 || badCS {
			return raw, n, false
		}
		return out, n, false
	}
	return out, n, true
}
