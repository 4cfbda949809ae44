package message

import (
	"strings"
	"testing"
	"time"
)

// crlf turns LF line ends into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestHeaderFields(t *testing.T) {
	for _, eol := range []string{"LF", "CRLF"} {
		t.Run(eol, func(t *testing.T) {
			raw := "Received: from a\n\tby b\nSubject:  Hello\n   world \nX-Empty:\n\nbody\n"
			if eol == "CRLF" {
				raw = crlf(raw)
			}
			m := Parse([]byte(raw), Limits{})
			want := []Field{
				{Name: "Received", Raw: "from a\tby b", Decoded: "from a\tby b"},
				{Name: "Subject", Raw: " Hello   world ", Decoded: "Hello   world"},
				{Name: "X-Empty", Raw: "", Decoded: ""},
			}
			if len(m.Header) != len(want) {
				t.Fatalf("got %d fields %+v, want %d", len(m.Header), m.Header, len(want))
			}
			for i := range want {
				if m.Header[i] != want[i] {
					t.Errorf("field %d = %+v, want %+v", i, m.Header[i], want[i])
				}
			}
			if m.Plain != "body\n" {
				t.Errorf("Plain = %q", m.Plain)
			}
			if len(m.Flaws) != 0 {
				t.Errorf("Flaws = %v, want none", m.Flaws)
			}
		})
	}
}

func TestHeaderFlaws(t *testing.T) {
	big := "X-Big: " + strings.Repeat("a", 3000) + "\n"
	tests := []struct {
		name string
		raw  string
		lim  Limits
		want []Flaw
		not  []Flaw
		subj string
	}{
		{name: "no colon line skipped", raw: "Subject: a\nbogus line\nTo: x@y.z\n\nb\n",
			want: []Flaw{FlawHeaderSyntax}, not: []Flaw{FlawNoBodySeparator}, subj: "a"},
		{name: "no separator", raw: "Subject: a\nthis is the body\nand more\n",
			want: []Flaw{FlawNoBodySeparator}, subj: "a"},
		{name: "headers only", raw: "Subject: a\n", want: []Flaw{FlawNoBodySeparator}, subj: "a"},
		{name: "too big", raw: "Subject: a\n" + big + big + "To: x@y.z\n\nb\n", lim: Limits{HeaderBytes: 4000},
			want: []Flaw{FlawHeaderTooBig}, subj: "a"},
		{name: "nul bytes", raw: "Subject: a\x00b\n\nbo\x00dy\n", want: []Flaw{FlawNULBytes}, subj: "a\x00b"},
		{name: "latin1 8bit", raw: "Subject: Gr\xfc\xdfe\n\nb\n", want: []Flaw{Flaw8BitHeader}, subj: "Grüße"},
		{name: "utf8 8bit", raw: "Subject: Grüße\n\nb\n", want: []Flaw{Flaw8BitHeader}, subj: "Grüße"},
		{name: "bad 2047", raw: "Subject: =?utf-8?x?abc?= ok\n\nb\n", want: []Flaw{FlawBad2047},
			subj: "=?utf-8?x?abc?= ok"},
		{name: "bad 2047 charset", raw: "Subject: =?x-nope?q?abc?=\n\nb\n", want: []Flaw{FlawBad2047},
			subj: "=?x-nope?q?abc?="},
		{name: "space before colon", raw: "Subject : a\n\nb\n", want: []Flaw{FlawHeaderSyntax}, subj: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte(tc.raw), tc.lim)
			for _, f := range tc.want {
				if !m.HasFlaw(f) {
					t.Errorf("missing flaw %s in %v", f, m.Flaws)
				}
			}
			for _, f := range tc.not {
				if m.HasFlaw(f) {
					t.Errorf("unexpected flaw %s", f)
				}
			}
			if m.Subject != tc.subj {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.subj)
			}
		})
	}
}

