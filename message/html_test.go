package message

import (
	"fmt"
	"strings"
	"testing"
)

func htmlMessage(body string) []byte {
	return []byte("Subject: h\nContent-Type: text/html; charset=utf-8\n\n" + body)
}

func TestHTMLVisibleText(t *testing.T) {
	src := `<html><head><title>Title</title><style>p { color: red }</style>
<script>var x = "<b>no</b>";</script></head>
<body><h1>Head&amp;line</h1><p>First   para&nbsp;here</p><div>Second<br>line</div>
<table><tr><td>a</td><td>b</td></tr></table><noscript>ns</noscript>caf&eacute;</body></html>`
	m := Parse(htmlMessage(src), Limits{})
	want := "Head&line\nFirst para\u00a0here\nSecond\nline\na b\ncafé"
	if m.HTMLText != want || m.Text != want {
		t.Errorf("HTMLText = %q\nwant       %q", m.HTMLText, want)
	}
	if !m.HasHTML || m.HasPlain || m.Plain != "" || m.Scripts != 1 {
		t.Errorf("HasHTML %v HasPlain %v Scripts %d", m.HasHTML, m.HasPlain, m.Scripts)
	}
	if m.HTML != src || m.LowerHTML() != strings.ToLower(src) {
		t.Errorf("HTML not kept")
	}
}

