package message

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// parser holds the state of one Parse call.
type parser struct {
	lim Limits
	m   *Message

	text, plain, htmlText, hidden, comments, html boundedBuilder

	seenText map[string]struct{} // bare URIs already recorded
}

// Parse parses raw (header and body, CRLF or LF line ends) within lim.
// It never fails: defects are recorded in Message.Flaws.
func Parse(raw []byte, lim Limits) *Message {
	lim = lim.WithDefaults()
	p := &parser{lim: lim, m: &Message{Size: len(raw)}}
	for _, b := range []*boundedBuilder{&p.text, &p.plain, &p.htmlText, &p.hidden, &p.comments, &p.html} {
		b.max = lim.MaxText
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		p.flaw(FlawNULBytes)
	}
	h := splitHeader(raw, lim.HeaderBytes)
	p.headerFlaws(h, true, len(raw))
	p.m.Header = h.fields
	p.m.HeaderSize = h.size
	body := raw[h.bodyStart:]
	p.m.BodySize = len(body)
	if len(body) > lim.ScanBytes {
		body = body[:lim.ScanBytes]
		p.m.Truncated = true
		p.flaw(FlawTruncated)
	}
	p.decodeFields()
	p.entity(h.fields, body, 0, "text/plain")
	p.finish()
	return p.m
}

// flaw records f once.
func (p *parser) flaw(f Flaw) { p.m.AddFlaw(f) }

// headerFlaws records the defects of a header section. In a MIME part a
// section that is not header fields is a MIME defect, not a header one.
func (p *parser) headerFlaws(h headerResult, top bool, size int) {
	switch {
	case !top && (h.syntax || h.noSep) && size > 0:
		p.flaw(FlawBadMIME)
	case top && h.syntax:
		p.flaw(FlawHeaderSyntax)
	}
	if h.tooBig {
		p.flaw(FlawHeaderTooBig)
	}
	if h.eightBit {
		p.flaw(Flaw8BitHeader)
	}
	if h.noSep && top {
		p.flaw(FlawNoBodySeparator)
	}
}

// decodeFields fills Field.Decoded and the well-known fields of Message.
func (p *parser) decodeFields() {
	m := p.m
	for i := range m.Header {
		f := &m.Header[i]
		var bad bool
		f.Decoded, bad = decodeHeader(f.Raw)
		if bad {
			p.flaw(FlawBad2047)
		}
	}
	first := func(name string) (string, bool) {
		for i := range m.Header {
			if equalFold(m.Header[i].Name, name) {
				return m.Header[i].Raw, true
			}
		}
		return "", false
	}
	m.Subject, _ = m.Get("Subject")
	if v, ok := first("Message-ID"); ok {
		m.MsgID = strings.TrimSpace(v)
	}
	if v, ok := first("Date"); ok {
		m.DateRaw = strings.TrimSpace(v)
		m.Date, m.DateOK = parseDate(m.DateRaw)
	}
	for _, a := range []struct {
		name string
		dst  *[]Address
	}{{"From", &m.From}, {"To", &m.To}, {"Cc", &m.Cc}, {"Reply-To", &m.ReplyTo}, {"Sender", &m.Sender}} {
		for _, f := range m.All(a.name) {
			*a.dst = append(*a.dst, parseAddresses(headerForAddress(f.Raw))...)
		}
	}
}

// headerForAddress makes a raw address field safe for net/mail: 8-bit bytes
// are converted to UTF-8.
func headerForAddress(raw string) string {
	if isASCIIString(raw) {
		return raw
	}
	return fallbackText([]byte(raw))
}

// finish assembles the text fields from the builders.
func (p *parser) finish() {
	m := p.m
	m.Text = p.text.String()
	m.TextLower = strings.ToLower(m.Text)
	m.Plain = p.plain.String()
	m.HTMLText = p.htmlText.String()
	m.Hidden = p.hidden.String()
	m.Comments = p.comments.String()
	m.HTML = p.html.String()
	if len(m.TextLower) > p.lim.MaxText {
		m.TextLower = cutUTF8(m.TextLower, p.lim.MaxText)
	}
}

// boundedBuilder is a strings.Builder that keeps at most max bytes.
type boundedBuilder struct {
	b   strings.Builder
	max int
}

// add appends s, separated from earlier text by sep, within the bound.
func (b *boundedBuilder) add(s, sep string) {
	if s == "" {
		return
	}
	if b.b.Len() > 0 {
		b.write(sep)
	}
	b.write(s)
}

func (b *boundedBuilder) write(s string) {
	room := b.max - b.b.Len()
	if room <= 0 {
		return
	}
	if len(s) > room {
		s = cutUTF8(s, room)
	}
	b.b.WriteString(s)
}

func (b *boundedBuilder) full() bool { return b.b.Len() >= b.max }

func (b *boundedBuilder) String() string { return b.b.String() }

// cutUTF8 returns at most n bytes of s without splitting a rune.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