func TestHeaderTooBigKeepsBody(t *testing.T) {
	raw := "Subject: a\nX-Big: " + strings.Repeat("a", 5000) + "\nTo: x@y.z\n\nthe body\n"
	m := Parse([]byte(raw), Limits{HeaderBytes: 1000})
	if !m.HasFlaw(FlawHeaderTooBig) || m.Count("To") != 0 || m.Count("Subject") != 1 {
		t.Errorf("flaws %v, header %v", m.Flaws, m.Header)
	}
	if !strings.Contains(m.Text, "the body") {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestRFC2047(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"=?UTF-8?B?SGVsbG8g8J+Ygw==?=", "Hello 😃"},
		{"=?iso-8859-1?q?Gr=FC=DFe?= =?iso-8859-1?q?_und?= mehr", "Grüße und mehr"},
		{"Re: =?windows-1251?b?z/Do4uXy?=", "Re: Привет"},
		{"=?koi8-r?q?=F0=D2=C9=D7=C5=D4?=", "Привет"},
		{"=?utf-8*en?q?hi_there?=", "hi there"},
		{"a =?utf-8?q?b?=  =?utf-8?q?c?= d", "a bc d"},
		{"plain =? not a word", "plain =? not a word"},
	}
	for _, tc := range tests {
		got, bad := decodeHeader(tc.raw)
		if got != tc.want || bad {
			t.Errorf("decodeHeader(%q) = %q, %v; want %q", tc.raw, got, bad, tc.want)
		}
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		name, raw string
		want      []Address
	}{
		{"encoded name", "From: =?utf-8?q?J=C3=B6rg?= <joerg@Example.COM>",
			[]Address{{Name: "Jörg", Addr: "joerg@Example.COM", Domain: "example.com"}}},
		{"missing bracket", "From: Foo Bar <foo@Bar.com",
			[]Address{{Name: "Foo Bar", Addr: "foo@Bar.com", Domain: "bar.com"}}},
		{"comment name", "From: foo@bar.com (Foo)",
			[]Address{{Name: "Foo", Addr: "foo@bar.com", Domain: "bar.com"}}},
		{"unquoted dots", "From: J. R. Smith <jr@x.org>",
			[]Address{{Name: "J. R. Smith", Addr: "jr@x.org", Domain: "x.org"}}},
		{"semicolons", "To: a@x.org; \"B\" <b@y.org>",
			[]Address{{Addr: "a@x.org", Domain: "x.org"}, {Name: "B", Addr: "b@y.org", Domain: "y.org"}}},
		{"8bit name", "From: J\xf6rg <j@x.de>",
			[]Address{{Name: "Jörg", Addr: "j@x.de", Domain: "x.de"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte(tc.raw+"\n\nb\n"), Limits{})
			got := m.From
			if strings.HasPrefix(tc.raw, "To:") {
				got = m.To
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("address %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestWellKnownFields(t *testing.T) {
	raw := "From: a@x.org\nReply-To: r@y.org\nSender: s@z.org\nCc: c@w.org\nMessage-ID:  <id@x.org> \n\nb\n"
	m := Parse([]byte(raw), Limits{})
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Domain != "y.org" || len(m.Sender) != 1 ||
		m.Sender[0].Domain != "z.org" || len(m.Cc) != 1 || m.Cc[0].Addr != "c@w.org" {
		t.Errorf("addresses: %+v %+v %+v", m.ReplyTo, m.Sender, m.Cc)
	}
	if m.MsgID != "<id@x.org>" {
		t.Errorf("MsgID = %q", m.MsgID)
	}
	if v, ok := m.Get("message-id"); !ok || v != "<id@x.org>" {
		t.Errorf("Get = %q, %v", v, ok)
	}
}

func TestDate(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		raw  string
		want time.Time
		ok   bool
	}{
		{"Fri, 02 Aug 2002 23:37:59 +0100", utc(2002, 8, 2, 22, 37, 59), true},
		{"02 Aug 2002 23:37:59 +0100", utc(2002, 8, 2, 22, 37, 59), true},
		{"Fri, 2 Aug 02 23:37:59 -0000", utc(2002, 8, 2, 23, 37, 59), true},
		{"Thu, 20 Nov 1997 09:55:06 EST", utc(1997, 11, 20, 14, 55, 6), true},
		{"Tue, 6 Aug 2002 06:48:09 -0400 (EDT)", utc(2002, 8, 6, 10, 48, 9), true},
		{"Fri, 02 Aug 2002 23:37:59 0530", utc(2002, 8, 2, 18, 7, 59), true},
		{"2002/09/14 Sat 13:06:03 GMT", utc(2002, 9, 14, 13, 6, 3), true},
		{"Sat Sep 14 13:06:03 2002", utc(2002, 9, 14, 13, 6, 3), true},
		{"14-Sep-2002 13:06 PDT", utc(2002, 9, 14, 20, 6, 0), true},
		{"Friday, August 2, 2002 10:00:00 (GMT)", utc(2002, 8, 2, 10, 0, 0), true},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := parseDate(tc.raw)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tc.raw, got.UTC(), ok, tc.want, tc.ok)
		}
	}
	m := Parse([]byte("Date:  Fri, 2 Aug 02 23:37:59 -0000\n\nb\n"), Limits{})
	if !m.DateOK || m.DateRaw != "Fri, 2 Aug 02 23:37:59 -0000" || m.Date.Year() != 2002 {
		t.Errorf("Date %v %q %v", m.Date, m.DateRaw, m.DateOK)
	}
}

// TestRawKeepsExtraBlanks: only the one blank after the colon is removed
// from Raw, so that a Subject padded with blanks can be seen; Decoded is
// trimmed.
func TestRawKeepsExtraBlanks(t *testing.T) {
	tests := []struct{ line, raw, decoded string }{
		{"Subject: one blank", "one blank", "one blank"},
		{"Subject:no blank", "no blank", "no blank"},
		{"Subject:    four blanks", "   four blanks", "four blanks"},
		{"Subject:\tTab then text", "Tab then text", "Tab then text"},
		{"Subject: \t mixed", "\t mixed", "mixed"},
		{"Subject:  =?utf-8?q?caf=C3=A9?=", " =?utf-8?q?caf=C3=A9?=", "café"},
		{"Subject:   ", "  ", ""},
	}
	for _, tc := range tests {
		m := Parse([]byte(tc.line+"\n\nbody\n"), Limits{})
		if len(m.Header) != 1 || m.Header[0].Raw != tc.raw || m.Header[0].Decoded != tc.decoded {
			t.Errorf("%q: fields %+v, want Raw %q Decoded %q", tc.line, m.Header, tc.raw, tc.decoded)
			continue
		}
		if m.Subject != tc.decoded {
			t.Errorf("%q: Subject %q, want %q", tc.line, m.Subject, tc.decoded)
		}
	}
}

// TestRFC2047ISO2022JP: 7-bit charsets must be decoded even though their
// bytes are ASCII.
func TestRFC2047ISO2022JP(t *testing.T) {
	// "日本語" in ISO-2022-JP, base64 and Q encoded.
	for _, v := range []string{"=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=", "=?ISO-2022-JP?Q?=1B$BF|K\\8l=1B(B?="} {
		m := Parse([]byte("Subject: "+v+"\n\nx\n"), Limits{})
		if m.Subject != "日本語" || m.HasFlaw(FlawBad2047) {
			t.Errorf("%s: Subject %q, flaws %v", v, m.Subject, m.Flaws)
		}
	}
}
