package bayes

import (
	"hash/fnv"
	"slices"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/message"
)

const sample = "Received: from mx.sender.example.co.uk (mail.sender.example.co.uk [192.0.2.1])\n" +
	"\tby mx.example.org with ESMTP id 123\n" +
	"Received: from localhost (localhost [127.0.0.1]) by mx.sender.example.co.uk\n" +
	"From: \"Ärger Bank\" <Alerts@Bank.Example.com>\n" +
	"To: a@example.org, b@example.org\n" +
	"Cc: c@example.org\n" +
	"Reply-To: collect@other.example.net\n" +
	"Subject: URGENT Verify your ACCOUNT now\n" +
	"Message-ID: <abc123@mailer.bank.example.com>\n" +
	"X-Mailer: SuperMailer 5.1\n" +
	"X-Spam-Status: Yes\n" +
	"MIME-Version: 1.0\n" +
	"Content-Type: multipart/mixed; boundary=b1\n" +
	"\n" +
	"--b1\n" +
	"Content-Type: text/html; charset=UTF-8\n" +
	"\n" +
	"<html><body><p>Dear CUSTOMER, your account is Suspended. Größe Über déjà-vu don't.</p>" +
	"<p>Click <a href=\"http://login.phish.example.ru/x\">here</a> now now now. Pneumonoultramicroscopicsilicovolcanoconiosis!</p>" +
	"<div style=\"display:none\">hiddenword stuffing</div><img src=\"http://img.example.ru/a.gif\"></body></html>\n" +
	"--b1\n" +
	"Content-Type: application/octet-stream; name=\"Invoice.PDF.exe\"\n" +
	"Content-Disposition: attachment; filename=\"Invoice.PDF.exe\"\n" +
	"Content-Transfer-Encoding: base64\n" +
	"\n" +
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n" +
	"--b1--\n"

func sampleMessage() *message.Message { return message.Parse([]byte(sample), message.Limits{}) }

func TestTokenStrings(t *testing.T) {
	got := Tokenizer{}.Strings(sampleMessage())
	for _, want := range []string{
		"F:n:ärger", "F:n:bank", "F:a:alerts@bank.example.com", "F:d:bank.example.com", "F:d:example.com",
		"RC:3-5", "S:urgent", "S:verify", "S:account", "RT:other.example.net", "RT:example.net",
		"RH:mx.sender.example.co.uk", "RH:example.co.uk", "RR:mail.sender.example.co.uk",
		"XM:supermailer", "MI:mailer.bank.example.com",
		"CT:text/html", "CS:utf-8", "T:html-only", "T:img:1",
		"U:login.phish.example.ru", "U:example.ru", "U:img.example.ru",
		"A:n:invoice.pdf.exe", "A:x:.exe",
		"dear", "customer", "suspended", "größe", "über", "déjà-vu", "don't", "now",
		"skip:p:40", "H:hiddenword", "H:stuffing",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("token %q missing from %q", want, got)
		}
	}
	for _, bad := range []string{"HN:x-spam-status", "RH:localhost"} {
		if slices.Contains(got, bad) {
			t.Errorf("token %q should not be there", bad)
		}
	}
	if slices.Contains(got, "hiddenword") {
		t.Error("hidden text leaked into the visible words")
	}
	for _, s := range got {
		if w := strings.TrimPrefix(s, "S:"); w != s && w != strings.ToLower(w) {
			t.Errorf("subject token %q not case-folded", s)
		}
	}
}

