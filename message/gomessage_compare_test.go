package message

// A reproducible measurement, not a unit test: it parses every corpus
// message, the fuzz seeds and a few deliberately broken messages with
// github.com/emersion/go-message and with this package, and prints how much
// of each message each parser recovered. docs/parser.md records the result.
// Run it with
//
//	MAILSIFT_COMPARE_GOMESSAGE=1 go test -run TestCompareGoMessage -v ./message/

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	gm "github.com/emersion/go-message"
	gmcharset "github.com/emersion/go-message/charset"
	"golang.org/x/net/html"
)

// walkResult is what one parser recovered from one message.
type walkResult struct {
	fatal     error   // nothing could be read
	errs      []error // errors met partway; the walk went on where it could
	parts     int     // MIME entities found
	textParts int     // text/plain and text/html leaves decoded
	textBytes int     // decoded text bytes (raw HTML for text/html)
}

// gmParse reads raw the way the issue describes: message.Read, then
// MultipartReader over every multipart, reading each text part in full with
// the charset package installed. message/rfc822 parts are read as messages
// too, to match what Parse does. onText, when not nil, is given each
// decoded text part.
func gmParse(raw []byte, onText func(mediaType string, text []byte)) walkResult {
	var r walkResult
	e, err := gm.Read(bytes.NewReader(raw))
	if e == nil {
		r.fatal = err
		return r
	}
	if err != nil {
		r.errs = append(r.errs, err)
	}
	gmEntity(e, 0, onText, &r)
	return r
}

func gmEntity(e *gm.Entity, depth int, onText func(string, []byte), r *walkResult) {
	r.parts++
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if p == nil {
				r.errs = append(r.errs, err)
				return
			}
			if err != nil { // unknown charset or encoding: the part is still there
				r.errs = append(r.errs, err)
			}
			gmEntity(p, depth+1, onText, r)
		}
	}
	t, _, err := e.Header.ContentType()
	if err != nil {
		r.errs = append(r.errs, err)
	}
	switch t {
	case "message/rfc822":
		inner, err := gm.Read(e.Body)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		if inner != nil {
			gmEntity(inner, depth+1, onText, r)
		}
	case "text/plain", "text/html":
		b, err := io.ReadAll(e.Body)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		r.textParts++
		r.textBytes += len(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))
		if onText != nil {
			onText(t, b)
		}
	default:
		if _, err := io.Copy(io.Discard, e.Body); err != nil {
			r.errs = append(r.errs, err)
		}
	}
}

// tokenise runs the x/net/html tokenizer over HTML parts.
func tokenise(mediaType string, b []byte) {
	if mediaType == "text/html" {
		z := html.NewTokenizer(bytes.NewReader(b))
		for z.Next() != html.ErrorToken {
		}
	}
}

// hybridParse is Parse with go-message in place of our MIME reader: the
// same header, HTML and URI code, for a like-for-like time.
func hybridParse(raw []byte) *Message {
	p := &parser{lim: Limits{}.WithDefaults(), m: &Message{Size: len(raw)}}
	for _, b := range []*boundedBuilder{&p.text, &p.plain, &p.htmlText, &p.hidden, &p.comments, &p.html} {
		b.max = p.lim.MaxText
	}
	h := splitHeader(raw, p.lim.HeaderBytes)
	p.m.Header = h.fields
	p.decodeFields()
	gmParse(raw, func(mediaType string, b []byte) {
		s := string(b)
		if mediaType == "text/html" {
			p.m.HasHTML = true
			p.addHTML(s)
			return
		}
		p.m.HasPlain = true
		p.plain.add(s, "\n")
		p.text.add(s, "\n")
		p.textURIs(s)
	})
	p.finish()
	return p.m
}

// compareLimits lift the scan bounds so that the comparison is about
// leniency, not about Limits; depth and part bounds stay at their defaults.
var compareLimits = Limits{ScanBytes: 1 << 30, MaxText: 1 << 30}

