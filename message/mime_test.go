package message

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestCharsets(t *testing.T) {
	tests := []struct {
		name, charset, body, want string
		bad                       bool
	}{
		{"utf-8", "utf-8", "Grüße", "Grüße", false},
		{"none, utf-8 bytes", "", "Grüße", "Grüße", false},
		{"none, latin1 bytes", "", "Gr\xfc\xdfe", "Grüße", false},
		{"iso-8859-1", "iso-8859-1", "Gr\xfc\xdfe", "Grüße", false},
		{"quoted label", `"ISO-8859-15"`, "\xa4", "€", false},
		{"odd label", "iso8859_15", "\xa4", "€", false},
		{"windows-1251", "windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет", false},
		{"koi8-r", "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", false},
		{"shift_jis", "shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは", false},
		{"gb2312", "gb2312", "\xc4\xe3\xba\xc3", "你好", false},
		{"big5", "big5", "\xa7\x41\xa6\x6e", "你好", false},
		{"euc-kr", "euc-kr", "\xbe\xc8\xb3\xe7", "안녕", false},
		{"iso-2022-jp", "iso-2022-jp", "\x1b$BF|K\\8l\x1b(B", "日本語", false},
		{"iso-2022-jp, plain ASCII", "iso-2022-jp", "Hello", "Hello", false},
		{"iso-2022-kr has no decoder", "iso-2022-kr", "Hello", "Hello", false},
		{"chinesebig5", "chinesebig5", "\xa7\x41\xa6\x6e", "你好", false},
		{"gb2312_charset", "gb2312_charset", "\xc4\xe3\xba\xc3", "你好", false},
		{"unknown, utf-8 bytes", "x-made-up", "Grüße", "Grüße", true},
		{"unknown, latin1 bytes", "x-made-up", "Gr\xfc\xdfe", "Grüße", true},
		{"utf-8 declared, latin1 bytes", "utf-8", "Gr\xfc\xdfe", "Grüße", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := "text/plain"
			if tc.charset != "" {
				ct += "; charset=" + tc.charset
			}
			m := Parse([]byte("Content-Type: "+ct+"\n\n"+tc.body), Limits{})
			if m.Text != tc.want {
				t.Errorf("Text = %q, want %q", m.Text, tc.want)
			}
			if m.HasFlaw(FlawBadCharset) != tc.bad {
				t.Errorf("bad charset flaw = %v, want %v", !tc.bad, tc.bad)
			}
		})
	}
}

func TestTransferEncodings(t *testing.T) {
	tests := []struct {
		name, cte, body, want string
		bad                   bool
	}{
		{"qp", "quoted-printable", "caf=C3=A9 =\nsoft=3D\n", "café soft=\n", false},
		{"qp lower hex", "Quoted-Printable", "caf=c3=a9", "café", false},
		{"qp bad", "quoted-printable", "100=% sure=ZZ", "100=% sure=ZZ", true},
		{"qp blanks after soft break", "quoted-printable", "a= \nb", "ab", false},
		{"base64", "base64", "SGVsbG8g\nd29ybGQ=\n", "Hello world", false},
		{"base64 crlf", "BASE64", "SGVs\r\nbG8=\r\n", "Hello", false},
		{"base64 bad", "base64", "SGVs*bG8g!d29y", "Hello wor", true},
		{"base64 bad before padding", "base64", "aGVsbG8g!!!d29ybGQ=", "hello world", true},
		{"base64 bad before double padding", "base64", "SGV*sbG8=\n", "Hello", true},
		{"base64 one char before padding", "base64", "SGVsb=\n", "Hel", true},
		{"base64 stray padding at the end", "base64", "SGVsbG8=\n==\n", "Hello", false},
		{"base64 chunks glued after padding", "base64", "SGk=\nSGk=\n", "HiHi", true},
		{"7bit", "7bit", "plain", "plain", false},
		{"unknown", "x-gzip64", "as is", "as is", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: " + tc.cte + "\n\n" + tc.body
			m := Parse([]byte(raw), Limits{})
			if m.Text != tc.want {
				t.Errorf("Text = %q, want %q", m.Text, tc.want)
			}
			if m.HasFlaw(FlawBadEncoding) != tc.bad {
				t.Errorf("bad encoding flaw = %v, want %v", !tc.bad, tc.bad)
			}
		})
	}
}

