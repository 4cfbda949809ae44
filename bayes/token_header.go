package bayes

import (
	"path"
	"strings"

	"github.com/mailsift/mailsift/internal/dom"
	"github.com/mailsift/mailsift/message"
)

// Token prefixes. Each names where a token came from so that the same word
// in the Subject and in the body are counted apart.
const (
	pfxFromName  = "F:n:"  // words of the From display name
	pfxFromAddr  = "F:a:"  // the From address
	pfxFromDom   = "F:d:"  // the From domain and its registrable part
	pfxRcpts     = "RC:"   // To+Cc address count bucket
	pfxSubject   = "S:"    // Subject words
	pfxReplyTo   = "RT:"   // Reply-To domain, or "same" when it is From's
	pfxHelo      = "RH:"   // HELO names of the top Received hops
	pfxRdns      = "RR:"   // reverse-DNS names of the top Received hops
	pfxMailer    = "XM:"   // X-Mailer / User-Agent words
	pfxCType     = "CT:"   // media types of the MIME parts
	pfxCharset   = "CS:"   // charsets of the MIME parts
	pfxMsgID     = "MI:"   // Message-ID domain
	pfxHdrName   = "HN:"   // names of the header fields present (experiments only)
	pfxHidden    = "H:"    // words of hidden text
	pfxURI       = "U:"    // URI hosts and their registrable parts
	pfxAttach    = "A:"    // attachment names, extensions and types
	pfxStructure = "T:"    // structure: html-only, image and URI counts
	receivedHops = 3       // Received fields read, from the top
	pfxHdrCount  = "T:hn:" // header field count bucket
)

// headers emits the tokens of the selected header fields.
func (e *emitter) headers(m *message.Message) {
	e.sent(m)
	e.addRaw(pfxRcpts, bucket(len(m.To)+len(m.Cc)))
	e.words(pfxSubject, m.Subject, true)
	e.received(m)
	for _, name := range []string{"X-Mailer", "User-Agent"} {
		if v, ok := m.Get(name); ok {
			e.words(pfxMailer, v, true)
		}
	}
	e.headerNames(m)
}

// sent emits the sender's tokens (the sender opinion's subset): From's
// display-name words, address and domain, the Reply-To domain (or "same")
// and the Message-ID domain.
func (e *emitter) sent(m *message.Message) {
	prev := e.into
	e.into = &e.sender
	defer func() { e.into = prev }()
	for _, a := range m.From {
		e.words(pfxFromName, a.Name, true)
		e.addRaw(pfxFromAddr, strings.ToLower(a.Addr))
		e.domain(pfxFromDom, a.Domain)
	}
	for _, a := range m.ReplyTo {
		if len(m.From) > 0 && a.Domain == m.From[0].Domain {
			e.addRaw(pfxReplyTo, "same")
			continue
		}
		e.domain(pfxReplyTo, a.Domain)
	}
	if _, dom, ok := strings.Cut(strings.Trim(m.MsgID, "<> \t"), "@"); ok {
		e.domain(pfxMsgID, strings.ToLower(dom))
	}
}

// headerNames emits the lower-case name of every header field (once),
// except the X-Spam-* fields that filters add, and a bucket of their count.
func (e *emitter) headerNames(m *message.Message) {
	// Off by default: cross-validation found these tokens harmful (they
	// learn which lists a site subscribes to, not spam); docs/bayes.md.
	if !e.t.headerNames {
		return
	}
	for _, f := range m.Header {
		name := strings.ToLower(f.Name)
		if strings.HasPrefix(name, "x-spam") {
			continue
		}
		e.addRaw(pfxHdrName, name)
	}
	e.addRaw(pfxHdrCount, bucket(len(m.Header)/5))
}

// domain emits a lower-case domain and, when different, its registrable
// part.
func (e *emitter) domain(prefix, d string) {
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return
	}
	e.addRaw(prefix, d)
	if r := registrable(d); r != d {
		e.addRaw(prefix, r)
	}
}

// received emits the HELO and reverse-DNS names of the top Received hops,
// as message.ParseHop reads them.
func (e *emitter) received(m *message.Message) {
	e.eachReceived(m, func(h message.Hop, _ string) {
		helo := strings.Trim(h.Helo, "[]")
		if strings.Contains(helo, ".") {
			e.domain(pfxHelo, helo)
		} else if helo != "" {
			e.addRaw(pfxHelo, "nodot")
		}
		if strings.Contains(h.RDNS, ".") {
			e.domain(pfxRdns, h.RDNS)
		}
	})
}

// eachReceived calls fn with each of the top receivedHops Received fields
// and what message.ParseHop reads in it (parsed once per message); the
// tokens emitted meanwhile are Received tokens (the Received opinion's
// subset).
func (e *emitter) eachReceived(m *message.Message, fn func(h message.Hop, v string)) {
	if e.hops == nil {
		e.hops = make([]rawHop, 0, receivedHops)
		for _, f := range m.Header {
			if len(e.hops) == receivedHops {
				break
			}
			if strings.EqualFold(f.Name, "Received") {
				e.hops = append(e.hops, rawHop{message.ParseHop(f.Raw), f.Raw})
			}
		}
	}
	prev := e.into
	e.into = &e.rcvd
	defer func() { e.into = prev }()
	for _, h := range e.hops {
		fn(h.Hop, h.raw)
	}
}

// rawHop is a Received field's value and what message.ParseHop reads in it.
type rawHop struct {
	message.Hop
	raw string
}

// structure emits tokens for the shape of the message.
func (e *emitter) structure(m *message.Message) {
	switch {
	case m.HasHTML && !m.HasPlain:
		e.addRaw(pfxStructure, "html-only")
	case m.HasHTML && m.HasPlain:
		e.addRaw(pfxStructure, "html+plain")
	case !m.HasPlain:
		e.addRaw(pfxStructure, "no-text")
	}
	e.addRaw(pfxStructure+"img:", bucket(m.Images))
	e.addRaw(pfxStructure+"uri:", bucket(len(m.URIs)))
	if m.Forms > 0 {
		e.addRaw(pfxStructure, "form")
	}
	if m.Scripts > 0 {
		e.addRaw(pfxStructure, "script")
	}
	for _, f := range m.Flaws {
		e.addRaw(pfxStructure+"flaw:", string(f))
	}
	for _, p := range m.Parts {
		e.addRaw(pfxCType, p.ContentType)
		if p.Charset != "" {
			e.addRaw(pfxCharset, p.Charset)
		}
	}
}

// uris emits the host of every URI and its registrable part.
func (e *emitter) uris(m *message.Message) {
	for i := range m.URIs {
		if e.full() {
			return
		}
		e.domain(pfxURI, m.URIs[i].Host)
	}
}

// attachments emits the name, extension and types of every attachment.
func (e *emitter) attachments(m *message.Message) {
	for _, a := range m.Attachments {
		name := strings.ToLower(a.Filename)
		if name != "" {
			e.addRaw(pfxAttach+"n:", name)
			if ext := path.Ext(name); ext != "" {
				e.addRaw(pfxAttach+"x:", ext)
			}
		}
		e.addRaw(pfxAttach+"d:", a.Declared)
		e.addRaw(pfxAttach+"s:", a.Sniffed)
	}
}

// registrable returns the registrable part of a host name (dom.Registrable).
func registrable(host string) string { return dom.Registrable(host) }
