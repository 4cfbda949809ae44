package message

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Colours are 0xRRGGBB; colorUnset means inherited, colorUnknown means the
// colour cannot be judged (a background image, a colour we cannot parse).
const (
	colorUnset   = -1
	colorUnknown = -2
	defaultFG    = 0x000000
	defaultBG    = 0xFFFFFF
	maxStack     = 256 // open elements tracked; deeper soup inherits the top
	maxAnchor    = 256 // bytes of anchor text kept per link
)

// elem is an open element and the rendering state it gives its content.
type elem struct {
	tag       atom.Atom
	name      string // for unknown tags (atom 0)
	none      bool   // display:none or the hidden attribute: cannot be undone
	invisible bool   // visibility:hidden (a child may say visible)
	tiny      bool   // font size too small to read (a child may reset it)
	fg, bg    int32
}

func (e *elem) hidden() bool {
	if e.none || e.invisible || e.tiny {
		return true
	}
	return e.bg != colorUnknown && e.fg != colorUnknown && colorsClose(e.fg, e.bg)
}

// htmlRender turns one HTML document into visible and hidden text while
// counting tags and collecting URIs.
type htmlRender struct {
	p        *parser
	z        *html.Tokenizer
	vis, hid textWriter
	comments textWriter
	stack    []elem
	rawTag   atom.Atom // inside script, style, title, ...: text is not shown
	inHead   bool
	anchor   int // index in p.m.URIs of the open <a>, -1 when none
	anchorTx textWriter
}

// addHTML renders the decoded HTML s into the message.
func (p *parser) addHTML(s string) {
	p.html.add(s, "\n")
	r := &htmlRender{p: p, z: html.NewTokenizer(strings.NewReader(s)), anchor: -1}
	r.stack = append(make([]elem, 0, 32), elem{fg: defaultFG, bg: defaultBG})
	r.vis.max, r.hid.max, r.comments.max, r.anchorTx.max = p.lim.MaxText, p.lim.MaxText, p.lim.MaxText, maxAnchor
	r.run()
	r.closeAnchor()
	vis := strings.TrimSpace(r.vis.String())
	p.htmlText.add(vis, "\n")
	p.text.add(vis, "\n")
	p.hidden.add(strings.TrimSpace(r.hid.String()), "\n")
	p.comments.add(strings.TrimSpace(r.comments.String()), "\n")
	p.textURIs(vis)
}

func (r *htmlRender) run() {
	for {
		switch r.z.Next() {
		case html.ErrorToken:
			if r.z.Err() != io.EOF {
				r.p.flaw(FlawBadHTML)
			}
			return
		case html.TextToken:
			r.text(r.z.Text())
		case html.StartTagToken:
			r.start(false)
		case html.SelfClosingTagToken:
			r.start(true)
		case html.EndTagToken:
			r.end()
		case html.CommentToken:
			r.comments.space()
			r.comments.text(r.z.Text())
			r.comments.space()
		}
	}
}

func (r *htmlRender) top() *elem { return &r.stack[len(r.stack)-1] }

func (r *htmlRender) text(t []byte) {
	if r.rawTag != 0 || r.inHead {
		return
	}
	if r.top().hidden() {
		r.hid.text(t)
		return
	}
	r.vis.text(t)
	if r.anchor >= 0 {
		r.anchorTx.text(t)
	}
}

// rawTags hold text that is never rendered.
func isRawTag(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Title, atom.Noscript, atom.Noembed, atom.Noframes,
		atom.Iframe, atom.Xmp, atom.Template, atom.Object:
		return true
	}
	return false
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Br, atom.Tr, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5,
		atom.H6, atom.Table, atom.Blockquote, atom.Pre, atom.Hr, atom.Ul, atom.Ol, atom.Dl, atom.Dt,
		atom.Dd, atom.Center, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Form,
		atom.Address, atom.Tbody, atom.Thead, atom.Tfoot, atom.Caption, atom.Body, atom.Html:
		return true
	}
	return false
}

// start handles a start tag: counts, URIs, and the element's rendering state.
func (r *htmlRender) start(selfClosing bool) {
	nameB, hasAttr := r.z.TagName()
	a := atom.Lookup(nameB)
	switch {
	case a == atom.Head:
		r.inHead = true
	case a == atom.Body || (r.inHead && !headOnly(a)):
		r.inHead = false
	}
	if isBlock(a) {
		r.vis.newline()
	} else if a == atom.Td || a == atom.Th {
		r.vis.space()
	}
	e := *r.top()
	e.tag = a
	if a == 0 {
		e.name = string(nameB)
	}
	if hasAttr {
		r.attrs(a, &e)
	}
	r.count(a)
	if isRawTag(a) && !selfClosing {
		r.rawTag = a
	}
	if selfClosing || isVoid(a) {
		return
	}
	if len(r.stack) < maxStack {
		r.stack = append(r.stack, e)
	} else {
		r.p.flaw(FlawBadHTML)
	}
}

func headOnly(a atom.Atom) bool {
	switch a {
	case atom.Title, atom.Meta, atom.Link, atom.Style, atom.Script, atom.Base, atom.Head, atom.Html:
		return true
	}
	return false
}

func (r *htmlRender) count(a atom.Atom) {
	m := r.p.m
	switch a {
	case atom.Img:
		m.Images++
	case atom.Form:
		m.Forms++
	case atom.Script:
		m.Scripts++
	}
}

