// Package message parses a raw RFC 5322 message once into the normalised model
// that every rule reads: decoded headers, the MIME tree, decoded text, HTML
// rendered to visible text with hidden text kept apart, URIs and attachments.
//
// Parsing is lenient. Whatever can be read is returned; whatever was wrong is
// recorded as a Flaw, which the rule set turns into points. Parse never
// returns an error for bad input and never panics: broken mail is evidence,
// not a failure.
package message

import (
	"net/netip"
	"strings"
	"time"
)

// Limits bound the work done on one message. The zero value means defaults.
type Limits struct {
	ScanBytes   int // body bytes parsed for content (default 1 MiB)
	HeaderBytes int // header bytes kept (default 256 KiB)
	MaxDepth    int // MIME nesting depth (default 20)
	MaxParts    int // MIME parts (default 500)
	MaxURIs     int // URIs kept (default 1000)
	MaxText     int // decoded text bytes kept across all parts (default 2 MiB)
}

// Defaults for Limits.
const (
	DefaultScanBytes   = 1 << 20
	DefaultHeaderBytes = 256 << 10
	DefaultMaxDepth    = 20
	DefaultMaxParts    = 500
	DefaultMaxURIs     = 1000
	DefaultMaxText     = 2 << 20
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.ScanBytes, DefaultScanBytes)
	def(&l.HeaderBytes, DefaultHeaderBytes)
	def(&l.MaxDepth, DefaultMaxDepth)
	def(&l.MaxParts, DefaultMaxParts)
	def(&l.MaxURIs, DefaultMaxURIs)
	def(&l.MaxText, DefaultMaxText)
	return l
}

// Envelope is what the MTA told us about the SMTP transaction. The milter
// fills it; `mailsift check` fills what it can from the message itself.
type Envelope struct {
	QueueID    string
	ClientIP   netip.Addr // invalid when unknown
	ClientName string     // PTR name as the MTA saw it; "unknown" or "" when none
	Helo       string
	AuthUser   string // SMTP AUTH login name; "" when unauthenticated
	MailFrom   string // envelope sender without <>; "" for the null sender
	Rcpts      []string
	Received   time.Time // when the message arrived (now, for the milter)
	// HeaderCut says header fields beyond the header limit were dropped
	// before the message reached the parser (the milter keeps at most
	// limits.header_bytes): the message gets FlawHeaderTooBig.
	HeaderCut bool
}

// Field is one header field in message order.
type Field struct {
	Name    string // as written
	Raw     string // value as written, folded lines joined, without the one blank after the colon
	Decoded string // RFC 2047 decoded, UTF-8, unfolded, trimmed
}

// Address is one parsed mailbox.
type Address struct {
	Name   string // display name, decoded
	Addr   string // local@domain as written
	Domain string // lower-cased domain part, "" when none
}

// Part is one node of the MIME tree.
type Part struct {
	Index       int    // position in depth-first order, 0 = top level
	Depth       int    // 0 = top level
	ContentType string // lower-cased media type, "text/plain" when missing
	Charset     string // lower-cased declared charset
	Encoding    string // lower-cased Content-Transfer-Encoding
	Disposition string // lower-cased disposition type
	Filename    string // decoded file name, "" when none
	Size        int    // decoded size in bytes (of what was scanned)
	Sniffed     string // media type sniffed from the content (leaves only)
	IsText      bool   // text/plain or text/html leaf whose content went into the text
	Multipart   bool
	Children    int
}

// Attachment is a leaf part that is a file rather than message text.
type Attachment struct {
	Filename string // decoded name ("" when none was given)
	Declared string // declared media type
	Sniffed  string // media type sniffed from the first bytes
	Size     int
	Part     int // index into Message.Parts
}

// URISource says where a URI was found.
type URISource uint8

const (
	URIFromText    URISource = iota // bare URI in visible text
	URIFromHref                     // <a href> (or <area href>)
	URIFromSrc                      // src= of img, script, iframe
	URIFromForm                     // <form action>
	URIFromRefresh                  // <meta http-equiv=refresh content="0;url=...">
)

// URI is one link found in the message.
type URI struct {
	Raw      string    // as found (after entity decoding)
	Scheme   string    // lower-cased
	Host     string    // lower-cased, IDNA as written (xn-- kept)
	UserInfo string    // text before '@' in the authority, "" when none
	Source   URISource // where it was found
	Text     string    // for hrefs: the visible anchor text, trimmed
}

// Flaw names a defect found while parsing. Rules turn flaws into points.
type Flaw string