// oursParse reads raw with Parse.
func oursParse(raw []byte) (walkResult, *Message) {
	m := Parse(raw, compareLimits)
	r := walkResult{parts: len(m.Parts)}
	for _, p := range m.Parts {
		if p.IsText {
			r.textParts++
		}
	}
	r.textBytes = len(m.Plain) + len(m.HTML)
	for _, f := range m.Flaws {
		r.errs = append(r.errs, errors.New(string(f)))
	}
	return r, m
}

// tally sums walkResults over a set of messages.
type tally struct {
	msgs, fatal, partial, withErr     int
	parts, textParts, textBytes       int
	lostParts, lostTextParts, lostTxt int // against the other parser, on this parser's failures
	errKinds                          map[string]int
	lossKinds                         map[string]int // text bytes lost, by the first error's label
}

func (t *tally) add(r, other walkResult, countLoss bool) {
	t.msgs++
	t.parts += r.parts
	t.textParts += r.textParts
	t.textBytes += r.textBytes
	if r.fatal != nil {
		t.fatal++
		t.kind(r.fatal)
	}
	if len(r.errs) > 0 {
		t.withErr++
		for _, e := range r.errs {
			t.kind(e)
		}
	}
	failed := r.fatal != nil || len(r.errs) > 0
	if failed && countLoss && (other.parts > r.parts || other.textParts > r.textParts || other.textBytes > r.textBytes) {
		t.partial++
		t.lostParts += max(other.parts-r.parts, 0)
		t.lostTextParts += max(other.textParts-r.textParts, 0)
		t.lostTxt += max(other.textBytes-r.textBytes, 0)
		first := r.fatal
		if first == nil {
			first = r.errs[0]
		}
		if t.lossKinds == nil {
			t.lossKinds = map[string]int{}
		}
		t.lossKinds[label(first)] += max(other.textBytes-r.textBytes, 0)
	}
}

// kind counts an error under its label.
func (t *tally) kind(err error) {
	if t.errKinds == nil {
		t.errKinds = map[string]int{}
	}
	t.errKinds[label(err)]++
}

// label is a short name for an error: quoted text and numbers cut.
func label(err error) string {
	s := err.Error()
	for _, cut := range []string{`"`, "(", ":  ", "0x", "at "} {
		if i := strings.Index(s, cut); i > 8 {
			s = s[:i]
		}
	}
	if i := strings.Index(s, "line:"); i > 0 {
		s = s[:i+5]
	}
	return strings.TrimSpace(s)
}

func (t *tally) String() string {
	var kinds []string
	for k, n := range t.errKinds {
		kinds = append(kinds, fmt.Sprintf("%6d  %s", n, k))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(kinds)))
	var losses []string
	for k, n := range t.lossKinds {
		losses = append(losses, fmt.Sprintf("lost %7d text bytes after: %s", n, k))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(losses)))
	kinds = append(kinds, losses...)
	return fmt.Sprintf("messages %d, read failed outright %d, with errors %d, lost content vs other %d "+
		"(parts %d, text parts %d, text bytes %d); parts %d, text parts %d, text bytes %d\n%s",
		t.msgs, t.fatal, t.withErr, t.partial, t.lostParts, t.lostTextParts, t.lostTxt,
		t.parts, t.textParts, t.textBytes, strings.Join(kinds, "\n"))
}

// compareInputs returns the corpus and the fuzz seeds.
func compareInputs(t *testing.T) (corpusMsgs, seeds [][]byte) {
	corpusMsgs = loadCorpus(t, "all")
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return corpusMsgs, seeds
}