// end handles an end tag: the element and any unclosed ones inside it are
// popped. An end tag without a matching open element is ignored.
func (r *htmlRender) end() {
	nameB, _ := r.z.TagName()
	a := atom.Lookup(nameB)
	if a == r.rawTag {
		r.rawTag = 0
	}
	switch a {
	case atom.Head:
		r.inHead = false
	case atom.A:
		r.closeAnchor()
	}
	if isBlock(a) {
		r.vis.newline()
	}
	r.hid.space()
	for i := len(r.stack) - 1; i > 0 && i >= len(r.stack)-64; i-- {
		e := &r.stack[i]
		if e.tag == a && (a != 0 || e.name == string(nameB)) {
			r.stack = r.stack[:i]
			return
		}
	}
}

// attrs reads the attributes of a start tag into e and records URIs.
func (r *htmlRender) attrs(a atom.Atom, e *elem) {
	var inputType, httpEquiv, content []byte
	for {
		k, v, more := r.z.TagAttr()
		switch string(k) {
		case "style":
			applyStyle(e, v)
		case "hidden":
			e.none = true
		case "color":
			if c := parseColor(v); a == atom.Font && c != colorUnset {
				e.fg = c
			}
		case "bgcolor":
			if c := parseColor(v); c != colorUnset {
				e.bg = c
			}
		case "size":
			if a == atom.Font && hugeFontSize(v) {
				r.p.m.HugeFonts++
			}
		case "border":
			if v = bytes.TrimSpace(v); len(v) > 0 && v[0] >= '3' && v[0] <= '9' {
				r.p.m.ThickBorders++
			}
		case "background":
			e.bg = colorUnknown
			r.p.addURI(string(v), URIFromSrc, "")
		case "href", "src", "action":
			r.link(a, string(k), v)
		case "type":
			inputType = v
		case "http-equiv":
			httpEquiv = v
		case "content":
			content = v
		}
		if !more {
			break
		}
	}
	switch {
	case a == atom.Input && bytes.EqualFold(bytes.TrimSpace(inputType), []byte("password")):
		r.p.m.PasswordInputs++
	case a == atom.Input && bytes.EqualFold(bytes.TrimSpace(inputType), []byte("image")):
		r.p.m.Images++
	case a == atom.Meta && bytes.EqualFold(bytes.TrimSpace(httpEquiv), []byte("refresh")):
		if u := refreshURL(string(content)); u != "" {
			r.p.addURI(u, URIFromRefresh, "")
		}
	}
}

// link records the URI of an href, src or action attribute on the tags
// that load or link it.
func (r *htmlRender) link(a atom.Atom, key string, v []byte) {
	switch key {
	case "href":
		if a == atom.A || a == atom.Area {
			r.href(a, v)
		}
	case "src":
		if a == atom.Img || a == atom.Iframe || a == atom.Script || a == atom.Frame ||
			a == atom.Embed || a == atom.Input {
			r.p.addURI(string(v), URIFromSrc, "")
		}
	case "action":
		if a == atom.Form {
			r.p.addURI(string(v), URIFromForm, "")
		}
	}
}

// refreshURL returns the URL of a refresh content value such as
// "0; url=http://example.com/" ("" when there is none). QUIRK: browsers
// accept the URL without "url=", with blanks around "=", and quoted.
func refreshURL(content string) string {
	_, rest, ok := strings.Cut(content, ";")
	if !ok {
		if i := strings.IndexByte(content, ','); i >= 0 {
			rest = content[i+1:]
		} else {
			return ""
		}
	}
	rest = strings.TrimSpace(rest)
	if hasPrefixFold(rest, "url") {
		if after := strings.TrimLeft(rest[3:], " \t"); strings.HasPrefix(after, "=") {
			rest = strings.TrimSpace(after[1:])
		}
	}
	if len(rest) > 0 && (rest[0] == '"' || rest[0] == '\'') {
		q := rest[0]
		rest = rest[1:]
		if i := strings.IndexByte(rest, q); i >= 0 {
			rest = rest[:i]
		}
	}
	return strings.TrimSpace(rest)
}

func (r *htmlRender) href(a atom.Atom, v []byte) {
	n := len(r.p.m.URIs)
	r.p.addURI(string(v), URIFromHref, "")
	if a != atom.A || len(r.p.m.URIs) == n {
		return
	}
	r.closeAnchor()
	r.anchor = n
	r.anchorTx.reset()
}

// closeAnchor stores the collected anchor text in the open link's URI.
func (r *htmlRender) closeAnchor() {
	if r.anchor < 0 {
		return
	}
	if r.anchor < len(r.p.m.URIs) {
		r.p.m.URIs[r.anchor].Text = strings.TrimSpace(r.anchorTx.String())
	}
	r.anchor = -1
}

// textWriter collects rendered text, collapsing white space as a browser
// does, within max bytes.
type textWriter struct {
	b       []byte
	max     int
	pending byte // ' ' or '\n' to write before the next text
}

func (w *textWriter) text(t []byte) {
	for _, c := range t {
		if len(w.b) >= w.max {
			return
		}
		switch c {
		case ' ', '\t', '\r', '\n', '\f':
			if w.pending == 0 && len(w.b) > 0 {
				w.pending = ' '
			}
			continue
		}
		if w.pending != 0 {
			w.b = append(w.b, w.pending)
			w.pending = 0
		}
		w.b = append(w.b, c)
	}
}

func (w *textWriter) newline() {
	if len(w.b) > 0 {
		w.pending = '\n'
	}
}

func (w *textWriter) space() {
	if len(w.b) > 0 && w.pending == 0 {
		w.pending = ' '
	}
}

func (w *textWriter) reset() { w.b, w.pending = w.b[:0], 0 }

// String returns the text; a rune cut by the bound is dropped.
func (w *textWriter) String() string {
	s := string(w.b)
	if len(w.b) < w.max {
		return s
	}
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
