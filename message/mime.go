package message

import (
	"bytes"
	"mime"
	"strings"
)

// contentInfo is what the Content-* fields of one entity declare.
type contentInfo struct {
	mediaType   string // lower-cased; "" when the field is missing
	charset     string
	boundary    string
	encoding    string
	disposition string
	filename    string
}

// readContentInfo reads the Content-* fields of an entity.
func readContentInfo(fields []Field) contentInfo {
	var ci contentInfo
	var ctSeen, cdSeen, cteSeen bool
	var ctParams, cdParams map[string]string
	for i := range fields {
		f := &fields[i]
		switch {
		case !ctSeen && equalFold(f.Name, "Content-Type"):
			ctSeen = true
			ci.mediaType, ctParams = parseParams(f.Raw)
		case !cdSeen && equalFold(f.Name, "Content-Disposition"):
			cdSeen = true
			ci.disposition, cdParams = parseParams(f.Raw)
		case !cteSeen && equalFold(f.Name, "Content-Transfer-Encoding"):
			cteSeen = true
			ci.encoding = strings.ToLower(strings.Trim(strings.TrimSpace(f.Raw), `"'`))
			if i := strings.IndexAny(ci.encoding, " \t;("); i >= 0 {
				ci.encoding = ci.encoding[:i]
			}
		}
	}
	if ci.mediaType != "" && !strings.Contains(ci.mediaType, "/") {
		// QUIRK: "Content-Type: text" and other bare words.
		if ci.mediaType == "text" {
			ci.mediaType = "text/plain"
		} else {
			ci.mediaType = "application/octet-stream"
		}
	}
	ci.charset = strings.ToLower(strings.Trim(strings.TrimSpace(ctParams["charset"]), `"'`))
	ci.boundary = ctParams["boundary"]
	name := cdParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	if name != "" {
		ci.filename, _ = decodeHeader(name)
	}
	return ci
}

// parseParams parses "type; k=v; ..." with mime.ParseMediaType, falling
// back to a lenient split when that fails. The type is lower-cased.
func parseParams(raw string) (string, map[string]string) {
	if !isASCIIString(raw) {
		raw = fallbackText([]byte(raw))
	}
	if t, params, err := mime.ParseMediaType(raw); err == nil {
		return t, params
	}
	return lenientParams(raw)
}

// lenientParams splits on ';' outside quotes; later duplicates are ignored.
func lenientParams(raw string) (string, map[string]string) {
	items := splitQuoted(raw, ';')
	t := strings.ToLower(strings.TrimSpace(items[0]))
	if i := strings.IndexAny(t, " \t,"); i >= 0 {
		t = t[:i]
	}
	params := make(map[string]string, len(items)-1)
	for _, it := range items[1:] {
		k, v, ok := strings.Cut(it, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		k = strings.TrimSuffix(k, "*")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' {
			v = strings.TrimSuffix(v[1:], `"`)
		}
		if _, dup := params[k]; !dup && k != "" {
			params[k] = v
		}
	}
	return t, params
}