const nested = `From: a@x.org
Subject: nested
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: multipart/alternative; boundary="outer-inner"

--outer-inner
Content-Type: text/plain

plain text
--outer-inner
Content-Type: text/html

<p>html text</p>
--outer-inner--
--outer
Content-Type: message/rfc822

Subject: inner
Content-Type: text/plain

embedded text
--outer
Content-Type: application/octet-stream; name="a.bin"
Content-Transfer-Encoding: base64

AAEC
--outer--
epilogue
`

func TestNestedMultipart(t *testing.T) {
	for _, eol := range []string{"LF", "CRLF"} {
		raw := nested
		if eol == "CRLF" {
			raw = crlf(raw)
		}
		m := Parse([]byte(raw), Limits{})
		type row struct {
			ct       string
			depth    int
			children int
			text     bool
		}
		want := []row{
			{"multipart/mixed", 0, 3, false}, {"multipart/alternative", 1, 2, false},
			{"text/plain", 2, 0, true}, {"text/html", 2, 0, true},
			{"message/rfc822", 1, 1, false}, {"text/plain", 2, 0, true},
			{"application/octet-stream", 1, 0, false},
		}
		if len(m.Parts) != len(want) {
			t.Fatalf("%s: %d parts, want %d", eol, len(m.Parts), len(want))
		}
		for i, w := range want {
			p := m.Parts[i]
			got := row{p.ContentType, p.Depth, p.Children, p.IsText}
			if got != w || p.Index != i {
				t.Errorf("%s: part %d = %+v, want %+v", eol, i, got, w)
			}
		}
		if m.Text != "plain text\nhtml text\nembedded text" {
			t.Errorf("%s: Text = %q", eol, m.Text)
		}
		if m.Subject != "nested" || len(m.Flaws) != 0 {
			t.Errorf("%s: Subject %q, flaws %v", eol, m.Subject, m.Flaws)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Filename != "a.bin" || m.Attachments[0].Size != 3 ||
			m.Attachments[0].Part != 6 {
			t.Errorf("%s: attachments %+v", eol, m.Attachments)
		}
	}
}

func TestBrokenMIME(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		lim   Limits
		flaws []Flaw
		text  string
	}{
		{"no boundary param", "Content-Type: multipart/mixed\n\nbody text\n",
			Limits{}, []Flaw{FlawNoBoundary}, "body text\n"},
		{"boundary never seen", "Content-Type: multipart/mixed; boundary=zz\n\nbody text\n",
			Limits{}, []Flaw{FlawNoBoundary}, "body text\n"},
		{"missing end", "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n\none\n--zz\n\ntwo\n",
			Limits{}, []Flaw{FlawMissingEnd}, "one\ntwo\n"},
		{"broken part keeps the rest",
			"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain; charset=\"x\n" +
				"Content-Transfer-Encoding: base64\n\n!!!\n--zz\n\nstill here\n--zz--\n",
			Limits{}, []Flaw{FlawBadEncoding}, "still here"},
		{"part without header section", "Content-Type: multipart/mixed; boundary=zz\n\n--zz\ntext at once\n--zz--\n",
			Limits{}, []Flaw{FlawBadMIME}, "text at once"},
		{"too deep", deepMessage(5), Limits{MaxDepth: 3}, []Flaw{FlawTooDeep}, ""},
		{"too many parts", manyParts(10), Limits{MaxParts: 4}, []Flaw{FlawTooManyParts}, "p0\np1\np2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte(tc.raw), tc.lim)
			for _, f := range tc.flaws {
				if !m.HasFlaw(f) {
					t.Errorf("missing flaw %s in %v", f, m.Flaws)
				}
			}
			if m.Text != tc.text {
				t.Errorf("Text = %q, want %q", m.Text, tc.text)
			}
		})
	}
}

func TestLimitsBoundParts(t *testing.T) {
	m := Parse([]byte(deepMessage(50)), Limits{MaxDepth: 10})
	if len(m.Parts) != 11 || m.Parts[10].Depth != 10 {
		t.Errorf("%d parts", len(m.Parts))
	}
	m = Parse([]byte(manyParts(100)), Limits{MaxParts: 20})
	if len(m.Parts) != 20 {
		t.Errorf("%d parts, want 20", len(m.Parts))
	}
}

// deepMessage nests n multiparts.
func deepMessage(n int) string {
	var b strings.Builder
	b.WriteString("Subject: deep\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\ndeepest\n")
	return b.String()
}