// TestCompareGoMessage prints the comparison; it asserts nothing.
func TestCompareGoMessage(t *testing.T) {
	if os.Getenv("MAILSIFT_COMPARE_GOMESSAGE") == "" {
		t.Skip("set MAILSIFT_COMPARE_GOMESSAGE=1 to compare with go-message")
	}
	corpusMsgs, seeds := compareInputs(t)
	for _, set := range []struct {
		name string
		msgs [][]byte
	}{{"corpus", corpusMsgs}, {"seeds", seeds}} {
		var g, o tally
		var lossy []string
		for _, raw := range set.msgs {
			gr := gmParse(raw, nil)
			or, m := oursParse(raw)
			g.add(gr, or, true)
			o.add(or, gr, false)
			if (gr.fatal != nil || len(gr.errs) > 0) && gr.textBytes < or.textBytes-2 && len(lossy) < 25 {
				lossy = append(lossy, fmt.Sprintf("%q: go-message %d parts %d text bytes %v; ours %d parts %d "+
					"text bytes %v", cutUTF8(m.Subject, 40), gr.parts, gr.textBytes, gr.errs, or.parts,
					or.textBytes, m.Flaws))
			}
		}
		t.Logf("%s, where go-message recovered less text:\n  %s", set.name, strings.Join(lossy, "\n  "))
		t.Logf("%s, go-message: %s", set.name, &g)
		t.Logf("%s, ours (errors = flaws recorded): %s", set.name, &o)
	}
	compareTimes(t, corpusMsgs)
	compareBroken(t)
	compare2047(t, corpusMsgs)
	compareCharsets(t, corpusMsgs)
}

// compareTimes prints the best of three rounds per parser, per message.
func compareTimes(t *testing.T, msgs [][]byte) {
	best := func(f func([]byte)) time.Duration {
		var b time.Duration
		for round := 0; round < 3; round++ {
			start := time.Now()
			for _, raw := range msgs {
				f(raw)
			}
			if d := time.Since(start); b == 0 || d < b {
				b = d
			}
		}
		return b / time.Duration(len(msgs))
	}
	t.Logf("time per message over %d messages (best of 3): go-message walk %v, go-message walk + HTML "+
		"tokenise %v, go-message walk + our header, HTML and URI code %v, Parse %v",
		len(msgs),
		best(func(b []byte) { gmParse(b, nil) }),
		best(func(b []byte) { gmParse(b, tokenise) }),
		best(func(b []byte) { hybridParse(b) }),
		best(func(b []byte) { Parse(b, Limits{}) }))
}