func TestHTMLUnclosedHead(t *testing.T) {
	m := Parse(htmlMessage(`<head><title>t</title><p>visible text`), Limits{})
	if m.Text != "visible text" {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestHiddenText(t *testing.T) {
	tests := []struct {
		name, html string
		hidden     bool
	}{
		{"display none", `<div style="display: none">X</div>`, true},
		{"display none important", `<div style="DISPLAY:none !important">X</div>`, true},
		{"nested in display none", `<div style="display:none"><p style="display:block">X</p></div>`, true},
		{"visibility hidden", `<span style="visibility:hidden">X</span>`, true},
		{"visibility reset", `<div style="visibility:hidden"><span style="visibility:visible">X</span></div>`, false},
		{"font size 0", `<span style="font-size:0">X</span>`, true},
		{"font size 1px", `<span style="font-size: 1px">X</span>`, true},
		{"font size 0.1em", `<span style="font-size:0.1em">X</span>`, true},
		{"font size 12px", `<span style="font-size:12px">X</span>`, false},
		{"font size reset", `<div style="font-size:0"><span style="font-size:14px">X</span></div>`, false},
		{"font size=1 is small, not hidden", `<font size="1">X</font>`, false},
		{"white on default white", `<font color="#FFFFFF">X</font>`, true},
		{"white style on white", `<span style="color: white">X</span>`, true},
		{"near white", `<span style="color:#fefefe">X</span>`, true},
		{"white on black", `<table bgcolor="#000000"><tr><td><font color="#ffffff">X</font></td></tr></table>`, false},
		{"same colour as bgcolor", `<td bgcolor="red"><font color="#ff0000">X</font></td>`, true},
		{"same as background-color", `<div style="background-color:#123456"><p style="color:#123456">X</p></div>`, true},
		{"rgb colours", `<div style="background:rgb(0,0,0)"><p style="color:rgb(0, 0, 0)">X</p></div>`, true},
		{"background image", `<td background="a.jpg"><font color="white">X</font></td>`, false},
		{"bgcolor without hash", `<body bgcolor="000000"><font color="#000">X</font></body>`, true},
		{"hidden attribute", `<div hidden>X</div>`, true},
		{"opacity 0", `<span style="opacity:0">X</span>`, true},
		{"plain", `<p>X</p>`, false},
		{"after hidden closes", `<div style="display:none">secret</div>X`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse(htmlMessage("<html><body>"+tc.html+"</body></html>"), Limits{})
			inHidden := strings.Contains(m.Hidden, "X")
			inText := strings.Contains(m.Text, "X")
			if inHidden != tc.hidden || inText == tc.hidden {
				t.Errorf("Hidden %q Text %q, want hidden=%v", m.Hidden, m.Text, tc.hidden)
			}
		})
	}
}

func TestHTMLCounts(t *testing.T) {
	src := `<img src="a.png"><IMG SRC="cid:x"><form action="https://Evil.example/post">
<input type="password" name=p><input type="PASSWORD"><input type=text></form>
<script src="//cdn.example/x.js"></script><script>1</script>`
	raw := "Content-Type: multipart/related; boundary=b\n\n--b\nContent-Type: text/html\n\n" + src +
		"\n--b\nContent-Type: image/png\nContent-ID: <x>\n\n\x89PNG\n--b--\n"
	m := Parse([]byte(raw), Limits{})
	if m.Images != 3 || m.Forms != 1 || m.PasswordInputs != 2 || m.Scripts != 2 {
		t.Errorf("Images %d Forms %d PasswordInputs %d Scripts %d", m.Images, m.Forms, m.PasswordInputs, m.Scripts)
	}
}

func TestURIs(t *testing.T) {
	src := `<a href="http://bank.example@evil.example/login">Your <b>Bank</b></a>
<a href="HTTPS://WWW.Example.COM:8443/a?b=1&amp;c=2">https://www.example.com/</a>
<area href="http://area.example/">
<img src="http://img.example/p.gif"><iframe src="//frame.example/f"></iframe>
<form action="http://form.example/x"></form>
<a href="mailto:joe@example.com">mail</a><img src="cid:part1"><img src="data:image/png;base64,AAAA">
<a href="http:\\backslash.example\x">b</a><a href="http://xn--bcher-kva.example/">punycode</a>
<a href="http://[2001:db8::1]:80/">v6</a><a href="#top">top</a>
<p>Visit www.bare.example/path. Or (http://paren.example/x).</p>`
	m := Parse(htmlMessage(src), Limits{})
	want := []URI{
		{Raw: "http://bank.example@evil.example/login", Scheme: "http", Host: "evil.example",
			UserInfo: "bank.example", Source: URIFromHref, Text: "Your Bank"},
		{Raw: "HTTPS://WWW.Example.COM:8443/a?b=1&c=2", Scheme: "https", Host: "www.example.com",
			Source: URIFromHref, Text: "https://www.example.com/"},
		{Raw: "http://area.example/", Scheme: "http", Host: "area.example", Source: URIFromHref},
		{Raw: "http://img.example/p.gif", Scheme: "http", Host: "img.example", Source: URIFromSrc},
		{Raw: "//frame.example/f", Host: "frame.example", Source: URIFromSrc},
		{Raw: "http://form.example/x", Scheme: "http", Host: "form.example", Source: URIFromForm},
		{Raw: "mailto:joe@example.com", Scheme: "mailto", Source: URIFromHref, Text: "mail"},
		{Raw: "cid:part1", Scheme: "cid", Source: URIFromSrc},
		{Raw: "data:image/png;base64,AAAA", Scheme: "data", Source: URIFromSrc},
		{Raw: `http:\\backslash.example\x`, Scheme: "http", Host: "backslash.example", Source: URIFromHref, Text: "b"},
		{Raw: "http://xn--bcher-kva.example/", Scheme: "http", Host: "xn--bcher-kva.example", Source: URIFromHref,
			Text: "punycode"},
		{Raw: "http://[2001:db8::1]:80/", Scheme: "http", Host: "2001:db8::1", Source: URIFromHref, Text: "v6"},
		{Raw: "#top", Source: URIFromHref, Text: "top"},
		{Raw: "https://www.example.com/", Scheme: "https", Host: "www.example.com", Source: URIFromText},
		{Raw: "www.bare.example/path", Scheme: "http", Host: "www.bare.example", Source: URIFromText},
		{Raw: "http://paren.example/x", Scheme: "http", Host: "paren.example", Source: URIFromText},
	}
	if len(m.URIs) != len(want) {
		for _, u := range m.URIs {
			t.Logf("%+v", u)
		}
		t.Fatalf("%d URIs, want %d", len(m.URIs), len(want))
	}
	for i := range want {
		if m.URIs[i] != want[i] {
			t.Errorf("URI %d = %+v\nwant    %+v", i, m.URIs[i], want[i])
		}
	}
}

func TestPlainURIs(t *testing.T) {
	m := Parse([]byte("Subject: s\n\nGo to HTTP://Evil.Example/a, then http://evil.example/a again.\n"+
		"user@www.example.com is mail; awww.no is not a link.\n"), Limits{})
	if len(m.URIs) != 2 || m.URIs[0].Host != "evil.example" || m.URIs[0].Raw != "HTTP://Evil.Example/a" ||
		m.URIs[1].Raw != "http://evil.example/a" {
		t.Errorf("URIs %+v", m.URIs)
	}
}

func TestMaxURIs(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "<a href=\"http://h%d.example/\">x</a> http://t%d.example/\n", i, i)
	}
	m := Parse(htmlMessage(b.String()), Limits{MaxURIs: 10})
	if len(m.URIs) != 10 || !m.HasFlaw(FlawTooManyURIs) {
		t.Errorf("%d URIs, flaws %v", len(m.URIs), m.Flaws)
	}
}

// TestComments: comment text goes to Comments, not to Hidden or Text.
func TestComments(t *testing.T) {
	m := Parse(htmlMessage(`<html><body><!-- template marker --><p>Hi</p>`+
		`<div style="display:none">styled away</div><!--second--></body></html>`), Limits{})
	if m.Comments != "template marker second" {
		t.Errorf("Comments = %q", m.Comments)
	}
	if m.Hidden != "styled away" {
		t.Errorf("Hidden = %q, want only the styled text", m.Hidden)
	}
	if strings.Contains(m.Text, "marker") {
		t.Errorf("Text = %q holds comment text", m.Text)
	}
}