// Flaws the parser reports.
const (
	FlawHeaderSyntax    Flaw = "header_syntax"  // a header line without a colon, or a bad name
	FlawHeaderTooBig    Flaw = "header_too_big" // header section exceeded Limits.HeaderBytes
	FlawNoBodySeparator Flaw = "no_body_separator"
	FlawNULBytes        Flaw = "nul_bytes"
	FlawBadMIME         Flaw = "bad_mime"       // unparsable MIME structure
	FlawNoBoundary      Flaw = "no_boundary"    // multipart without a usable boundary
	FlawMissingEnd      Flaw = "missing_end"    // multipart closing boundary missing
	FlawBadEncoding     Flaw = "bad_encoding"   // base64/quoted-printable errors
	FlawBadCharset      Flaw = "bad_charset"    // unknown or undecodable charset
	FlawQPLongLine      Flaw = "qp_long_line"   // a quoted-printable line longer than RFC 2045's 76 characters
	FlawBad2047         Flaw = "bad_rfc2047"    // malformed encoded-word
	FlawTooDeep         Flaw = "too_deep"       // MIME depth limit reached
	FlawTooManyParts    Flaw = "too_many_parts" // MIME part limit reached
	FlawTruncated       Flaw = "truncated"      // body larger than Limits.ScanBytes: scored on the first part
	FlawTooManyURIs     Flaw = "too_many_uris"  // URI limit reached
	Flaw8BitHeader      Flaw = "8bit_header"    // raw 8-bit bytes in a header without encoding
	FlawBadHTML         Flaw = "bad_html"       // HTML that could not be tokenised cleanly
)

// Message is the parsed, normalised message. All fields are safe to read
// concurrently once Parse has returned.
type Message struct {
	Header []Field // every header field in order

	From    []Address // parsed From (usually one)
	To      []Address
	Cc      []Address
	ReplyTo []Address
	Sender  []Address
	Subject string    // decoded subject, "" when missing
	Date    time.Time // zero when missing or unparsable
	DateRaw string
	DateOK  bool   // Date present and parsed
	MsgID   string // Message-ID value as written, trimmed

	Parts       []*Part // the MIME tree in depth-first order; Parts[0] is the top level
	Attachments []Attachment

	// Text is the visible text of the message: every text/plain part and the
	// visible text of every text/html part, in order, separated by newlines.
	Text string
	// TextLower is Text lower-cased once (strings.ToLower) for fast matching.
	TextLower string
	// Plain is the text of the text/plain parts only.
	Plain string
	// HTMLText is the visible text rendered from the text/html parts only.
	HTMLText string
	// Hidden is text in HTML that styling hides from the reader:
	// display:none, the hidden attribute, visibility:hidden, opacity near
	// zero, zero or tiny fonts, text coloured like its background.
	Hidden string
	// Comments is the text of HTML comments (outside script and style),
	// which a reader never sees either; kept apart from Hidden because
	// templates fill comments with markers.
	Comments string
	// HTML is the raw (decoded) HTML of the text/html parts, for rules that
	// look at markup; bounded by Limits.MaxText.
	HTML string

	HasPlain       bool // at least one text/plain leaf
	HasHTML        bool // at least one text/html leaf
	Images         int  // <img> and <input type=image> tags in HTML plus image/* parts
	Forms          int  // <form> tags
	PasswordInputs int  // <input type=password>
	Scripts        int  // <script> tags
	HugeFonts      int  // <font size> of 5 to 7 or +3 and more
	ThickBorders   int  // border attributes of 3 or more (pixels)

	URIs []URI

	Flaws []Flaw // defects found, each at most once, in the order found

	Size       int  // raw message size in bytes as given to Parse
	HeaderSize int  // bytes of the header section
	BodySize   int  // bytes of the body section
	Truncated  bool // body larger than ScanBytes: only the first ScanBytes were parsed
}

// AddFlaw records f once.
func (m *Message) AddFlaw(f Flaw) {
	if !m.HasFlaw(f) {
		m.Flaws = append(m.Flaws, f)
	}
}

// HasFlaw reports whether f was recorded.
func (m *Message) HasFlaw(f Flaw) bool {
	for _, x := range m.Flaws {
		if x == f {
			return true
		}
	}
	return false
}

// Get returns the decoded value of the first field named name
// (case-insensitive), and whether it exists.
func (m *Message) Get(name string) (string, bool) {
	for i := range m.Header {
		if equalFold(m.Header[i].Name, name) {
			return m.Header[i].Decoded, true
		}
	}
	return "", false
}

// All returns every field named name (case-insensitive) in order.
func (m *Message) All(name string) []Field {
	var out []Field
	for i := range m.Header {
		if equalFold(m.Header[i].Name, name) {
			out = append(out, m.Header[i])
		}
	}
	return out
}

// Count returns how many fields are named name.
func (m *Message) Count(name string) int {
	n := 0
	for i := range m.Header {
		if equalFold(m.Header[i].Name, name) {
			n++
		}
	}
	return n
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca >= 'A' && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if cb >= 'A' && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// LowerHTML returns HTML lower-cased (computed on each call: few readers
// need it).
func (m *Message) LowerHTML() string { return strings.ToLower(m.HTML) }