func TestTokensDedupeAndDeterminism(t *testing.T) {
	m := sampleMessage()
	a, b := Tokens(m), Tokens(sampleMessage())
	if !slices.Equal(a, b) {
		t.Fatal("two runs on the same message differ")
	}
	strs := Tokenizer{}.Strings(m)
	if len(strs) != len(a) {
		t.Fatalf("Strings has %d tokens, Tokens %d", len(strs), len(a))
	}
	seen := map[uint64]bool{}
	for i, h := range a {
		if seen[h] {
			t.Errorf("token %q twice", strs[i])
		}
		seen[h] = true
		if Hash(strs[i]) != h {
			t.Errorf("Hash(%q) = %x, Tokens gave %x", strs[i], Hash(strs[i]), h)
		}
	}
	// The hash is fixed across versions (databases depend on it): FNV-1a 64.
	for _, s := range []string{"", "a", "S:viagra", "größe"} {
		f := fnv.New64a()
		f.Write([]byte(s))
		if Hash(s) != f.Sum64() {
			t.Errorf("Hash(%q) = %x, want FNV-1a %x", s, Hash(s), f.Sum64())
		}
	}
}

func TestTokenBounds(t *testing.T) {
	body := strings.Repeat("w", 31) + " ab abc " + strings.Repeat("x", 30) + "\n"
	for i := 0; i < 5000; i++ {
		body += "word" + strings.Repeat("z", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + " "
	}
	m := message.Parse([]byte("Subject: x\n\n"+body), message.Limits{})
	strs := Tokenizer{}.Strings(m)
	if len(strs) != DefaultMaxTokens {
		t.Errorf("%d tokens, want the cap %d", len(strs), DefaultMaxTokens)
	}
	if !slices.Contains(strs, "skip:w:30") || !slices.Contains(strs, strings.Repeat("x", 30)) ||
		!slices.Contains(strs, "abc") || slices.Contains(strs, "ab") {
		t.Errorf("length bounds wrong: %q", strs[:12])
	}
	small := Tokenizer{MaxTokens: 10}.Tokens(m)
	if len(small) != 10 || !slices.Equal(small, Tokens(m)[:10]) {
		t.Errorf("MaxTokens 10 gave %d tokens, not the first 10", len(small))
	}
}

func TestWordsUnicode(t *testing.T) {
	e := newEmitter(Tokenizer{off: xBodyBigrams}.withDefaults(), true)
	e.words("", "ÉCOLE École école 東京都 Привет,мир! naïve--x ...dots... $100 1.5m", true)
	want := []string{"école", "東", "京", "都", "привет", "мир", "naïve--x", "dots", "$100", "1.5m"}
	if !slices.Equal(e.strs, want) {
		t.Errorf("words = %q, want %q", e.strs, want)
	}
}

// The Received tokens name what message.ParseHop reads: the client's HELO,
// the reverse DNS and address the receiver recorded (never a literal the
// client wrote), in the Postfix, Sendmail, Exim and qmail forms.
func TestReceivedTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"from mail.example.com (mail.example.com [192.0.2.1]) by x", []string{"RH:mail.example.com", "RH:example.com", "RR:mail.example.com", "RR:example.com", "RI:192.0.2", "RI:192.0"}},
		{"from HELO.Example.NET (unknown [192.0.2.1])", []string{"RH:helo.example.net", "RH:example.net", "RI:192.0.2", "RI:192.0"}},
		{"from [10.0.0.1] (unknown [198.51.100.7]) by x", []string{"RH:10.0.0.1", "RI:198.51.100", "RI:198.51"}},
		{"from rdns.example.org (HELO pc7) (198.51.100.9) by x", []string{"RH:nodot", "RR:rdns.example.org", "RR:example.org", "RI:198.51.100", "RI:198.51"}},
		{"from x", []string{"RH:nodot"}},
	} {
		m := message.Parse([]byte("Received: "+c.in+"\nSubject: s\n\nbody\n"), message.Limits{}.WithDefaults())
		var got []string
		for _, s := range (Tokenizer{}).Strings(m) {
			if strings.HasPrefix(s, "RH:") || strings.HasPrefix(s, "RR:") || (strings.HasPrefix(s, "RI:") && !strings.HasPrefix(s, "RI:by:")) {
				got = append(got, s)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Received %q: tokens %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRegistrable(t *testing.T) {
	for in, want := range map[string]string{
		"a.b.example.com": "example.com", "x.example.co.uk": "example.co.uk", "example.com": "example.com",
		"localhost": "localhost", "192.0.2.1": "192.0.2.1", "www.example.com.au": "example.com.au",
	} {
		if got := registrable(in); got != want {
			t.Errorf("registrable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokensEmptyMessage(t *testing.T) {
	if got := Tokens(&message.Message{}); len(got) == 0 {
		t.Error("an empty message should still have structure tokens")
	}
}

func BenchmarkTokens(b *testing.B) {
	m := sampleMessage()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Tokens(m)
	}
}

func TestTokenExtras(t *testing.T) {
	got := Tokenizer{}.Strings(sampleMessage())
	for _, want := range []string{
		"RI:192.0.2", "RI:192.0", "RI:by:mx.example.org", "RI:by:example.org",
		"SB:urgent verify", "SB:verify your", "UP:a.gif", "C:Dear", "C:CUSTOMER",
		"B:dear customer", "B:your account",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("token %q missing from %q", want, got)
		}
	}
	more := Tokenizer{x: xTo | xMisc}.Strings(sampleMessage())
	for _, want := range []string{"TO:example.org", "M:tz:none", "M:cte:base64", "M:mid:a9"} {
		if !slices.Contains(more, want) || slices.Contains(got, want) {
			t.Errorf("token %q: want it only from the experiment", want)
		}
	}
	if slices.Contains(got, "C:now") {
		t.Error("a lower-case word became a case token")
	}
	none := Tokenizer{off: xAll}.Strings(sampleMessage())
	for _, s := range none {
		if strings.HasPrefix(s, pfxCase) || strings.HasPrefix(s, pfxRcvdIP) {
			t.Errorf("token %q emitted with the extras off", s)
		}
	}
}

func TestShape(t *testing.T) {
	for in, want := range map[string]string{"abc123": "a9", "3D4F.x_Y": "9A9A.a_A", "": ""} {
		if got := shape(in); got != want {
			t.Errorf("shape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitParts(t *testing.T) {
	m := sampleMessage()
	p := Tokenizer{}.Split(m)
	if !slices.Equal(p.All, Tokens(m)) {
		t.Fatal("Split's tokens differ from Tokens")
	}
	var received, sender []uint64
	for _, s := range (Tokenizer{}).Strings(m) {
		switch {
		case strings.HasPrefix(s, "RH:") || strings.HasPrefix(s, "RR:") || strings.HasPrefix(s, "RI:"):
			received = append(received, Hash(s))
		case strings.HasPrefix(s, "F:") || strings.HasPrefix(s, "RT:") || strings.HasPrefix(s, "MI:"):
			sender = append(sender, Hash(s))
		}
	}
	if len(received) < 4 || !slices.Equal(p.Received, received) {
		t.Errorf("received tokens %x, want the RH:/RR:/RI: tokens %x", p.Received, received)
	}
	if len(sender) < 4 || !slices.Equal(p.Sender, sender) {
		t.Errorf("sender tokens %x, want the F:/RT:/MI: tokens %x", p.Sender, sender)
	}
	again := Tokenizer{}.Split(sampleMessage())
	if !slices.Equal(p.Received, again.Received) || !slices.Equal(p.Sender, again.Sender) {
		t.Error("two runs give different subsets")
	}
	// Under a token cap the subsets keep only what All kept.
	for _, n := range []int{1, 3, 8, 20} {
		c := Tokenizer{MaxTokens: n}.Split(m)
		for _, sub := range [][]uint64{c.Received, c.Sender} {
			for _, h := range sub {
				if !slices.Contains(c.All, h) {
					t.Errorf("MaxTokens %d: subset token %x not among the %d tokens kept", n, h, len(c.All))
				}
			}
		}
	}
}