// TestMetaRefreshAndImages: refresh URLs are links; <input type=image>
// counts as an image; alt text is neither visible nor hidden text.
func TestMetaRefreshAndImages(t *testing.T) {
	src := `<html><head><meta http-equiv="Refresh" content="0; URL='https://Redirect.example/go'">` +
		`<meta http-equiv=refresh content="5"><meta name=x content="0;url=http://not.example/">` +
		`</head><body><img src="a.png" alt="ALT WORDS"><input type="IMAGE" src="b.png">` +
		`<input type=text></body></html>`
	m := Parse(htmlMessage(src), Limits{})
	if m.Images != 2 {
		t.Errorf("Images = %d, want 2", m.Images)
	}
	var refresh []URI
	for _, u := range m.URIs {
		if u.Source == URIFromRefresh {
			refresh = append(refresh, u)
		}
	}
	if len(refresh) != 1 || refresh[0].Raw != "https://Redirect.example/go" || refresh[0].Host != "redirect.example" {
		t.Errorf("refresh URIs %+v", refresh)
	}
	if strings.Contains(m.Text+m.Hidden+m.Comments, "ALT") {
		t.Errorf("alt text kept: Text %q Hidden %q", m.Text, m.Hidden)
	}
}

func TestRefreshURL(t *testing.T) {
	for content, want := range map[string]string{
		"0;url=http://a.example/":        "http://a.example/",
		"0; URL = 'http://a.example/x' ": "http://a.example/x",
		`1;url="http://a.example/"`:      "http://a.example/",
		"0, http://a.example/":           "http://a.example/",
		"0; http://a.example/":           "http://a.example/",
		"30":                             "",
	} {
		if got := refreshURL(content); got != want {
			t.Errorf("refreshURL(%q) = %q, want %q", content, got, want)
		}
	}
}

// TestBareURLEnds: a bare URL in text ends at the host when text runs on
// without a blank.
func TestBareURLEnds(t *testing.T) {
	tests := []struct{ text, raw, host string }{
		{"see www.ukdirectory.com\u00a0uk today", "www.ukdirectory.com", "www.ukdirectory.com"},
		{"请访问www.aacsb.edu.去查询。", "www.aacsb.edu", "www.aacsb.edu"},
		{"网址：http://www.example.cn，谢谢", "http://www.example.cn", "www.example.cn"},
		{"at www.example.com/path。次", "www.example.com/path", "www.example.com"},
		{"(www.example.org), then", "www.example.org", "www.example.org"},
		{"www.example.com,uk", "www.example.com", "www.example.com"},
		{"go to https://www.bücher.de/x.", "https://www.bücher.de/x", "www.bücher.de"},
		{"http://user:pw@host.example:8080/a?b=c#d", "http://user:pw@host.example:8080/a?b=c#d", "host.example"},
		{"http://例子.测试/页 more", "http://例子.测试/页", "例子.测试"},
		{"www.example.com\u2003next", "www.example.com", "www.example.com"},
	}
	for _, tc := range tests {
		m := Parse([]byte("Content-Type: text/plain; charset=utf-8\n\n"+tc.text+"\n"), Limits{})
		if len(m.URIs) != 1 || m.URIs[0].Raw != tc.raw || m.URIs[0].Host != tc.host {
			t.Errorf("%q: URIs %+v, want Raw %q Host %q", tc.text, m.URIs, tc.raw, tc.host)
		}
	}
}

func TestHTMLFlyerStyling(t *testing.T) {
	tests := []struct {
		name         string
		html         string
		fonts, thick int
	}{
		{"huge and relative fonts", `<FONT SIZE="+4">A</FONT><font size=6>B</font><font size="+2">c</font><font size=4>d</font>`, 2, 0},
		{"size on another tag", `<input size=7><hr size=9>`, 0, 0},
		{"thick borders", `<table border="3"><tr><td><img border=5 src="x.gif"></td></tr></table><table border=1></table>`, 0, 2},
		{"look-alike attributes", `<table data-border="5" border=" 0"><tr><td><font data-size=7>x</font></td></tr></table>`, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte("Content-Type: text/html\n\n<html><body>"+tc.html+"</body></html>"), Limits{})
			if m.HugeFonts != tc.fonts || m.ThickBorders != tc.thick {
				t.Errorf("HugeFonts %d, ThickBorders %d; want %d and %d", m.HugeFonts, m.ThickBorders, tc.fonts, tc.thick)
			}
		})
	}
}