// manyParts has n text parts.
func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=zz\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--zz\n\np%d\n", i)
	}
	b.WriteString("--zz--\n")
	return b.String()
}

func TestTruncation(t *testing.T) {
	body := strings.Repeat("0123456789\n", 100)
	m := Parse([]byte("Subject: big\n\n"+body), Limits{ScanBytes: 105})
	if !m.Truncated || !m.HasFlaw(FlawTruncated) || len(m.Text) != 105 || m.BodySize != len(body) {
		t.Errorf("truncated %v flaws %v text %d body %d", m.Truncated, m.Flaws, len(m.Text), m.BodySize)
	}
	// A multipart cut short loses its closing delimiter: that is truncation, not a flaw.
	m = Parse([]byte(manyParts(50)), Limits{ScanBytes: 60})
	if m.HasFlaw(FlawMissingEnd) || !m.HasFlaw(FlawTruncated) {
		t.Errorf("flaws %v", m.Flaws)
	}
	m = Parse([]byte("Subject: s\n\n"+strings.Repeat("é", 100)), Limits{MaxText: 51})
	if len(m.Text) != 50 || len(m.TextLower) != 50 {
		t.Errorf("MaxText: len %d", len(m.Text))
	}
}

func TestAttachments(t *testing.T) {
	exe := base64.StdEncoding.EncodeToString(append([]byte("MZ\x90\x00"), make([]byte, 100)...))
	raw := `Content-Type: multipart/mixed; boundary=zz

--zz
Content-Type: text/plain

see attached
--zz
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="=?utf-8?q?invoice.pdf?="
Content-Transfer-Encoding: base64

` + exe + `
--zz
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

not message text
--zz
Content-Type: image/gif
Content-Transfer-Encoding: base64

R0lGODlhAQABAAAAACw=
--zz
Content-Type: text/html
Content-Disposition: attachment; filename=x.html

<html><body>hi</body></html>
--zz--
`
	m := Parse([]byte(raw), Limits{})
	want := []Attachment{
		{Filename: "invoice.pdf", Declared: "application/pdf", Sniffed: "application/x-msdownload", Size: 104, Part: 2},
		{Filename: "notes.txt", Declared: "text/plain", Sniffed: "text/plain", Size: 16, Part: 3},
		{Filename: "", Declared: "image/gif", Sniffed: "image/gif", Size: 14, Part: 4},
		{Filename: "x.html", Declared: "text/html", Sniffed: "text/html", Size: 28, Part: 5},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	for i := range want {
		if m.Attachments[i] != want[i] {
			t.Errorf("attachment %d = %+v, want %+v", i, m.Attachments[i], want[i])
		}
	}
	if m.Text != "see attached" || m.Images != 1 || m.HasHTML {
		t.Errorf("Text %q Images %d HasHTML %v", m.Text, m.Images, m.HasHTML)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct{ data, want string }{
		{"MZ\x90\x00", "application/x-msdownload"},
		{"\x7fELF\x02", "application/x-elf"},
		{"PK\x03\x04rest", "application/zip"},
		{"%PDF-1.4", "application/pdf"},
		{"<?xml version=\"1.0\"?>\n<svg xmlns=\"x\">", "image/svg+xml"},
		{"  <HTML><body>", "text/html"},
		{"\x89PNG\r\n\x1a\n", "image/png"},
		{"just text", "text/plain"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := sniff([]byte(tc.data)); got != tc.want {
			t.Errorf("sniff(%q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}

func TestQPLongLine(t *testing.T) {
	long := strings.Repeat("x", 77)
	tests := []struct {
		name, cte, body string
		want            bool
	}{
		{"76 characters", "quoted-printable", strings.Repeat("x", 76) + "\r\nshort\n", false},
		{"77 characters", "quoted-printable", "short\n" + long + "\n", true},
		{"soft breaks", "quoted-printable", strings.Repeat("x", 75) + "=\n" + strings.Repeat("x", 75) + "=\nend", false},
		{"long line not encoded", "7bit", long, false},
		{"long last line without break", "quoted-printable", long, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: " + tc.cte + "\n\n" + tc.body
			if got := Parse([]byte(raw), Limits{}).HasFlaw(FlawQPLongLine); got != tc.want {
				t.Errorf("qp_long_line = %v, want %v", got, tc.want)
			}
		})
	}
}
