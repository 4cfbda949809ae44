package message

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLimits are small so that the fuzzer reaches every limit.
var fuzzLimits = Limits{ScanBytes: 64 << 10, HeaderBytes: 8 << 10, MaxDepth: 8, MaxParts: 50, MaxURIs: 50,
	MaxText: 16 << 10}

// FuzzParse checks that Parse never panics and that its output respects the
// limits, seeded with the nasty messages in testdata/*.eml.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkBounded(t, Parse(raw, fuzzLimits), fuzzLimits)
	})
}

// checkBounded asserts the invariants every parsed message must satisfy.
func checkBounded(t *testing.T, m *Message, lim Limits) {
	t.Helper()
	for name, s := range map[string]string{"Text": m.Text, "TextLower": m.TextLower, "Plain": m.Plain,
		"HTMLText": m.HTMLText, "Hidden": m.Hidden, "Comments": m.Comments, "HTML": m.HTML,
		"HTMLLower": m.LowerHTML()} {
		if len(s) > lim.MaxText {
			t.Errorf("len(%s) = %d > MaxText %d", name, len(s), lim.MaxText)
		}
	}
	for name, s := range map[string]string{"Text": m.Text, "Plain": m.Plain, "HTMLText": m.HTMLText,
		"Hidden": m.Hidden, "Comments": m.Comments, "Subject": m.Subject} {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", name, s)
		}
	}
	if len(m.URIs) > lim.MaxURIs {
		t.Errorf("%d URIs > MaxURIs %d", len(m.URIs), lim.MaxURIs)
	}
	if len(m.Parts) > lim.MaxParts || len(m.Parts) == 0 {
		t.Errorf("%d parts, MaxParts %d", len(m.Parts), lim.MaxParts)
	}
	for i, p := range m.Parts {
		if p.Index != i || p.Depth > lim.MaxDepth {
			t.Errorf("part %d: index %d depth %d", i, p.Index, p.Depth)
		}
	}
	for _, a := range m.Attachments {
		if a.Part < 0 || a.Part >= len(m.Parts) {
			t.Errorf("attachment part %d out of range", a.Part)
		}
	}
	if m.HeaderSize+m.BodySize != m.Size {
		t.Errorf("HeaderSize %d + BodySize %d != Size %d", m.HeaderSize, m.BodySize, m.Size)
	}
}

// TestSeeds parses the fuzz seeds with default and small limits.
func TestSeeds(t *testing.T) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(seeds) < 10 {
		t.Fatalf("seeds: %v, %v", seeds, err)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(s), func(t *testing.T) {
			checkBounded(t, Parse(b, fuzzLimits), fuzzLimits)
			checkBounded(t, Parse(b, Limits{}), Limits{}.WithDefaults())
		})
	}
}

// FuzzParseHop checks that ParseHop never panics, that what it returns was
// written in the field (lower-cased), and that a field without a "from"
// clause names no client.
func FuzzParseHop(f *testing.F) {
	for _, s := range []string{
		"from mail.example.com (mail.example.com [192.0.2.1]) by mx (Postfix); Mon, 1 Jan 2024 00:00:00 +0000",
		"from [10.0.0.1] (unknown [198.51.100.7]) by relay",
		"from rdns.example (HELO h.example) (192.0.2.6) by mx with SMTP",
		"from 192.0.2.7 (HELO localhost) by mx (192.0.2.99)",
		"from rdns.example (HELO [10.0.0.1]) by mx",
		"from rdns.example ([192.0.2.4] helo=h.example) by mx",
		"from h.example (h.example [IPv6:2001:db8::7]) by mx",
		"from x (", "from (HELO", "by mx.example.org (Postfix, from userid 0)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := ParseHop(v)
		low := strings.ToLower(v)
		if h.IP.Is4() && !strings.Contains(low, h.IP.String()) { // IPv6 may be written in another form
			t.Errorf("ParseHop(%q): address %s is not in the field", v, h.IP)
		}
		for _, s := range []string{h.Helo, h.RDNS} {
			if !strings.Contains(low, s) {
				t.Errorf("ParseHop(%q): name %q is not a lower-cased word of the field", v, s)
			}
		}
		body := low
		if i := strings.LastIndexByte(low, ';'); i >= 0 {
			body = low[:i]
		}
		if !strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "from ") && (h.Helo != "" || h.IP.IsValid()) {
			t.Errorf("ParseHop(%q) = %+v, want no client without a from clause", v, h)
		}
	})
}