func splitQuoted(s string, sep byte) []string {
	var out []string
	inQuote := false
	last := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			inQuote = !inQuote
		case sep:
			if !inQuote {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	if last <= len(s) {
		out = append(out, s[last:])
	}
	return out
}

// entity parses one MIME entity (the message or a part) with its fields and
// (still encoded) body. defType is the type assumed when none is declared.
func (p *parser) entity(fields []Field, body []byte, depth int, defType string) {
	if len(p.m.Parts) >= p.lim.MaxParts {
		p.flaw(FlawTooManyParts)
		return
	}
	if depth > p.lim.MaxDepth {
		p.flaw(FlawTooDeep)
		return
	}
	ci := readContentInfo(fields)
	if ci.mediaType == "" {
		ci.mediaType = defType
	}
	part := &Part{
		Index: len(p.m.Parts), Depth: depth, ContentType: ci.mediaType, Charset: ci.charset,
		Encoding: ci.encoding, Disposition: ci.disposition, Filename: ci.filename,
	}
	p.m.Parts = append(p.m.Parts, part)
	switch {
	case strings.HasPrefix(ci.mediaType, "multipart/"):
		p.multipart(part, ci, body, depth)
	case ci.mediaType == "message/rfc822" || ci.mediaType == "message/global":
		p.embedded(part, ci, body, depth)
	default:
		p.leaf(part, ci, body)
	}
}

// embedded parses a message/rfc822 part as a message of its own.
func (p *parser) embedded(part *Part, ci contentInfo, body []byte, depth int) {
	data := p.decodeTransfer(body, ci.encoding)
	part.Size = len(data)
	h := splitHeader(data, p.lim.HeaderBytes)
	p.headerFlaws(h, false, len(data))
	n := len(p.m.Parts)
	p.entity(h.fields, data[h.bodyStart:], depth+1, "text/plain")
	if len(p.m.Parts) > n {
		part.Children = 1
	}
}

// multipart splits body on the boundary and parses each part.
func (p *parser) multipart(part *Part, ci contentInfo, body []byte, depth int) {
	if ci.boundary == "" {
		p.flaw(FlawNoBoundary)
		ci.mediaType = "text/plain"
		p.leaf(part, ci, body)
		return
	}
	part.Multipart = true
	parts, found, closed := splitMultipart(body, ci.boundary, p.lim.MaxParts)
	if !found {
		p.flaw(FlawNoBoundary)
		ci.mediaType = "text/plain"
		part.Multipart = false
		p.leaf(part, ci, body)
		return
	}
	if !closed && !p.m.Truncated {
		p.flaw(FlawMissingEnd)
	}
	defType := "text/plain"
	if ci.mediaType == "multipart/digest" {
		defType = "message/rfc822"
	}
	for _, raw := range parts {
		h := splitHeader(raw, p.lim.HeaderBytes)
		p.headerFlaws(h, false, len(raw))
		n := len(p.m.Parts)
		p.entity(h.fields, raw[h.bodyStart:], depth+1, defType)
		if len(p.m.Parts) > n {
			part.Children++
		}
	}
}

// splitMultipart returns the parts of a multipart body. found reports that
// at least one delimiter line was seen, closed that the close delimiter was.
// At most maxParts+1 parts are returned.
func splitMultipart(body []byte, boundary string, maxParts int) (parts [][]byte, found, closed bool) {
	delim := []byte("--" + boundary)
	pos, cur := 0, -1
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		if i > 0 && body[i-1] != '\n' {
			pos = i + len(delim)
			continue
		}
		le := lineEnd(body, i)
		rest := trimEOL(body[i+len(delim) : le])
		isClose := bytes.HasPrefix(rest, []byte("--"))
		if !isClose && len(bytes.TrimSpace(rest)) != 0 {
			pos = i + len(delim) // a longer boundary that starts like ours
			continue
		}
		found = true
		if cur >= 0 {
			parts = append(parts, body[cur:max(cur, trimPrevEOL(body, i))])
		}
		if isClose || len(parts) > maxParts {
			return parts, found, isClose
		}
		cur, pos = le, le
	}
	if cur >= 0 {
		parts = append(parts, body[cur:])
	}
	return parts, found, false
}

// trimPrevEOL returns i moved back over the line break before it, which
// belongs to the delimiter (RFC 2046 section 5.1.1).
func trimPrevEOL(b []byte, i int) int {
	if i > 0 && b[i-1] == '\n' {
		i--
		if i > 0 && b[i-1] == '\r' {
			i--
		}
	}
	return i
}

// decodeTransfer undoes the Content-Transfer-Encoding of body.
func (p *parser) decodeTransfer(body []byte, enc string) []byte {
	var out []byte
	var bad bool
	switch enc {
	case "base64":
		out, bad = decodeBase64(body)
	case "quoted-printable":
		out, bad = decodeQP(body, false)
		if longLine(body, maxQPLine) {
			p.flaw(FlawQPLongLine)
		}
	default:
		return body
	}
	if bad && !p.m.Truncated {
		p.flaw(FlawBadEncoding)
	}
	return out
}

// leaf handles a part that is not a container: text or attachment.
func (p *parser) leaf(part *Part, ci contentInfo, body []byte) {
	data := p.decodeTransfer(body, ci.encoding)
	part.Size = len(data)
	part.Sniffed = sniff(data)
	isTextType := ci.mediaType == "text/plain" || ci.mediaType == "text/html"
	attached := ci.disposition == "attachment" && ci.filename != ""
	if strings.HasPrefix(ci.mediaType, "image/") {
		p.m.Images++
	}
	if !isTextType || attached {
		p.m.Attachments = append(p.m.Attachments, Attachment{
			Filename: ci.filename, Declared: ci.mediaType, Sniffed: part.Sniffed,
			Size: len(data), Part: part.Index,
		})
		return
	}
	part.IsText = true
	s, bad := toUTF8(data, ci.charset)
	if bad {
		p.flaw(FlawBadCharset)
	}
	if ci.mediaType == "text/html" {
		p.m.HasHTML = true
		p.addHTML(s)
		return
	}
	p.m.HasPlain = true
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	p.plain.add(s, "\n")
	p.text.add(s, "\n")
	p.textURIs(s)
}

// maxQPLine is the longest encoded line RFC 2045 allows quoted-printable
// (76 characters, without the line break). Mail software wraps its lines
// with soft breaks; bulk tools that write the encoding by hand often do not.
const maxQPLine = 76

// longLine reports whether b has a line longer than n bytes, not counting
// its CR LF or LF.
func longLine(b []byte, n int) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) > n {
			return true
		}
	}
	return false
}
