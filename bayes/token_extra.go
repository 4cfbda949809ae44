package bayes

import (
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/message"
)

// extra selects further token kinds for cross-validation experiments.
type extra uint32

const (
	xBodyBigrams extra = 1 << iota // pairs of adjacent body words
	xSubjBigrams                   // pairs of adjacent Subject words
	xCase                          // case-preserving body words with capitals
	xURIPath                       // words of URI paths
	xHTMLTags                      // HTML tag and attribute names
	xTo                            // To/Cc domains and address shapes
	xRcvdIP                        // Received IP prefixes and "by" hosts
	xMisc                          // Date zone, transfer encodings, Message-ID shape
	xComments                      // words of HTML comments
	xAnchor                        // anchor text words of links
)

// defaultExtras are the kinds chosen by cross-validation (docs/bayes.md).
const defaultExtras = xRcvdIP | xComments | xSubjBigrams | xURIPath | xCase | xBodyBigrams

const (
	pfxBigram     = "B:"
	pfxSubjBigram = "SB:"
	pfxCase       = "C:"
	pfxURIPath    = "UP:"
	pfxHTMLTag    = "HT:"
	pfxTo         = "TO:"
	pfxRcvdIP     = "RI:"
	pfxMisc       = "M:"
	pfxComment    = "CM:"
	pfxAnchor     = "UA:"
)

// bigramPrefix returns the prefix of the word pairs of a text emitted with
// prefix, or "" when pairs are off for it.
func (e *emitter) bigramPrefix(prefix string) string {
	switch {
	case prefix == "" && e.t.x&xBodyBigrams != 0:
		return pfxBigram
	case prefix == pfxSubject && e.t.x&xSubjBigrams != 0:
		return pfxSubjBigram
	}
	return ""
}

// extras emits the experimental token kinds selected in the Tokenizer.
func (e *emitter) extras(m *message.Message) {
	x := e.t.x
	if x&xURIPath != 0 {
		for i := range m.URIs {
			e.words(pfxURIPath, uriPath(m.URIs[i].Raw), true)
		}
	}
	if x&xAnchor != 0 {
		for i := range m.URIs {
			e.words(pfxAnchor, m.URIs[i].Text, true)
		}
	}
	if x&xTo != 0 {
		for _, list := range [][]message.Address{m.To, m.Cc} {
			for _, a := range list {
				e.domain(pfxTo, a.Domain)
			}
		}
	}
	if x&xRcvdIP != 0 {
		e.receivedIPs(m)
	}
	if x&xMisc != 0 {
		e.misc(m)
	}
	if x&xHTMLTags != 0 {
		e.htmlTags(m.LowerHTML())
	}
	if x&xComments != 0 {
		e.words(pfxComment, m.Comments, true)
	}
	if x&xCase != 0 {
		e.caseWords(m.Text)
	}
}

// uriPath returns what follows the host in a URI.
func uriPath(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
	}
	if i := strings.IndexAny(raw, "/?#"); i >= 0 {
		return raw[i:]
	}
	return ""
}

// receivedIPs emits the /24 and /16 of the client IPv4 address of the top
// Received hops, and the "by" hosts.
func (e *emitter) receivedIPs(m *message.Message) {
	e.eachReceived(m, func(h message.Hop, v string) {
		if h.IP.Is4() {
			a := h.IP.As4()
			b16 := strconv.Itoa(int(a[0])) + "." + strconv.Itoa(int(a[1]))
			e.addRaw(pfxRcvdIP, b16+"."+strconv.Itoa(int(a[2])))
			e.addRaw(pfxRcvdIP, b16)
		}
		if i := byIndex(v); i >= 0 {
			rest := strings.TrimLeft(v[i+3:], " \t")
			if end := strings.IndexAny(rest, " \t\r\n;("); end > 0 {
				e.domain(pfxRcvdIP+"by:", strings.ToLower(rest[:end]))
			}
		}
	})
}

// byIndex returns where the "by " clause of a Received value starts, -1
// when there is none.
func byIndex(v string) int {
	for i := 1; i+3 <= len(v); i++ {
		if v[i:i+3] == "by " && (v[i-1] == ' ' || v[i-1] == '\t' || v[i-1] == '\n') {
			return i
		}
	}
	return -1
}

// misc emits the Date zone, transfer encodings and Message-ID shape.
func (e *emitter) misc(m *message.Message) {
	if f := strings.Fields(m.DateRaw); len(f) > 0 {
		e.addRaw(pfxMisc+"tz:", f[len(f)-1])
	} else {
		e.addRaw(pfxMisc+"tz:", "none")
	}
	for _, p := range m.Parts {
		if p.Encoding != "" {
			e.addRaw(pfxMisc+"cte:", p.Encoding)
		}
	}
	id := strings.Trim(m.MsgID, "<> \t")
	local, _, _ := strings.Cut(id, "@")
	e.addRaw(pfxMisc+"mid:", shape(local))
}

// shape reduces s to classes of characters: runs of digits become 9,
// lower-case letters a, capitals A; other bytes are kept.
func shape(s string) string {
	var b strings.Builder
	last := byte(0)
	for i := 0; i < len(s) && b.Len() < 24; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c = '9'
		case c >= 'a' && c <= 'z':
			c = 'a'
		case c >= 'A' && c <= 'Z':
			c = 'A'
		}
		if c != last {
			b.WriteByte(c)
			last = c
		}
	}
	return b.String()
}

// htmlTags emits the names of HTML tags and of their attributes.
func (e *emitter) htmlTags(h string) {
	for i := 0; i < len(h) && !e.full(); i++ {
		if h[i] != '<' {
			continue
		}
		j := i + 1
		for j < len(h) && (h[j] >= 'a' && h[j] <= 'z' || h[j] >= '0' && h[j] <= '9' || h[j] == '/' || h[j] == '!') {
			j++
		}
		if j == i+1 {
			continue
		}
		tag := h[i+1 : j]
		e.addRaw(pfxHTMLTag, tag)
		end := strings.IndexByte(h[j:], '>')
		if end < 0 {
			return
		}
		for _, a := range strings.Fields(h[j : j+end]) {
			name, val, _ := strings.Cut(a, "=")
			if name != "" && len(name) < 20 {
				e.addRaw(pfxHTMLTag, tag+":"+name)
			}
			if name == "color" || name == "size" || name == "face" || name == "bgcolor" {
				e.addRaw(pfxHTMLTag, tag+":"+name+"="+strings.Trim(val, "\"'"))
			}
		}
		i = j + end
	}
}

// caseWords emits the words of s that have a capital letter, as written.
func (e *emitter) caseWords(s string) {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		start = -1
		if strings.ToLower(w) != w {
			e.add(pfxCase, w)
		}
	}
	for i := 0; i < len(s) && !e.full(); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '$' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
}