// brokenMessages are small messages with one defect each.
func brokenMessages() []struct{ name, raw string } {
	hdr := "From: a@example.com\nTo: b@example.com\nSubject: t\nMIME-Version: 1.0\n"
	nested := hdr + "Content-Type: multipart/mixed; boundary=b0\n\n"
	for i := 0; i < 100; i++ {
		nested += fmt.Sprintf("--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i+1)
	}
	nested += "--b100\nContent-Type: text/plain\n\ndeep text\n"
	for i := 100; i >= 0; i-- {
		nested += fmt.Sprintf("--b%d--\n", i)
	}
	return []struct{ name, raw string }{
		{"missing closing boundary", hdr + "Content-Type: multipart/alternative; boundary=XX\n\n" +
			"--XX\nContent-Type: text/plain\n\nfirst part\n--XX\nContent-Type: text/html\n\n<p>second part</p>\n"},
		{"bad base64 then a good part", hdr + "Content-Type: multipart/mixed; boundary=XX\n\n" +
			"--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8g!!!d29ybGQ=\n" +
			"--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nZ29vZCBwYXJ0\n--XX--\n"},
		{"unknown charset", hdr + "Content-Type: text/plain; charset=x-no-such-charset\n\ncaf\xe9 cr\xe8me\n"},
		{"100-level nested multipart", nested},
		{"multipart without boundary", hdr + "Content-Type: multipart/mixed\n\nbuy now cheap pills\n"},
		{"garbage line in the header", "From: a@example.com\nthis is not a field\nSubject: t\n\nbody text\n"},
		{"part header with bad line", hdr + "Content-Type: multipart/mixed; boundary=XX\n\n" +
			"--XX\nContent-Type: text/plain\nnot a field\n\npart text\n--XX--\n"},
		{"bad Content-Type parameters", hdr + "Content-Type: multipart/mixed; boundary=XX; charset\n\n" +
			"--XX\nContent-Type: text/plain\n\npart text\n--XX--\n"},
	}
}

func compareBroken(t *testing.T) {
	for _, b := range brokenMessages() {
		gr := gmParse([]byte(b.raw), nil)
		or, m := oursParse([]byte(b.raw))
		t.Logf("broken %q:\n  go-message: fatal=%v errs=%v parts=%d text parts=%d text bytes=%d\n"+
			"  ours:       flaws=%v parts=%d text parts=%d text bytes=%d text=%q",
			b.name, gr.fatal, gr.errs, gr.parts, gr.textParts, gr.textBytes,
			m.Flaws, or.parts, or.textParts, or.textBytes, cutUTF8(m.Text, 60))
	}
}

// compare2047 decodes every corpus header value holding "=?" with
// mime.WordDecoder (go-message's charset reader) and with decodeHeader.
func compare2047(t *testing.T, msgs [][]byte) {
	wd := mime.WordDecoder{CharsetReader: gmcharset.Reader}
	var fields, same, gmErr, oursBad, differ int
	var examples []string
	for _, raw := range msgs {
		h := splitHeader(raw, DefaultHeaderBytes)
		for _, f := range h.fields {
			if !strings.Contains(f.Raw, "=?") {
				continue
			}
			fields++
			ours, bad := decodeHeader(f.Raw)
			if bad {
				oursBad++
			}
			theirs, err := wd.DecodeHeader(f.Raw)
			if err != nil {
				gmErr++
			}
			theirs = strings.TrimSpace(theirs)
			if theirs == ours {
				same++
				continue
			}
			differ++
			if len(examples) < 12 {
				examples = append(examples, fmt.Sprintf("%s: raw %q\n    ours %q\n    WordDecoder %q (err %v)",
					f.Name, cutUTF8(f.Raw, 90), cutUTF8(ours, 90), cutUTF8(theirs, 90), err))
			}
		}
	}
	t.Logf("RFC 2047: %d fields with \"=?\": same %d, differ %d; WordDecoder errors %d, ours flagged bad %d\n  %s",
		fields, same, differ, gmErr, oursBad, strings.Join(examples, "\n  "))
	for _, v := range []string{
		"=?x-unknown?Q?caf=E9?= and more text",
		"=?utf-8?B?Y2Fmw6k!!?= text",
		"Hello =?utf-8?Q?caf=C3=A9 without end",
		`"=?utf-8?Q?Caf=C3=A9?=" <a@example.com>`,
		"Price=?utf-8?Q?=E2=82=AC?=99",
		"=?utf-7?Q?+AKM-?=",
		"=?iso-8859-1?Q?Parhelia=99?=",
	} {
		ours, bad := decodeHeader(v)
		theirs, err := wd.DecodeHeader(v)
		t.Logf("RFC 2047 %q:\n    ours %q (flagged %v)\n    WordDecoder %q (err %v)", v, ours, bad, theirs, err)
	}
}

// compareCharsets checks every charset label declared on a corpus text part
// against lookupCharset and go-message's charset.Reader.
func compareCharsets(t *testing.T, msgs [][]byte) {
	labels := map[string]int{}
	for _, raw := range msgs {
		m := Parse(raw, Limits{})
		for _, p := range m.Parts {
			if p.IsText && p.Charset != "" {
				labels[p.Charset]++
			}
		}
	}
	var onlyOurs, onlyTheirs, neither []string
	for l, n := range labels {
		_, _, ok := lookupCharset(l)
		_, err := gmcharset.Reader(l, strings.NewReader(""))
		item := fmt.Sprintf("%s(%d)", l, n)
		switch {
		case ok && err != nil && l != "utf-8" && l != "us-ascii":
			onlyOurs = append(onlyOurs, item)
		case !ok && err == nil:
			onlyTheirs = append(onlyTheirs, item)
		case !ok && err != nil:
			neither = append(neither, item)
		}
	}
	sort.Strings(onlyOurs)
	sort.Strings(onlyTheirs)
	sort.Strings(neither)
	t.Logf("charset labels on text parts: %d distinct; known only to lookupCharset %v; only to charset.Reader %v; "+
		"to neither %v", len(labels), onlyOurs, onlyTheirs, neither)
}
